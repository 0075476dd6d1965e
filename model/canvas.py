"""Draw pen strokes onto canvases the way Gradio's Sketchpad hands them to the app.

Benchmarks and tests use this to turn on-line handwriting (lists of pen positions)
into the RGBA images a person's drawing produces in each theme.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

CANVAS_SIZE = 800
# Gradio 6's Sketchpad composite: white in the light theme, #333333 in the dark one, black
# ink; its stroke layer is transparent with opaque ink.
BACKGROUNDS = {"light": (255, 255, 255, 255), "dark": (51, 51, 51, 255), "transparent": (0, 0, 0, 0)}
INK = (0, 0, 0, 255)

Stroke = list[tuple[float, float]]


@dataclass(frozen=True)
class Placement:
    """Where and how big a digit lands on the canvas, as fractions of the canvas side."""

    height: float
    brush: float
    x: float  # of the free room left and right of the digit, the share on its left
    y: float


def random_placement(rng: np.random.Generator) -> Placement:
    """Sizes and positions people use: 25-85% of the canvas tall, a 2.5-7% round brush."""
    return Placement(height=rng.uniform(0.25, 0.85), brush=rng.uniform(0.025, 0.07),
                     x=rng.uniform(0, 1), y=rng.uniform(0, 1))


def draw_strokes(strokes: list[Stroke], placement: Placement, mode: str = "light",
                 size: int = CANVAS_SIZE) -> np.ndarray:
    """Render ``strokes`` (any units, y down) as a size x size RGBA uint8 canvas."""
    points = np.concatenate([np.asarray(stroke, float) for stroke in strokes])
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.maximum(high - low, 1e-6)
    brush = placement.brush * size
    room = size - brush - 2
    scale = min(placement.height * size / extent[1], 0.95 * room / extent[0], room / extent[1])
    drawn = extent * scale
    offset = brush / 2 + 1 + np.array([placement.x, placement.y]) * (room - drawn) - low * scale
    canvas = Image.new("RGBA", (size, size), BACKGROUNDS[mode])
    pen = ImageDraw.Draw(canvas)
    radius = brush / 2
    for stroke in strokes:
        path = [tuple(point) for point in np.asarray(stroke, float) * scale + offset]
        if len(path) > 1:
            pen.line(path, fill=INK, width=max(1, round(brush)))
        for x, y in path:  # round caps and joins, as a canvas brush draws them
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=INK)
    return np.asarray(canvas)
