"""A person's view: Debian's chromium draws on the real app with the mouse, in both themes.

Set MNIST_SCREENSHOTS=DIR to keep screenshots of what the test saw (the README's come from here).
"""

import math
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from support import MNIST_PATH

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's chromium on PATH (apt-get install chromium); Playwright's own browsers are not used",
)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 860}
# Headless chromium paints the canvas in software, so a stroke and its reading take seconds.
READING_TIMEOUT_MS = 30_000
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


@pytest.fixture(scope="module")
def browser() -> Iterator["playwright_api.Browser"]:
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


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


def screenshot(page: "playwright_api.Page", name: str, full_page: bool = False) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(500)  # let the bars finish growing
        page.screenshot(path=Path(SCREENSHOTS) / f"screenshot-{name}.png", full_page=full_page)


def test_draw_clear_draw_again_and_undo_in_the_light_theme(browser, app_url: str) -> None:
    page = open_app(browser, app_url, "light")
    expect_calm(page)

    page.wait_for_timeout(IDLE_MS)
    draw(page, SEVEN)
    expect_reading(page, "7")
    screenshot(page, "light")

    page.locator("#clear").click()
    expect_calm(page)

    # Clearing puts Gradio's editor back on its image tool; the brush must come back by itself.
    wait_until_ready_to_draw(page)
    page.wait_for_timeout(IDLE_MS)
    draw(page, FOUR)  # two strokes: the reading follows each
    expect_reading(page, "4")

    page.locator("#clear").click()  # a second clear must empty the canvas too
    expect_calm(page)
    wait_until_ready_to_draw(page)
    draw(page, ONE)  # read as a 1 only if nothing of the 4 is left
    expect_reading(page, "1")

    page.locator('#sketchpad button[aria-label="Undo"]').click()
    expect_calm(page)
    page.close()


def test_a_reading_uploads_each_image_once(browser, app_url: str) -> None:
    """Gradio 6.31's Sketchpad sends its three images again whenever an event's status reaches it,
    nine uploads per reading; assets/sketchpad.js answers the repeats without sending them.

    This is the server's reading, as pages that cannot read for themselves (here by asking, with
    ?reader=server) and the Inside tab get it; the Prediction tab that reads in the page asks the
    server nothing at all (tests/test_browser_reader.py)."""
    page = open_app(browser, app_url + "?reader=server", "light")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def uploads_for_one_reading(strokes: list[list[tuple[float, float]]]) -> int:
        preview = page.locator("#preview img")
        shown = preview.get_attribute("src") if preview.count() else None
        requests.clear()
        # The label may show 7 already; wait for this stroke's reading, slow on a busy machine.
        with page.expect_request(lambda request: "/gradio_api/queue/join" in request.url, timeout=READING_TIMEOUT_MS):
            draw(page, strokes)
        expect(page.locator("#prediction h2")).to_have_text("7", timeout=READING_TIMEOUT_MS)
        # The label may read 7 already; the reading has arrived when the preview shows the new drawing.
        expect(preview).not_to_have_attribute("src", shown or "", timeout=READING_TIMEOUT_MS)
        page.wait_for_timeout(STATUS_SETTLE_MS)
        assert sum("/gradio_api/queue/join" in url for url in requests) == 1
        return sum("/gradio_api/upload" in url for url in requests)

    page.wait_for_timeout(IDLE_MS)
    assert uploads_for_one_reading(SEVEN) <= 3  # background, stroke layer and composite, once each
    assert uploads_for_one_reading(SEVEN_BAR) <= 3
    page.close()


def test_training_curves_and_report_card_render(browser, app_url: str) -> None:
    page = open_app(browser, app_url, "light")
    page.get_by_role("tab", name="Training & report card").click()
    expect(page.locator("#training-summary")).to_contain_text("test accuracy")
    for plot in ("#loss-plot", "#accuracy-plot"):
        expect(page.locator(f"{plot} canvas, {plot} .vega-embed svg").first).to_be_visible(
            timeout=READING_TIMEOUT_MS)
    expect(page.locator("#confusion table tbody tr")).to_have_count(10)
    expect(page.locator("#confusion tbody tr").first.locator("td")).to_have_count(11)  # 10 digits, accuracy
    expect(page.locator("#architecture")).to_contain_text("431,242")
    screenshot(page, "curves", full_page=True)
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_inside_tab_follows_the_drawing(browser, app_url: str, theme: str) -> None:
    page = open_app(browser, app_url, theme)
    draw(page, SEVEN)  # on the Prediction tab, then opening the Inside tab reads the drawing as it is
    expect_reading(page, "7")
    page.get_by_role("tab", name="Inside the network").click()
    expect(page.locator("#inside .inside-caption")).to_contain_text("read as 7", timeout=READING_TIMEOUT_MS)
    stages = page.locator("#inside .stage")
    expect(stages).to_have_count(len(LAYERS_WITH_PICTURES) + 2)  # and the bars, and which pixels mattered
    for name in LAYERS_WITH_PICTURES:
        expect(page.locator("#inside .stage h4", has_text=name).first).to_be_visible()
    expect(page.locator("#inside .bar")).to_have_count(10)
    expect(page.locator("#inside .bar.top b")).to_have_text("7")
    pictures = page.locator("#inside .stage img")
    expect(pictures).to_have_count(len(LAYERS_WITH_PICTURES) + 1)
    assert all(width > 0 for width in pictures.evaluate_all("images => images.map(image => image.naturalWidth)"))
    screenshot(page, f"inside-{theme}", full_page=True)

    first_maps = pictures.nth(1).get_attribute("src")
    draw(page, SEVEN_BAR)  # drawn while the Inside tab shows: the reading brings every layer again
    expect(pictures.nth(1)).not_to_have_attribute("src", first_maps, timeout=READING_TIMEOUT_MS)
    page.locator("#clear").click()
    expect(page.locator("#inside .calm")).to_be_visible(timeout=READING_TIMEOUT_MS)
    page.close()


@pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"needs the MNIST file at {MNIST_PATH}")
def test_a_misread_test_digit_opens_inside(browser, app_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(app.MNIST_ENV, str(MNIST_PATH))
    page = open_app(browser, app_url, "light")
    page.get_by_role("tab", name="Inside the network").click()
    page.get_by_text("Test digits the network gets wrong").click()
    expect(page.locator("#misreads-note")).to_contain_text("test digits that the network reads wrongly",
                                                           timeout=READING_TIMEOUT_MS)
    thumbnails = page.locator("#misreads img")
    expect(thumbnails.first).to_be_visible(timeout=READING_TIMEOUT_MS)
    thumbnails.first.click()
    expect(page.locator("#inside .inside-caption")).to_contain_text("MNIST test digit #", timeout=READING_TIMEOUT_MS)
    expect(page.locator("#inside .bar")).to_have_count(10)
    screenshot(page, "misreads", full_page=True)
    page.close()


def test_draw_in_the_dark_theme(browser, app_url: str) -> None:
    page = open_app(browser, app_url, "dark")
    expect(page.locator("body")).to_have_class(re.compile(r"\bdark\b"))

    draw(page, ZERO)
    expect_reading(page, "0")
    screenshot(page, "dark")

    page.locator('#sketchpad button[aria-label="Clear canvas"]').click()  # the Sketchpad's own bin
    expect_calm(page)
    page.close()
