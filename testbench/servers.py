"""Serving apps for tests and benchmarks: on free ports of 127.0.0.1 only."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running(script: Path, cpus: str | None = None,
            output: IO | int = subprocess.DEVNULL) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``python script`` on a free local port, on the cores ``cpus`` names (taskset's list, "1" say) if given,
    its output to ``output``; yield its URL and process, then stop it."""
    port = free_port()
    # The project's root on the path, for the do-nothing app's imports as for app.py's.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    pinned = ["taskset", "--cpu-list", cpus] if cpus else []
    process = subprocess.Popen([*pinned, sys.executable, str(script)], cwd=ROOT, stdout=output,
                               stderr=subprocess.STDOUT if output != subprocess.DEVNULL else output,
                               env={**os.environ, "GRADIO_SERVER_PORT": str(port), "PYTHONPATH": path})
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=30)


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
