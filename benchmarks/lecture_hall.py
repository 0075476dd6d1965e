"""A lecture hall: N students each load the page once, then draw for a while, read in their browsers.

Used by ``python -m benchmarks.load --lecture-hall``. One Chromium load of the page records what a
page load asks of the server: every GET (HTML, scripts, styles, fonts, config, the reader's
weights) and the events the page runs on load. Each simulated student then does the same over
HTTP, six requests at a time as a browser does, sending what Chromium sends for compression,
and then draws: with the page reading for itself, a stroke costs the server nothing, so the
student only waits. Reports the page loads' latency, the bytes they moved, and the server's CPU.
All the students run in this one Python process: on a small machine it, more than the server,
limits how fast hundreds of page loads go, so read the server's CPU per page load first.
"""

import asyncio
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np

from benchmarks.apps import event_answer

BROWSER_CONNECTIONS = 6  # Chromium's limit per host over HTTP/1.1
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
READY_TIMEOUT_MS = 120_000


@dataclass
class PageLoad:
    """What one page load asks of the server: paths to GET, and the events run on load (their fn_index)."""

    paths: list[str]
    load_events: list[int]


def record_page_load(url: str) -> PageLoad:
    """Load the page once in Debian's chromium and note every same-origin request it makes."""
    from playwright.sync_api import sync_playwright

    paths, events = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page()

        def note(request) -> None:
            if not request.url.startswith(url):
                return
            path = request.url[len(url):] or "/"
            if request.method == "GET" and "/queue/data" not in path and "/heartbeat/" not in path:
                paths.append(path)
            elif request.method == "POST" and "/queue/join" in path:
                events.append(json.loads(request.post_data)["fn_index"])
        page.on("request", note)
        page.goto(url)
        page.locator("#reader-in-use", has_text="in this page").wait_for(timeout=READY_TIMEOUT_MS)
        page.wait_for_timeout(2000)  # the load events' answers
        browser.close()
    return PageLoad(list(dict.fromkeys(paths)), events)


async def load_page(http: httpx.AsyncClient, url: str, page: PageLoad, session: str) -> tuple[float, int]:
    """One student's page load: seconds from the first request to the last answer, and bytes received."""
    started = time.monotonic()
    received = 0
    connections = asyncio.Semaphore(BROWSER_CONNECTIONS)

    async def get(path: str) -> None:
        nonlocal received
        async with connections, http.stream("GET", url + path, headers={"Accept-Encoding": ACCEPT_ENCODING}) as reply:
            reply.raise_for_status()
            async for chunk in reply.aiter_raw():
                received += len(chunk)

    async def run(fn_index: int) -> None:
        async with connections:
            joined = await http.post(f"{url}/gradio_api/queue/join", json={
                "data": [], "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None})
            joined.raise_for_status()
            await event_answer(http, url, session)

    await get(page.paths[0])  # the HTML first, as a browser must
    await asyncio.gather(*(get(path) for path in page.paths[1:]))
    for fn_index in page.load_events:  # one at a time: they share the session's event stream here
        await run(fn_index)
    return time.monotonic() - started, received


async def lecture_hall(url: str, page: PageLoad, students: int, arrive_s: float,
                       draw_s: float) -> tuple[np.ndarray, list[int], list[str]]:
    """Students arrive spread over ``arrive_s``, load the page, then draw for ``draw_s`` (no requests)."""
    times, sizes, errors = [], [], []

    async def student(number: int, http: httpx.AsyncClient) -> None:
        await asyncio.sleep(arrive_s * number / students)
        try:
            seconds, size = await load_page(http, url, page, f"student{number}")
            times.append(seconds)
            sizes.append(size)
        except (httpx.HTTPError, RuntimeError) as error:
            errors.append(f"{type(error).__name__}: {error}")
        await asyncio.sleep(draw_s)  # drawing: each stroke is read in the page, the server hears nothing

    limits = httpx.Limits(max_connections=BROWSER_CONNECTIONS * students)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        await asyncio.gather(*(student(number, http) for number in range(students)))
    return np.array(times) * 1000, sizes, errors


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
