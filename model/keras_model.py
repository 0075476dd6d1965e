"""Loading the trained Keras network, for evaluating and exporting it (train.py) and for comparisons.

The app does not use this module: it reads sketches through ``model.serving``, without TensorFlow.
"""

import functools
import zipfile
from pathlib import Path

import keras

from model.constants import SHIPPED
from model.errors import ModelError
from model.serving import check_shapes


@functools.cache
def load_keras_model(path: str | Path = SHIPPED.keras) -> keras.Model:
    """Load a saved network once per path; later calls return the same object."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"No trained model at {path}.")
    if not zipfile.is_zipfile(path):
        # Keras would report a truncated or foreign file as "File not found".
        raise ModelError(f"{path} is damaged or not a Keras model (it is not a .keras archive).")
    try:
        # safe_mode refuses files that would run arbitrary code as they load (Lambda layers).
        network = keras.saving.load_model(path, compile=False, safe_mode=True)
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise ModelError(f"{path} is not a readable Keras model ({type(error).__name__}: {error}).") from error
    check_shapes(path, tuple(network.input_shape[1:]), tuple(network.output_shape[1:]))
    return network
