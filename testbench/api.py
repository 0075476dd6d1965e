"""Asking a running app over HTTP, as its page and its API's users do: uploads, events on the queue, REST calls."""

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx


def run(work: Coroutine) -> Any:
    """``asyncio.run(work)`` in a thread of its own: Playwright's sync API keeps an event loop running in the thread
    that drives the browser, the tests' main thread, where asyncio.run refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


async def upload(http: httpx.AsyncClient, url: str, name: str, png: bytes) -> dict:
    """Upload one image as the page does; return the file value that refers to it."""
    reply = await http.post(f"{url}/gradio_api/upload", files={"files": (name, png, "image/png")})
    reply.raise_for_status()
    return {"path": reply.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


async def ask(http: httpx.AsyncClient, url: str, fn_index: int, data: list, session: str) -> list:
    """Run event ``fn_index`` on ``data`` as the page does: join the queue, then take the answer from the stream."""
    joined = await http.post(f"{url}/gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": session, "event_data": None, "trigger_id": None})
    joined.raise_for_status()
    return await event_answer(http, url, session)


async def event_answer(http: httpx.AsyncClient, url: str, session: str) -> list:
    async with http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as stream:
        async for line in stream.aiter_lines():
            answer = completed(line)
            if answer is not None:
                return answer
    raise RuntimeError("the stream ended without an answer")


def completed(line: str) -> list | None:
    """The outputs an event stream's ``line`` brings, if it says an event completed; None for any other line. A
    failed event raises RuntimeError with Gradio's message."""
    if not line.startswith("data:"):
        return None
    message = json.loads(line[5:])
    if message.get("msg") != "process_completed":
        return None
    if not message.get("success"):
        raise RuntimeError(str(message.get("output")))
    return message["output"]["data"]


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


async def call_rest(http: httpx.AsyncClient, url: str, api_name: str, data: list) -> list:
    """Call endpoint ``api_name`` on ``data`` through the REST API, as its API page shows; return the answer's data.

    Each call is a Gradio session of its own. A failed event raises RuntimeError with Gradio's message.
    """
    joined = await http.post(f"{url}/gradio_api/call/{api_name}", json={"data": data})
    joined.raise_for_status()
    event = None
    async with http.stream("GET", f"{url}/gradio_api/call/{api_name}/{joined.json()['event_id']}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise RuntimeError(line[5:].strip())
                return json.loads(line[5:])
    raise RuntimeError("the stream ended without an answer")
