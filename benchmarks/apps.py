"""Helpers the benchmarks share: the apps to compare, what the page uploads, and a stroke read over HTTP as the
page reads it."""

import asyncio
import io
import struct
import subprocess
import zlib
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from model.constants import CANVAS_SIZE
from testbench.api import ask, upload
from testbench.canvas import HAND_DRAWN, compose, draw_strokes
from testbench.digits import STROKES
from testbench.servers import ROOT

APPS = {"MNIST Sketchpad": ROOT / "app.py", "do-nothing app": ROOT / "benchmarks" / "do_nothing_app.py"}
# Chromium encodes the Sketchpad's PNGs for speed; Pillow's default (level 6) makes files that
# take about 1.7 times as long to decode, level 1 about as long as the browser's.
BROWSER_LIKE_COMPRESSION = 1


def stroke_pngs(variants: int = 8, side: int = CANVAS_SIZE) -> list[dict[str, bytes]]:
    """What the page uploads after each stroke, for a digit drawn over ``variants`` strokes.

    Each entry holds the Sketchpad's stroke layer (ink on transparent) and composite (ink on
    the white sheet) as PNGs, named as the page names them. The sheet itself, a blank white
    background, the page uploads only once: see ``background_png``.
    """
    ink = np.zeros((side, side), np.uint8)
    strokes = []
    for stroke in range(variants):  # a 1, then its flag, growing a little with each stroke
        ink[side // 5: side * 4 // 5, side // 2 - side // 45: side // 2 + side // 45] = 255
        flag_top = side // 5 + stroke * side // 80
        ink[flag_top: flag_top + side // 40, side * 2 // 5: side // 2] = 255
        strokes.append({"layer_0.png": _png(compose(ink, "transparent")), "composite.png": _png(compose(ink, "light"))})
    return strokes


def background_png(side: int = CANVAS_SIZE) -> bytes:
    return _png(np.full((side, side, 4), 255, np.uint8))


def drawn_pngs(digit: str) -> tuple[bytes, bytes]:
    """A hand-drawn ``digit`` (testbench.digits) as the page uploads it: the stroke layer and the composite PNGs."""
    return tuple(_png(draw_strokes(STROKES[digit], HAND_DRAWN, mode)) for mode in ("transparent", "light"))


def unique(png: bytes, number: int) -> bytes:
    """The same picture with a text chunk naming ``number``: bytes never uploaded before, as a new drawing's are."""
    payload = b"Comment\0" + str(number).encode()
    chunk = struct.pack(">I", len(payload)) + b"tEXt" + payload
    chunk += struct.pack(">I", zlib.crc32(chunk[4:]))
    return png[:-12] + chunk + png[-12:]  # before the closing IEND chunk, the last 12 bytes


def _png(pixels: np.ndarray) -> bytes:
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, "PNG", compress_level=BROWSER_LIKE_COMPRESSION)
    return encoded.getvalue()


async def read_stroke(http: httpx.AsyncClient, url: str, fn_index: int, stroke: dict[str, bytes],
                      background: dict, session: str) -> list:
    """What the page does after each stroke: upload the changed images, join the queue for the
    reading, take the answer from the event stream and fetch any image in it (the preview)."""
    layer, composite = await asyncio.gather(*(upload(http, url, name, png) for name, png in stroke.items()))
    outputs = await ask(http, url, fn_index, [{"background": background, "layers": [layer], "composite": composite}],
                        session)
    for value in outputs:
        if isinstance(value, dict) and value.get("url"):
            (await http.get(value["url"])).raise_for_status()
    return outputs


def peak_rss_mb(process: subprocess.Popen) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
