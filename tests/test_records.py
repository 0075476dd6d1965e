"""The training records as the app reads them (model/records.py), from hand-made records with no two numbers alike."""

import json
import logging
import os
from pathlib import Path

import pytest

from model.constants import REBUILD_COMMAND, SHIPPED
from model.records import (
    CURVE_COLUMNS,
    read_record,
    recorded_architecture,
    records_problem,
    report_card,
    training_curves,
    training_summary,
    training_view,
)
from support import HANDMADE_EPOCHS, HANDMADE_HISTORY, HANDMADE_RECIPE, write_handmade_records

ARCHITECTURE = json.loads(SHIPPED.metrics.read_text())["architecture"]


@pytest.fixture
def records(tmp_path: Path) -> Path:
    write_handmade_records(tmp_path, ARCHITECTURE)
    return tmp_path


def points(frame, series: str) -> list[tuple[int, float]]:
    rows = frame[frame.series == series]
    return list(zip(rows.epoch.tolist(), rows.value.tolist()))


def test_each_curve_is_its_own_series_of_the_history_in_epoch_order(records: Path) -> None:
    loss, accuracy = training_curves(records / "history.json")
    for frame, metric in ((loss, "loss"), (accuracy, "accuracy")):
        assert list(frame.columns) == CURVE_COLUMNS == ["epoch", "value", "series"]
        assert points(frame, "training") == list(enumerate(HANDMADE_HISTORY[metric], start=1))
        assert points(frame, "validation") == list(enumerate(HANDMADE_HISTORY[f"val_{metric}"], start=1))
        assert len(frame) == 2 * HANDMADE_EPOCHS


def test_the_curves_table_gives_each_epochs_four_numbers_from_the_history(records: Path) -> None:
    *_, table = training_view(records / "history.json", records / "metrics.json")
    series = ["loss", "val_loss", "accuracy", "val_accuracy"]
    assert table["columns"] == ["epoch", "training loss", "validation loss", "training accuracy",
                                "validation accuracy"]
    assert [row["epoch"] for row in table["rows"]] == list(range(1, HANDMADE_EPOCHS + 1))
    for row in table["rows"]:
        assert [float(value.rstrip("%")) / (100 if value.endswith("%") else 1) for value in row["values"]] == \
            pytest.approx([HANDMADE_HISTORY[key][row["epoch"] - 1] for key in series])


@pytest.mark.parametrize("key, value", [("val_loss", [0.8, 0.6]), ("accuracy", 0.9), ("loss", [1, 2, 3, 4])],
                         ids=["short", "not-a-list", "long"])
def test_a_series_that_does_not_match_the_epochs_is_named(records: Path, key: str, value: object) -> None:
    history = json.loads((records / "history.json").read_text()) | {key: value}
    (records / "history.json").write_text(json.dumps(history))
    with pytest.raises(ValueError) as refused:
        training_curves(records / "history.json")
    assert str(refused.value) == f"{key} should list one value for each of the {HANDMADE_EPOCHS} epochs"


def test_the_summary_gives_the_accuracy_recipe_and_day(records: Path) -> None:
    confusion = json.loads((records / "metrics.json").read_text())["confusion_matrix"]
    accuracy = sum(confusion[digit][digit] for digit in range(10)) / sum(map(sum, confusion))
    assert training_summary(records / "metrics.json") == (
        f"**{accuracy:.2%} test accuracy** on the {sum(map(sum, confusion))} MNIST test digits it never saw in "
        f"training.\n\n"
        f"Recipe *handmade*: {HANDMADE_RECIPE['epochs']} epochs, batch size 128, adamw optimizer, 15% of the "
        f"training digits held out for validation. Trained on 2026-11-30.")


def test_a_record_without_a_date_says_so(records: Path) -> None:
    metrics = json.loads((records / "metrics.json").read_text())
    del metrics["date"]
    (records / "metrics.json").write_text(json.dumps(metrics))
    assert training_summary(records / "metrics.json").endswith("Trained on an unknown date.")


def test_the_curves_tab_puts_the_summary_first_and_each_problem_after_it(records: Path) -> None:
    (records / "history.json").unlink()
    summary, loss, accuracy, table = training_view(records / "history.json", records / "metrics.json")
    first, second = summary.split("\n\n⚠️ ")
    assert first == training_summary(records / "metrics.json")
    assert second.startswith(f"`{records / 'history.json'}` is missing.")
    assert list(loss.columns) == list(accuracy.columns) == CURVE_COLUMNS and loss.empty and accuracy.empty
    assert table is None
    (records / "metrics.json").write_text("[]")
    summary, *_ = training_view(records / "history.json", records / "metrics.json")
    missing, unreadable = summary.split("\n\n")
    assert missing.startswith(f"⚠️ `{records / 'history.json'}` is missing")
    assert unreadable.startswith(f"⚠️ `{records / 'metrics.json'}` could not be read (TypeError: ")


def test_a_problem_names_the_record_why_and_the_command_that_rewrites_it(tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "metrics.json"
    with caplog.at_level(logging.WARNING, logger="model.records"):
        note = records_problem(ValueError("no JSON here"), path)
    assert note == f"⚠️ `{path}` could not be read (ValueError: no JSON here). Train the model to write it: " \
                   f"`{REBUILD_COMMAND}`"
    assert caplog.messages == [f"Training records unavailable: {path}: no JSON here"]
    assert records_problem(FileNotFoundError(2, "gone"), path).startswith(f"⚠️ `{path}` is missing.")


def test_an_unreadable_report_card_names_its_record(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text("{not json")
    confusion, note = report_card(tmp_path / "metrics.json")
    assert confusion is None
    assert note.startswith(f"⚠️ `{tmp_path / 'metrics.json'}` could not be read (JSONDecodeError: ")


def test_the_recorded_architecture_or_none_with_a_warning(records: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert recorded_architecture(records / "metrics.json") == ARCHITECTURE
    with caplog.at_level(logging.WARNING, logger="model.records"):
        assert recorded_architecture(records / "absent.json") == []
    assert caplog.messages[0].startswith(f"No architecture record in {records / 'absent.json'} (")


def test_a_record_rewritten_within_the_same_moment_is_read_again(tmp_path: Path) -> None:
    """Parsed once per version of the file, its modification time and size: some file systems keep whole seconds."""
    path = tmp_path / "history.json"
    path.write_text(json.dumps(HANDMADE_HISTORY))
    moment = path.stat().st_mtime_ns
    assert read_record(path)["epochs"] == HANDMADE_EPOCHS
    path.write_text(json.dumps(HANDMADE_HISTORY | {"epochs": 10}))
    os.utime(path, ns=(moment, moment))
    assert read_record(path)["epochs"] == 10


def test_a_history_of_no_epochs_still_gives_the_plots_their_columns(tmp_path: Path) -> None:
    path = tmp_path / "history.json"
    path.write_text(json.dumps({"epochs": 0, "loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}))
    loss, accuracy = training_curves(path)
    assert list(loss.columns) == list(accuracy.columns) == CURVE_COLUMNS and loss.empty
