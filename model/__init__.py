"""MNIST Sketchpad's model package: the documented CNN, its data, and reading sketches with it.

Modules import one way, from plain values up: ``constants`` and ``errors``; then ``files``,
``preprocess``, ``pen``, ``data``, ``serving`` (LiteRT), ``pictures``, ``inside``,
``classroom`` and ``records``, none of which imports TensorFlow, so the app starts without it;
then the TensorFlow side, which only train.py loads: ``network``, ``augment``, ``training``,
``export`` and ``keras_model``.

For notebooks, the reader the app uses: ``model.classify(image)`` and ``model.to_mnist(image)``.
"""

import os

# TensorFlow's C++ start-up chatter (CUDA probes, CPU feature notes) buries real output; it reads
# this when it loads, which is after this package in every entry point.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from model.preprocess import to_mnist  # noqa: E402
from model.serving import classify, classify_batch  # noqa: E402

__all__ = ["classify", "classify_batch", "to_mnist"]
