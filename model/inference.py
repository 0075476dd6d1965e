"""Reading digits with the trained network: the entry point the app, tests and notebooks share."""

import functools
import zipfile
from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np
from PIL import Image, ImageFilter

from model.artifacts import ARTIFACT_DIR, MODEL_FILE, REBUILD_COMMAND
from model.network import IMAGE_SHAPE, NUM_CLASSES
from model.preprocess import SketchImage, to_mnist

DEFAULT_MODEL_PATH = ARTIFACT_DIR / MODEL_FILE
LABELS = [str(digit) for digit in range(NUM_CLASSES)]
# Each sketch is read five ways and the readings averaged: as drawn, turned a little each
# way, and with heavier and lighter strokes, the variations the sketch recipe trains the
# network to shrug off. It steadies drawings near a class boundary for the cost of one
# batch of five instead of one.
VIEW_TURNS = (-8.0, 8.0)  # degrees


class ModelError(Exception):
    """The trained model could not be loaded; the message names the file and the fix."""


@functools.cache
def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> keras.Model:
    """Load a saved network once per path; later calls return the same object."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"No trained model at {path}. Rebuild it with: {REBUILD_COMMAND}")
    if not zipfile.is_zipfile(path):
        # Keras would report a truncated or foreign file as "File not found".
        raise ModelError(f"{path} is damaged or not a Keras model (it is not a .keras archive). "
                         f"Rebuild it with: {REBUILD_COMMAND}")
    try:
        # safe_mode refuses files that would run arbitrary code as they load (Lambda layers).
        network = keras.saving.load_model(path, compile=False, safe_mode=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise ModelError(
            f"{path} is not a readable Keras model ({type(error).__name__}: {error}). "
            f"Rebuild it with: {REBUILD_COMMAND}"
        ) from error
    shapes = (tuple(network.input_shape), tuple(network.output_shape))
    if shapes != ((None, *IMAGE_SHAPE), (None, NUM_CLASSES)):
        raise ModelError(
            f"{path} maps inputs of shape {shapes[0][1:]} to {shapes[1][1:]}, but sketches are read as "
            f"{IMAGE_SHAPE} images into {NUM_CLASSES} digits. Rebuild it with: {REBUILD_COMMAND}"
        )
    return network


def classify_batch(images: Sequence[SketchImage], model: keras.Model | None = None) -> np.ndarray:
    """Return an (N, 10) array of class probabilities, one row per sketch."""
    return predict_seen(np.stack([to_mnist(image) for image in images]), model)


def classify(image: SketchImage, model: keras.Model | None = None) -> dict[str, float]:
    """Map "0".."9" to the probability that ``image`` shows that digit."""
    return classify_seen(to_mnist(image), model)


def classify_seen(seen: np.ndarray, model: keras.Model | None = None) -> dict[str, float]:
    """``classify`` for an image already preprocessed by ``to_mnist``, for callers that show it too."""
    return dict(zip(LABELS, predict_seen(seen[None], model)[0].tolist()))


def predict_seen(seen: np.ndarray, model: keras.Model | None = None) -> np.ndarray:
    """(N, 28, 28) images from ``to_mnist`` -> (N, 10) class probabilities.

    An image with no ink gets the uniform distribution: no guess at all.
    """
    model = model or load_model()
    views = np.stack([view for image in seen for view in _views(image)])
    readings = np.asarray(model.predict_on_batch(views[..., None]), dtype=np.float64)
    probabilities = readings.reshape(len(seen), -1, NUM_CLASSES).mean(axis=1)
    probabilities[~seen.any(axis=(1, 2))] = 1.0 / NUM_CLASSES
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def _views(seen: np.ndarray) -> list[np.ndarray]:
    image = Image.fromarray(seen.astype(np.float32))
    turned = [np.asarray(image.rotate(angle, Image.Resampling.BILINEAR)) for angle in VIEW_TURNS]
    heavier = np.asarray(image.filter(ImageFilter.MaxFilter(3)))
    # Half an erosion, as in training: a full one wipes out thin strokes.
    lighter = (seen + np.asarray(image.filter(ImageFilter.MinFilter(3)))) / 2
    return [seen, *turned, heavier, lighter]
