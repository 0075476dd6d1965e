"""How soon the Prediction tab shows a reading, read in the page and read by the server, in headless Chromium.

    python -m benchmarks.browser_reading [--strokes 10] [--moves-per-stroke 30] [--server-strokes 5]

Starts the app on a free local port and draws circles on it with the mouse in Debian's chromium
(Playwright), clearing the canvas between strokes. In the page's reader, each sample is the time
from a pointer move to the Label's next change (readings run at most once an animation frame, so
a move may be answered by a reading of a later one). The server reads only when the pen lifts
(?reader=server, the page's fallback), so there each sample is the time from the pen lifting to
the Label's change. Both report p50 and p95, and the requests to the server per stroke.
"""

import argparse
import logging
import math
import shutil
import statistics
from typing import TYPE_CHECKING

from benchmarks.apps import APPS
from model.constants import BRUSH_RADIUS, CANVAS_SIZE
from testbench.canvas import Placement, draw_strokes
from testbench.page_reader import read_in_page
from testbench.servers import running, wait_until_up

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 860}
TIMEOUT_MS = 120_000
SETTLE_MS = 1500  # after the pen lifts, long enough for the server's reading to arrive and show
# Measures in the page: a move with the pen down (or the pen lifting) starts the clock, unless it runs
# already; the Label's next change stops it. A reading the same as the last changes nothing on the page,
# so one the page's reader hands over stops the clock too, once Gradio has applied it (after a task).
# Installed on window, so it runs before the page's own listeners on document.
STOPWATCH = """(startOn) => {
    window.readingTimes = [];
    let started = null;
    const stop = () => {
        if (started === null) return;
        window.readingTimes.push(performance.now() - started);
        started = null;
    };
    window.addEventListener(startOn, (event) => {
        const onCanvas = event.target instanceof HTMLCanvasElement;  // not the clear button's pointerup
        if (started === null && onCanvas && (startOn === "pointerup" || event.buttons & 1)) started = performance.now();
    }, true);
    new MutationObserver(stop).observe(document.getElementById("prediction"),
                                       { subtree: true, childList: true, characterData: true, attributes: true });
    const handOver = globalThis.liveReading.outputs;
    globalThis.liveReading.outputs = () => {
        setTimeout(stop);
        return handOver();
    };
}"""
# The cost of one reading in the page, without the editor's drawing and frames around it: a drawn zero
# on the stroke layer, read 100 times.
READER_REPEATS = 100
log = logging.getLogger("browser_reading")


def measure(browser: "Browser", url: str, reader: str, strokes: int, moves: int,
            start_on: str) -> tuple[list[float], list[int]]:
    """Draw ``strokes`` circles of ``moves`` moves each, once the page says it reads with ``reader``;
    return the reading times (ms) and the requests to the server in each stroke."""
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url)
    page.locator("#sketchpad .toolbar-wrap button.highlight").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("#reader-in-use", has_text=reader).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(SETTLE_MS)
    page.evaluate(STOPWATCH, start_on)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    box = page.locator("#sketchpad canvas").first.bounding_box()
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    radius = 0.25 * min(box["width"], box["height"])
    per_stroke = []
    readings = 0
    for stroke in range(strokes):
        requests.clear()
        turns = [2 * math.pi * i / moves for i in range(moves + 1)]  # a zero, from the top
        points = [(centre_x + radius * math.sin(turn), centre_y - 1.3 * radius * math.cos(turn)) for turn in turns]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()
        # The server reads once the pen lifts, in seconds on a busy machine: wait for its answer.
        page.wait_for_function("(count) => window.readingTimes.length > count", arg=readings, timeout=TIMEOUT_MS)
        page.wait_for_timeout(SETTLE_MS)
        readings = page.evaluate("() => window.readingTimes.length")
        per_stroke.append(sum("/gradio_api/" in request for request in requests))
        log.info("  stroke %d: %d server requests", stroke + 1, per_stroke[-1])
        if stroke == strokes - 1 and reader == "in this page":
            placement = Placement(height=0.5, brush=2 * BRUSH_RADIUS / CANVAS_SIZE, x=0.5, y=0.5)
            zero = draw_strokes([[(math.sin(turn), -1.3 * math.cos(turn)) for turn in turns]], placement, "transparent")
            log.info("The page's reader alone (a drawn zero read, preprocessed, five views): %s",
                     summary(read_in_page(page, [zero], READER_REPEATS)[1]))
        page.locator("#clear").click()
        page.wait_for_timeout(SETTLE_MS)
    times = page.evaluate("() => window.readingTimes")
    page.close()
    return times, per_stroke


def summary(times: list[float]) -> str:
    if len(times) < 2:
        return f"{len(times)} samples"
    cuts = statistics.quantiles(times, n=20)
    return f"p50 {statistics.median(times):.1f} ms, p95 {cuts[18]:.1f} ms over {len(times)} readings"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=10, help="strokes read in the page (default 10)")
    parser.add_argument("--moves-per-stroke", type=int, default=30, help="pointer moves a stroke (default 30)")
    parser.add_argument("--server-strokes", type=int, default=5, help="strokes read by the server (default 5)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from playwright.sync_api import sync_playwright

    with running(APPS["MNIST Sketchpad"]) as (url, process), sync_playwright() as playwright:
        wait_until_up(url, process)
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        times, requests = measure(browser, url, "in this page", args.strokes, args.moves_per_stroke, "pointermove")
        log.info("Read in the page, pointer move -> Label: %s; server requests a stroke: %s", summary(times), requests)
        times, requests = measure(browser, url + "/?reader=server", "on the server", args.server_strokes,
                                  args.moves_per_stroke, "pointerup")
        log.info("Read by the server, pen lifted -> Label: %s; server requests a stroke: %s", summary(times), requests)
        browser.close()


if __name__ == "__main__":
    main()
