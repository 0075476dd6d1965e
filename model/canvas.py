"""Draw digits onto canvases the way Gradio's Sketchpad hands them to the app.

Benchmarks and tests use this to turn on-line handwriting (lists of pen positions),
or MNIST images, into the RGBA images a person's drawing produces in each theme.
"""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

# The side of the app's Sketchpad canvas: big enough to draw on, small enough to decode in a
# millisecond or two (an 800x800 PNG layer took about 9 ms to decode, a 400x400 one 1.5 ms).
CANVAS_SIZE = 400
# Gradio 6's Sketchpad paints black ink. Its composite has a white background in the
# light theme and #333333 in the dark one; its stroke layer is transparent.
BACKGROUNDS = {"light": 255, "dark": 0x33, "transparent": None}

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
    brush = placement.brush * size
    scale, offset = _fit(high - low, placement, size, margin=brush / 2 + 1)
    ink = Image.new("L", (size, size), 0)
    pen = ImageDraw.Draw(ink)
    radius = brush / 2
    for stroke in strokes:
        path = [tuple(point) for point in (np.asarray(stroke, float) - low) * scale + offset]
        if len(path) > 1:
            pen.line(path, fill=255, width=max(1, round(brush)))
        for x, y in path:  # round caps and joins, as a canvas brush draws them
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return compose(np.asarray(ink), mode)


def paste_digit(digit: np.ndarray, placement: Placement, mode: str = "light", size: int = CANVAS_SIZE) -> np.ndarray:
    """Blow an MNIST image (28x28 uint8, ink = 255) up onto a canvas; ``placement.brush`` is unused."""
    rows, columns = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    crop = digit[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    scale, offset = _fit(np.array(crop.shape[::-1], float), placement, size, margin=1)
    width, height = (max(1, round(side * scale)) for side in crop.shape[::-1])
    ink = Image.new("L", (size, size), 0)
    ink.paste(Image.fromarray(crop).resize((width, height), Image.Resampling.BILINEAR), tuple(np.round(offset).astype(int)))
    return compose(np.asarray(ink), mode)


def compose(ink: np.ndarray, mode: str) -> np.ndarray:
    """Black ink of strength ``ink`` (HxW uint8) as the Sketchpad's composite or stroke layer."""
    canvas = np.zeros((*ink.shape, 4), np.uint8)
    if BACKGROUNDS[mode] is None:
        canvas[..., 3] = ink
    else:
        canvas[..., :3] = (BACKGROUNDS[mode] * (255 - ink.astype(np.uint16)) // 255)[..., None]
        canvas[..., 3] = 255
    return canvas


def _fit(extent: np.ndarray, placement: Placement, size: int, margin: float) -> tuple[float, np.ndarray]:
    """Scale and top-left offset that give a drawing of ``extent`` (width, height) its placement."""
    extent = np.maximum(extent, 1e-6)
    room = size - 2 * margin
    scale = min(placement.height * size / extent[1], 0.95 * room / extent[0], room / extent[1])
    offset = margin + np.array([placement.x, placement.y]) * (room - extent * scale)
    return scale, offset
