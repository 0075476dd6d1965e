"""Loading MNIST, from a local Keras-format mnist.npz or Keras's own download."""

import hashlib
import zipfile
from pathlib import Path

import numpy as np

EXPECTED_ARRAYS = {
    "x_train": (28, 28),
    "y_train": (),
    "x_test": (28, 28),
    "y_test": (),
}
KERAS_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"

Split = tuple[np.ndarray, np.ndarray]


class DataError(Exception):
    """MNIST could not be loaded; the message says why and what to do."""


def load_mnist(path: str | Path | None = None) -> tuple[Split, Split]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.

    With ``path``, read a local Keras-format ``mnist.npz``; without one, let Keras
    download (or reuse its cached copy of) the standard file.
    """
    if path is None:
        return _download()
    arrays = _read_npz(Path(path))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download() -> tuple[Split, Split]:
    import keras

    try:
        return keras.datasets.mnist.load_data()
    except Exception as error:  # Keras raises a bare Exception when the fetch fails.
        raise DataError(
            "Could not download MNIST (are you offline?); pass a local copy with "
            "--data PATH/TO/mnist.npz."
        ) from error


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    if not path.is_file():
        raise DataError(f"No MNIST file at {path}; pass the path of a Keras-format mnist.npz with --data.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = sorted(set(EXPECTED_ARRAYS) - set(npz.files))
            if missing:
                raise DataError(f"{path} is not a Keras-format mnist.npz: it lacks {', '.join(missing)}.")
            arrays = {key: npz[key] for key in EXPECTED_ARRAYS}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path} is not a readable .npz file ({error}).") from error
    _check_arrays(path, arrays)
    for key in ("y_train", "y_test"):
        arrays[key] = arrays[key].astype(np.uint8)
    return arrays


def _check_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != EXPECTED_ARRAYS["x_train"]:
            raise DataError(
                f"{path}: x_{split} should be uint8 images of shape (N, 28, 28), "
                f"not {images.dtype} {images.shape}."
            )
        if labels.shape != (len(images),) or not np.issubdtype(labels.dtype, np.integer):
            raise DataError(
                f"{path}: y_{split} should hold one integer label per image, "
                f"not {labels.dtype} {labels.shape}."
            )
        if len(labels) and (labels.min() < 0 or labels.max() > 9):
            raise DataError(f"{path}: y_{split} has labels outside 0-9.")
