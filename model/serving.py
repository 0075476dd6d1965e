"""Reading sketches: the entry point the app, tests and notebooks share.

The app serves the trained network as a LiteRT flatbuffer (``mnist_cnn.tflite``, exported
by train.py beside ``mnist_cnn.keras``), so serving needs neither TensorFlow nor Keras:
one reading takes a fraction of a millisecond instead of Keras's per-call overhead, and
the app starts without TensorFlow's seconds and hundreds of megabytes. Any callable that
maps a batch (N, 28, 28, 1) to probabilities (N, 10) can read instead, such as a Keras
model's ``predict_on_batch``.

The page reads sketches itself with a mirror of ``predict_seen`` and its five views in
assets/reader.js. The contract between the two is the header of the page's weights file
(model/export.py): it carries the views' constants below, and reader.js takes them from there;
golden canvases (model/goldens.py) check that both read alike.
"""

import functools
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageFilter

from model.constants import IMAGE_SHAPE, LABELS, NUM_CLASSES, SHIPPED
from model.errors import ModelError
from model.preprocess import SketchImage, to_mnist

if TYPE_CHECKING:
    from ai_edge_litert.interpreter import Interpreter

# Each sketch is read five ways and the readings averaged: as drawn, turned a little each
# way, and with heavier and lighter strokes, the variations the sketch recipe trains the
# network to shrug off. It steadies drawings near a class boundary for the cost of one
# batch of five instead of one.
VIEW_TURNS = (-8.0, 8.0)  # degrees
TURN_FILTER = Image.Resampling.BILINEAR
# Heavier strokes: each pixel the brightest of the square of this side around it. Lighter: each pixel
# moved LIGHTER_BLEND of the way towards the darkest of that square.
STROKE_FILTER_SIZE = 3
LIGHTER_BLEND = 0.5

Reader = Callable[[np.ndarray], np.ndarray]

# The converter keeps the names of a LiteRT file's outputs but not their order, so export_serving_model
# names each layer's output with layer_output_key: its position from the input, then its Keras name.
_LAYER_OUTPUT_KEY = re.compile(r"(\d+)_(.+)")


def check_shapes(path: Path, input_shape: tuple, output_shape: tuple) -> None:
    """Refuse a network that does not map one 28x28x1 image to 10 digit probabilities."""
    if input_shape != IMAGE_SHAPE or output_shape != (NUM_CLASSES,):
        raise ModelError(f"{path} maps inputs of shape {input_shape} to {output_shape}, but sketches are read "
                         f"as {IMAGE_SHAPE} images into {NUM_CLASSES} digits.")


def layer_output_key(position: int, layer_name: str) -> str:
    """The name under which the LiteRT file gives a layer's output: its position and Keras name."""
    return f"{position:02d}_{layer_name}"


class LiteReader:
    """The exported network, run by the LiteRT interpreter: batch (N, 28, 28, 1) -> (N, 10).

    ``layer_outputs`` shows what each layer makes of a batch, as the app's "Inside the network" does.
    """

    def __init__(self, path: Path) -> None:
        # Imported only here: train.py imports this module too, and LiteRT's runtime loaded beside
        # TensorFlow's has crashed a training run interrupted with Ctrl-C (free(): invalid next size).
        from ai_edge_litert.interpreter import Interpreter

        # One thread: requests run side by side in the app, and one image is too small to split.
        self._interpreter = Interpreter(model_path=str(path), num_threads=1)
        self._input = self._interpreter.get_input_details()[0]
        outputs = _outputs_in_model_order(self._interpreter)
        self.layer_names: tuple[str, ...] = tuple(outputs)
        self._layer_indices = {name: output["index"] for name, output in outputs.items()}
        self._output_index = self._layer_indices[self.layer_names[-1]]
        self.input_shape = tuple(self._input["shape_signature"][1:].tolist())
        self.output_shape = tuple(outputs[self.layer_names[-1]]["shape_signature"][1:].tolist())
        self._batch = 0
        # An interpreter holds one set of tensors, so calls from the app's worker threads take turns.
        self._lock = threading.Lock()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with self._lock:
            self._invoke(batch)
            return self._interpreter.get_tensor(self._output_index)  # a copy, safe past the lock

    def layer_outputs(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        """Each layer in ``layer_names`` -> its output for ``batch``, shaped (N, *that layer's output shape)."""
        with self._lock:
            self._invoke(batch)
            return {name: self._interpreter.get_tensor(index) for name, index in self._layer_indices.items()}

    def _invoke(self, batch: np.ndarray) -> None:
        """Run the network on ``batch``; the caller holds the lock until it has read the outputs."""
        batch = np.ascontiguousarray(batch, np.float32)
        if len(batch) != self._batch:
            self._interpreter.resize_tensor_input(self._input["index"], batch.shape)
            self._interpreter.allocate_tensors()
            self._batch = len(batch)
        self._interpreter.set_tensor(self._input["index"], batch)
        self._interpreter.invoke()


def _outputs_in_model_order(interpreter: "Interpreter") -> dict[str, dict]:
    """Each output's layer name -> its tensor details, input to output; the last is the network's output."""
    outputs = interpreter.get_signature_runner().get_output_details() if interpreter.get_signature_list() else {}
    keys = [_LAYER_OUTPUT_KEY.fullmatch(name) for name in outputs]
    if not keys or not all(keys):
        raise ValueError(f"its {len(outputs)} outputs do not say which layers they come from")
    return {key[2]: outputs[key.string] for key in sorted(keys, key=lambda key: int(key[1]))}


@functools.cache
def load_reader(path: str | Path = SHIPPED.serving) -> LiteReader:
    """Load the exported network once per path, or raise ModelError naming the file and the fix."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"No exported model at {path}.")
    try:
        reader = LiteReader(path)
    except (ValueError, RuntimeError, OSError) as error:
        raise ModelError(f"{path} is not a readable LiteRT model ({_first_line(error)}).") from None
    check_shapes(path, reader.input_shape, reader.output_shape)
    return reader


def classify(image: SketchImage, reader: Reader | None = None) -> dict[str, float]:
    """Map "0".."9" to the probability that ``image`` shows that digit."""
    return classify_seen(to_mnist(image), reader)


def classify_batch(images: Sequence[SketchImage], reader: Reader | None = None) -> np.ndarray:
    """Return an (N, 10) array of class probabilities, one row per sketch."""
    return predict_seen(np.stack([to_mnist(image) for image in images]), reader)


def classify_seen(seen: np.ndarray, reader: Reader | None = None) -> dict[str, float]:
    """``classify`` for an image already preprocessed by ``to_mnist``, for callers that show it too."""
    return confidences(predict_seen(seen[None], reader)[0])


def confidences(probabilities: np.ndarray) -> dict[str, float]:
    """One image's (10,) probabilities as ``classify`` gives them: "0".."9" -> probability."""
    return dict(zip(LABELS, probabilities.tolist()))


def predict_seen(seen: np.ndarray, reader: Reader | None = None) -> np.ndarray:
    """(N, 28, 28) images from ``to_mnist`` -> (N, 10) class probabilities.

    An image with no ink gets the uniform distribution: no guess at all.
    """
    reader = reader or load_reader()
    views = np.stack([view for image in seen for view in _views(image)])
    readings = np.asarray(reader(views[..., None]), dtype=np.float64)
    probabilities = readings.reshape(len(seen), -1, NUM_CLASSES).mean(axis=1)
    probabilities[~seen.any(axis=(1, 2))] = 1.0 / NUM_CLASSES
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def _views(seen: np.ndarray) -> list[np.ndarray]:
    image = Image.fromarray(seen.astype(np.float32))
    turned = [np.asarray(image.rotate(angle, TURN_FILTER)) for angle in VIEW_TURNS]
    heavier = np.asarray(image.filter(ImageFilter.MaxFilter(STROKE_FILTER_SIZE)))
    # Half an erosion, as in training: a full one wipes out thin strokes.
    eroded = np.asarray(image.filter(ImageFilter.MinFilter(STROKE_FILTER_SIZE)))
    lighter = seen * (1 - LIGHTER_BLEND) + eroded * LIGHTER_BLEND
    return [seen, *turned, heavier, lighter]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
