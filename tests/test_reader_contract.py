"""The contract between the page's reader (assets/reader.js) and the Python one (model.preprocess, model.serving).

reader.js keeps no constant of the preprocessing or of the five views: it takes them from the header of
the weights file train.py exports. Here that header is checked against each constant's home in Python,
the golden readings exported beside it against what the Python reader gives today, and reader.js itself,
run by Node.js without a browser, against the goldens.
"""

import json
import os
import shutil
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model import preprocess, serving
from model.constants import IMAGE_SHAPE, IMAGE_SIDE, MNIST_BOX, MNIST_CENTRE, NUM_CLASSES, SHIPPED
from model.export import FORMAT_VERSION
from model.goldens import CANVASES
from model.keras_model import load_keras_model
from model.preprocess import to_mnist
from model.serving import load_reader, predict_seen
from support import LITERT_TOLERANCE, ROOT, read_goldens, split_browser_weights

NODE_READER = ROOT / "tests" / "read_goldens.mjs"
REEXPORT = "re-export the shipped model: python train.py --export"
# Measured in Node 20: reader.js gives every golden image pixel for pixel as to_mnist does (it copies
# Pillow's fixed-point arithmetic), so the images must be equal: a halo of 0.12 instead of 0.1 moves only
# a few pixels, by one grey level. Its views differ from Pillow's by at most 6e-8 (the turned ones: half a
# float32 step at 1.0), where a turn of 10 degrees instead of 8 moves pixels by tenths. Its probabilities
# differ from Keras's by at most 8e-6 (the 7 or 1; the float16 Dense kernel), the confident ones by 5e-7.
VIEW_TOLERANCE = 1e-6
PROBABILITY_TOLERANCE = 1e-4


def test_the_weights_header_gives_each_reading_constant_from_its_home_in_python() -> None:
    header, _ = split_browser_weights(SHIPPED.browser_weights)
    assert header["format"] == FORMAT_VERSION
    assert header["input_shape"] == list(IMAGE_SHAPE) and header["num_classes"] == NUM_CLASSES
    settings = {**header["preprocess"], **header["views"]}
    assert Image.Resampling[settings.pop("resize_filter").upper()] == preprocess.RESIZE_FILTER
    assert Image.Resampling[settings.pop("turn_filter").upper()] == serving.TURN_FILTER
    assert settings == {
        "image_side": IMAGE_SIDE, "box": MNIST_BOX, "centre": list(MNIST_CENTRE),
        "opaque_from": preprocess.OPAQUE_FROM, "min_contrast": preprocess.MIN_CONTRAST,
        "halo_fraction": preprocess.HALO_FRACTION, "working_side": preprocess.WORKING_SIDE,
        "reducing_gap": preprocess.REDUCING_GAP,
        "turns": list(serving.VIEW_TURNS), "stroke_filter_size": serving.STROKE_FILTER_SIZE,
        "lighter_blend": serving.LIGHTER_BLEND,
    }, REEXPORT
    network = load_keras_model(SHIPPED.keras)
    assert [(layer["name"], layer["output_shape"]) for layer in header["layers"]] == [
        (layer.name, list(layer.output.shape[1:])) for layer in network.layers]


def test_the_shipped_goldens_are_what_the_python_reader_reads_today() -> None:
    """A change to the canvases, to_mnist or the views fails here until the model is re-exported."""
    goldens = read_goldens(SHIPPED.goldens)
    assert [golden.about for golden in goldens] == [canvas.about for canvas in CANVASES], REEXPORT
    reader = load_reader(SHIPPED.serving)
    for golden, canvas in zip(goldens, CANVASES):
        np.testing.assert_array_equal(golden.rgba, canvas.pixels(), err_msg=f"{golden.about}: {REEXPORT}")
        np.testing.assert_array_equal(golden.seen, to_mnist(golden.rgba), err_msg=f"{golden.about}: {REEXPORT}")
        np.testing.assert_allclose(predict_seen(golden.seen[None], reader)[0], golden.probabilities, rtol=0,
                                   atol=LITERT_TOLERANCE, err_msg=f"{golden.about}: {REEXPORT}")


def test_the_goldens_cover_the_paths_through_the_reader() -> None:
    goldens = read_goldens(SHIPPED.goldens)
    assert len({golden.rgba.shape[:2] for golden in goldens}) >= 3  # square, wide and tall canvases
    readings = [golden.probabilities for golden in goldens if golden.seen.any()]
    assert {int(np.argmax(reading)) for reading in readings} >= {0, 1, 2, 4, 7, 8, 9}
    assert min(reading.max() for reading in readings) < 0.6  # one near a class boundary, where errors show
    assert sum(not golden.seen.any() for golden in goldens) == 2  # a blank canvas and one too faint to read
    assert SHIPPED.goldens.stat().st_size < 50_000


@pytest.fixture(scope="module")
def node() -> str:
    """Node.js, which runs the page's reader here without a browser; on CI, where it must be, an error if missing."""
    path = shutil.which("node")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true, but Node.js is not on PATH (apt-get install nodejs)")
        pytest.skip("needs Node.js on PATH (apt-get install nodejs) to run assets/reader.js outside a browser")
    return path


def read_in_node(node: str, weights: Path = SHIPPED.browser_weights) -> subprocess.CompletedProcess:
    return subprocess.run([node, str(NODE_READER), str(weights), str(SHIPPED.goldens)], capture_output=True,
                          text=True, timeout=120)


def test_the_pages_reader_reads_the_goldens_as_python_does(node: str) -> None:
    result = read_in_node(node)
    assert result.returncode == 0, result.stderr
    goldens = read_goldens(SHIPPED.goldens)
    readings = json.loads(result.stdout)
    assert len(readings) == len(goldens)
    for golden, reading in zip(goldens, readings):
        seen = np.array(reading["seen"], np.float32).reshape(golden.seen.shape)
        np.testing.assert_array_equal(seen, golden.seen, err_msg=golden.about)
        np.testing.assert_allclose(np.array(reading["views"]).reshape(-1, *seen.shape), views_of(golden.seen),
                                   rtol=0, atol=VIEW_TOLERANCE, err_msg=golden.about)
        np.testing.assert_allclose(reading["probabilities"], golden.probabilities, rtol=0,
                                   atol=PROBABILITY_TOLERANCE, err_msg=golden.about)


def views_of(seen: np.ndarray) -> np.ndarray:
    """The five views predict_seen reads of ``seen``, as it hands them to its reader."""
    views = []
    predict_seen(seen[None], lambda batch: views.append(batch[..., 0]) or np.ones((len(batch), NUM_CLASSES)))
    return views[0]


def _set(section: str | None, key: str, value: object) -> Callable[[dict], None]:
    def change(header: dict) -> None:
        (header[section] if section else header)[key] = value
    return change


@pytest.mark.parametrize("change, refusal", [
    (_set(None, "format", FORMAT_VERSION - 1),
     f"the weights are in format {FORMAT_VERSION - 1}, but this page's reader reads format {FORMAT_VERSION} "
     "(re-export them with python train.py --export, or reload the page)"),
    (_set("preprocess", "resize_filter", "bicubic"), "the weights ask for resize_filter bicubic, not lanczos"),
    (_set(None, "num_classes", 9), "the network does not end in a Dense layer of 9 classes"),
], ids=["format", "filter", "classes"])
def test_the_pages_reader_refuses_weights_it_cannot_read_as_python_does(node: str, tmp_path: Path, change,
                                                                        refusal: str) -> None:
    """assets/live_reading.js then reads on the server, saying why (tests/test_browser_reader.py)."""
    header, data = split_browser_weights(SHIPPED.browser_weights)
    change(header)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-(len(encoded) + 4) % 4)
    weights = tmp_path / SHIPPED.browser_weights.name
    weights.write_bytes(struct.pack("<I", len(encoded)) + encoded + data)
    result = read_in_node(node, weights)
    assert result.returncode == 1
    assert result.stderr.strip() == refusal
