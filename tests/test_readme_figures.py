"""The README's figures for the shipped model are the shipped model's, as its records in model/ give them.

A model retrained and shipped without its figures brought up to date fails here. Figures that need
the data, a browser or a quiet machine (drawn digits, latency) come from their benchmarks instead.
"""

import json
import re

import numpy as np

from support import ROOT, SHIPPED_MODEL_DIR

README = (ROOT / "README.md").read_text()
METRICS = json.loads((SHIPPED_MODEL_DIR / "metrics.json").read_text())


def test_the_accuracy_table_gives_the_shipped_test_accuracy():
    row = re.search(r"^\| `sketch` \(shipped\) \| \*\*(\d+\.\d\d)%\*\*", README, re.MULTILINE)
    assert row, "the accuracy table has no `sketch` (shipped) row"
    assert row[1] == f"{100 * METRICS['test_accuracy']:.2f}"


def test_the_misread_test_digits_are_counted_as_the_model_misreads_them():
    confusion = np.array(METRICS["confusion_matrix"])
    stated = re.search(r"the (\d+) MNIST\s+test digits the shipped model misreads", README)
    assert stated, "the README no longer says how many test digits the shipped model misreads"
    assert int(stated[1]) == confusion.sum() - np.trace(confusion)


def test_the_parameter_count_and_training_time_are_the_recorded_ones():
    assert f"{METRICS['parameters']:,} parameters" in README
    recorded = re.search(r"the shipped `metrics\.json` records\s+([\d,]+) s", README)
    assert recorded, "the README no longer gives the training time the shipped metrics.json records"
    assert int(recorded[1].replace(",", "")) == round(METRICS["training_seconds"])
