"""train.py, run for real as a user runs it: artifacts, reloading, evaluation and safety."""

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from model import load_model, load_reader
from model.artifacts import (
    ARTIFACT_DIR, HISTORY_FILE, METRICS_FILE, MODEL_FILE, SERVING_FILE, read_json, save_model_atomically,
    write_json_atomically,
)
from model.network import DEFAULT_RECIPE, describe
from support import ROOT, assert_serves_every_layer, run_script, training_data, write_standin_mnist

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


def test_the_exported_model_shows_every_layer(trained):
    out = trained[1]
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32)
    assert_serves_every_layer(load_reader(out / SERVING_FILE), load_model(out / MODEL_FILE), images)


def test_metrics_record_the_architecture(trained):
    out = trained[1]
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["architecture"] == describe(load_model(out / MODEL_FILE))
    assert metrics["parameters"] == 431_242


def test_evaluate_recomputes_the_recorded_accuracy(trained):
    data, out, _ = trained
    result = run_script("train.py", "--evaluate", "--data", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    recorded = json.loads((out / METRICS_FILE).read_text())["test_accuracy"]
    assert f"Test accuracy: {recorded:.4f}" in result.stderr
    assert "Matches metrics.json" in result.stderr


def test_training_twice_gives_the_same_model_bit_for_bit(tmp_path):
    """Two epochs, so that each epoch's own order and distortions are covered as well as the restyled digits."""
    data, runs = training_data(tmp_path), []
    for run in ("first", "second"):
        out = tmp_path / run
        result = run_script("train.py", "--data", str(data), "--epochs", "2", "--limit", "1500", "--out", str(out))
        assert result.returncode == 0, result.stderr
        metrics = read_json(out / METRICS_FILE)
        runs.append((load_model(out / MODEL_FILE).get_weights(), read_json(out / HISTORY_FILE),
                     {key: value for key, value in metrics.items() if key not in ("date", "training_seconds")}))
    (first_weights, *first_records), (second_weights, *second_records) = runs
    assert len(first_weights) == len(second_weights)
    for first, second in zip(first_weights, second_weights):
        assert np.array_equal(first, second)
    assert first_records == second_records


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


def shipped_copy(out: Path, *names: str) -> Path:
    out.mkdir()
    for name in names:
        shutil.copy(ARTIFACT_DIR / name, out / name)
    return out


def export(out: Path) -> subprocess.CompletedProcess:
    """``train.py --export`` as a user runs it, in a home without Keras's MNIST download: it needs no data."""
    return run_script("train.py", "--export", "--out", str(out), env={"HOME": str(out.parent)})


def test_export_rewrites_the_served_model_and_only_the_architecture(tmp_path):
    out = shipped_copy(tmp_path / "out", MODEL_FILE)
    # The shipped records as they were before the architecture was recorded.
    earlier = {key: value for key, value in read_json(ARTIFACT_DIR / METRICS_FILE).items()
               if key not in ("architecture", "parameters")}
    write_json_atomically(out / METRICS_FILE, earlier)
    result = export(out)
    assert result.returncode == 0, result.stderr
    network = load_model(out / MODEL_FILE)
    assert read_json(out / METRICS_FILE) == {**earlier, "architecture": describe(network), "parameters": 431_242}
    assert (out / MODEL_FILE).read_bytes() == (ARTIFACT_DIR / MODEL_FILE).read_bytes()
    assert sorted(path.name for path in out.iterdir()) == sorted([METRICS_FILE, MODEL_FILE, SERVING_FILE])
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32) ** 4
    assert_serves_every_layer(load_reader(out / SERVING_FILE), network, images)


def test_export_without_metrics_warns_and_writes_the_served_model(tmp_path):
    out = shipped_copy(tmp_path / "out", MODEL_FILE)
    result = export(out)
    assert result.returncode == 0, result.stderr
    assert f"No {METRICS_FILE}" in result.stderr
    assert sorted(path.name for path in out.iterdir()) == sorted([MODEL_FILE, SERVING_FILE])
    assert load_reader(out / SERVING_FILE).layer_names[-1] == load_model(out / MODEL_FILE).layers[-1].name


@pytest.mark.parametrize("saved, problem", [(None, "No trained model at"),
                                            (b"not a zip archive", "is damaged or not a Keras model")],
                         ids=["missing", "corrupt"])
def test_export_without_a_readable_model_names_the_fix(tmp_path, saved, problem):
    out = shipped_copy(tmp_path / "out", METRICS_FILE)
    if saved is not None:
        (out / MODEL_FILE).write_bytes(saved)
    result = export(out)
    assert result.returncode == 2
    assert problem in result.stderr and "python train.py" in result.stderr and "Traceback" not in result.stderr
    assert (out / METRICS_FILE).read_bytes() == (ARTIFACT_DIR / METRICS_FILE).read_bytes()
    assert SERVING_FILE not in {path.name for path in out.iterdir()}


@pytest.mark.parametrize("record", ["{not json", "[1, 2]"], ids=["not-json", "not-an-object"])
def test_an_unreadable_record_stops_export_and_evaluate_in_one_line(tmp_path, record):
    out = shipped_copy(tmp_path / "out", MODEL_FILE)
    (out / METRICS_FILE).write_text(record)
    for result in (export(out), run_script("train.py", "--evaluate", "--data", str(training_data(tmp_path)),
                                           "--out", str(out))):
        assert result.returncode == 2
        assert f"{out / METRICS_FILE}" in result.stderr and "retrain to rewrite it" in result.stderr
        assert "Traceback" not in result.stderr
    assert (out / METRICS_FILE).read_text() == record  # and nothing was changed
    assert sorted(path.name for path in out.iterdir()) == sorted([METRICS_FILE, MODEL_FILE])


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
    for option in ("--data", "--epochs", "--batch-size", "--seed", "--out", "--recipe", "--evaluate", "--export"):
        assert option in result.stdout
