"""Where the trained network and its records live, and how they are written safely."""

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import keras

ARTIFACT_DIR = Path(__file__).resolve().parent
MODEL_FILE = "mnist_cnn.keras"
SERVING_FILE = "mnist_cnn.tflite"  # the same network for LiteRT, which the app runs
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
REBUILD_COMMAND = "python train.py --data PATH/TO/mnist.npz"


Writer = Callable[[Path], None]  # writes one artifact to the path it is given


def write_artifacts(out: Path, writers: dict[str, Writer]) -> None:
    """Write each named artifact in ``out`` with its writer, and put them in place together.

    Each is written to a temporary file beside its name, and only once all are written are they
    renamed over the old ones, so a run stopped while writing leaves the old set whole, never
    some old files beside some new ones.
    """
    with replacing(*(Path(out) / name for name in writers)) as temporaries:
        for write, temporary in zip(writers.values(), temporaries):
            write(temporary)


def write_json(path: Path, payload: dict) -> None:
    Path(path).write_text(_NUMBER_LIST.sub(_one_line, json.dumps(payload, indent=2)) + "\n")


def save_model(model: "keras.Model", path: Path) -> None:
    """Save without optimizer state, so the file holds only what inference needs."""
    # Imported here, as TensorFlow is below: the app imports this module and runs without either.
    import keras
    # A new Sequential over the same layers carries the weights but not the compiled optimizer.
    inference_model = keras.Sequential([keras.Input(shape=model.input_shape[1:]), *model.layers], name=model.name)
    inference_model.save(path)


def export_serving_model(model: "keras.Model", path: Path) -> None:
    """Write the network as a LiteRT flatbuffer: the same weights, for the app to run without TensorFlow.

    Besides the probabilities, the file gives the output of every layer that changes the data at
    inference, each named by ``layer_output_key``, so that the app can show what each layer sees.
    """
    import keras
    import tensorflow as tf

    from model.serving import layer_output_key  # here, as model.serving imports this module

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


def _one_line(match: re.Match) -> str:
    return "[" + " ".join(match.group(1).split()) + "]"


# Lists of plain numbers (per-epoch curves, confusion-matrix rows) read best on one line.
_NUMBER_LIST = re.compile(r"\[\s*([-0-9.,eE+\s]+?)\s*\]")


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


@contextmanager
def replacing(*paths: Path) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of ``paths``; once all are written, rename each over its own.

    A rename is atomic on one filesystem, so readers see an old file or a new one, never a
    half-written one. Every file is flushed to disk before the first rename, and the renames
    follow one another with nothing between them; if anything fails or stops the writing
    first, no old file is touched and the temporaries are removed.
    """
    paths = [Path(path) for path in paths]
    temporaries = []
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Keras insists on the .keras suffix, so the temporary name ends like the real one.
            handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
            os.close(handle)
            temporaries.append(Path(name))
        yield temporaries
        for temporary in temporaries:
            os.chmod(temporary, 0o644)
            with open(temporary, "rb") as file:
                os.fsync(file.fileno())
        for temporary, path in zip(temporaries, paths):
            os.replace(temporary, path)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
