"""Writing the trained network to disk: the Keras file, the LiteRT file the app runs, and the page's weights."""

import contextlib
import functools
import io
import json
import struct
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from model import preprocess, serving
from model.constants import (
    BROWSER_WEIGHTS_FILE,
    GOLDENS_FILE,
    IMAGE_SIDE,
    MNIST_BOX,
    MNIST_CENTRE,
    NUM_CLASSES,
    SERVING_FILE,
)
from model.files import Writer
from model.goldens import write_goldens
from model.serving import layer_output_key

# The page's weights (assets/reader.js): a little-endian uint32 giving the length of a JSON header, the header, then the
# tensors it lists, each at a 4-byte-aligned offset from the start of the data. The header names
# each layer's kind, activation, output shape and tensors, so the page runs the same layers in the
# same order; and it is the contract between the page's reader and the Python one: it carries every
# constant of model.preprocess and model.serving's views that reader.js needs, and reader.js has none
# of its own. The big Dense kernel (95% of the weights) is stored as float16, everything else as
# float32: the download halves, and the averaged probabilities still match LiteRT's to about 1e-4.
# Version 2 added the reading settings and the output shapes; reader.js refuses any other version.
FORMAT_VERSION = 2
# Tensors bigger than this are stored as float16; the small ones (convolutions, biases) keep full precision.
HALF_PRECISION_FROM = 100_000
ALIGNMENT = 4
# What train.py makes of a trained network for reading sketches, after training and with --export.
EXPORTED_FILES = (SERVING_FILE, BROWSER_WEIGHTS_FILE, GOLDENS_FILE)


def exported_files(model: keras.Model) -> dict[str, Writer]:
    """EXPORTED_FILES, each name with its writer: the app's LiteRT file, the page's weights, and the golden
    readings the page's reader is checked against, read with Keras (LiteRT is not loaded beside TensorFlow:
    see model.serving.LiteReader)."""
    writers = (functools.partial(export_serving_model, model), functools.partial(export_browser_weights, model),
               functools.partial(write_goldens, reader=model.predict_on_batch))
    return dict(zip(EXPORTED_FILES, writers))


def save_model(model: keras.Model, path: Path) -> None:
    """Save without optimizer state, so the file holds only what inference needs."""
    # A new Sequential over the same layers carries the weights but not the compiled optimizer.
    inference_model = keras.Sequential([keras.Input(shape=model.input_shape[1:]), *model.layers], name=model.name)
    inference_model.save(path)


def export_serving_model(model: keras.Model, path: Path) -> None:
    """Write the network as a LiteRT flatbuffer: the same weights, for the app to run without TensorFlow.

    Besides the probabilities, the file gives the output of every layer that changes the data at
    inference, each named by ``layer_output_key``, so that the app can show what each layer sees.
    """
    # Dropout is the identity at inference and Flatten only reshapes: they would show nothing new.
    unchanging = (keras.layers.Dropout, keras.layers.Flatten)
    shown = [layer for layer in model.layers[:-1] if not isinstance(layer, unchanging)]
    shown.append(model.layers[-1])  # whatever it is: its output is the network's
    # Outputs named, not listed: the converter keeps the names of a model's outputs but not their order.
    layers_out = keras.Model(model.inputs, {layer_output_key(position, layer.name): layer.output
                                            for position, layer in enumerate(shown)})
    # The converter prints the whole saved-model signature it goes through; it says nothing we need.
    with contextlib.redirect_stdout(io.StringIO()):
        flatbuffer = tf.lite.TFLiteConverter.from_keras_model(layers_out).convert()
    Path(path).write_bytes(flatbuffer)


def export_browser_weights(model: keras.Model, path: Path) -> None:
    """Write ``model``'s layers and weights as the page's reader loads them."""
    layers, blobs, offset = [], [], 0
    for layer in model.layers:
        tensors = []
        for name, weight in zip(("kernel", "bias"), layer.get_weights()):
            stored = weight.astype(np.float16 if weight.size > HALF_PRECISION_FROM else np.float32)
            tensors.append({"name": name, "shape": list(weight.shape), "dtype": stored.dtype.name, "offset": offset})
            blob = stored.tobytes()
            blob += b"\0" * (-len(blob) % ALIGNMENT)
            blobs.append(blob)
            offset += len(blob)
        layers.append({"kind": type(layer).__name__, "name": layer.name, "output_shape": list(layer.output.shape[1:]),
                       "tensors": tensors, **_layer_options(layer)})
    header = json.dumps({"format": FORMAT_VERSION, "input_shape": list(model.input_shape[1:]),
                         **_reading_settings(), "layers": layers}).encode()
    header += b" " * (-(len(header) + 4) % ALIGNMENT)
    Path(path).write_bytes(struct.pack("<I", len(header)) + header + b"".join(blobs))


def _reading_settings() -> dict:
    """How model.to_mnist and predict_seen read a sketch, for the page to read it the same way."""
    return {
        "num_classes": NUM_CLASSES,
        "preprocess": {"image_side": IMAGE_SIDE, "box": MNIST_BOX, "centre": list(MNIST_CENTRE),
                       "opaque_from": preprocess.OPAQUE_FROM, "min_contrast": preprocess.MIN_CONTRAST,
                       "halo_fraction": preprocess.HALO_FRACTION, "working_side": preprocess.WORKING_SIDE,
                       "resize_filter": preprocess.RESIZE_FILTER.name.lower(), "reducing_gap": preprocess.REDUCING_GAP},
        "views": {"turns": list(serving.VIEW_TURNS), "turn_filter": serving.TURN_FILTER.name.lower(),
                  "stroke_filter_size": serving.STROKE_FILTER_SIZE, "lighter_blend": serving.LIGHTER_BLEND},
    }


def _layer_options(layer: keras.layers.Layer) -> dict:
    """What the page needs of a layer besides its weights: its activation and its pooling."""
    config = layer.get_config()
    options = {key: config[key] for key in ("activation", "pool_size", "strides", "padding") if key in config}
    if options.get("padding", "valid") != "valid":
        raise ValueError(f"{layer.name}: the page's reader supports only 'valid' padding")
    return options
