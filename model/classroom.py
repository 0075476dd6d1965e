"""Classroom mode: what the "Inside the network" tab, the report card and the class board show, as plain data.

Pure functions of the network's outputs, of metrics.json and of the board's drawings. app.py wires
them to the page; assets/inside.html, assets/confusion.html and assets/board*.html lay them out.
Every name, kind and shape shown comes from the model itself: its LiteRT layer outputs and the
architecture train.py recorded.
"""

import functools
import math
from collections import Counter
from pathlib import Path

import numpy as np

from model.board import Drawing, Snapshot
from model.constants import LABELS, MNIST_BOX
from model.data import load_mnist_test
from model.inside import Inside, Misread, look_inside, misreads
from model.pictures import (
    PALETTE,
    SCALE_GRADIENT,
    activation_grid,
    input_data_uri,
    mattered_overlay,
    png_data_uri,
)
from model.serving import VIEW_TURNS, LiteReader, load_reader

# What each kind of layer does, told from its own and the previous layer's shapes.
STEP_NOTES = {
    "Conv2D": "{channels} learned filters, each slid across the layer before: a map is bright where its "
              "filter finds its pattern.",
    "MaxPooling2D": "Keeps the strongest value in each {block} × {block} block: the same {channels} maps, "
                    "{block} times smaller each way.",
    "Dropout": "In training it switches random values off, so that none is relied on alone; reading a digit, "
               "it passes everything on unchanged.",
    "Flatten": "Lines the {before} values up in one row of {units}.",
    "Dense": "{units} units, each a weighted sum of all {inputs} values before it: bright where strongly active.",
}
INPUT_NOTE = (f"The image the network reads: white ink on black, the digit scaled into a {MNIST_BOX} × {MNIST_BOX} "
              f"box and centred, as MNIST's digits were.")
OUTPUT_NOTE = (f"The probability of each digit, averaged over five readings (as drawn, turned "
               f"{max(VIEW_TURNS):g}° each way, bolder and lighter), as the Prediction tab shows it.")
GALLERY_CAPTION = "{written}→{read} {confidence:.0%}"  # written, read as, how sure: 78 px of caption
# Each picture's text alternative, for those who cannot see it: what it shows, told from its layer's kind and shape.
PICTURE_TEXT = {
    "Conv2D": "{maps} feature maps of the {nth} convolution, {rows} by {columns} each, brighter where more active",
    "MaxPooling2D": "{maps} feature maps of the {nth} pooling, {rows} by {columns} each, brighter where more active",
    "Dense": "The {units} units of the {nth} dense layer, a square each, brighter where more active",
}
INPUT_TEXT = "The {rows} by {columns} pixel image the network reads, white ink on black"
LAYER_TEXT = "The outputs of layer {name}, {shape}"  # a kind without words of its own
BARS_TEXT = "The probability of each digit: {probabilities}"
MATTERED_TEXT = ("The image, red where hiding its pixels makes the network less sure of {digit}, "
                 "blue where hiding them makes it surer")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")


def inside_view(inside: Inside, source: str, architecture: list[dict]) -> dict:
    """The Inside tab's content for one image: each step from pixels to probabilities, and what mattered.

    ``source`` says what the image is ("Your drawing"); ``architecture`` is metrics.json's record,
    which names the kind of each layer and the layers that have no output of their own to show.
    """
    *shown, output = inside.layers
    probabilities = inside.probabilities
    bars = [{"digit": label, "label": f"{probability:.0%}", "height": round(100 * float(probability), 1),
             "probability": float(probability), "top": index == inside.digit}
            for index, (label, probability) in enumerate(zip(LABELS, probabilities))]
    return {
        "source": source,
        "digit": LABELS[inside.digit],
        "confidence": f"{probabilities[inside.digit]:.0%}",
        "colour_scale": SCALE_GRADIENT,
        "steps": _steps(inside, shown, architecture),
        "output": {"name": output, "kind": _kinds(architecture).get(output, ""),
                   "shape": _shape(inside.layers[output].shape), "note": OUTPUT_NOTE},
        "bars": bars,
        "bars_text": BARS_TEXT.format(probabilities=", ".join(f"{bar['digit']} {bar['label']}" for bar in bars)),
        "mattered": png_data_uri(mattered_overlay(inside.seen, inside.mattered)),
        "mattered_text": MATTERED_TEXT.format(digit=LABELS[inside.digit]),
    }


def _steps(inside: Inside, shown: list[str], architecture: list[dict]) -> list[dict]:
    """The input, then every layer up to the output in the model's order: with a picture if it has an output."""
    kinds = _kinds(architecture)
    recorded = [row["layer"] for row in architecture]
    # The record adds the layers with nothing of their own to show (Dropout, Flatten), in their
    # places; one that does not name every shown layer belongs to another model and is left out.
    order = recorded[:recorded.index(shown[-1]) + 1] if shown and set(shown) <= set(recorded) else shown
    previous = (*inside.seen.shape, 1)
    steps = [{"name": "input", "kind": "", "shape": _shape(previous), "note": INPUT_NOTE,
              "picture": input_data_uri(inside.seen), "text": INPUT_TEXT.format(rows=previous[0], columns=previous[1])}]
    seen_of_kind = Counter()
    for name in order:
        values = inside.layers.get(name)
        shape = values.shape if values is not None else tuple(_record(architecture, name)["output_shape"])
        kind = kinds.get(name, "")
        seen_of_kind[kind] += 1
        step = {"name": name, "kind": kind, "shape": _shape(shape), "note": _note(kind, previous, shape)}
        if values is not None:
            strongest = float(values.max())
            step |= {"picture": png_data_uri(activation_grid(values, strongest), PALETTE),
                     "strongest": f"{strongest:.3g}", "text": _picture_text(name, kind, shape, seen_of_kind[kind])}
        steps.append(step)
        previous = shape
    return steps


def _picture_text(name: str, kind: str, shape: tuple, nth: int) -> str:
    """What a layer's picture shows, in words: "32 feature maps of the first convolution, 26 by 26 each, ..."."""
    if kind not in PICTURE_TEXT or nth > len(ORDINALS):
        return LAYER_TEXT.format(name=name, shape=_shape(shape))
    return PICTURE_TEXT[kind].format(maps=shape[-1], rows=shape[0], columns=shape[1] if len(shape) > 1 else 1,
                                     units=f"{math.prod(shape):,}", nth=ORDINALS[nth - 1])


def _kinds(architecture: list[dict]) -> dict[str, str]:
    return {row["layer"]: row["type"] for row in architecture}


def _record(architecture: list[dict], name: str) -> dict:
    return next(row for row in architecture if row["layer"] == name)


def _note(kind: str | None, before: tuple, shape: tuple) -> str:
    fields = {"channels": shape[-1], "block": before[0] // shape[0] if len(shape) == 3 else 1,
              "before": _shape(before), "units": f"{math.prod(shape):,}", "inputs": f"{math.prod(before):,}"}
    return STEP_NOTES.get(kind, "").format(**fields)


def _shape(shape: tuple) -> str:
    return " × ".join(str(side) for side in shape)


def confusion_view(matrix: np.ndarray, subject: str = "MNIST test digits", rows: str = "written",
                   name: str = "The confusion matrix") -> dict:
    """A confusion matrix (rows: the digit ``rows``, columns: the digit read) as rows of cells, each digit's
    accuracy, and a caption saying what was counted: ``subject``, MNIST's test digits or a class's drawings."""
    matrix = np.asarray(matrix)
    errors = matrix - np.diag(np.diag(matrix))
    worst = max(int(errors.max()), 1)
    accuracy = digit_accuracy(matrix)
    total = int(matrix.sum())

    def cell(written: int, read: int) -> dict:
        count = int(matrix[written, read])
        if written == read:  # tinted by that digit's accuracy
            return {"count": count, "kind": "hit", "strength": round(float(accuracy[written]), 3)}
        return {"count": count, "kind": "miss" if count else "none", "strength": round(count / worst, 3)}

    return {
        "name": name,
        "digits": LABELS,
        "rows_are": rows,
        "rows": [{"digit": LABELS[written], "cells": [cell(written, read) for read in range(len(LABELS))],
                  "accuracy": f"{accuracy[written]:.1%}"} for written in range(len(LABELS))],
        "caption": (f"{total:,} {subject.removesuffix('s') if total == 1 else subject}: "
                    f"{np.trace(matrix) / max(total, 1):.2%} read correctly, "
                    f"{int(errors.sum()):,} misread. Rows: the digit {rows}. Columns: the digit the network read."),
    }


def digit_accuracy(matrix: np.ndarray) -> np.ndarray:
    """The share of each written digit read correctly (rows of the confusion matrix)."""
    return np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)


def architecture_table(metrics: dict) -> str:
    """The layers as a Markdown table: name, kind, output shape, parameters, and the total."""
    rows = [f"| `{row['layer']}` | {row['type']} | {_shape(row['output_shape'])} | {row['parameters']:,} |"
            for row in metrics["architecture"]]
    return "\n".join(["| layer | kind | output shape | parameters |", "|---|---|---|---:|", *rows,
                      f"| **in all** | | | **{metrics['parameters']:,}** |"])


@functools.cache
def misread_test_digits(data_path: Path | None, model_path: Path) -> tuple[np.ndarray, list[Misread]]:
    """MNIST's test images and the ones the network misreads, loaded and read once per data and model.

    Raises model.DataError (saying why, and what to do) when MNIST cannot be loaded.
    """
    images, labels = load_mnist_test(data_path)
    return images, misreads(images, labels, load_reader(model_path))


def gallery_items(images: np.ndarray, wrong: list[Misread]) -> list[tuple[np.ndarray, str]]:
    """Each misread test digit as the network saw it, captioned with what was written and what it read."""
    return [(images[misread.index], GALLERY_CAPTION.format(**vars(misread))) for misread in wrong]


def misread_digit_inside(images: np.ndarray, misread: Misread, reader: LiteReader, architecture: list[dict]) -> dict:
    """The Inside tab's content for a misread test digit."""
    seen = images[misread.index] / 255
    source = f"MNIST test digit #{misread.index:,}, written as {misread.written}"
    return inside_view(look_inside(seen, reader), source, architecture)


# --- The class board --------------------------------------------------------------------------------

# The board's models, as its page names them (the keys are the names the board's API uses).
BOARD_READERS = {"shipped": "the shipped model", "tutorial": "the tutorial's model"}
# Which misread drawings the board shows: those one model misreads (and another reads right).
BOARD_SHOWS = {
    "shipped": ("Misread by the shipped model", "shipped", None),
    "tutorial": ("Misread by the tutorial's model", "tutorial", None),
    "tutorial-only": ("The tutorial's model misreads it, the shipped one doesn't", "tutorial", "shipped"),
}
THUMBNAILS_PER_PAGE = 48  # six rows of eight on a 1920 x 1080 projector


def board_summary(board: Snapshot) -> dict:
    """The board as its API gives it: counts, each model's accuracy and confusion matrix, and every misread
    drawing (misread by any model), the most confidently wrong first, with every model's top readings."""
    misread = [drawing for drawing in board.drawings if any(drawing.misread(model) for model in board.models)]
    worst = {drawing.number: max(drawing.sure(model) for model in board.models if drawing.misread(model))
             for drawing in misread}
    return {
        "drawings": len(board.drawings),
        "accuracy": {model: board.accuracy(model) for model in board.models},
        "confusion": {model: board.confusion(model).tolist() for model in board.models},
        "misread": [{"number": drawing.number, "meant": drawing.meant,
                     "misread_by": [model for model in board.models if drawing.misread(model)],
                     "read": {model: [list(reading) for reading in drawing.readings[model]] for model in board.models}}
                    for drawing in sorted(misread, key=lambda drawing: (-worst[drawing.number], drawing.number))],
        "paused": board.paused,
        "dropped": board.dropped,
        "capacity": board.capacity,
    }


def board_view(board: Snapshot) -> dict:
    """The board's headline: how many drawings, each model's accuracy side by side, and what the board keeps."""
    accuracy = {model: board.accuracy(model) for model in board.models}
    shown = {model: "–" if share is None else f"{share:.1%}" for model, share in accuracy.items()}
    return {
        "count": f"{len(board.drawings):,}",
        "drawings": "drawing" if len(board.drawings) == 1 else "drawings",
        "models": [{"name": BOARD_READERS[model], "accuracy": shown[model]} for model in board.models],
        "paused": board.paused,
        "dropped": f"{board.dropped:,}" if board.dropped else "",
        "capacity": f"{board.capacity:,}",
    }


def board_confusion(board: Snapshot, model: str) -> dict:
    """One model's confusion matrix on the class's drawings: rows the digit meant, columns the digit read."""
    view = confusion_view(board.confusion(model), "drawings", rows="meant",
                          name=f"{BOARD_READERS[model].capitalize()}'s confusion matrix")
    return view | {"caption": f"{BOARD_READERS[model].capitalize()}. {view['caption']}"}


def board_drawings(board: Snapshot, show: str, page: int) -> dict:
    """One page of the misread drawings that ``show`` (a key of BOARD_SHOWS) picks: thumbnails, most confident first."""
    title, by, not_by = BOARD_SHOWS[show]
    chosen = board.misread(by, not_by) if {by, not_by} - {None} <= set(board.models) else []
    pages = max(1, math.ceil(len(chosen) / THUMBNAILS_PER_PAGE))
    page = min(max(1, page), pages)
    shown = chosen[(page - 1) * THUMBNAILS_PER_PAGE: page * THUMBNAILS_PER_PAGE]
    return {
        "title": f"{title}: {len(chosen):,}",
        "page": page,
        "pages": pages,
        "drawings": [_thumbnail(drawing, by, not_by) for drawing in shown],
    }


def _thumbnail(drawing: Drawing, by: str, not_by: str | None) -> dict:
    also = f", {BOARD_READERS[not_by]} reads {drawing.read(not_by)}" if not_by else ""
    caption = f"{drawing.meant}→{drawing.read(by)} {drawing.sure(by):.0%}"
    # The name starts with what the thumbnail shows, as a person reading it aloud would.
    return {"number": drawing.number, "picture": png_data_uri(drawing.seen), "caption": caption,
            "label": (f"{caption}: drawing {drawing.number}, meant {drawing.meant}, {BOARD_READERS[by]} reads "
                      f"{drawing.read(by)}, {drawing.sure(by):.0%} sure{also}")}


def board_drawing_inside(drawing: Drawing, model: str, reader: LiteReader, architecture: list[dict]) -> dict:
    """The Inside tab's content for a drawing on the board, as ``model`` reads it."""
    source = f"Drawing {drawing.number} on the class board, meant as {drawing.meant}, read by {BOARD_READERS[model]}"
    return inside_view(look_inside(drawing.seen / 255, reader), source, architecture)
