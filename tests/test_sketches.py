"""Real pen-drawn digits, drawn onto canvases as the app receives them, read by the shipped model."""

import numpy as np
import pytest

from model.preprocess import to_mnist
from model.serving import load_reader
from support import SKETCHES_PATH
from testbench.canvas import draw_strokes
from testbench.sketches import load_sketches, read_all

pytestmark = pytest.mark.skipif(not SKETCHES_PATH.is_file(), reason=f"needs the dev sketches at {SKETCHES_PATH}")
# Every 4th writer's digits keep this quick; benchmarks/sketch_accuracy.py reads them all.
STRIDE = 4
# Every 40th: that check is of exactness, not of accuracy.
ONE_VIEW_STRIDE = 40


def test_drawn_digits_read_at_the_shipped_rate():
    results = read_all(load_sketches(SKETCHES_PATH)[::STRIDE], load_reader(), seed=0)
    correct = results["digit"] == results["predicted"]
    assert correct.mean() >= 0.97
    for digit in range(10):
        assert correct[results["digit"] == digit].mean() >= 0.9, f"digit {digit}"
    for mode in np.unique(results["mode"]):
        assert correct[results["mode"] == mode].mean() >= 0.96, f"{mode} background"


def test_one_view_reads_each_drawing_once_as_drawn():
    """benchmarks.sketch_accuracy --one-view: the network's single reading of each drawing, no views averaged."""
    reader = load_reader()
    results = read_all(load_sketches(SKETCHES_PATH)[::ONE_VIEW_STRIDE], reader, seed=0, views=False)
    seen = np.stack([to_mnist(draw_strokes(strokes, placement, mode))
                     for _, _, mode, strokes, placement in results["jobs"]])
    np.testing.assert_array_equal(results["probabilities"], reader(seen[..., None]))
    assert (results["digit"] == results["predicted"]).mean() >= 0.95
