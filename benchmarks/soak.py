"""Memory under a flood of API callers: N clients call the REST API once a second each, for minutes.

    python -m benchmarks.soak [--minutes 10] [--clients 30] [--plot benchmarks/out/soak.png]

Each client does, once a second, what a new user of the app's REST API does (the app's "Use via
API" page): upload a drawing (the stroke layer and the composite, in one request), ask
`/gradio_api/call/classify` to read it, and take the answer from the event stream. Every call is
a Gradio session of its own. The clients draw different digits (testbench.digits), each upload's
bytes are new, and every answer is checked: the app must read the digit drawn, the do-nothing
app (benchmarks/do_nothing_app.py) its constant label.

The flood runs against the app, then against the do-nothing app, each freshly started; the app's
resident memory (RSS) is sampled every 10 s. Prints each curve's start, peak and end, and draws
both over time into a PNG (Pillow). A new kind of request is one more ``Call``.
"""

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image, ImageDraw

from benchmarks.apps import APPS, drawn_pngs, unique
from testbench.api import call_rest, upload
from testbench.digits import STROKES
from testbench.servers import ROOT, running, wait_until_up

SAMPLE_EVERY_S = 10
OUT = ROOT / "benchmarks" / "out"
# The do-nothing app answers every drawing with this label.
FLOOR_LABEL = "0"
log = logging.getLogger("soak")


@dataclass(frozen=True)
class Call:
    """One kind of request the flood makes: an API endpoint, and the data it sends for a drawing's uploads."""

    api_name: str
    data: Callable[[dict, dict], list]  # (stroke layer, composite) as uploaded -> the call's data


# A Sketchpad value, as the API page describes it: no background, one stroke layer, the composite.
CLASSIFY = Call("classify", lambda layer, composite: [{"background": None, "layers": [layer], "composite": composite}])


@dataclass
class Tally:
    """What a flood got: calls answered, how many of them right, what went wrong."""

    answered: int = 0
    right: int = 0
    errors: list[str] = field(default_factory=list)


DRAWINGS = {digit: drawn_pngs(digit) for digit in STROKES}


async def call_api(http: httpx.AsyncClient, url: str, call: Call, layer: bytes, composite: bytes) -> str:
    """Upload a drawing, call ``call`` on it through the REST API, and return the label it answers."""
    layer_file, composite_file = await asyncio.gather(upload(http, url, "layer_0.png", layer),
                                                      upload(http, url, "composite.png", composite))
    return (await call_rest(http, url, call.api_name, call.data(layer_file, composite_file)))[0]["label"]


async def client(http: httpx.AsyncClient, url: str, call: Call, number: int, clients: int, until: float,
                 expected: Callable[[str], str], tally: Tally) -> None:
    """Once a second until ``until``: call the API on this client's digit, freshly uploaded, and check the answer."""
    digit = str(number % 10)
    await asyncio.sleep(number / clients)  # callers are not in step
    calls = 0
    while time.monotonic() < until:
        started = time.monotonic()
        layer, composite = (unique(image, number * 1_000_000 + calls) for image in DRAWINGS[digit])
        try:
            label = await call_api(http, url, call, layer, composite)
            tally.answered += 1
            tally.right += label == expected(digit)
        except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as error:
            tally.errors.append(f"{type(error).__name__}: {error}")
        calls += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def flood(url: str, pid: int, call: Call, clients: int, seconds: float,
                expected: Callable[[str], str]) -> tuple[Tally, list[tuple[float, float]]]:
    """``clients`` callers for ``seconds``; the tally, and (seconds, RSS MB) sampled every SAMPLE_EVERY_S."""
    tally = Tally()
    started = time.monotonic()
    samples = [(0.0, rss_mb(pid))]

    async def sample() -> None:
        while True:
            await asyncio.sleep(SAMPLE_EVERY_S - (time.monotonic() - started) % SAMPLE_EVERY_S)
            samples.append((time.monotonic() - started, rss_mb(pid)))

    sampler = asyncio.create_task(sample())
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=4 * clients)) as http:
        await asyncio.gather(*(client(http, url, call, number, clients, started + seconds, expected, tally)
                               for number in range(clients)))
    sampler.cancel()
    samples.append((time.monotonic() - started, rss_mb(pid)))
    return tally, samples


def soak(script: Path, call: Call, clients: int, seconds: float,
         expected: Callable[[str], str]) -> tuple[Tally, list[tuple[float, float]]]:
    with running(script) as (url, process):
        wait_until_up(url, process)
        return asyncio.run(flood(url, process.pid, call, clients, seconds, expected))


def plot(curves: dict[str, list[tuple[float, float]]], path: Path, size: tuple[int, int] = (900, 420)) -> None:
    """RSS over time, one line per app, on shared axes starting at zero, drawn with Pillow."""
    colours = ["#2563eb", "#f97316", "#16a34a", "#9333ea"]
    width, height = size
    left, right, top, bottom = 70, 20, 40, 50
    longest = max(seconds for samples in curves.values() for seconds, _ in samples) or 1
    highest = max(mb for samples in curves.values() for _, mb in samples)
    step = next(step for step in (25, 50, 100, 200, 500, 1000, 2000) if highest / step <= 8)
    top_mb = step * (int(highest // step) + 1)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)

    def at(seconds: float, mb: float) -> tuple[float, float]:
        return (left + (width - left - right) * seconds / longest,
                height - bottom - (height - top - bottom) * mb / top_mb)

    for mb in range(0, top_mb + 1, step):
        draw.line([at(0, mb), at(longest, mb)], fill="#e5e7eb")
        draw.text((8, at(0, mb)[1] - 6), f"{mb} MB", fill="black")
    minute_step = max(1, round(longest / 60 / 10))
    for minute in range(0, int(longest // 60) + 1, minute_step):
        x, y = at(minute * 60, 0)
        draw.line([(x, y), (x, y + 5)], fill="black")
        draw.text((x - 10, y + 8), f"{minute} min", fill="black")
    draw.rectangle([at(0, top_mb), at(longest, 0)], outline="black")
    for samples, colour in zip(curves.values(), colours):
        draw.line([at(seconds, mb) for seconds, mb in samples], fill=colour, width=3)
    for number, (name, colour) in enumerate(zip(curves, colours)):
        x = left + 10 + 220 * number
        draw.line([(x, 18), (x + 30, 18)], fill=colour, width=3)
        draw.text((x + 38, 12), name, fill="black")
    draw.text((width - 250, height - 18), "resident memory (RSS) over time", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="of flood, per app")
    parser.add_argument("--clients", type=int, default=30, help="API callers, each calling once a second")
    parser.add_argument("--plot", type=Path, default=OUT / "soak.png")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    curves = {}
    for name, script in APPS.items():
        expected = (lambda digit: digit) if name == "MNIST Sketchpad" else (lambda digit: FLOOR_LABEL)
        tally, samples = soak(script, CLASSIFY, args.clients, args.minutes * 60, expected)
        curves[name] = samples
        rss = np.array([mb for _, mb in samples])
        log.info("%-16s %d calls answered, %d right, %d errors; RSS start %.0f MB, peak %.0f MB, end %.0f MB "
                 "(%+.1f KB a call)", name, tally.answered, tally.right, len(tally.errors), rss[0], rss.max(),
                 rss[-1], (rss[-1] - rss[0]) * 1024 / max(tally.answered, 1))
        for error in sorted(set(tally.errors))[:5]:
            log.info("    e.g. %s", error)
    plot(curves, args.plot)
    log.info("Plot: %s", args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
