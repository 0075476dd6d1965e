"""A classroom at once: N students drawing, each stroke a classify request, against the real app.

    python benchmarks/load.py [--clients 30] [--seconds 30]

Starts the app on a free local port and runs N browser-like clients from one asyncio
process. Each client does what the page does per stroke, once a second: upload the
stroke layer (a PNG of the app's canvas size), call classify through the queue, read the answer. Reports
throughput, latency percentiles and errors, then does the same against a do-nothing app
with the same Sketchpad (benchmarks/do_nothing_app.py), so Gradio's own cost sits beside ours.
"""

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.apps import APPS, canvas_png, classify_index, classify_over_http, running, wait_until_up  # noqa: E402

log = logging.getLogger("load")


async def student(http: httpx.AsyncClient, url: str, fn_index: int, png: bytes, number: int, clients: int,
                  in_step: bool, until: float, latencies: list[float], errors: list[str]) -> None:
    # Students do not lift their pens in step: spread their first strokes over the first second,
    # unless asked for the worst case, where every student's stroke lands at the same moment.
    if not in_step:
        await asyncio.sleep(number / clients)
    stroke = 0
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            await classify_over_http(http, url, fn_index, png, f"student{number}-{stroke}")
            latencies.append(time.monotonic() - started)
        except (httpx.HTTPError, RuntimeError) as error:
            errors.append(f"{type(error).__name__}: {error}")
        stroke += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


async def classroom(url: str, clients: int, seconds: float, png: bytes,
                    in_step: bool = False) -> tuple[np.ndarray, list[str], float]:
    fn_index = classify_index(url)
    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=4 * clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        started = time.monotonic()
        await asyncio.gather(*[student(http, url, fn_index, png, number, clients, in_step, started + seconds, latencies,
                                       errors)
                               for number in range(clients)])
        elapsed = time.monotonic() - started
    return np.array(latencies) * 1000, errors, elapsed


def measure(name: str, script: Path, clients: int, seconds: float, png: bytes,
            in_step: bool) -> tuple[float, float, int]:
    with running(script) as (url, process):
        wait_until_up(url, process)
        asyncio.run(classroom(url, 2, 2, png))  # warm-up: first model load, first requests
        latencies, errors, elapsed = asyncio.run(classroom(url, clients, seconds, png, in_step))
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if len(latencies) else (np.nan,) * 3
    log.info("%-16s %d clients x %.0f s: %.1f answers/s, p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, %d errors",
             name, clients, seconds, len(latencies) / elapsed, p50, p95, p99, len(errors))
    for error in sorted(set(errors))[:5]:
        log.info("    e.g. %s", error)
    return float(p50), float(p95), len(errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--in-step", action="store_true", help="all clients send at the same moment each second")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    png = canvas_png()
    results = {name: measure(name, script, args.clients, args.seconds, png, args.in_step)
               for name, script in APPS.items()}
    (p50, p95, errors), (floor_p50, floor_p95, _) = results["MNIST Sketchpad"], results["do-nothing app"]
    log.info("Summary: p50 %.0f ms = %.2fx the do-nothing app's %.0f ms; p95 %.0f ms (do-nothing %.0f ms); %d errors",
             p50, p50 / floor_p50, floor_p50, p95, floor_p95, errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
