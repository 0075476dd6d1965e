"""Faults a classroom brings, against `python app.py` served on its own: the app keeps answering, and right.

A client that drops halfway through an upload, a hundred more clients than the queue holds arriving at the same
moment (the rest hear Gradio's "Queue is full"), and 50 students opening the Inside tab at once.
"""

import asyncio
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import QUEUE_SIZE
from drawings import drawn, png, uploaded_sketch
from testbench.api import ask, call_rest, event_answer, event_index, run, trigger_index
from testbench.servers import ROOT, running, wait_until_up

LEAVING = 5
ARRIVING_AT_ONCE = QUEUE_SIZE + 100
INSIDE_AT_ONCE = 50
# Long enough for every connection to reach the stopped server's listening socket.
CONNECT_S = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """`python app.py` on a free port: its URL, its process, and the file its output goes to."""
    log = tmp_path_factory.mktemp("server") / "app.log"
    with log.open("w") as output, running(ROOT / "app.py", output=output) as (url, process):
        wait_until_up(url, process)
        yield url, process, log


def assert_answers_right(url: str, process: subprocess.Popen) -> None:
    """The app is still running, and reads a drawn 3 as 3 through its API."""
    async def classify() -> str:
        async with httpx.AsyncClient(timeout=60) as http:
            return (await call_rest(http, url, "classify", [await uploaded_sketch(http, url, "3")]))[0]["label"]

    assert process.poll() is None, "the app exited"
    assert run(classify()) == "3"


def test_a_client_that_leaves_halfway_through_an_upload(server) -> None:
    url, process, log = server
    image = png(drawn("8"))
    port = int(url.rsplit(":", 1)[1])
    part = (b'--halfway\r\nContent-Disposition: form-data; name="files"; filename="layer_0.png"\r\n'
            b"Content-Type: image/png\r\n\r\n") + image + b"\r\n--halfway--\r\n"
    request = (f"POST /gradio_api/upload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               f"Content-Type: multipart/form-data; boundary=halfway\r\nContent-Length: {len(part)}\r\n\r\n").encode()
    left = "A client left before its POST /gradio_api/upload was sent whole."
    before = log.read_text().count(left)
    for _ in range(LEAVING):
        with socket.create_connection(("127.0.0.1", port)) as leaving:
            leaving.sendall(request + part[:len(part) // 2])
    assert_answers_right(url, process)
    said = log.read_text()
    assert said.count(left) == before + LEAVING and "Traceback" not in said  # a line each, and no traceback


def test_more_clients_at_once_than_the_queue_holds_are_served_or_told_it_is_full(server) -> None:
    """All of them reach the server at the same moment: it was stopped while they connected, then let go."""
    url, process, log = server

    async def arrive() -> list[httpx.Response | list]:
        async with httpx.AsyncClient(timeout=60) as http:
            sketch, fn_index = await uploaded_sketch(http, url, "2"), event_index(url, "classify")

        async def client(number: int) -> httpx.Response | list:
            """Join the queue; then the answer if accepted, else the refusal."""
            async with httpx.AsyncClient(timeout=120) as http:
                reply = await http.post(f"{url}/gradio_api/queue/join", json={
                    "data": [sketch], "fn_index": fn_index, "session_hash": f"arriving{number}",
                    "event_data": None, "trigger_id": None})
                return await event_answer(http, url, f"arriving{number}") if reply.status_code == 200 else reply

        os.kill(process.pid, signal.SIGSTOP)
        try:
            clients = [asyncio.ensure_future(client(number)) for number in range(ARRIVING_AT_ONCE)]
            await asyncio.sleep(CONNECT_S)
        finally:
            os.kill(process.pid, signal.SIGCONT)
        return await asyncio.gather(*clients)

    outcomes = run(arrive())
    refused = [outcome for outcome in outcomes if isinstance(outcome, httpx.Response)]
    answers = [outcome for outcome in outcomes if not isinstance(outcome, httpx.Response)]
    assert refused and all(reply.status_code == 503 for reply in refused)
    assert all(reply.json()["detail"].startswith("Queue is full.") for reply in refused)
    assert answers and all(answer[0]["label"] == "2" for answer in answers)
    assert_answers_right(url, process)
    assert "Traceback" not in log.read_text()


def test_the_inside_tab_asked_for_50_times_at_once(server) -> None:
    url, process, log = server
    fn_index = trigger_index(url, "inside-tab", "select")

    async def student(number: int) -> list:
        """A student who drew a digit opens the Inside tab: the drawing's uploads, then the event."""
        async with httpx.AsyncClient(timeout=120) as http:
            sketch = await uploaded_sketch(http, url, str(number % 10))
            return await ask(http, url, fn_index, [sketch], f"inside{number}")

    async def class_at_once() -> list[list]:
        return await asyncio.gather(*(student(number) for number in range(INSIDE_AT_ONCE)))

    views = run(class_at_once())
    assert [view[2]["digit"] for view in views] == [str(number % 10) for number in range(INSIDE_AT_ONCE)]
    assert all(view[0]["label"] == view[2]["digit"] and view[2]["steps"] for view in views)
    assert_answers_right(url, process)
    assert "Traceback" not in log.read_text()
