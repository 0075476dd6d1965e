"""Draw digits onto canvases the way the app's page hands them over.

Tests and benchmarks use this to turn on-line handwriting (lists of pen positions), or MNIST
images, into the RGBA images a person's drawing produces. Measured in Chromium (Gradio 6.31,
the app's page): in both themes the page sends a white sheet with the app's blue ink as the
composite, and the ink alone on a transparent stroke layer. "dark" is the same ink on the dark
grey sheet Gradio paints in its dark theme where the app does not set one: what an API user
or another page may send.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from model.constants import BRUSH_RADIUS, CANVAS_SIZE
from model.pen import SHEETS, Stroke, compose
from model.pen import draw_strokes as draw_pen_strokes

__all__ = ["HAND_DRAWN", "SHEETS", "Placement", "compose", "draw_strokes", "paste_digit", "random_placement"]


@dataclass(frozen=True)
class Placement:
    """Where and how big a digit lands on the canvas, as fractions of the canvas side."""

    height: float
    brush: float
    x: float  # of the free room left and right of the digit, the share on its left
    y: float


# A digit as a student draws it in the app: most of the canvas tall, centred, with the app's brush.
HAND_DRAWN = Placement(height=0.6, brush=2 * BRUSH_RADIUS / CANVAS_SIZE, x=0.5, y=0.5)

def random_placement(rng: np.random.Generator) -> Placement:
    """Sizes and positions people use: 25-85% of the canvas tall, a 2.5-7% round brush."""
    return Placement(height=rng.uniform(0.25, 0.85), brush=rng.uniform(0.025, 0.07),
                     x=rng.uniform(0, 1), y=rng.uniform(0, 1))


def draw_strokes(strokes: list[Stroke], placement: Placement, mode: str = "light",
                 size: int = CANVAS_SIZE) -> np.ndarray:
    """Render ``strokes`` (any units, y down) as a size x size RGBA uint8 canvas."""
    points = np.concatenate([np.asarray(stroke, float) for stroke in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    brush = placement.brush * size
    scale, offset = _fit(high - low, placement, size, margin=brush / 2 + 1)
    ink = Image.new("L", (size, size), 0)
    paths = [[tuple(point) for point in (np.asarray(stroke, float) - low) * scale + offset] for stroke in strokes]
    draw_pen_strokes(ImageDraw.Draw(ink), paths, brush)
    return compose(np.asarray(ink), mode)


def paste_digit(digit: np.ndarray, placement: Placement, mode: str = "light", size: int = CANVAS_SIZE) -> np.ndarray:
    """Blow an MNIST image (28x28 uint8, ink = 255) up onto a canvas; ``placement.brush`` is unused."""
    rows, columns = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    crop = digit[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale, offset = _fit(np.array(crop.shape[::-1], float), placement, size, margin=1)
    width, height = (max(1, round(side * scale)) for side in crop.shape[::-1])
    ink = Image.new("L", (size, size), 0)
    blown_up = Image.fromarray(crop).resize((width, height), Image.Resampling.BILINEAR)
    ink.paste(blown_up, tuple(np.round(offset).astype(int)))
    return compose(np.asarray(ink), mode)


def _fit(extent: np.ndarray, placement: Placement, size: int, margin: float) -> tuple[float, np.ndarray]:
    """Scale and top-left offset that give a drawing of ``extent`` (width, height) its placement."""
    extent = np.maximum(extent, 1e-6)
    room = size - 2 * margin
    scale = min(placement.height * size / extent[1], 0.95 * room / extent[0], room / extent[1])
    offset = margin + np.array([placement.x, placement.y]) * (room - extent * scale)
    return scale, offset
