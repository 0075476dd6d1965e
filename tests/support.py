"""Shared test helpers: where the real data lives, and a small stand-in when it does not."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
MNIST_PATH = SHARED_DATA / "mnist.npz"
SKETCHES_PATH = SHARED_DATA / "sketches" / "uji_digits.json"


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
    """Run a project script as a user would, from the project root."""
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
