"""How long one sketch takes to read, as the app reads it and by Keras's predict for comparison.

    python -m benchmarks.latency [--repeats 300]

Draws a 2 on a canvas of the app's size in each background mode and times, after a
warm-up: preprocessing alone (to_mnist), the model alone (five views, one batch), and a
whole classify() call, served by LiteRT as in the app and, side by side, by Keras's
model.predict, the path most demos take. Then what a stroke costs the app beyond that:
decoding the uploaded PNG first, and, on the Inside tab, look_inside() (every layer's
output and which pixels mattered). Prints p50 and p95 of each, then a summary line.
"""

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.apps import BROWSER_LIKE_COMPRESSION
from model.constants import CANVAS_SIZE
from model.inside import look_inside
from model.keras_model import load_keras_model
from model.preprocess import open_image, to_mnist
from model.serving import Reader, classify, load_reader, predict_seen
from testbench.canvas import SHEETS, Placement, draw_strokes

# A "2" that fills most of the canvas with a medium brush: a typical big drawing.
TWO = [[(10, 30), (40, 0), (80, 10), (85, 45), (10, 100), (90, 100)]]
log = logging.getLogger("latency")


def milliseconds(function, repeats: int) -> np.ndarray:
    function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return np.array(timings) * 1000


def report(name: str, timings: np.ndarray) -> float:
    median = float(np.median(timings))
    log.info("%-44s p50 %7.3f ms   p95 %7.3f ms", name, median, np.percentile(timings, 95))
    return median


def time_mode(mode: str, uploads: Path, lite: Reader, keras_predict: Reader, repeats: int) -> dict[str, float]:
    """Medians (ms) of each step for a 2 drawn on a canvas in ``mode``, each logged with its p95."""
    canvas = draw_strokes(TWO, Placement(0.8, 0.05, 0.5, 0.5), mode, size=CANVAS_SIZE)
    seen = to_mnist(canvas)[None]
    upload = uploads / f"{mode}.png"  # as Gradio leaves the page's upload: a PNG file, encoded as fast as Chromium's
    Image.fromarray(canvas).save(upload, compress_level=BROWSER_LIKE_COMPRESSION)
    log.info("%s canvas, %dx%d:", mode, CANVAS_SIZE, CANVAS_SIZE)
    return {
        "to_mnist": report("  preprocessing (to_mnist)", milliseconds(lambda: to_mnist(canvas), repeats)),
        "model": report("  model alone, LiteRT (5 views)", milliseconds(lambda: predict_seen(seen, lite), repeats)),
        "classify": report("  classify(), LiteRT: what the app runs",
                           milliseconds(lambda: classify(canvas, lite), repeats)),
        "keras": report("  classify() with Keras model.predict",
                        milliseconds(lambda: classify(canvas, keras_predict), max(20, repeats // 10))),
        "stroke": report("  decoding the PNG upload, then classify()",
                         milliseconds(lambda: classify(open_image(upload), lite), repeats)),
        "inside": report("  look_inside(): every layer, what mattered",
                         milliseconds(lambda: look_inside(seen[0], lite), max(20, repeats // 3))),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    lite = load_reader()
    network = load_keras_model()

    def keras_predict(batch: np.ndarray) -> np.ndarray:
        return network.predict(batch, verbose=0)

    with tempfile.TemporaryDirectory() as uploads:
        medians = {mode: time_mode(mode, Path(uploads), lite, keras_predict, args.repeats) for mode in SHEETS}
    worst = max(medians.values(), key=lambda figures: figures["classify"])
    log.info("Summary: classify() p50 %.2f ms at worst (preprocessing %.2f ms), %.0fx faster than Keras predict "
             "(%.1f ms); with the PNG decoded first %.2f ms; look_inside() %.1f ms",
             worst["classify"], worst["to_mnist"], worst["keras"] / worst["classify"], worst["keras"], worst["stroke"],
             worst["inside"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
