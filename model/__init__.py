"""MNIST Sketchpad's model package: the documented CNN, its data, and reading sketches with it."""

import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) buries real output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from model.data import DataError, load_mnist  # noqa: E402
from model.inference import ModelError, classify, classify_batch, classify_seen, load_model  # noqa: E402
from model.network import RECIPES, build_cnn  # noqa: E402
from model.preprocess import to_mnist  # noqa: E402

__all__ = [
    "RECIPES",
    "DataError",
    "ModelError",
    "build_cnn",
    "classify",
    "classify_batch",
    "classify_seen",
    "load_mnist",
    "load_model",
    "to_mnist",
]
