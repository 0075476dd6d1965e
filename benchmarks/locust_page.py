"""A Locust user that acts as a Gradio page does: a session of its own, uploads, events on the queue and their
answers from the session's event stream, the heartbeat, and each step timed whole. The lecture hall's students
(benchmarks/students.py) and the class at the board (benchmarks/board_class.py) are pages."""

import time
from collections.abc import Callable
from typing import Any

from locust import FastHttpUser

from testbench.api import completed

BROWSER_CONNECTIONS = 6  # Chromium's limit per host over HTTP/1.1, the page's event streams included


class GradioPage(FastHttpUser):
    abstract = True
    concurrency = BROWSER_CONNECTIONS
    # Each locustfile's own record, shared by its users: name -> times (ms), and every failure in words.
    timings: dict[str, list[float]]
    failures: list[str]

    def timed(self, name: str, work: Callable[[], Any]) -> Any:
        """Run ``work``; record how long it took, or how it failed, under ``name``; its result, or None if it
        failed (any failure is the user's: recorded, and counted)."""
        started, error, result = time.perf_counter(), None, None
        try:
            result = work()
        except Exception as failure:
            error = failure
            self.failures.append(f"{name}: {type(failure).__name__}: {failure}")
        elapsed_ms = (time.perf_counter() - started) * 1000
        if error is None:
            self.timings[name].append(elapsed_ms)
        self.environment.events.request.fire(request_type="PAGE", name=name, response_time=elapsed_ms,
                                             response_length=0, exception=error, context={})
        return result

    def upload(self, name: str, png: bytes) -> dict:
        """Upload one image as the page does; the file value that refers to it."""
        reply = self.client.post("/gradio_api/upload", files={"files": (name, png, "image/png")},
                                 name="/gradio_api/upload")
        reply.raise_for_status()
        return {"path": reply.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}

    def join(self, fn_index: int, data: list) -> None:
        """Put event ``fn_index`` on the queue in this page's session (``self.session``)."""
        self.client.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session, "event_data": None,
            "trigger_id": None}, name="/gradio_api/queue/join").raise_for_status()

    def answers(self, count: int) -> list[list]:
        """Read the session's event stream until ``count`` events have completed: their outputs. A failed one
        raises."""
        outputs = []
        for line in self.client.iter_lines(f"/gradio_api/queue/data?session_hash={self.session}",
                                           name="/gradio_api/queue/data"):
            answer = completed(line)
            if answer is not None:
                outputs.append(answer)
                if len(outputs) == count:
                    return outputs
        raise RuntimeError(f"the event stream ended after {len(outputs)} of {count} answers")

    def hold_heartbeat(self) -> None:
        """The heartbeat Gradio's page keeps open; run in a greenlet of its own."""
        for _ in self.client.iter_lines(f"/gradio_api/heartbeat/{self.session}", name="/gradio_api/heartbeat"):
            pass
