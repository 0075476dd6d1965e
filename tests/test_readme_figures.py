"""The README's figures for the shipped models are the models' own, as their records in model/ give them.

The results table is read as a table (a row by its first cell, a model by its column heading), and
each figure is compared as a number with the record it reports, so a retrained model cannot ship with
last time's figures, whatever the words around them. Figures that need the data, a browser or a quiet
machine (drawn digits, latency, load) come from their benchmarks, whose commands the table gives.
"""

import json
import re

import numpy as np
import pytest

from model.constants import SHIPPED, TUTORIAL
from support import ROOT

README = (ROOT / "README.md").read_text()
MODELS = {"shipped model": SHIPPED, "tutorial's model": TUTORIAL}


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in ``text``: its rows (heading first, the rule left out) as lists of cells."""
    found, rows = [], []
    for line in [*text.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                rows.append(cells)
        elif rows:
            found, rows = [*found, rows], []
    return found


def number(cell: str) -> float:
    """The first number in a cell, as written (a percentage as a percentage)."""
    return float(re.search(r"\d[\d,]*(?:\.\d+)?", cell)[0].replace(",", ""))


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, str]]:
    """The results table: figure -> {column heading -> cell}."""
    table = next(table for table in tables(README) if table[0][:3] == ["figure", "shipped model", "tutorial's model"])
    heading, *rows = table
    return {row[0]: dict(zip(heading, row)) for row in rows}


def metrics(model) -> dict:
    return json.loads(model.metrics.read_text())


@pytest.mark.parametrize("model", MODELS)
def test_each_models_test_accuracy_is_its_recorded_one(results, model: str) -> None:
    row = next(row for figure, row in results.items() if figure.startswith("MNIST test accuracy"))
    assert number(row[model]) == pytest.approx(100 * metrics(MODELS[model])["test_accuracy"], abs=0.005)


@pytest.mark.parametrize("model", MODELS)
def test_each_models_misread_test_digits_are_counted_from_its_record(results, model: str) -> None:
    row = next(row for figure, row in results.items() if figure.startswith("MNIST test digits misread"))
    confusion = np.array(metrics(MODELS[model])["confusion_matrix"])
    assert number(row[model]) == confusion.sum() - np.trace(confusion)


def test_the_parameter_count_is_the_recorded_one() -> None:
    stated = {int(found.replace(",", "")) for found in re.findall(r"([\d,]+)\s+parameters", README)}
    assert stated == {metrics(SHIPPED)["parameters"]} == {metrics(TUTORIAL)["parameters"]}
