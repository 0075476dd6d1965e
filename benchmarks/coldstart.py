"""Cold start: from launching the app to its first classify answer over HTTP, and its peak memory.

    python -m benchmarks.coldstart [--runs 3]

Measures `python app.py` and, the same way, a do-nothing Gradio app with the same Sketchpad
(benchmarks/do_nothing_app.py), so Gradio's own start-up sits beside ours; the two take
turns, so neither gains from going first.
"""

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

import httpx
import numpy as np

from benchmarks.apps import APPS, background_png, peak_rss_mb, read_stroke, stroke_pngs
from testbench.api import event_index, upload
from testbench.servers import running, wait_until_up

log = logging.getLogger("coldstart")


def first_answer(script: Path) -> tuple[float, float]:
    """Seconds from launch to the first classify answer, and the app's peak RSS in MB."""
    started = time.perf_counter()
    with running(script) as (url, process):
        wait_until_up(url, process)

        async def ask() -> list:
            async with httpx.AsyncClient(timeout=60) as http:
                background = await upload(http, url, "background.png", background_png())
                return await read_stroke(http, url, event_index(url, "classify"), stroke_pngs(1)[0], background,
                                         "coldstart")

        asyncio.run(ask())
        return time.perf_counter() - started, peak_rss_mb(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    runs = {name: [] for name in APPS}
    for turn in range(args.runs):  # A B, B A, ...: neither app gains from going first
        for name in list(APPS)[:: 1 if turn % 2 == 0 else -1]:
            runs[name].append(first_answer(APPS[name]))
    medians = {}
    for name, measured in runs.items():
        measured = np.array(measured)
        medians[name] = np.median(measured, axis=0)
        log.info("%-16s first answer after %.2f s (runs: %s), peak RSS %.0f MB", name, medians[name][0],
                 ", ".join(f"{seconds:.2f}" for seconds in measured[:, 0]), medians[name][1])
    ours, floor = medians["MNIST Sketchpad"], medians["do-nothing app"]
    log.info("Summary: cold start %.2f s = %.2fx the do-nothing app's %.2f s; peak RSS %.0f MB (do-nothing %.0f MB)",
             ours[0], ours[0] / floor[0], floor[0], ours[1], floor[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
