"""The app's page in Debian's chromium, as a person uses it: opening it, drawing with the mouse or a finger, and
what it shows. Shared by the browser tests (marked ``browser``: tests/conftest.py marks every test that takes the
``browser`` fixture).

Set MNIST_SCREENSHOTS=DIR to keep screenshots of what the tests saw (the README's come from here).
"""

import base64
import contextlib
import io
import logging
import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium on PATH (apt-get install chromium); Playwright's own browsers are not used",
)
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
log = logging.getLogger(__name__)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 860}
# Headless chromium paints the canvas in software, so a stroke and its reading take seconds.
READING_TIMEOUT_MS = 30_000
# True once the page reads drawings itself (assets/live_reading.js), false while it reads on the server.
PAGE_READS = "() => globalThis.liveReading?.active() === true"
SCREENSHOTS = os.environ.get("MNIST_SCREENSHOTS")

# Pen paths in units of the canvas's shorter on-screen side, from its centre; y down.
SEVEN = [[(-0.16, -0.25), (0.16, -0.25), (-0.03, 0.27)]]
ONE = [[(0.0, -0.27), (0.0, 0.27)]]
FOUR = [[(-0.05, -0.27), (-0.15, 0.05), (0.15, 0.05)], [(0.08, -0.15), (0.08, 0.27)]]
SEVEN_BAR = [[(-0.1, 0.0), (0.1, 0.0)]]  # crossing the SEVEN's stem, continental style
# The documented CNN's layers with outputs of their own to picture, named as Keras names them.
LAYERS_WITH_PICTURES = ["input", "conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "dense"]
# Gradio's own change event dropped the first stroke after an idle moment at random.
IDLE_MS = 1500
# After an answer, Gradio tells each input the event's status; give those updates time to land.
STATUS_SETTLE_MS = 1500
ZERO = [[(0.15 * math.sin(t), -0.25 * math.cos(t)) for t in (2 * math.pi * i / 16 for i in range(17))]]

# Drawing with a finger: dev-set digits scaled to this share of the sheet's side, about as a student fills it.
DIGIT_HEIGHT = 0.6
# Chrome paints each touch move before it takes the next, in software here: a point every 15% of
# the sheet's side draws the same digit as the pen's hundred or so, in a fraction of the time.
STEP = 0.15
# A touch point without radius and force is dropped by Chromium.
FINGER = {"radiusX": 4, "radiusY": 4, "force": 1}


def launch(playwright: "playwright_api.Playwright") -> "playwright_api.Browser":
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_app(browser: "playwright_api.Browser", url: str, theme: str) -> "playwright_api.Page":
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(url + ("?__theme=dark" if theme == "dark" else ""))
    wait_until_ready_to_draw(page)
    return page


def wait_until_ready_to_draw(page: "playwright_api.Page") -> None:
    """Wait, without touching anything, until the brush is the selected tool."""
    brush = page.locator("#sketchpad .toolbar-wrap button").first
    expect(brush).to_have_class(re.compile(r"\bhighlight\b"), timeout=READING_TIMEOUT_MS)


def draw(page: "playwright_api.Page", strokes: list[list[tuple[float, float]]]) -> None:
    """Press, drag and release the mouse along each stroke, straight onto the canvas."""
    box = page.locator("#sketchpad canvas").first.bounding_box()
    side = min(box["width"], box["height"])
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for stroke in strokes:
        points = [(centre_x + x * side, centre_y + y * side) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def expect_reading(page: "playwright_api.Page", digit: str) -> None:
    expect(page.locator("#prediction h2")).to_have_text(digit, timeout=READING_TIMEOUT_MS)
    expect(page.locator("#prediction .confidence-set")).to_have_count(3)
    expect(page.locator("#preview img")).to_be_visible()


def expect_calm(page: "playwright_api.Page") -> None:
    """The empty state: a prompt, no confidences, no preview."""
    expect(page.locator("#prediction h2")).to_have_text("Draw a digit", timeout=READING_TIMEOUT_MS)
    expect(page.locator("#prediction .confidence-set")).to_have_count(0)
    expect(page.locator("#preview img")).to_have_count(0)


def picture(uri: str) -> np.ndarray:
    """A picture the page shows as a data-URI PNG (the 28x28 preview, the Inside tab's input), as grey in [0, 1]."""
    encoded = re.search(r"data:image/png;base64,([^\"']+)", uri)[1]
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("L"), np.float32) / 255


def screenshot(page: "playwright_api.Page", name: str, full_page: bool = False) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(500)  # let the bars finish growing
        page.screenshot(path=Path(SCREENSHOTS) / f"screenshot-{name}.png", full_page=full_page)


@contextlib.contextmanager
def touch_screen(browser: "playwright_api.Browser", url: str, viewport: dict,
                 theme: str) -> Iterator["playwright_api.Page"]:
    """The app in a page of a phone or tablet: a touch screen of this size, in this theme."""
    context = browser.new_context(viewport=viewport, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(url + ("?__theme=dark" if theme == "dark" else ""))
        wait_until_ready_to_draw(page)
        yield page
    finally:
        context.close()


def in_sheet_units(strokes: list[list[list[int]]]) -> list[list[tuple[float, float]]]:
    """Pen strokes in tablet units as paths from the sheet's centre, in units of its side (y down)."""
    xs = [x for stroke in strokes for x, _ in stroke]
    ys = [y for stroke in strokes for _, y in stroke]
    scale = DIGIT_HEIGHT / max(max(xs) - min(xs), max(ys) - min(ys), 1)
    centre_x, centre_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [every_step([((x - centre_x) * scale, (y - centre_y) * scale) for x, y in stroke]) for stroke in strokes]


def every_step(path: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The path's points at least STEP apart, keeping its first and last."""
    kept = path[:1]
    for point in path[1:-1]:
        if math.dist(point, kept[-1]) >= STEP:
            kept.append(point)
    return kept + path[-1:] if len(path) > 1 else kept


def draw_with_a_finger(page: "playwright_api.Page", strokes: list[list[tuple[float, float]]]) -> None:
    """Touch, slide and lift a finger along each stroke, on the sheet, as Chrome's touch screen reports it."""
    touch_screen = page.context.new_cdp_session(page)
    sheet = page.locator("#sketchpad").bounding_box()
    side = min(sheet["width"], sheet["height"])
    centre_x, centre_y = sheet["x"] + sheet["width"] / 2, sheet["y"] + sheet["height"] / 2
    for stroke in strokes:
        points = [{"x": centre_x + x * side, "y": centre_y + y * side, "id": 0, **FINGER} for x, y in stroke]
        touch_screen.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points[:1]})
        for point in points[1:]:
            touch_screen.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        touch_screen.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    touch_screen.detach()


# --- Phones and tablets: the dev set's digits drawn with a finger -----------------------------------

# Every screen size the classroom issue names, in each theme, and a phone held sideways. Each touch
# move waits for Chrome to paint the editor in software, a fifth of a second here or more on a
# tablet, so all ten digits on every screen take over six minutes: too long for the suite. By
# default it tries each size once, in one theme or the other, drawing all ten digits on the
# smallest phone and a 7 (in two strokes) on the others; MNIST_TOUCH_ALL=1 tries every screen in
# both themes with all ten. The tablets are in tests/test_tablet.py, so that the two test workers
# draw at the same time.
EVERY_SCREEN = os.environ.get("MNIST_TOUCH_ALL") == "1"
ALL_DIGITS = "0123456789"
OTHERS = ALL_DIGITS if EVERY_SCREEN else "7"


def screens(*candidates: tuple[str, dict, str, str, bool]) -> list:
    """The (name, viewport, theme, digits) of each candidate screen this run tries: those marked, or all."""
    return [pytest.param(*screen[:4], id=screen[0]) for screen in candidates if EVERY_SCREEN or screen[4]]


# The screens whose screenshots (MNIST_SCREENSHOTS) the README shows.
SCREENSHOT_SCREENS = {"phone-light", "phone-dark", "tablet", "tablet-landscape-dark"}
PHONE_WIDTH = 640  # assets/style.css lays out a phone up to this width
RIGHT_AT_LEAST = 0.9  # of the digits drawn on a screen
SAMPLE = 0  # the first writer in the dev set: all ten of their digits, drawn as here, read right offline
# A misread may settle on another digit; give the right one this long to arrive.
SETTLE_TIMEOUT_MS = 10_000


def reads(page: "playwright_api.Page", digit: str) -> bool:
    """Whether the top reading becomes ``digit``: the reading after each stroke replaces the last."""
    try:
        expect(page.locator("#prediction h2")).to_have_text(digit, timeout=SETTLE_TIMEOUT_MS)
    except AssertionError:
        return False
    return True


def in_view(page: "playwright_api.Page", selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    viewport = page.viewport_size
    return (box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"])


def draw_digits_clear_and_undo(page: "playwright_api.Page", sketches: dict[str, list], name: str, digits: str) -> None:
    viewport = page.viewport_size
    sheet = page.locator("#sketchpad").bounding_box()
    # The whole sheet shows, square, beside or under the readings, with no empty box to scroll past.
    assert abs(sheet["width"] - sheet["height"]) <= 1
    assert in_view(page, "#sketchpad") and in_view(page, "#prediction")
    if viewport["width"] <= PHONE_WIDTH:
        assert sheet["width"] >= 0.95 * viewport["width"]
    if viewport["width"] > viewport["height"] and viewport["height"] <= PHONE_WIDTH:  # a phone held sideways
        assert sheet["height"] >= 0.9 * viewport["height"]
    assert in_view(page, "#clear") and in_view(page, "#undo")

    right = []
    for digit in digits:
        scrolled = page.evaluate("window.scrollY")
        strokes = in_sheet_units(sketches[digit][SAMPLE])
        draw_with_a_finger(page, strokes)
        right.append(reads(page, digit))
        assert in_view(page, "#prediction h2"), "the reading arrived out of sight"
        assert page.evaluate("window.scrollY") == scrolled, "a stroke scrolled the page"
        if digit == "7" and name in SCREENSHOT_SCREENS:
            screenshot(page, name)
        # Undo, stroke by stroke, empties the sheet as a student would: read in the page, it asks
        # the server nothing, where Clear (tapped below) waits for the server's answer.
        for _ in strokes:
            page.locator("#undo").tap()
        expect_calm(page)
    log.info("%s: %d of %d digits read right", name, sum(right), len(digits))
    assert sum(right) >= RIGHT_AT_LEAST * len(digits), f"read right: {dict(zip(digits, right))}"

    draw_with_a_finger(page, ONE)
    expect(page.locator("#prediction h2")).to_have_text("1", timeout=READING_TIMEOUT_MS)
    page.locator("#clear").tap()
    expect_calm(page)
    wait_until_ready_to_draw(page)
