"""A classroom at once: N students drawing, one stroke a second each, against the real app.

    python -m benchmarks.load [--clients 30] [--seconds 30] [--in-step] [--inside]

Starts the app on a free local port and runs N browser-like clients from one asyncio
process. Each client does, once a second, what the page does after a stroke (as recorded
from Chromium): upload the stroke layer and the composite (400x400 PNGs; the blank
background once per client), join the queue for the reading, take the answer from the
event stream and fetch the preview image in it. Reports throughput, latency percentiles
and errors, then does the same against a do-nothing app with the same Sketchpad, events
and queue (benchmarks/do_nothing_app.py), so Gradio's own cost sits beside ours. Both apps
run throughout and take turns in rounds, so neither gains from going first. With --inside,
every student has the Inside tab open, so each stroke is read layer by layer with which
pixels mattered (read_inside).

Where the page reads for itself, a class costs the server its page loads: benchmarks/lecture_hall.py.
"""

import argparse
import asyncio
import logging
import sys
import time
from contextlib import ExitStack

import httpx
import numpy as np

from benchmarks.apps import APPS, background_png, read_stroke, stroke_pngs
from testbench.api import trigger_index, upload
from testbench.servers import running, wait_until_up

# The hidden button the page presses after each stroke, in both apps; and the one it presses instead while the
# Inside tab shows (web/gradio_fixes.py, fix 2).
READING = ("read-sketch", "click")
INSIDE_READING = ("read-inside", "click")
WARM_UP_S = 3
BACKGROUND = background_png()
STROKES = stroke_pngs()
log = logging.getLogger("load")


async def student(http: httpx.AsyncClient, url: str, fn_index: int, number: int, clients: int, in_step: bool,
                  until: float, latencies: list[float], errors: list[str]) -> None:
    # Students do not lift their pens in step: spread their first strokes over the first second,
    # unless asked for the worst case, where every student's stroke lands at the same moment.
    if not in_step:
        await asyncio.sleep(number / clients)
    background = await upload(http, url, "background.png", BACKGROUND)
    stroke = 0
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            # One session per student, as a page keeps one from load to close.
            await read_stroke(http, url, fn_index, STROKES[stroke % len(STROKES)], background, f"student{number}")
            latencies.append(time.monotonic() - started)
        except (httpx.HTTPError, RuntimeError) as error:
            errors.append(f"{type(error).__name__}: {error}")
        stroke += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


async def classroom(url: str, clients: int, seconds: float, in_step: bool = False,
                    reading: tuple[str, str] = READING) -> tuple[np.ndarray, list[str], float]:
    fn_index = trigger_index(url, *reading)
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=4 * clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        started = time.monotonic()
        await asyncio.gather(*[student(http, url, fn_index, number, clients, in_step, started + seconds, latencies,
                                       errors)
                               for number in range(clients)])
        elapsed = time.monotonic() - started
    return np.array(latencies) * 1000, errors, elapsed


Round = tuple[np.ndarray, list[str], float]  # as classroom() gives it: latencies (ms), errors, seconds answering


def measure(clients: int, seconds: float, rounds: int, in_step: bool, inside: bool) -> dict[str, list[Round]]:
    """Each app's rounds, in the order run, both apps served for the whole run.

    The apps take turns in rounds, in the order A B, B A, A B..., so that drift in the
    machine's speed over the run, and whichever goes first, weigh on both alike.
    """
    readings = {name: READING for name in APPS} | ({"MNIST Sketchpad": INSIDE_READING} if inside else {})
    with ExitStack() as stack:
        urls = {name: stack.enter_context(running(script)) for name, script in APPS.items()}
        for name, (url, process) in urls.items():
            wait_until_up(url, process)
            asyncio.run(classroom(url, clients, WARM_UP_S, reading=readings[name]))  # first requests, threads, model
        results: dict[str, list[Round]] = {name: [] for name in APPS}
        for turn in range(rounds):
            for name in list(APPS)[:: 1 if turn % 2 == 0 else -1]:
                results[name].append(asyncio.run(classroom(urls[name][0], clients, seconds / rounds, in_step,
                                                           readings[name])))
    return results


def pooled(rounds: list[Round]) -> tuple[np.ndarray, list[str], float]:
    """All the rounds' latencies (ms) and errors together, and the answers per second over them."""
    latencies = np.concatenate([latencies for latencies, _, _ in rounds])
    errors = [error for _, round_errors, _ in rounds for error in round_errors]
    return latencies, errors, len(latencies) / sum(elapsed for _, _, elapsed in rounds)


def median_ms(latencies: np.ndarray) -> float:
    return float(np.median(latencies)) if len(latencies) else np.nan


def report(name: str, latencies: np.ndarray, errors: list[str], rate: float, clients: int, seconds: float) -> None:
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if len(latencies) else (np.nan,) * 3
    log.info("%-16s %d clients x %.0f s: %.1f answers/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, %d errors",
             name, clients, seconds, rate, p50, p95, p99, len(errors))
    for error in sorted(set(errors))[:5]:
        log.info("    e.g. %s", error)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30, help="per app, split over the rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--in-step", action="store_true", help="all clients send at the same moment each second")
    parser.add_argument("--inside", action="store_true", help="every student on the Inside tab (our app only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = measure(args.clients, args.seconds, args.rounds, args.in_step, args.inside)
    totals = {name: pooled(rounds) for name, rounds in results.items()}
    for name, total in totals.items():
        report(name, *total, args.clients, args.seconds)
    (ours, errors, _), (floor, _, _) = totals["MNIST Sketchpad"], totals["do-nothing app"]
    (p50, p95), (floor_p50, floor_p95) = np.percentile(ours, [50, 95]), np.percentile(floor, [50, 95])
    log.info("Summary: p50 %.1f ms = %.2fx the do-nothing app's %.1f ms; p95 %.1f ms (do-nothing %.1f ms); %d errors",
             p50, p50 / floor_p50, floor_p50, p95, floor_p95, len(errors))
    # A round's two apps ran seconds apart: the spread of these ratios is how far drift moves the summary.
    ratios = [median_ms(mine) / median_ms(theirs)
              for (mine, _, _), (theirs, _, _) in zip(results["MNIST Sketchpad"], results["do-nothing app"])]
    log.info("Each round's p50 ratio: %s (median %.2fx)", ", ".join(f"{ratio:.2f}x" for ratio in ratios),
             np.median(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
