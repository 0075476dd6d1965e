"""The training records the app shows: loss and accuracy per epoch (history.json), and the report card (metrics.json).

Each record is parsed once per version of its file, so a retrained model's records show without a
restart, and reading them on every stroke costs a stat() rather than a parse.
"""

import functools
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from model.classroom import architecture_table, confusion_view
from model.constants import REBUILD_COMMAND
from model.files import read_json

CURVE_COLUMNS = ["epoch", "value", "series"]  # long format: one row per epoch and series
# How the table under the plots writes each metric's values.
TABLE_FORMATS = {"loss": "{:.4f}", "accuracy": "{:.2%}"}
# json.JSONDecodeError is a ValueError; records from another version may lack keys or differ in type.
RECORD_ERRORS = (OSError, ValueError, KeyError, TypeError)

log = logging.getLogger(__name__)


def read_record(path: Path) -> dict:
    """A JSON record, parsed once per version of the file (its modification time and size). Do not change it."""
    status = Path(path).stat()
    return _parsed(Path(path), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=8)
def _parsed(path: Path, modified_ns: int, size: int) -> dict:
    return read_json(path)


def training_curves(history_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Loss and accuracy per epoch, training against validation, in long format for a line plot.

    Raises OSError or ValueError (json and shape problems) when the history is unusable.
    """
    history = read_record(history_path)
    frames = []
    for metric in ("loss", "accuracy"):
        rows = []
        for series, key in (("training", metric), ("validation", f"val_{metric}")):
            values = history[key]
            if not isinstance(values, list) or len(values) != history["epochs"]:
                raise ValueError(f"{key} should list one value for each of the {history['epochs']} epochs")
            rows += [{"epoch": epoch, "value": float(value), "series": series}
                     for epoch, value in enumerate(values, start=1)]
        frames.append(pd.DataFrame(rows, columns=CURVE_COLUMNS))
    return frames[0], frames[1]


def curves_table(loss: pd.DataFrame, accuracy: pd.DataFrame) -> dict | None:
    """The plots' numbers as a table, a row per epoch, from the very frames the plots show; None without them."""
    if loss.empty or accuracy.empty:
        return None
    columns, values = ["epoch"], []
    for metric, frame in (("loss", loss), ("accuracy", accuracy)):
        wide = frame.pivot(index="epoch", columns="series", values="value")
        for series in wide.columns:  # training, then validation
            columns.append(f"{series} {metric}")
            values.append([TABLE_FORMATS[metric].format(value) for value in wide[series]])
    return {"columns": columns,
            "rows": [{"epoch": int(epoch), "values": [column[row] for column in values]}
                     for row, epoch in enumerate(wide.index)]}


def training_summary(metrics_path: Path) -> str:
    """A few lines on how the model was trained and how well it does, from metrics.json."""
    metrics = read_record(metrics_path)
    recipe = metrics["recipe"]
    date = str(metrics["date"])[:10] if "date" in metrics else "an unknown date"  # the day of an ISO timestamp
    tested = int(np.sum(metrics["confusion_matrix"]))
    return (
        f"**{metrics['test_accuracy']:.2%} test accuracy** on the {tested:,} MNIST test digits it never "
        f"saw in training.\n\n"
        f"Recipe *{recipe['name']}*: {recipe['epochs']} epochs, batch size {recipe['batch_size']}, "
        f"{recipe['optimizer']} optimizer, {recipe['validation_split']:.0%} of the training digits held "
        f"out for validation. Trained on {date}."
    )


def training_view(history_path: Path, metrics_path: Path) -> tuple[str, pd.DataFrame, pd.DataFrame, dict | None]:
    """The curves tab: summary, both plots and their numbers, with a clear message for records that are unusable."""
    empty = pd.DataFrame(columns=CURVE_COLUMNS)
    loss = accuracy = empty
    notes = []
    try:
        loss, accuracy = training_curves(history_path)
    except RECORD_ERRORS as error:
        notes.append(records_problem(error, history_path))
    try:
        notes.insert(0, training_summary(metrics_path))
    except RECORD_ERRORS as error:
        notes.append(records_problem(error, metrics_path))
    return "\n\n".join(notes), loss, accuracy, curves_table(loss, accuracy)


def report_card(metrics_path: Path) -> tuple[dict | None, str]:
    """The confusion matrix with each digit's accuracy, and the architecture table, from metrics.json."""
    try:
        metrics = read_record(metrics_path)
        return confusion_view(np.array(metrics["confusion_matrix"])), architecture_table(metrics)
    except RECORD_ERRORS as error:
        return None, records_problem(error, metrics_path)


def recorded_architecture(metrics_path: Path) -> list[dict]:
    """The layers as train.py recorded them, or none: the Inside tab then shows what the model alone gives."""
    try:
        return read_record(metrics_path)["architecture"]
    except RECORD_ERRORS as error:
        log.warning("No architecture record in %s (%s)", metrics_path, error)
        return []


def records_problem(error: Exception, path: Path) -> str:
    """One line for the page: which record is unusable, why, and the command that rewrites it."""
    log.warning("Training records unavailable: %s: %s", path, error)
    if isinstance(error, FileNotFoundError):
        what = "is missing"
    else:
        what = f"could not be read ({type(error).__name__}: {error})"
    return f"⚠️ `{path}` {what}. Train the model to write it: `{REBUILD_COMMAND}`"
