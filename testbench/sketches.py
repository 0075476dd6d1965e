"""The development sketches (UJI Pen Characters v2, ../shared/data/sketches/), drawn and read as the app reads them."""

import json
from pathlib import Path

import numpy as np

from model.preprocess import to_mnist
from model.serving import Reader, classify_batch, load_reader
from testbench.canvas import SHEETS, draw_strokes, random_placement

MODES = list(SHEETS)
BATCH = 200


def load_sketches(path: Path) -> list[tuple[int, list]]:
    """(digit, strokes) pairs, in the file's sample order within each digit."""
    raw = json.loads(Path(path).read_text())["rawData"]
    return [(int(digit), strokes) for digit in sorted(raw) for strokes in raw[digit]]


def read_all(sketches: list[tuple[int, list]], reader: Reader, seed: int, views: bool = True) -> dict[str, np.ndarray]:
    """Draw every sketch in every mode, with a seeded random size, position and brush, and read it; one row each.

    Each drawing is read as the app reads it, five views averaged, or with ``views=False`` once, as drawn.
    """
    rng = np.random.default_rng(seed)
    jobs = [(digit, index, mode, strokes, random_placement(rng))
            for index, (digit, strokes) in enumerate(sketches) for mode in MODES]
    probabilities = []
    for start in range(0, len(jobs), BATCH):
        canvases = [draw_strokes(strokes, placement, mode)
                    for _, _, mode, strokes, placement in jobs[start:start + BATCH]]
        probabilities.append(classify_batch(canvases, reader) if views else read_once(canvases, reader))
    probabilities = np.concatenate(probabilities)
    return {
        "digit": np.array([job[0] for job in jobs]),
        "index": np.array([job[1] for job in jobs]),
        "mode": np.array([job[2] for job in jobs]),
        "probabilities": probabilities,
        "predicted": probabilities.argmax(axis=1),
        "jobs": jobs,
    }


def read_once(canvases: list[np.ndarray], reader: Reader) -> np.ndarray:
    """(N, 10) probabilities from one reading of each canvas as drawn, without the app's other four views."""
    return reader(np.stack([to_mnist(canvas) for canvas in canvases])[..., None])


def reader_for(path: Path) -> Reader:
    """A reader for a saved network: Keras for a .keras file (to compare models), LiteRT as the app serves otherwise."""
    if Path(path).suffix == ".keras":
        from model.keras_model import load_keras_model  # TensorFlow, only when asked for

        return load_keras_model(path).predict_on_batch
    return load_reader(path)
