"""Golden readings: a few canvases, and how the Python reader reads them, for the page's reader to match.

The page reads sketches with its own copy of ``to_mnist`` and ``predict_seen`` (assets/reader.js),
taking their constants from the header of the weights file. train.py writes these canvases beside
that file, each with the 28x28 image ``to_mnist`` makes of it and the probabilities the trained
network gives it, so that reader.js can be checked against Python without a browser, and Python
against what it read when the model was exported. Each canvas is drawn as the page hands one over
(model/pen.py), and each takes its own path through the preprocessing.
"""

import base64
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from model.files import write_json
from model.pen import Stroke, arc, compose, draw_strokes
from model.preprocess import to_mnist
from model.serving import Reader, predict_seen

LEFT = math.pi  # a heading: angles from +x, y down, as model.pen.arc takes them
FULL_INK = 255


@dataclass(frozen=True)
class Drawing:
    """Strokes of a round brush ``width`` pixels wide, in ink of ``strength`` (full ink: 255)."""

    strokes: tuple[Stroke, ...]
    width: float
    strength: int = FULL_INK


@dataclass(frozen=True)
class Canvas:
    """A canvas of ``width`` x ``height`` pixels, as the page hands it over on ``sheet`` (see model.pen.SHEETS)."""

    about: str
    width: int
    height: int
    sheet: str
    drawings: tuple[Drawing, ...] = ()

    def pixels(self) -> np.ndarray:
        """The canvas as RGBA uint8, height x width x 4."""
        ink = Image.new("L", (self.width, self.height), 0)
        pen = ImageDraw.Draw(ink)
        for drawing in self.drawings:
            draw_strokes(pen, list(drawing.strokes), drawing.width, drawing.strength)
        return compose(np.asarray(ink), self.sheet)


def _circle(top: tuple[float, float], radius: float) -> Stroke:
    """A circle drawn anticlockwise on screen from its top."""
    return arc(top, LEFT, 2 * math.pi * radius, -2 * math.pi)


CANVASES = (
    Canvas("a big 0 on the stroke layer: box-filtered down to the working side first", 400, 400, "transparent",
           (Drawing((_circle((200, 30), 160),), 18),)),
    Canvas("a big 8 on the white sheet: box-filtered, reading the colour channels", 400, 400, "light",
           (Drawing((_circle((200, 40), 70), _circle((200, 180), 85)), 18),)),
    Canvas("a narrow 1: a crop one brush wide, resized to a single column after a reduce", 400, 400, "transparent",
           (Drawing(([(200, 60), (200, 340)],), 18),)),
    Canvas("a two-stroke 4 on the dark sheet", 400, 400, "dark",
           (Drawing(([(230, 70), (120, 260), (300, 260)], [(250, 150), (250, 340)]), 20),)),
    Canvas("a small 2: scaled down with no box filter", 400, 400, "light",
           (Drawing(([(180, 195), (195, 185), (210, 195), (180, 240), (215, 240)],), 6),)),
    Canvas("a tiny 7 on a small wide canvas: scaled up", 64, 48, "light",
           (Drawing(([(26, 18), (36, 18), (30, 30)],), 2),)),
    Canvas("a 9 in grey pencil on a tall canvas: its contrast stretched, box-filtered with partial blocks",
           241, 363, "light", (Drawing((_circle((120, 60), 45), [(165, 105), (150, 300)]), 11, 140),)),
    Canvas("a 7 on a wide canvas with a smudge far off, just under the halo (contrast 19 of the 7's 196): "
           "the smudge widens the crop, then goes", 400, 300, "light",
           (Drawing(([(150, 60), (300, 60), (210, 250)],), 14), Drawing(([(30, 270), (36, 272)],), 10, 25))),
    Canvas("a 7 or a 1, read as either about equally: where the probabilities are most sensitive", 400, 400,
           "light", (Drawing(([(160, 70), (230, 60), (215, 340)],), 18),)),
    Canvas("a scribble just too faint to be ink (contrast 23 of 255): no reading", 400, 400, "light",
           (Drawing(([(100, 100), (300, 300), (300, 100)],), 18, 30),)),
    Canvas("a 1 just strong enough to be ink (contrast 24 of 255): stretched to full ink", 400, 400, "light",
           (Drawing(([(200, 80), (200, 320)],), 18, 31),)),
    Canvas("an empty stroke layer: no reading", 400, 400, "transparent"),
)


def golden_readings(reader: Reader) -> dict:
    """Each of CANVASES, its 28x28 image and its probabilities as ``predict_seen`` gives them with ``reader``."""
    canvases = [canvas.pixels() for canvas in CANVASES]
    seen = np.stack([to_mnist(pixels) for pixels in canvases])
    probabilities = predict_seen(seen, reader)
    return {"about": __doc__.split("\n\n")[0],
            "canvases": [{"about": canvas.about, "width": canvas.width, "height": canvas.height,
                          "rgba": pack(pixels), "seen": pack(np.round(image * 255).astype(np.uint8)),
                          "probabilities": reading.tolist()}
                         for canvas, pixels, image, reading in zip(CANVASES, canvases, seen, probabilities)]}


def write_goldens(path: Path, reader: Reader) -> None:
    write_json(path, golden_readings(reader))


def pack(pixels: np.ndarray) -> str:
    """uint8 pixels, row by row, zlib-compressed and in base64: 640 kB of canvas in a few kB of JSON."""
    return base64.b64encode(zlib.compress(np.ascontiguousarray(pixels, np.uint8).tobytes(), 9)).decode()

