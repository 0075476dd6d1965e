"""Loading MNIST from a Keras-format mnist.npz: a local copy, Keras's cached one, or a fresh download.

Only the standard library and NumPy: the app reads the test split at run time, and importing
TensorFlow or Keras would cost it seconds and hundreds of megabytes.
"""

import hashlib
import http.client
import logging
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from model.constants import IMAGE_SIDE
from model.errors import DataError
from model.files import replacing

# Where and what Keras downloads, so a copy either of us fetched serves both.
MNIST_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
KERAS_CACHE = Path.home() / ".keras" / "datasets" / "mnist.npz"
DOWNLOAD_TIMEOUT_S = 30  # how long the server may stay silent, not a limit on the whole download
USE_A_LOCAL_COPY = "pass a local copy with --data PATH/TO/mnist.npz"

SPLITS = ("train", "test")

Split = tuple[np.ndarray, np.ndarray]

log = logging.getLogger(__name__)


def load_mnist(path: str | Path | None = None) -> tuple[Split, Split]:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.

    With ``path``, read a local Keras-format ``mnist.npz``; without one, read Keras's cached
    copy, downloading it first if there is none.
    """
    splits = _read_splits(_local_file(path), SPLITS)
    return splits["train"], splits["test"]


def load_mnist_test(path: str | Path | None = None) -> Split:
    """Return ``(x_test, y_test)`` as uint8 arrays, found as ``load_mnist`` finds them.

    The training images (47 MB once decompressed) stay compressed on disk, unread.
    """
    return _read_splits(_local_file(path), ("test",))["test"]


def download_mnist(url: str = MNIST_URL, sha256: str = MNIST_SHA256, destination: Path = KERAS_CACHE) -> Path:
    """Download a Keras-format mnist.npz to ``destination`` and return that path.

    The file streams to a temporary name beside ``destination`` and is renamed into place
    only once its sha256 matches, so a failed, interrupted or corrupt download leaves no
    file that a later run would trust.
    """
    log.info("Downloading MNIST from %s to %s", url, destination)
    try:
        with replacing(destination) as (temporary,):
            _fetch(url, temporary)
            found = sha256_of(temporary)
            if found != sha256:
                raise DataError(
                    f"The file downloaded from {url} failed its checksum (sha256 {found}, expected {sha256}) "
                    f"and was discarded; try again, or {USE_A_LOCAL_COPY}."
                )
    except OSError as error:  # creating or renaming the temporary file; _fetch reports the network's own
        raise DataError(f"Could not save the MNIST download to {destination} ({error}); {USE_A_LOCAL_COPY}.") from error
    return destination


def scale(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 network inputs (N, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _local_file(path: str | Path | None) -> Path:
    if path is not None:
        return Path(path)
    return KERAS_CACHE if KERAS_CACHE.is_file() else download_mnist()


def _fetch(url: str, into: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response, open(into, "wb") as file:
            shutil.copyfileobj(response, file)
    except urllib.error.HTTPError as error:
        error.close()  # an HTTPError holds the open error response
        raise _download_failed(url, f"the server answered HTTP {error.code} {error.reason}") from error
    except urllib.error.URLError as error:  # no connection: offline, unknown host, refused
        raise _download_failed(url, error.reason) from error
    except (OSError, http.client.HTTPException) as error:  # the connection stalled or dropped mid-file
        raise _download_failed(url, error) from error


def _download_failed(url: str, reason: object) -> DataError:
    return DataError(f"Could not download MNIST from {url} ({reason}); {USE_A_LOCAL_COPY}.")


def _read_splits(path: Path, splits: Sequence[str]) -> dict[str, Split]:
    """Read and check ``(images, labels)`` for each of ``splits``, decompressing no other array."""
    if not path.is_file():
        raise DataError(f"No MNIST file at {path}; pass the path of a Keras-format mnist.npz with --data.")
    keys = [f"{kind}_{split}" for split in splits for kind in ("x", "y")]
    try:
        # np.load opens the archive lazily: an array is decompressed only when indexed.
        with np.load(path, allow_pickle=False) as npz:
            missing = sorted(set(keys) - set(npz.files))
            if missing:
                raise DataError(f"{path} is not a Keras-format mnist.npz: it lacks {', '.join(missing)}.")
            arrays = {key: npz[key] for key in keys}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise DataError(f"{path} is not a readable .npz file ({error}).") from error
    return {split: _checked(path, split, arrays[f"x_{split}"], arrays[f"y_{split}"]) for split in splits}


def _checked(path: Path, split: str, images: np.ndarray, labels: np.ndarray) -> Split:
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
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
    return images, labels.astype(np.uint8)
