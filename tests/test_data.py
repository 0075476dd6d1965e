"""Loading MNIST reads good files, downloads safely, and says clearly what is wrong with bad ones."""

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from model.data import download_mnist, load_mnist, load_mnist_test, sha256_of
from model.errors import DataError
from support import (
    MNIST_PATH,
    assert_each_arrives_by_rename,
    audited_writes,
    inodes_of,
    run_script,
    write_standin_mnist,
)
from testbench.servers import free_port


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
    # A fresh Keras home (no cached copy), a proxy that refuses every connection and no host
    # exempt from it make the download fail for certain, online or not.
    refused = "http://127.0.0.1:9"
    result = run_script("train.py", "--epochs", "1", "--out", str(tmp_path / "out"), env={
        "KERAS_HOME": str(tmp_path), "HOME": str(tmp_path), "NO_PROXY": "", "no_proxy": "",
        "HTTP_PROXY": refused, "HTTPS_PROXY": refused, "http_proxy": refused, "https_proxy": refused,
    })
    assert result.returncode == 2
    assert "Could not download MNIST" in result.stderr and "--data" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"MNIST not found at {MNIST_PATH}")
def test_reads_only_the_real_test_split():
    x_test, y_test = load_mnist_test(MNIST_PATH)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_test.dtype == y_test.dtype == np.uint8
    assert list(y_test[:5]) == [7, 2, 1, 0, 4]


def test_the_test_split_alone_needs_no_training_arrays(tmp_path):
    (_, _), (x_test, y_test) = load_mnist(write_standin_mnist(tmp_path / "mnist.npz", 30, 20))
    only_test = load_mnist_test(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(only_test[0], x_test)
    np.testing.assert_array_equal(only_test[1], y_test)

    np.savez(tmp_path / "test_only.npz", x_test=x_test, y_test=y_test.astype(np.int64))
    x_read, y_read = load_mnist_test(tmp_path / "test_only.npz")
    assert x_read.shape == (20, 28, 28) and y_read.dtype == np.uint8
    with pytest.raises(DataError, match="lacks x_train, y_train"):
        load_mnist(tmp_path / "test_only.npz")
    np.savez(tmp_path / "bad_test.npz", x_test=x_test[:, :27], y_test=y_test)
    with pytest.raises(DataError, match=r"x_test should be uint8 images of shape \(N, 28, 28\)"):
        load_mnist_test(tmp_path / "bad_test.npz")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # one stderr line per request says nothing the tests do not check


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[Path, str]]:
    """A real HTTP server on 127.0.0.1: yields the folder it serves and its base URL."""
    folder = tmp_path / "served"
    folder.mkdir()
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder)) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield folder, f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


def test_downloads_a_checked_copy_and_reads_it(served, tmp_path):
    folder, base = served
    standin = write_standin_mnist(folder / "mnist.npz", 30, 20)
    destination = tmp_path / "cache" / "mnist.npz"
    assert download_mnist(f"{base}/mnist.npz", sha256_of(standin), destination) == destination
    assert destination.read_bytes() == standin.read_bytes()
    assert list(destination.parent.iterdir()) == [destination]
    (x_train, _), (x_test, _) = load_mnist(destination)
    assert x_train.shape == (30, 28, 28) and x_test.shape == (20, 28, 28)


def test_a_download_with_the_wrong_checksum_is_discarded(served, tmp_path):
    folder, base = served
    write_standin_mnist(folder / "mnist.npz", 30, 20)
    destination = tmp_path / "cache" / "mnist.npz"
    with pytest.raises(DataError, match="failed its checksum .* was discarded.*--data"):
        download_mnist(f"{base}/mnist.npz", "0" * 64, destination)
    assert list(destination.parent.iterdir()) == []  # neither the file nor its temporary


@pytest.mark.parametrize("failure", ["missing file", "closed port"])
def test_a_failed_download_says_to_pass_data(failure, served, tmp_path):
    _, base = served
    url = f"{base}/nowhere.npz" if failure == "missing file" else f"http://127.0.0.1:{free_port()}/mnist.npz"
    destination = tmp_path / "cache" / "mnist.npz"
    with pytest.raises(DataError) as raised:
        download_mnist(url, "0" * 64, destination)
    message = str(raised.value)
    assert message.startswith(f"Could not download MNIST from {url} (")
    assert message.endswith("; pass a local copy with --data PATH/TO/mnist.npz.")
    assert "\n" not in message and ("404" in message) == (failure == "missing file")
    assert list(destination.parent.iterdir()) == []


def test_loading_and_downloading_import_neither_tensorflow_nor_keras(served, tmp_path):
    """The app reads the test split at run time; TensorFlow would cost it 4 s and 530 MB."""
    folder, base = served
    standin = write_standin_mnist(folder / "mnist.npz", 30, 20)
    # With HOME here, Keras's cache is ours to fill: the no-path load must find the download there.
    script = (
        "import sys\n"
        "from model.data import KERAS_CACHE, download_mnist, load_mnist, load_mnist_test\n"
        f"download_mnist({base + '/mnist.npz'!r}, {sha256_of(standin)!r}, KERAS_CACHE)\n"
        "assert len(load_mnist_test()[0]) == 20 and len(load_mnist()[0][0]) == 30\n"
        "sys.exit('tensorflow' in sys.modules or 'keras' in sys.modules)\n"
    )
    result = run_script("-c", script, env={"HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".keras" / "datasets" / "mnist.npz").read_bytes() == standin.read_bytes()


def test_the_apps_own_write_a_download_reaches_its_name_only_by_rename(served, tmp_path):
    """The app writes one file of its own, Keras's copy of MNIST; a download stopped half-way never leaves half."""
    folder, base = served
    standin = write_standin_mnist(folder / "mnist.npz", 30, 20)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "mnist.npz").write_bytes(b"an older copy, about to be replaced")
    before = inodes_of(cache, ("mnist.npz",))
    script = (f"from model.data import download_mnist\n"
              f"download_mnist({base + '/mnist.npz'!r}, {sha256_of(standin)!r}, {str(cache / 'mnist.npz')!r})\n")
    assert_each_arrives_by_rename(cache, before, audited_writes(cache, "-c", script))
    assert (cache / "mnist.npz").read_bytes() == standin.read_bytes()
