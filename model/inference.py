"""Loading the trained Keras network, for evaluation, export and side-by-side comparisons.

The app does not use this module: it reads sketches through ``model.serving``, without
TensorFlow. To read sketches with a Keras model, pass its ``predict_on_batch`` as the reader:
``classify(image, load_model(path).predict_on_batch)``.
"""

import functools
import zipfile
from pathlib import Path

import keras

from model.artifacts import ARTIFACT_DIR, MODEL_FILE
from model.serving import ModelError, Reader, check_shapes, load_reader

DEFAULT_MODEL_PATH = ARTIFACT_DIR / MODEL_FILE


@functools.cache
def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> keras.Model:
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


def reader_for(path: str | Path) -> Reader:
    """A reader for a saved network: Keras for a .keras file, LiteRT (as the app serves) otherwise."""
    if Path(path).suffix == ".keras":
        return load_model(path).predict_on_batch
    return load_reader(path)
