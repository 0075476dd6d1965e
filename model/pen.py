"""Pen strokes as a canvas brush draws them: straight lines between the pen's positions, round at every point."""

from PIL import ImageDraw

Stroke = list[tuple[float, float]]  # the pen's positions, in pixels, y down


def draw_strokes(pen: ImageDraw.ImageDraw, strokes: list[Stroke], width: float, fill: int = 255) -> None:
    """Draw each stroke ``width`` pixels wide, with round caps and joins."""
    radius = width / 2
    for stroke in strokes:
        if len(stroke) > 1:
            pen.line(stroke, fill=fill, width=max(1, round(width)))
        for x, y in stroke:
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
