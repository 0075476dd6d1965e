"""train.py, run for real as a user runs it: artifacts, reloading, evaluation and safety."""

import json
import signal
import subprocess
import sys

import keras
import numpy as np
import pytest

from model import load_model, load_reader
from model.artifacts import HISTORY_FILE, METRICS_FILE, MODEL_FILE, SERVING_FILE, save_model_atomically
from model.network import DEFAULT_RECIPE
from support import ROOT, run_script, training_data, write_standin_mnist

HISTORY_KEYS = {"loss", "accuracy", "val_loss", "val_accuracy"}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real 1-epoch run on a small slice, shared by the checks below."""
    tmp_path = tmp_path_factory.mktemp("train")
    data = training_data(tmp_path)
    out = tmp_path / "out"
    result = run_script("train.py", "--data", str(data), "--epochs", "1", "--limit", "1500", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return data, out, result


def test_writes_all_four_artifacts(trained):
    _, out, result = trained
    assert sorted(path.name for path in out.iterdir()) == sorted([HISTORY_FILE, METRICS_FILE, MODEL_FILE, SERVING_FILE])
    assert "Test accuracy:" in result.stderr and "Test loss:" in result.stderr
    # Without optimizer state the file holds just the 431,242 float32 weights and a little JSON.
    assert (out / MODEL_FILE).stat().st_size < 2_000_000


def test_history_has_one_entry_per_epoch(trained):
    history = json.loads((trained[1] / HISTORY_FILE).read_text())
    assert history["epochs"] == 1
    assert history["recipe"]["batch_size"] == 250 and history["recipe"]["validation_split"] == 0.2
    for key in HISTORY_KEYS:
        assert len(history[key]) == 1 and 0 <= history[key][0]


def test_metrics_record_the_run(trained):
    metrics = json.loads((trained[1] / METRICS_FILE).read_text())
    assert 0 <= metrics["test_accuracy"] <= 1 and metrics["test_loss"] > 0
    confusion = np.array(metrics["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() in (200, 10_000)
    assert metrics["recipe"]["name"] == DEFAULT_RECIPE and metrics["seed"] == 1
    assert len(metrics["data_sha256"]) == 64 and metrics["training_seconds"] > 0
    assert {"tensorflow", "keras", "numpy", "python"} <= set(metrics["versions"])
    assert metrics["date"].startswith("20")


def test_saved_model_reloads_and_predicts(trained):
    network = load_model(trained[1] / MODEL_FILE)
    probabilities = network.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_the_exported_model_reads_as_the_keras_one(trained):
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32)
    served = load_reader(trained[1] / SERVING_FILE)(images)
    np.testing.assert_allclose(served, load_model(trained[1] / MODEL_FILE).predict_on_batch(images), atol=1e-4)


def test_evaluate_recomputes_the_recorded_accuracy(trained):
    data, out, _ = trained
    result = run_script("train.py", "--evaluate", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    recorded = json.loads((out / METRICS_FILE).read_text())["test_accuracy"]
    assert f"Test accuracy: {recorded:.4f}" in result.stderr
    assert "Matches metrics.json" in result.stderr


def test_bad_data_path_is_one_clear_line(tmp_path):
    result = run_script("train.py", "--data", str(tmp_path / "missing.npz"), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "No MNIST file at" in result.stderr and "Traceback" not in result.stderr


def test_evaluate_without_a_model_names_the_fix(tmp_path):
    data = write_standin_mnist(tmp_path / "standin.npz", 10, 10)
    result = run_script("train.py", "--evaluate", "--data", str(data), "--out", str(tmp_path / "empty"))
    assert result.returncode == 2
    assert "No trained model at" in result.stderr and "python train.py" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL])
def test_a_run_stopped_part_way_leaves_the_old_model_byte_identical(tmp_path, stop):
    out = tmp_path / "out"
    out.mkdir()
    previous = {name: f"previous {name}".encode() for name in (MODEL_FILE, SERVING_FILE, HISTORY_FILE, METRICS_FILE)}
    for name, content in previous.items():
        (out / name).write_bytes(content)
    data = write_standin_mnist(tmp_path / "standin.npz", train=5000, test=100)
    run = subprocess.Popen([sys.executable, "train.py", "--data", str(data), "--epochs", "50", "--out", str(out)],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in run.stdout:  # wait until training is under way
        if "Epoch 2/" in line:
            break
    run.send_signal(stop)
    output = run.communicate(timeout=60)[0]
    assert run.returncode != 0
    assert {path.name: path.read_bytes() for path in out.iterdir()} == previous
    if stop == signal.SIGINT:
        assert "Interrupted" in output and "Traceback" not in output


class _DiskFullLayer(keras.layers.Layer):
    """Fails the way a full disk does, after Keras has started writing the file."""

    def call(self, inputs):
        return inputs

    def save_own_variables(self, store):
        raise OSError("No space left on device")


def test_a_save_that_fails_part_way_leaves_the_old_model(tmp_path):
    target = tmp_path / MODEL_FILE
    target.write_bytes(b"the last good model")
    failing = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), _DiskFullLayer()])
    with pytest.raises(OSError, match="No space left"):
        save_model_atomically(failing, target)
    assert target.read_bytes() == b"the last good model"
    assert [path.name for path in tmp_path.iterdir()] == [MODEL_FILE]


def test_help_lists_the_options():
    result = run_script("train.py", "--help")
    assert result.returncode == 0
    for option in ("--data", "--epochs", "--batch-size", "--seed", "--out", "--recipe", "--evaluate"):
        assert option in result.stdout
