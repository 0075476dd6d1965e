"""Pen strokes as a canvas brush draws them: lines through the pen's positions, with round joins and caps;
and the ink as the app's page hands it over, on a sheet or as the stroke layer."""

import math

import numpy as np
from PIL import ImageColor, ImageDraw

from model.constants import INK_COLOUR

INK = ImageColor.getrgb(INK_COLOUR)
SHEETS = {"light": 255, "dark": 0x33, "transparent": None}  # grey level of the sheet; None: the stroke layer
Stroke = list[tuple[float, float]]  # the pen's positions, in pixels, y down
ARC_POINTS = 12  # a curved stroke, as this many straight pieces


def draw_strokes(pen: ImageDraw.ImageDraw, strokes: list[Stroke], width: float, fill: int = 255) -> None:
    """Draw each stroke ``width`` pixels wide, with round joins and round caps at both ends."""
    radius = width / 2
    for stroke in strokes:
        pen.line(stroke, fill=fill, width=round(width), joint="curve")
        for x, y in (stroke[0], stroke[-1]):
            pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)


def arc(start: tuple[float, float], direction: float, length: float, turn: float = 0.0) -> Stroke:
    """A stroke of ``length`` leaving ``start`` towards ``direction`` and turning steadily by ``turn`` radians."""
    if turn == 0:
        return [start, (start[0] + length * math.cos(direction), start[1] + length * math.sin(direction))]
    points, step = [start], length / ARC_POINTS
    for index in range(ARC_POINTS):
        heading = direction + turn * (index + 0.5) / ARC_POINTS
        x, y = points[-1]
        points.append((x + step * math.cos(heading), y + step * math.sin(heading)))
    return points


def compose(ink: np.ndarray, mode: str) -> np.ndarray:
    """The app's ink, of strength ``ink`` (HxW uint8), as the page's composite on a sheet or as its stroke layer."""
    canvas = np.zeros((*ink.shape, 4), np.uint8)
    canvas[..., :3] = INK
    if SHEETS[mode] is None:
        canvas[..., 3] = ink
        return canvas
    strength = ink[..., None] / 255
    canvas[..., :3] = np.round(SHEETS[mode] * (1 - strength) + np.array(INK) * strength)
    canvas[..., 3] = 255
    return canvas
