"""Helpers the load and cold-start benchmarks share: start an app, and call classify over HTTP."""

import io
import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from model.canvas import CANVAS_SIZE

ROOT = Path(__file__).resolve().parent.parent
APPS = {"MNIST Sketchpad": ROOT / "app.py", "do-nothing app": ROOT / "benchmarks" / "do_nothing_app.py"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(script: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``python script`` on a free local port; yield its URL and process, then stop it."""
    port = free_port()
    process = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "GRADIO_SERVER_PORT": str(port)})
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=30)


def canvas_png(side: int = CANVAS_SIZE) -> bytes:
    """A drawn 1 on a transparent stroke layer, PNG-encoded as the Sketchpad uploads it."""
    pixels = np.zeros((side, side, 4), np.uint8)
    pixels[side // 5: side * 4 // 5, side // 2 - side // 45: side // 2 + side // 45] = (59, 130, 246, 255)
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, "PNG")
    return encoded.getvalue()


async def classify_over_http(http: httpx.AsyncClient, url: str, fn_index: int, png: bytes, session: str) -> dict:
    """What the page does per stroke: upload the layer, join the queue, read the answer from the stream."""
    upload = await http.post(f"{url}/gradio_api/upload", files={"files": ("layer.png", png, "image/png")})
    upload.raise_for_status()
    layer = {"path": upload.json()[0], "meta": {"_type": "gradio.FileData"}}
    joined = await http.post(f"{url}/gradio_api/queue/join", json={
        "data": [{"background": None, "layers": [layer], "composite": None}], "fn_index": fn_index,
        "session_hash": session, "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    async with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(str(message.get("output")))
                    return message["output"]
    raise RuntimeError("the stream ended without an answer")


def classify_index(url: str) -> int:
    config = httpx.get(f"{url}/config", timeout=10).json()
    return next(dependency["id"] for dependency in config["dependencies"] if dependency.get("api_name") == "classify")


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
