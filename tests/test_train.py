"""train.py, run for real as a user runs it: artifacts, reloading, evaluation and safety."""

import datetime
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

import app
from drawings import drawn
from model.constants import (
    ARTIFACT_DIR,
    BROWSER_WEIGHTS_FILE,
    GOLDENS_FILE,
    HISTORY_FILE,
    METRICS_FILE,
    MODEL_FILE,
    SERVING_FILE,
    ModelFiles,
)
from model.data import load_mnist, scale
from model.export import EXPORTED_FILES, save_model
from model.files import read_json, write_artifacts, write_json
from model.goldens import CANVASES
from model.keras_model import load_keras_model
from model.network import describe
from model.preprocess import to_mnist
from model.records import training_view
from model.serving import classify, load_reader, predict_seen
from support import (
    LITERT_TOLERANCE,
    ROOT,
    assert_each_arrives_by_rename,
    assert_serves_every_layer,
    audited_writes,
    inodes_of,
    read_goldens,
    read_until,
    run_script,
    training_data,
    write_standin_mnist,
)

pytestmark = pytest.mark.slow

HISTORY_KEYS = {"loss", "accuracy", "val_loss", "val_accuracy"}
ARTIFACTS = (MODEL_FILE, SERVING_FILE, BROWSER_WEIGHTS_FILE, GOLDENS_FILE, HISTORY_FILE, METRICS_FILE)
LIMIT = 1500  # training images in the shared run: the last 300 of them are held out for validation
# A run of a few hundred images reaches its saving in seconds; this bounds a run that never gets there.
SAVING_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One real 1-epoch run on a small slice, shared by the checks below."""
    tmp_path = tmp_path_factory.mktemp("train")
    data = training_data(tmp_path)
    out = tmp_path / "out"
    result = run_script("train.py", "--data", str(data), "--epochs", "1", "--limit", str(LIMIT), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return data, out, result


def test_writes_all_six_artifacts(trained):
    _, out, result = trained
    assert sorted(path.name for path in out.iterdir()) == sorted([BROWSER_WEIGHTS_FILE, GOLDENS_FILE, HISTORY_FILE,
                                                                  METRICS_FILE, MODEL_FILE, SERVING_FILE])
    assert "Test accuracy:" in result.stderr and "Test loss:" in result.stderr
    # Without optimizer state the file holds just the 431,242 float32 weights and a little JSON.
    assert (out / MODEL_FILE).stat().st_size < 2_000_000


def test_history_has_one_entry_per_epoch_and_ends_on_the_saved_model(trained):
    data, out, _ = trained
    history = json.loads((out / HISTORY_FILE).read_text())
    assert history["epochs"] == 1
    assert history["recipe"]["name"] == "sketch" and history["recipe"]["epochs"] == 1
    assert history["recipe"]["batch_size"] == 250 and history["recipe"]["validation_split"] == 0.2
    for key in HISTORY_KEYS:
        assert len(history[key]) == 1 and np.isfinite(history[key][0])
    # Validation is scored after the epoch, on the weights that were saved: the held-out last fifth.
    (x_train, y_train), _ = load_mnist(data)
    held_out = slice(LIMIT - LIMIT // 5, LIMIT)
    probabilities = load_keras_model(out / MODEL_FILE).predict(scale(x_train[held_out]), verbose=0)
    assert history["val_accuracy"][0] == pytest.approx((probabilities.argmax(axis=1) == y_train[held_out]).mean())
    picked = probabilities[np.arange(LIMIT // 5), y_train[held_out]]
    assert history["val_loss"][0] == pytest.approx(-np.log(picked).mean(), rel=1e-3)


def test_metrics_are_the_saved_models_scores_on_the_test_set(trained):
    data, out, _ = trained
    metrics = json.loads((out / METRICS_FILE).read_text())
    _, (x_test, y_test) = load_mnist(data)
    probabilities = load_keras_model(out / MODEL_FILE).predict(scale(x_test), verbose=0)
    read = probabilities.argmax(axis=1)
    assert metrics["test_accuracy"] == pytest.approx((read == y_test).mean(), abs=1e-9)
    assert metrics["test_loss"] == pytest.approx(-np.log(probabilities[np.arange(len(y_test)), y_test]).mean(),
                                                 rel=1e-4)
    expected = [[int(((y_test == written) & (read == seen)).sum()) for seen in range(10)] for written in range(10)]
    assert metrics["confusion_matrix"] == expected


def test_metrics_record_the_run(trained):
    data, out, _ = trained
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["recipe"]["name"] == "sketch" and metrics["seed"] == 1 and metrics["training_images"] == LIMIT
    assert metrics["data_sha256"] == hashlib.sha256(Path(data).read_bytes()).hexdigest()
    assert metrics["training_seconds"] > 0
    assert metrics["versions"] == {"python": platform.python_version(), "tensorflow": tf.__version__,
                                   "keras": keras.__version__, "numpy": np.__version__}
    assert metrics["date"][:10] == datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def test_saved_model_reloads_and_predicts(trained):
    network = load_keras_model(trained[1] / MODEL_FILE)
    probabilities = network.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_the_exported_model_reads_as_the_keras_one(trained):
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32)
    served = load_reader(trained[1] / SERVING_FILE)(images)
    np.testing.assert_allclose(served, load_keras_model(trained[1] / MODEL_FILE).predict_on_batch(images), atol=1e-4)


def test_the_goldens_are_the_trained_networks_readings(trained):
    """Read by Keras in train.py, and as LiteRT reads them: the page's reader is checked against these."""
    out = trained[1]
    goldens = read_goldens(out / GOLDENS_FILE)
    assert [golden.about for golden in goldens] == [canvas.about for canvas in CANVASES]
    seen = np.stack([to_mnist(golden.rgba) for golden in goldens])
    np.testing.assert_array_equal(np.stack([golden.seen for golden in goldens]), seen)
    np.testing.assert_allclose(np.stack([golden.probabilities for golden in goldens]),
                               predict_seen(seen, load_reader(out / SERVING_FILE)), rtol=0, atol=LITERT_TOLERANCE)


def test_the_exported_model_shows_every_layer(trained):
    out = trained[1]
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32)
    assert_serves_every_layer(load_reader(out / SERVING_FILE), load_keras_model(out / MODEL_FILE), images)


def test_metrics_record_the_architecture(trained):
    out = trained[1]
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["architecture"] == describe(load_keras_model(out / MODEL_FILE))
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
        runs.append((load_keras_model(out / MODEL_FILE).get_weights(), read_json(out / HISTORY_FILE),
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
    write_json(out / METRICS_FILE, earlier)
    result = export(out)
    assert result.returncode == 0, result.stderr
    network = load_keras_model(out / MODEL_FILE)
    assert read_json(out / METRICS_FILE) == {**earlier, "architecture": describe(network), "parameters": 431_242}
    assert (out / MODEL_FILE).read_bytes() == (ARTIFACT_DIR / MODEL_FILE).read_bytes()
    assert sorted(path.name for path in out.iterdir()) == sorted([BROWSER_WEIGHTS_FILE, GOLDENS_FILE, METRICS_FILE,
                                                                  MODEL_FILE, SERVING_FILE])
    images = np.random.default_rng(0).random((64, 28, 28, 1), np.float32) ** 4
    assert_serves_every_layer(load_reader(out / SERVING_FILE), network, images)
    assert (out / BROWSER_WEIGHTS_FILE).read_bytes() == (ARTIFACT_DIR / BROWSER_WEIGHTS_FILE).read_bytes()
    exported, shipped = read_goldens(out / GOLDENS_FILE), read_goldens(ARTIFACT_DIR / GOLDENS_FILE)
    for ours, theirs in zip(exported, shipped, strict=True):
        np.testing.assert_array_equal(ours.rgba, theirs.rgba)
        np.testing.assert_array_equal(ours.seen, theirs.seen)
        np.testing.assert_allclose(ours.probabilities, theirs.probabilities, rtol=0, atol=LITERT_TOLERANCE)


def test_export_without_metrics_warns_and_writes_the_served_model(tmp_path):
    out = shipped_copy(tmp_path / "out", MODEL_FILE)
    result = export(out)
    assert result.returncode == 0, result.stderr
    assert f"No {METRICS_FILE}" in result.stderr
    assert sorted(path.name for path in out.iterdir()) == sorted([BROWSER_WEIGHTS_FILE, GOLDENS_FILE, MODEL_FILE,
                                                                  SERVING_FILE])
    assert load_reader(out / SERVING_FILE).layer_names[-1] == load_keras_model(out / MODEL_FILE).layers[-1].name


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


# --- Stopping a run: the last good model survives ---------------------------------------------------


def artifact_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in ARTIFACTS}


@pytest.fixture
def last_good(trained, tmp_path) -> Path:
    """A folder holding a complete set saved by an earlier run (a copy of the shared run's)."""
    out = tmp_path / "out"
    shutil.copytree(trained[1], out)
    return out


def paused_run(name: str, out: Path) -> subprocess.Popen:
    """A new run into ``out`` (on other images, so every file differs), paused as it starts writing ``name``."""
    data = write_standin_mnist(out.parent / "standin.npz", train=300, test=100)
    return subprocess.Popen([sys.executable, "tests/audited.py", "--watch", str(out), "--pause", name, "train.py",
                             "--data", str(data), "--epochs", "1", "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def pause_at(run: subprocess.Popen, name: str) -> list[Path]:
    """Wait until the run is writing ``name``; return every file it had opened for writing in --out by then."""
    output = read_until(run.stderr, "paused writing", SAVING_TIMEOUT_S)
    if "paused writing" not in output:
        run.kill()
        pytest.fail(f"the run never began writing {name}:\n{output[-3000:]}")
    return [Path(line.split("writing ", 1)[1]) for line in output.splitlines() if "writing " in line]


def test_a_run_writes_only_temporaries_and_renames_them_over_the_last_good_set(last_good):
    before = inodes_of(last_good, ARTIFACTS)
    data = write_standin_mnist(last_good.parent / "standin.npz", train=300, test=100)
    events = audited_writes(last_good, "train.py", "--data", str(data), "--epochs", "1", "--out", str(last_good))
    assert_each_arrives_by_rename(last_good, before, events)


def test_export_writes_only_temporaries_and_renames_them(last_good):
    before = inodes_of(last_good, (*EXPORTED_FILES, METRICS_FILE))
    assert_each_arrives_by_rename(last_good, before, audited_writes(last_good, "train.py", "--export", "--out",
                                                                    str(last_good)))


def assert_the_app_serves(out: Path) -> None:
    assert app.model_problem(ModelFiles(out)) is None
    scores = classify(drawn("7"), load_reader(out / SERVING_FILE))
    assert sum(scores.values()) == pytest.approx(1)
    summary, loss, _, _ = training_view(out / HISTORY_FILE, out / METRICS_FILE)
    assert "⚠️" not in summary and len(loss) == 2


@pytest.mark.parametrize("name", ARTIFACTS)
def test_a_run_killed_while_saving_leaves_the_last_good_set(last_good, name):
    before = artifact_bytes(last_good)
    run = paused_run(name, last_good)
    try:
        written = pause_at(run, name)
    finally:
        run.kill()
        run.communicate(timeout=30)
    assert run.returncode == -signal.SIGKILL
    # Everything goes to temporary files first: nothing of the old set was opened for writing.
    assert written[-1].name != name and not {path.name for path in written} & set(ARTIFACTS), written
    assert artifact_bytes(last_good) == before
    assert {path.name for path in last_good.iterdir() if not path.name.startswith(".")} == set(ARTIFACTS)
    assert_the_app_serves(last_good)


def test_ctrl_c_while_saving_leaves_the_last_good_set_and_no_temporaries(last_good):
    before = artifact_bytes(last_good)
    run = paused_run(METRICS_FILE, last_good)  # the last to be written: the others are done
    try:
        pause_at(run, METRICS_FILE)
        run.send_signal(signal.SIGINT)
        output = run.communicate(timeout=60)[1]
    finally:
        run.kill()
    assert run.returncode == 130
    assert "Interrupted while saving" in output and "Traceback" not in output
    assert sorted(os.listdir(last_good)) == sorted(ARTIFACTS)
    assert artifact_bytes(last_good) == before


def test_ctrl_c_while_fitting_stops_cleanly_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    data = write_standin_mnist(tmp_path / "standin.npz", train=5000, test=100)
    run = subprocess.Popen([sys.executable, "train.py", "--data", str(data), "--epochs", "50", "--out", str(out)],
                           cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = read_until(run.stdout, "Epoch 2/", SAVING_TIMEOUT_S)
        assert "Epoch 2/" in output, f"training never reached its second epoch:\n{output[-3000:]}"
        run.send_signal(signal.SIGINT)
        output += run.communicate(timeout=60)[0]
    finally:
        run.kill()
    assert run.returncode == 130
    assert "Interrupted; nothing" in output and "Traceback" not in output
    assert not out.exists()


class _DiskFullLayer(keras.layers.Layer):
    """Fails the way a full disk does, after Keras has started writing the file."""

    def call(self, inputs):
        return inputs

    def save_own_variables(self, store):
        raise OSError("No space left on device")


def test_a_save_that_fails_part_way_leaves_the_old_set(tmp_path):
    for name in ARTIFACTS:
        (tmp_path / name).write_text(f"the last good {name}")
    failing = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), _DiskFullLayer()])
    with pytest.raises(OSError, match="No space left"):
        write_artifacts(tmp_path, {HISTORY_FILE: lambda path: write_json(path, {"epochs": 1}),
                                   MODEL_FILE: lambda path: save_model(failing, path)})
    assert sorted(os.listdir(tmp_path)) == sorted(ARTIFACTS)
    assert all((tmp_path / name).read_text() == f"the last good {name}" for name in ARTIFACTS)


@pytest.mark.parametrize("missing", ["tensorflow", "keras"])
def test_without_tensorflow_it_says_in_one_line_what_to_install(missing):
    """What the Space's requirements.txt gives: the app runs, and train.py names the file that trains."""
    blocked = f"import sys, runpy; sys.modules[{missing!r}] = None; sys.argv = ['train.py', '--help']; "
    result = run_script("-c", blocked + "runpy.run_path('train.py', run_name='__main__')")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "train.py needs TensorFlow and Keras, which the app does not: pip install -r requirements-train.txt"]


def test_help_lists_the_options():
    result = run_script("train.py", "--help")
    assert result.returncode == 0
    for option in ("--data", "--epochs", "--batch-size", "--seed", "--out", "--recipe", "--evaluate", "--export"):
        assert option in result.stdout
