"""Helpers the benchmarks share: start an app (on chosen cores), draw what the page uploads, and read strokes over
HTTP as the page does."""

import asyncio
import io
import json
import os
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from model.constants import CANVAS_SIZE
from testbench.canvas import Placement, compose, draw_strokes
from testbench.digits import STROKES
from testbench.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
APPS = {"MNIST Sketchpad": ROOT / "app.py", "do-nothing app": ROOT / "benchmarks" / "do_nothing_app.py"}
# Chromium encodes the Sketchpad's PNGs for speed; Pillow's default (level 6) makes files that
# take about 1.7 times as long to decode, level 1 about as long as the browser's.
BROWSER_LIKE_COMPRESSION = 1
# A hand-drawn digit as a student draws it: most of the canvas tall, with the app's 18 px brush.
PLACEMENT = Placement(height=0.6, brush=18 / CANVAS_SIZE, x=0.5, y=0.5)


@contextmanager
def running(script: Path, cpus: str | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``python script`` on a free local port, on the cores ``cpus`` names (taskset's list, "1" say) if given;
    yield its URL and process, then stop it."""
    port = free_port()
    # The project's root on the path, for the do-nothing app's imports as for app.py's.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    pinned = ["taskset", "--cpu-list", cpus] if cpus else []
    process = subprocess.Popen([*pinned, sys.executable, str(script)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL,
                               env={**os.environ, "GRADIO_SERVER_PORT": str(port), "PYTHONPATH": path})
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=30)


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
    return tuple(_png(draw_strokes(STROKES[digit], PLACEMENT, mode)) for mode in ("transparent", "light"))


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


async def upload(http: httpx.AsyncClient, url: str, name: str, png: bytes) -> dict:
    """Upload one image as the page does; return the file value that refers to it."""
    reply = await http.post(f"{url}/gradio_api/upload", files={"files": (name, png, "image/png")})
    reply.raise_for_status()
    return {"path": reply.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


async def read_stroke(http: httpx.AsyncClient, url: str, fn_index: int, stroke: dict[str, bytes],
                      background: dict, session: str) -> list:
    """What the page does after each stroke: upload the changed images, join the queue for the
    reading, take the answer from the event stream and fetch any image in it (the preview)."""
    layer, composite = await asyncio.gather(*(upload(http, url, name, png) for name, png in stroke.items()))
    joined = await http.post(f"{url}/gradio_api/queue/join", json={
        "data": [{"background": background, "layers": [layer], "composite": composite}], "fn_index": fn_index,
        "session_hash": session, "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    outputs = await event_answer(http, url, session)
    for value in outputs:
        if isinstance(value, dict) and value.get("url"):
            (await http.get(value["url"])).raise_for_status()
    return outputs


async def event_answer(http: httpx.AsyncClient, url: str, session: str) -> list:
    async with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output")))
                    return message["output"]["data"]
    raise RuntimeError("the stream ended without an answer")


def event_index(url: str, api_name: str) -> int:
    """The fn_index of the app's API endpoint named ``api_name``."""
    config = httpx.get(f"{url}/config", timeout=10).json()
    return next(dependency["id"] for dependency in config["dependencies"] if dependency.get("api_name") == api_name)


def trigger_index(url: str, elem_id: str, trigger: str) -> int:
    """The fn_index of the event ``trigger`` ("click", "select") starts on the component with ``elem_id``: how the
    page calls its private events, which Gradio names after their functions (partial, partial_1...)."""
    config = httpx.get(f"{url}/config", timeout=10).json()
    component = next(block["id"] for block in config["components"] if block["props"].get("elem_id") == elem_id)
    return next(dependency["id"] for dependency in config["dependencies"]
                if [component, trigger] in dependency["targets"])


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/config", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the app did not answer within {timeout:.0f} s")


def peak_rss_mb(process: subprocess.Popen) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
