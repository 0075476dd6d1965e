"""A student's view on a phone or a tablet: Debian's chromium with a touch screen, drawing with a finger.

Real pen-drawn digits from the dev set are drawn through Chrome's touch input (CDP), one page per
screen and theme: the phones here, the tablets in tests/test_tablet.py. Set MNIST_SCREENSHOTS=DIR
to keep screenshots (the README's come from here).
"""

import contextlib
import io
import json
import logging
import math
import os
from collections.abc import Iterator

import pytest
from PIL import Image

from support import SKETCHES_PATH
from test_browser import (
    ONE,
    READING_TIMEOUT_MS,
    browser,
    expect,
    expect_calm,
    playwright_api,
    screenshot,
    wait_until_ready_to_draw,
)
from test_browser import (
    VIEWPORT as DESKTOP,
)
from web.join import SPACE_HOST_ENV

__all__ = ["browser"]  # the shared Chromium, a fixture of this module too
log = logging.getLogger(__name__)

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


# (name, viewport, theme, digits, tried by default). A screen's screenshot (MNIST_SCREENSHOTS) is
# named when the README shows it.
PHONES = screens(
    ("phone-light", {"width": 360, "height": 740}, "light", ALL_DIGITS, True),
    ("phone-360-dark", {"width": 360, "height": 740}, "dark", OTHERS, False),
    ("phone-390-light", {"width": 390, "height": 844}, "light", OTHERS, False),
    ("phone-dark", {"width": 390, "height": 844}, "dark", OTHERS, True),
    ("phone-landscape", {"width": 740, "height": 360}, "light", OTHERS, True),  # held sideways
)
SCREENSHOTS = {"phone-light", "phone-dark", "tablet", "tablet-landscape-dark"}
PHONE_WIDTH = 640  # assets/style.css lays out a phone up to this width
RIGHT_AT_LEAST = 0.9  # of the digits drawn on a screen
SAMPLE = 0  # the first writer in the dev set: all ten of their digits, drawn as here, read right offline
DIGIT_HEIGHT = 0.6  # of the sheet's side, about as a student fills it
# Chrome paints each touch move before it takes the next, in software here: a point every 15% of
# the sheet's side draws the same digit as the pen's hundred or so, in a fraction of the time.
STEP = 0.15
# A touch point without radius and force is dropped by Chromium.
FINGER = {"radiusX": 4, "radiusY": 4, "force": 1}
# A misread may settle on another digit; give the right one this long to arrive.
SETTLE_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def sketches() -> dict[str, list]:
    """Each digit's pen strokes from the dev set; an error on CI, where the data must be present."""
    if not SKETCHES_PATH.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the dev sketches are missing from {SKETCHES_PATH}")
        pytest.skip(f"needs the dev sketches at {SKETCHES_PATH}")
    return json.loads(SKETCHES_PATH.read_text())["rawData"]


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


@pytest.mark.parametrize(("name", "viewport", "theme", "digits"), PHONES)
def test_drawing_with_a_finger(browser, app_url: str, sketches: dict[str, list], name: str, viewport: dict,
                               theme: str, digits: str) -> None:
    with touch_screen(browser, app_url, viewport, theme) as page:
        draw_digits_clear_and_undo(page, sketches, name, digits)


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
        if digit == "7" and name in SCREENSHOTS:
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


def test_the_join_panel_shows_a_qr_code_of_the_address_it_gives(browser, app_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """On 127.0.0.1 the panel says nobody else can join; on a Space its QR code reads back as its address."""
    zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder is a dev requirement (requirements-dev.txt)")
    page = browser.new_page(viewport=DESKTOP)
    page.goto(app_url)
    page.get_by_text("Join this class").click()
    expect(page.locator("#join-panel .join-note")).to_contain_text("Nobody else can reach the app")
    expect(page.locator("#join-panel .join-qr")).to_have_count(0)

    monkeypatch.setenv(SPACE_HOST_ENV, "teacher-mnist-sketchpad.hf.space")  # read on each page load
    page.reload()
    page.get_by_text("Join this class").click()
    url = page.locator("#join-panel .join-url")
    expect(url).to_have_text("https://teacher-mnist-sketchpad.hf.space/")
    qr = page.locator("#join-panel .join-qr")
    assert qr.bounding_box()["width"] >= 300  # big enough to scan from a projector
    shown = Image.open(io.BytesIO(qr.screenshot()))
    assert [code.text for code in zxingcpp.read_barcodes(shown)] == [url.inner_text()]
    screenshot(page, "join")
    page.close()
