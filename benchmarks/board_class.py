"""A class sending to the board while the projector shows it, played by Locust: benchmarks/board.py runs this file.

    locust -f benchmarks/board_class.py --headless --users 301 --spawn-rate 10 --host URL \\
        --events EVENTS.json --key KEY --send-for 180 --summary SUMMARY.json

One teacher (a projector with the board's page open) and the rest students. Each student holds
the heartbeat Gradio's page keeps, and every ``--every`` seconds (first at a random moment within
it) sends a drawing as the page does when "I meant N" is pressed: uploads the stroke layer and the
composite (new bytes each time, as a new drawing's are; the blank sheet once) and runs the
button's event on the queue, timed whole as "send". The teacher runs the board page's timer tick
each second, as the page does, passing the board's version it last saw, timed as "board tick",
and notes when each new count shows. When the sending time is over and the last tick has seen
every send, the run stops and writes the timings, the counts and every failure to SUMMARY.json.
"""

import itertools
import json
import random
import time
import uuid
from functools import partial

import gevent
import gevent.event
from gevent.pool import Pool
from locust import events, task

from benchmarks.apps import background_png, drawn_pngs, unique
from benchmarks.locust_page import GradioPage
from testbench.digits import STROKES

TICK_S = 1.0  # the board page's timer (app.BOARD_REFRESH_S)
SETTLE_S = 10  # after sending stops, how long the board may take to show the last sends
SEND, TICK = "send", "board tick"
SHEET = background_png()
DRAWINGS = {digit: drawn_pngs(digit) for digit in STROKES}

timings: dict[str, list[float]] = {SEND: [], TICK: []}
failures: list[str] = []
busy: list[float] = []  # sends refused with "the board is busy"
sent: list[tuple[float, float]] = []  # each send the board took: (pressed, answered), in the order answered
seen: list[tuple[float, int]] = []  # each count the projector showed: (when, count)
sending: set[int] = set()  # the students not yet done
drawings = itertools.count(1)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--events", help="the send buttons' and the timer's fn_index, as benchmarks/board.py writes")
    parser.add_argument("--key", help="the board's key")
    parser.add_argument("--send-for", type=float, default=180, help="seconds each student keeps sending")
    parser.add_argument("--every", type=float, default=10, help="seconds between a student's sends")
    parser.add_argument("--summary", help="where to write the timings once the board has shown every send")


@events.test_stop.add_listener
def _summarise(environment, **_) -> None:
    summary = {"timings_ms": timings, "failures": failures, "busy": len(busy), "sent": sent, "seen": seen}
    with open(environment.parsed_options.summary, "w") as out:
        json.dump(summary, out)


class Page(GradioPage):
    """What a student's page and the projector's share."""

    abstract = True
    timings, failures = timings, failures

    def on_start(self) -> None:
        with open(self.environment.parsed_options.events) as recorded:
            self.events = json.load(recorded)
        self.options = self.environment.parsed_options
        self.session = uuid.uuid4().hex[:11]  # as Gradio's page names its session
        self.started = time.monotonic()

    def event(self, fn_index: int, data: list) -> list:
        """Run an event on the queue in this session, as the page does; its outputs."""
        self.join(fn_index, data)
        return self.answers(1)[0]


class Student(Page):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.sheet: dict | None = None
        sending.add(id(self))
        gevent.spawn(self.hold_heartbeat)

    @task
    def send_drawings(self) -> None:
        gevent.sleep(random.uniform(0, self.options.every))
        while time.monotonic() - self.started < self.options.send_for:
            pressed = time.monotonic()
            reply = self.timed(SEND, self.send)
            if isinstance(reply, str) and reply.startswith("On the class board"):  # app.SENT
                sent.append((pressed, time.monotonic()))
            elif isinstance(reply, str) and "busy" in reply:  # app.BUSY
                busy.append(pressed)
            elif reply is not None:
                failures.append(f"{SEND}: not sent: {reply}")
            gevent.sleep(max(0.0, pressed + self.options.every - time.monotonic()))
        sending.discard(id(self))
        gevent.event.Event().wait()  # done, but still counted, so Locust starts no one in its place

    def send(self) -> str:
        digit = random.choice(list(DRAWINGS))
        number = next(drawings)
        layer, composite = (unique(png, number) for png in DRAWINGS[digit])
        uploads = [("layer_0.png", layer), ("composite.png", composite)]
        if self.sheet is None:  # the page uploads the blank sheet once; later uploads of it are answered in the page
            uploads.insert(0, ("background.png", SHEET))
        files = Pool(len(uploads)).map(lambda upload: self.upload(*upload), uploads)
        self.sheet = files[0] if len(files) == 3 else self.sheet
        sketch = {"background": self.sheet, "layers": [files[-2]], "composite": files[-1]}
        return self.event(self.events["send"][int(digit)], [sketch])[0]


class Teacher(Page):
    fixed_count = 1

    @task
    def watch_the_board(self) -> None:
        version, everyone_done_at = None, None
        while True:
            tick = time.monotonic()
            page = [self.options.key, "shipped", 1, version]  # the key, what to show, the page, the version shown
            outputs = self.timed(TICK, partial(self.event, self.events["tick"], page))
            if outputs and isinstance(outputs[0], dict) and "count" in outputs[0]:
                version = outputs[5]
                seen.append((time.monotonic(), int(outputs[0]["count"].replace(",", ""))))
            if everyone_done_at is None and time.monotonic() - self.started > self.options.send_for and not sending:
                everyone_done_at = time.monotonic()
            all_shown = bool(seen) and seen[-1][1] >= len(sent)
            if everyone_done_at and (all_shown or time.monotonic() - everyone_done_at > SETTLE_S):
                gevent.spawn(self.environment.runner.quit)
                return
            gevent.sleep(max(0.0, tick + TICK_S - time.monotonic()))
