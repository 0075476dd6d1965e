"""A person's view: Debian's chromium draws on the real app with the mouse, in both themes."""

import re

import pytest

import app
from pages import (
    FOUR,
    IDLE_MS,
    LAYERS_WITH_PICTURES,
    ONE,
    READING_TIMEOUT_MS,
    SEVEN,
    SEVEN_BAR,
    STATUS_SETTLE_MS,
    ZERO,
    draw,
    expect,
    expect_calm,
    expect_reading,
    open_app,
    screenshot,
    wait_until_ready_to_draw,
)
from support import MNIST_PATH


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
    nine uploads per reading; assets/gradio_fixes.js answers the repeats without sending them.

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
