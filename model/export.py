"""Writing the trained network to disk: the Keras file, and the LiteRT file that the app runs."""

import contextlib
import io
from pathlib import Path

import keras
import tensorflow as tf

from model.serving import layer_output_key


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
