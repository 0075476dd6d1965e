"""MNIST Sketchpad's model package: the documented CNN, its data, and reading sketches with it.

Reading sketches (``classify``, ``to_mnist``) needs only NumPy, Pillow and LiteRT, so the app
runs without TensorFlow; the names that need it (``build_cnn``, ``load_model``, ``RECIPES``)
import it on first use.
"""

import importlib
import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) buries real output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from model.data import DataError, load_mnist, load_mnist_test  # noqa: E402
from model.preprocess import to_mnist  # noqa: E402
from model.serving import ModelError, classify, classify_batch, classify_seen, load_reader  # noqa: E402

_NEEDING_TENSORFLOW = {"RECIPES": "model.network", "build_cnn": "model.network", "load_model": "model.inference"}

__all__ = [
    "RECIPES",
    "DataError",
    "ModelError",
    "build_cnn",
    "classify",
    "classify_batch",
    "classify_seen",
    "load_mnist",
    "load_mnist_test",
    "load_model",
    "load_reader",
    "to_mnist",
]


def __getattr__(name: str) -> object:
    if name in _NEEDING_TENSORFLOW:
        return getattr(importlib.import_module(_NEEDING_TENSORFLOW[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")
