"""The lecture hall's students, played by Locust: benchmarks/lecture_hall.py runs this file, one gevent user a student.

    locust -f benchmarks/students.py --headless --users 300 --spawn-rate 10 --host URL \\
        --page PAGE.json --summary SUMMARY.json

Each student, once: loads the page as Chromium was recorded loading it (PAGE.json: the page's
GETs, six at a time as a browser fetches them, then the events it runs on load: directly, or on
the queue, answered on one event stream) and keeps open the heartbeat Gradio's page holds; draws
for 5 to 20 s, which the page reads itself, so the server hears nothing; then opens the Inside
tab: uploads its drawing (the sheet, the stroke layer and the composite, new bytes for each
student) and waits for the Inside tab's reading. Its page load and its Inside tab are each timed
whole, as "page load" and "Inside tab" in Locust's statistics. When the last student is done the
run stops and writes each timing and every failure to SUMMARY.json.

Another kind of request is another method timed in ``visit``.
"""

import itertools
import json
import random
import uuid

import gevent
import gevent.event
from gevent.pool import Pool
from locust import events, task
from locust.contrib.fasthttp import FastHttpSession

from benchmarks.apps import background_png, drawn_pngs, unique
from benchmarks.locust_page import BROWSER_CONNECTIONS, GradioPage
from testbench.digits import STROKES

DRAW_S = (5, 20)
SHEET = background_png()
DRAWINGS = [drawn_pngs(digit) for digit in STROKES]
PAGE_LOAD, INSIDE_TAB = "page load", "Inside tab"

timings: dict[str, list[float]] = {PAGE_LOAD: [], INSIDE_TAB: []}
failures: list[str] = []
students = itertools.count(1)
finished = itertools.count(1)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--page", help="the recorded page load, as benchmarks/lecture_hall.py writes it")
    parser.add_argument("--summary", help="where to write the timings once every student is done")


@events.test_stop.add_listener
def _summarise(environment, **_) -> None:
    summary = {"timings_ms": timings, "failures": failures, "students": environment.parsed_options.num_users}
    with open(environment.parsed_options.summary, "w") as out:
        json.dump(summary, out)


class Student(GradioPage):
    timings, failures = timings, failures

    def on_start(self) -> None:
        with open(self.environment.parsed_options.page) as recorded:
            self.page = json.load(recorded)
        self.number = next(students)
        self.session = uuid.uuid4().hex[:11]  # as Gradio's page names its session
        self.heartbeat: gevent.Greenlet | None = None

    @task
    def visit(self) -> None:
        try:
            self.timed(PAGE_LOAD, self.load_page)
            gevent.sleep(random.uniform(*DRAW_S))  # drawing: the page reads each stroke itself
            # Meanwhile the server closed the idle connections (uvicorn keeps them 5 s). A browser sees that and
            # connects anew; Locust's client would send on them and fail, so the Inside tab starts afresh, on the
            # connections the heartbeat leaves.
            self.client = FastHttpSession(self.host, self.environment.events.request, user=self,
                                          concurrency=BROWSER_CONNECTIONS - 1, max_retries=self.max_retries)
            self.timed(INSIDE_TAB, self.open_inside_tab)
        finally:
            if self.heartbeat is not None:
                self.heartbeat.kill()
            if next(finished) == self.environment.parsed_options.num_users:
                gevent.spawn(self.environment.runner.quit)
        # Done, but still counted: a user that stopped would be replaced while the others arrive.
        gevent.event.Event().wait()

    def load_page(self) -> None:
        """The HTML, then its scripts, styles, fonts and weights; the heartbeat; the events run on load."""
        paths = self.page["paths"]
        self.get(paths[0])
        Pool(BROWSER_CONNECTIONS).map(self.get, paths[1:])
        self.heartbeat = gevent.spawn(self.hold_heartbeat)
        Pool(BROWSER_CONNECTIONS - 1).map(self.call, self.page["load_calls"])
        for fn_index in self.page["load_events"]:
            self.join(fn_index, [])
        if self.page["load_events"]:
            self.answers(len(self.page["load_events"]))

    def open_inside_tab(self) -> None:
        layer, composite = (unique(png, self.number) for png in random.choice(DRAWINGS))
        sheet, layer, composite = Pool(3).map(lambda upload: self.upload(*upload), [
            ("background.png", SHEET), ("layer_0.png", layer), ("composite.png", composite)])
        self.join(self.page["inside"], [{"background": sheet, "layers": [layer], "composite": composite}])
        self.answers(1)

    def get(self, path: str) -> None:
        self.client.get(path, name=_group(path)).raise_for_status()

    def call(self, recorded: dict) -> None:
        """An event the page runs directly, not on the queue, as recorded, in this student's session."""
        self.client.post(recorded["path"], json=recorded["body"] | {"session_hash": self.session},
                         name=recorded["path"]).raise_for_status()


def _group(path: str) -> str:
    """The row of Locust's statistics for ``path``: its first step (/assets, /static...), so 90-odd files make a few."""
    return "/" + path.lstrip("/").split("/", 1)[0].split("?")[0]
