"""load_mnist reads good files, and says clearly what is wrong with bad ones."""

import numpy as np
import pytest

from model import DataError, load_mnist
from support import MNIST_PATH, run_script, write_standin_mnist


def test_reads_a_keras_format_file(tmp_path):
    (x_train, y_train), (x_test, y_test) = load_mnist(write_standin_mnist(tmp_path / "mnist.npz", 50, 20))
    assert x_train.shape == (50, 28, 28) and x_test.shape == (20, 28, 28)
    assert y_train.shape == (50,) and y_test.shape == (20,)
    assert {array.dtype for array in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}


@pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"MNIST not found at {MNIST_PATH}")
def test_reads_the_real_mnist():
    (x_train, y_train), (x_test, y_test) = load_mnist(MNIST_PATH)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert list(y_train[:5]) == [5, 0, 4, 1, 9] and list(y_test[:5]) == [7, 2, 1, 0, 4]


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="No MNIST file at .*--data"):
        load_mnist(tmp_path / "nowhere.npz")


def test_wrong_keys(tmp_path):
    np.savez(tmp_path / "other.npz", images=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(DataError, match="lacks x_test, x_train, y_test, y_train"):
        load_mnist(tmp_path / "other.npz")


def test_wrong_shapes_and_dtypes(tmp_path):
    arrays = {"x_train": np.zeros((4, 32, 32), np.uint8), "y_train": np.zeros(4, np.uint8),
              "x_test": np.zeros((2, 28, 28), np.uint8), "y_test": np.zeros(2, np.uint8)}
    np.savez(tmp_path / "shapes.npz", **arrays)
    with pytest.raises(DataError, match=r"x_train should be uint8 images of shape \(N, 28, 28\)"):
        load_mnist(tmp_path / "shapes.npz")
    np.savez(tmp_path / "floats.npz", **{**arrays, "x_train": np.zeros((4, 28, 28), np.float32)})
    with pytest.raises(DataError, match="x_train should be uint8"):
        load_mnist(tmp_path / "floats.npz")
    np.savez(tmp_path / "labels.npz", **{**arrays, "x_train": np.zeros((4, 28, 28), np.uint8),
                                          "y_train": np.full(4, 12, np.uint8)})
    with pytest.raises(DataError, match="labels outside 0-9"):
        load_mnist(tmp_path / "labels.npz")


def test_not_an_npz_at_all(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"this is not a zip file")
    with pytest.raises(DataError, match="not a readable .npz"):
        load_mnist(tmp_path / "junk.npz")


def test_offline_without_a_path_says_to_pass_data(tmp_path):
    # A fresh Keras home (no cached copy) and a proxy that refuses every connection
    # make the download fail for certain, online or not.
    refused = "http://127.0.0.1:9"
    result = run_script("train.py", "--epochs", "1", env={
        "KERAS_HOME": str(tmp_path), "HOME": str(tmp_path),
        "HTTP_PROXY": refused, "HTTPS_PROXY": refused, "http_proxy": refused, "https_proxy": refused,
    })
    assert result.returncode == 2
    assert "Could not download MNIST" in result.stderr and "--data" in result.stderr
    assert "Traceback" not in result.stderr
