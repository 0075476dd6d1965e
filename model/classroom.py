"""Classroom mode: what the "Inside the network" tab and the report card show, as plain data.

Pure functions of the network's outputs and of metrics.json. app.py wires them to the page;
assets/inside.html and assets/confusion.html lay them out. Every name, kind and shape shown
comes from the model itself: its LiteRT layer outputs and the architecture train.py recorded.
"""

import functools
import math
from collections import Counter
from pathlib import Path

import numpy as np

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


def _note(kind: str, before: tuple, shape: tuple) -> str:
    fields = {"channels": shape[-1], "block": before[0] // shape[0] if len(shape) == 3 else 1,
              "before": _shape(before), "units": f"{math.prod(shape):,}", "inputs": f"{math.prod(before):,}"}
    return STEP_NOTES.get(kind, "").format(**fields)


def _shape(shape: tuple) -> str:
    return " × ".join(str(side) for side in shape)


def confusion_view(metrics: dict) -> dict:
    """The test set's confusion matrix as rows of cells, and each digit's accuracy, from metrics.json."""
    matrix = np.array(metrics["confusion_matrix"])
    errors = matrix - np.diag(np.diag(matrix))
    worst = max(int(errors.max()), 1)
    accuracy = digit_accuracy(matrix)

    def cell(written: int, read: int) -> dict:
        count = int(matrix[written, read])
        if written == read:  # tinted by that digit's accuracy
            return {"count": count, "kind": "hit", "strength": round(float(accuracy[written]), 3)}
        return {"count": count, "kind": "miss" if count else "none", "strength": round(count / worst, 3)}

    return {
        "digits": LABELS,
        "rows": [{"digit": LABELS[written], "cells": [cell(written, read) for read in range(len(LABELS))],
                  "accuracy": f"{accuracy[written]:.1%}"} for written in range(len(LABELS))],
        "count": f"{int(matrix.sum()):,}",
        "accuracy": f"{metrics['test_accuracy']:.2%}",
        "errors": f"{int(errors.sum()):,}",
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
