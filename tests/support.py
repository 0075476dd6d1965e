"""Shared test helpers: where the real data lives, a small stand-in when it does not, and checks of exported models."""

import json
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

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
# The layers whose outputs the LiteRT file gives: each that changes the data at inference.
SHOWN_LAYERS = ("Conv2D", "MaxPooling2D", "Dense")


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


def read_browser_weights(path: Path) -> dict[str, list[np.ndarray]]:
    """Each layer's name -> its weights as the page's file stores them (kernel, then bias), as reader.js reads."""
    blob = Path(path).read_bytes()
    (length,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4:4 + length])
    data = memoryview(blob)[4 + length:]
    return {layer["name"]: [np.frombuffer(data, tensor["dtype"], int(np.prod(tensor["shape"])), tensor["offset"])
                            .reshape(tensor["shape"]) for tensor in layer["tensors"]]
            for layer in header["layers"]}
