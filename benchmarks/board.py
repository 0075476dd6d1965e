"""The class board under a lecture hall: 300 students sending every 10 s while the projector shows the board.

    python -m benchmarks.board [--students 300] [--every 10] [--send-for 180] [--arrive 30]
                               [--app-cpu 1] [--generator-cpu 0]

The app starts with a board key, pinned to one core (``taskset --cpu-list 1``); Locust plays the
class on the other (benchmarks/board_class.py: the students press "I meant N" as the page does,
one request a send, and one teacher's projector runs the board page's timer each second). Reports
the sends answered, refused as busy and failed; each send's time from press to answer, and from
press to the projector showing it (p50, p95); the projector's tick; the app's RSS at the start,
its peak and the end, sampled every SAMPLE_EVERY_S; and whether the board's count at the end
equals the sends answered. Locust's own log is kept in benchmarks/out/.
"""

import json
import logging
import os
import sys
import threading
import time

import httpx
import numpy as np

from benchmarks.apps import APPS
from benchmarks.lecture_hall import OUT, class_options, cpu_seconds, generator_note, locust, log_timings, start_logging
from benchmarks.soak import rss_mb
from testbench.api import trigger_index
from testbench.servers import ROOT, running, wait_until_up

CLASS = ROOT / "benchmarks" / "board_class.py"
KEY = "benchmark-board-key"
SAMPLE_EVERY_S = 5
GRACE_S = 120  # past arrival, sending and settling, before Locust is stopped regardless
log = logging.getLogger("board")


def board_events(url: str) -> dict:
    """The fn_index of each "I meant N" button's click, and of the board page's timer tick."""
    config = httpx.get(f"{url}/config", timeout=10).json()
    timer = next(block["id"] for block in config["components"] if block["type"] == "timer")
    tick = next(dependency["id"] for dependency in config["dependencies"] if [timer, "tick"] in dependency["targets"])
    return {"send": [trigger_index(url, f"send-{digit}", "click") for digit in range(10)], "tick": tick}


def class_at_the_board(students: int, every: float, send_for: float, arrive_s: float, app_cpus: str,
                       generator_cpus: str) -> dict:
    """Run the class against the app; Locust's summary, with the app's RSS samples and CPU seconds added."""
    events_file, summary_file, locust_log = (OUT / name for name in (
        "board-events.json", "board.json", "board-locust.log"))
    OUT.mkdir(parents=True, exist_ok=True)
    summary_file.unlink(missing_ok=True)
    os.environ["MNIST_BOARD_KEY"] = KEY
    with running(APPS["MNIST Sketchpad"], cpus=app_cpus) as (url, process):
        wait_until_up(url, process)
        events_file.write_text(json.dumps(board_events(url)))
        samples, done = [rss_mb(process.pid)], threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_EVERY_S):
                samples.append(rss_mb(process.pid))
        sampler = threading.Thread(target=sample)
        sampler.start()
        cpu, started = cpu_seconds(process.pid), time.monotonic()
        generator = locust(CLASS, url, students + 1, arrive_s, arrive_s + send_for + GRACE_S, generator_cpus,
                           locust_log, "--events", str(events_file), "--key", KEY, "--send-for", str(send_for),
                           "--every", str(every), "--summary", str(summary_file))
        done.set()
        sampler.join()
        samples.append(rss_mb(process.pid))
        summary = json.loads(summary_file.read_text()) | generator
        summary |= {"seconds": time.monotonic() - started, "server_cpu_s": cpu_seconds(process.pid) - cpu,
                    "rss_mb": samples, "students": students}
    return summary


def on_board_after_ms(sent: list[list[float]], seen: list[list[float]]) -> np.ndarray:
    """For each send, from its press to the first tick whose count includes it: the board numbers drawings in the
    order it takes them, taken here as the order their answers arrived."""
    counts = np.array([count for _, count in seen])
    times = np.array([when for when, _ in seen])
    latencies = []
    for position, (pressed, _) in enumerate(sent, start=1):
        shown = np.flatnonzero(counts >= position)
        if len(shown):
            latencies.append((times[shown[0]] - pressed) * 1000)
    return np.array(latencies)


def report(summary: dict) -> None:
    sends, ticks = (np.array(summary["timings_ms"][name]) for name in ("send", "board tick"))
    shown = on_board_after_ms(summary["sent"], summary["seen"])
    rss = np.array(summary["rss_mb"])
    final = summary["seen"][-1][1] if summary["seen"] else 0
    log.info("%d students: %d sends on the board, %d refused as busy, %d failed; the board's count at the end "
             "%d (%s)", summary["students"], len(summary["sent"]), summary["busy"], len(summary["failures"]), final,
             "every send, once" if final == len(summary["sent"]) else "NOT the sends answered")
    log.info("App RSS: start %.0f MB, peak %.0f MB, end %.0f MB; server CPU %.0f s in %.0f s; generator CPU %.0f s%s",
             rss[0], rss.max(), rss[-1], summary["server_cpu_s"], summary["seconds"], summary["generator_cpu_s"],
             generator_note(summary))
    log_timings({"send": sends, "on the board": shown, "board tick": ticks}, summary["failures"])


def main() -> int:
    parser = class_options(__doc__)
    parser.add_argument("--every", type=float, default=10, help="seconds between a student's sends")
    parser.add_argument("--send-for", type=float, default=180, help="seconds each student keeps sending")
    args = parser.parse_args()
    start_logging()
    report(class_at_the_board(args.students, args.every, args.send_for, args.arrive, args.app_cpu,
                              args.generator_cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
