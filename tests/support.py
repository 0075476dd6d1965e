"""Shared test helpers: where the real data lives, a small stand-in when it does not, and checks of exported models."""

import base64
import json
import os
import re
import select
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from model.constants import IMAGE_SIDE

if TYPE_CHECKING:
    import keras

    from model.serving import LiteReader

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SHIPPED_MODEL_DIR = ROOT / "model"
MNIST_PATH = SHARED_DATA / "mnist.npz"
SKETCHES_PATH = SHARED_DATA / "sketches" / "uji_digits.json"
# The accessibility test's pinned axe-core (tests/package.json), installed by `npm ci --prefix tests`.
AXE_PATH = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
BOARD_KEY = "the-teachers-key"  # the class board's key in the app the tests serve (tests/conftest.py)
# The layers whose outputs the LiteRT file gives: each that changes the data at inference.
SHOWN_LAYERS = ("Conv2D", "MaxPooling2D", "Dense")
# The golden readings (model/goldens.py) are Keras's, read in train.py. Measured on the shipped ones: LiteRT's
# differ by at most 9e-8, on the 7 that reads as a 1 about as often; the confident readings by 6e-9 or less.
LITERT_TOLERANCE = 1e-6


# Hand-made training records in which every number differs: no two curves alike, no value repeated across series
# or epochs, a confusion matrix that is not symmetric and whose rows and columns add up differently. A figure
# shown from the wrong series, a shifted epoch, a transposed matrix or a misplaced column then shows as a wrong
# number (tests/test_records.py in process, tests/test_shown_figures.py on the page).
HANDMADE_EPOCHS = 3
HANDMADE_HISTORY = {
    "epochs": HANDMADE_EPOCHS,
    "loss": [0.913, 0.472, 0.331],
    "val_loss": [0.842, 0.615, 0.524],
    "accuracy": [0.712, 0.845, 0.903],
    "val_accuracy": [0.751, 0.807, 0.866],
}
HANDMADE_RECIPE = {"name": "handmade", "epochs": HANDMADE_EPOCHS, "batch_size": 128, "validation_split": 0.15,
                   "optimizer": "adamw", "learning_rate": 0.002, "schedule": "constant", "augment": False,
                   "restyled": 0.0}


def handmade_confusion() -> list[list[int]]:
    """Rows: the digit written; columns: the digit read. Every row and column sum differs from its partner."""
    matrix = np.zeros((10, 10), int)
    for written in range(10):
        matrix[written, written] = 40 + 7 * written
        matrix[written, (written + 1) % 10] = written + 1
        matrix[written, (written + 3) % 10] = 2 * (written % 4)
    return matrix.tolist()


def write_handmade_records(folder: Path, architecture: list[dict]) -> None:
    """history.json and metrics.json from the hand-made records, with ``architecture`` as the layers' record."""
    confusion = np.array(handmade_confusion())
    metrics = {"test_loss": 0.2718, "test_accuracy": float(np.trace(confusion) / confusion.sum()),
               "confusion_matrix": confusion.tolist(), "recipe": HANDMADE_RECIPE, "seed": 7, "training_images": 1234,
               "training_seconds": 12.3, "date": "2026-11-30T10:00:00+00:00", "architecture": architecture,
               "parameters": sum(row["parameters"] for row in architecture)}
    (Path(folder) / "metrics.json").write_text(json.dumps(metrics))
    (Path(folder) / "history.json").write_text(json.dumps({**HANDMADE_HISTORY, "recipe": HANDMADE_RECIPE}))


def write_standin_mnist(path: Path, train: int = 1000, test: int = 200, seed: int = 0) -> Path:
    """A Keras-format mnist.npz of random 'digits': right keys, shapes and dtypes, tiny size."""
    rng = np.random.default_rng(seed)
    np.savez_compressed(
        path,
        x_train=rng.integers(0, 256, (train, 28, 28), dtype=np.uint8),
        y_train=rng.integers(0, 10, train, dtype=np.uint8),
        x_test=rng.integers(0, 256, (test, 28, 28), dtype=np.uint8),
        y_test=rng.integers(0, 10, test, dtype=np.uint8),
    )
    return path


def training_data(tmp_path: Path) -> Path:
    """The real MNIST file when it is beside the project, else a generated stand-in."""
    return MNIST_PATH if MNIST_PATH.is_file() else write_standin_mnist(tmp_path / "standin.npz")


def run_script(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run a project script as a user would, from the project root.

    train.py must be told where to write (--out), and not into the shipped model's folder.
    """
    assert_writes_elsewhere(args)
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def audited_writes(folder: Path, *args: str) -> list[tuple[str, ...]]:
    """Run ``python ARGS`` to the end under tests/audited.py: every write, rename and copy it made in ``folder``,
    as ("writing", path), ("truncating", path), ("renaming", source, target) or ("copying", source, target)."""
    result = run_script("tests/audited.py", "--watch", str(folder), *args)
    assert result.returncode == 0, result.stderr[-3000:]
    events = []
    for line in result.stderr.splitlines():
        if match := re.fullmatch(r"(writing|truncating) (\S+)", line):
            events.append((match[1], match[2]))
        elif match := re.fullmatch(r"(renaming|copying) (\S+) -> (\S+)", line):
            events.append((match[1], match[2], match[3]))
    return events


def assert_each_arrives_by_rename(out: Path, inodes: dict[str, int], events: list[tuple[str, ...]]) -> None:
    """None of the files in ``inodes`` (name -> inode before the run) was opened, truncated or copied over: each was
    put in place once, by renaming a temporary file written beside it, and no temporary file is left."""
    finals = {str(out / name) for name in inodes}
    written = {event[1] for event in events if event[0] == "writing"}
    assert not written & finals, f"opened for writing: {sorted(written & finals)}"
    assert not [event for event in events if event[0] in ("truncating", "copying")], events
    renames = dict(event[1:] for event in events if event[0] == "renaming")
    assert sorted(renames.values()) == sorted(finals)
    assert all(source in written and Path(source).name.startswith(".") for source in renames), renames
    # What the audit hooks cannot see (a C library writing in place) keeps a file's inode; a rename replaces it.
    assert all((out / name).stat().st_ino != inode for name, inode in inodes.items())
    assert not [path for path in out.iterdir() if path.name.startswith(".")], "temporaries left behind"


def inodes_of(out: Path, names: tuple[str, ...]) -> dict[str, int]:
    return {name: (out / name).stat().st_ino for name in names}


def assert_writes_elsewhere(args: tuple[str, ...] | list[str]) -> None:
    if "train.py" in args and "--help" not in args:
        assert "--out" in args, f"train.py run without --out would write over the shipped model: {args}"
        out = Path(args[args.index("--out") + 1]).resolve()
        assert not out.is_relative_to(SHIPPED_MODEL_DIR), f"train.py told to write into {out}"


def read_until(pipe: IO, text: str, timeout: float) -> str:
    """What came through ``pipe`` until ``text`` appeared, or until it closed or ``timeout`` passed."""
    output, deadline = "", time.monotonic() + timeout
    # Raw reads: a buffered reader could hold a line back while select() sees an empty pipe.
    while text not in output and time.monotonic() < deadline:
        if select.select([pipe], [], [], 1)[0]:
            chunk = os.read(pipe.fileno(), 1 << 16).decode(errors="replace")
            if not chunk:  # the process closed its stderr: it has exited
                break
            output += chunk
    return output


def assert_serves_every_layer(reader: "LiteReader", network: "keras.Model", images: np.ndarray) -> None:
    """The exported file gives each shown layer's output, in the model's order, as Keras computes it."""
    import keras  # here, not above: most tests that use this module run without TensorFlow

    shown = [layer for layer in network.layers if type(layer).__name__ in SHOWN_LAYERS]
    assert reader.layer_names == tuple(layer.name for layer in shown)
    served = reader.layer_outputs(images)
    assert tuple(served) == reader.layer_names
    computed = keras.Model(network.inputs, [layer.output for layer in shown]).predict_on_batch(images)
    for layer, expected in zip(shown, computed):
        assert served[layer.name].shape == (len(images), *layer.output.shape[1:]), layer.name
        np.testing.assert_allclose(served[layer.name], expected, atol=1e-4, err_msg=layer.name)
    np.testing.assert_array_equal(reader(images), served[shown[-1].name])


def split_browser_weights(path: Path) -> tuple[dict, bytes]:
    """The page's weights file as its JSON header and the tensor data after it."""
    blob = Path(path).read_bytes()
    (length,) = struct.unpack_from("<I", blob)
    return json.loads(blob[4:4 + length]), blob[4 + length:]


def read_browser_weights(path: Path) -> dict[str, list[np.ndarray]]:
    """Each layer's name -> its weights as the page's file stores them (kernel, then bias), as reader.js reads."""
    header, data = split_browser_weights(path)
    return {layer["name"]: [np.frombuffer(data, tensor["dtype"], int(np.prod(tensor["shape"])), tensor["offset"])
                            .reshape(tensor["shape"]) for tensor in layer["tensors"]]
            for layer in header["layers"]}


@dataclass(frozen=True)
class Golden:
    """One golden reading (model/goldens.py): a canvas, its 28x28 image and its probabilities."""

    about: str
    rgba: np.ndarray
    seen: np.ndarray
    probabilities: np.ndarray


def read_goldens(path: Path) -> list[Golden]:
    def unpack(packed: str, shape: tuple[int, ...]) -> np.ndarray:
        return np.frombuffer(zlib.decompress(base64.b64decode(packed)), np.uint8).reshape(shape)

    return [Golden(golden["about"], unpack(golden["rgba"], (golden["height"], golden["width"], 4)),
                   unpack(golden["seen"], (IMAGE_SIDE, IMAGE_SIDE)).astype(np.float32) / 255,
                   np.array(golden["probabilities"]))
            for golden in json.loads(Path(path).read_text())["canvases"]]
