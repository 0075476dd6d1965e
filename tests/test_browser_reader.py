"""The page's own reader (assets/reader.js, assets/live_reading.js) against the server's, in Debian's chromium.

Real pen-drawn digits are drawn onto canvases as the Sketchpad hands them over and given, pixel
for pixel, to the reader the page runs; the server's preprocessing and LiteRT network read the
same pixels. Then a person's view: the Prediction tab reads while the pen moves, asks the server
nothing, and falls back to the server by itself when the page cannot read.
"""


import numpy as np
import pytest

from model.preprocess import open_image, to_mnist
from model.serving import load_reader, predict_seen
from pages import (
    ONE,
    PAGE_READS,
    READING_TIMEOUT_MS,
    SEVEN,
    draw,
    expect,
    expect_calm,
    expect_reading,
    open_app,
    picture,
    playwright_api,
)
from support import SKETCHES_PATH
from testbench.canvas import draw_strokes, random_placement
from testbench.page_reader import read_in_page
from testbench.sketches import MODES, load_sketches

# A few dozen drawings keep this quick: every 40th sketch, in each background mode in turn.
STRIDE = 40
PIXEL_TOLERANCE = 2 / 255
PIXELS_WITHIN = 0.99
PROBABILITY_TOLERANCE = 1e-3
# The page draws its own copy of the stroke layer; it matches Gradio's to within the rim of a stroke,
# so the 28x28 images read from the two differ by a little at the edges of the strokes (a drawn 7: 0.0007
# on average, at most 10/255).
PREVIEW_DIFFERENCE = 0.005
STEM_MOVES = 5  # each waits for Chrome to paint the editor, in software


@pytest.fixture(scope="module")
def drawings(sketches) -> list[tuple[int, np.ndarray]]:
    """Every STRIDEth dev sketch (``sketches`` skips or fails where the set is missing), drawn on a canvas."""
    rng = np.random.default_rng(0)
    chosen = load_sketches(SKETCHES_PATH)[::STRIDE]
    return [(digit, draw_strokes(strokes, random_placement(rng), MODES[i % len(MODES)]))
            for i, (digit, strokes) in enumerate(chosen)]


def test_the_page_reads_drawings_as_the_server_does(browser, app_url: str, drawings) -> None:
    page = open_app(browser, app_url, "light")
    page.wait_for_function(PAGE_READS, timeout=READING_TIMEOUT_MS)
    reader = load_reader()
    close_pixels = total_pixels = 0
    readings, _ = read_in_page(page, [canvas for _, canvas in drawings])
    for (digit, canvas), (page_seen, page_probabilities) in zip(drawings, readings):
        seen = to_mnist(canvas)
        close_pixels += (np.abs(page_seen - seen) <= PIXEL_TOLERANCE + 1e-6).sum()
        total_pixels += seen.size
        expected = predict_seen(seen[None], reader)[0]
        np.testing.assert_allclose(page_probabilities, expected, atol=PROBABILITY_TOLERANCE, err_msg=f"a drawn {digit}")
        assert np.argmax(page_probabilities) == np.argmax(expected), f"a drawn {digit}"
    assert close_pixels / total_pixels >= PIXELS_WITHIN
    page.close()


def test_the_prediction_tab_reads_as_the_pen_moves_and_asks_the_server_nothing(browser, app_url: str) -> None:
    page = open_app(browser, app_url, "light")
    page.wait_for_function(PAGE_READS, timeout=READING_TIMEOUT_MS)
    expect(page.locator("#reader-in-use")).to_contain_text("in this page")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    box = page.locator("#sketchpad canvas").first.bounding_box()
    side = min(box["width"], box["height"])
    top = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + ONE[0][0][1] * side)
    # Twice, since the first reading after the pen lifts once held up every later stroke's readings.
    for _ in range(2):
        page.mouse.move(*top)
        page.mouse.down()
        for step in range(1, STEM_MOVES + 1):  # down the stem of a 1, the pen still on the paper
            page.mouse.move(top[0], top[1] + step * (ONE[0][1][1] - ONE[0][0][1]) * side / STEM_MOVES)
        expect(page.locator("#prediction h2")).to_have_text("1", timeout=READING_TIMEOUT_MS)
        page.mouse.up()
        expect_reading(page, "1")
        page.wait_for_timeout(500)  # past when the server would have been asked, after the pen lifts
        assert [url for url in requests if "/gradio_api/" in url] == []
        page.locator("#clear").click()
        expect_calm(page)
        requests.clear()
    page.close()


def test_the_pages_copy_of_the_strokes_is_the_layer_the_server_reads(browser, app_url: str) -> None:
    """Gradio's editor keeps its stroke layer on the GPU, so the page draws its own copy of the strokes.
    Here the server reads the layer the editor uploads, as it does when the page cannot read."""
    page = open_app(browser, app_url, "light")
    page.wait_for_function(PAGE_READS, timeout=READING_TIMEOUT_MS)
    uploads = []
    page.on("response", lambda response: uploads.append(response) if "/gradio_api/upload" in response.url else None)
    draw(page, SEVEN)
    expect_reading(page, "7")
    page_reading, page_preview, _ = page.evaluate("() => globalThis.liveReading.outputs()")

    with page.expect_response(lambda response: "/gradio_api/queue/data" in response.url):
        page.locator("#read-sketch").evaluate("button => button.click()")
    expect(page.locator("#prediction h2")).to_have_text("7", timeout=READING_TIMEOUT_MS)
    layer = next(image for image in (open_image(path) for response in uploads for path in response.json())
                 if image.shape[2] == 4 and image[..., 3].min() == 0)  # the stroke layer: ink on transparent
    seen = to_mnist(layer)
    page_seen = picture(page_preview)
    assert np.abs(page_seen - seen).mean() <= PREVIEW_DIFFERENCE
    assert page_reading["label"] == str(np.argmax(predict_seen(seen[None], load_reader())[0]))
    page.close()


def _falls_back_to_the_server(page, app_url: str, why: str) -> None:
    """The page gives up on reading itself, says ``why`` in the console and on the page, and reads on the server."""
    # The status line says "server" from the start, so wait for the page to give up, saying why.
    def gave_up(message: "playwright_api.ConsoleMessage") -> bool:
        return message.type == "warning" and "reads on the server" in message.text and why in message.text

    with page.expect_console_message(gave_up, timeout=READING_TIMEOUT_MS):
        page.goto(app_url)
    expect(page.locator("#reader-in-use")).to_contain_text("on the server", timeout=READING_TIMEOUT_MS)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(1500)
    draw(page, SEVEN)
    expect_reading(page, "7")
    assert any("/gradio_api/queue/join" in url for url in requests)
    page.close()


def test_the_page_reads_on_the_server_when_the_weights_do_not_load(browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.route("**/reader/**", lambda route: route.abort())
    _falls_back_to_the_server(page, app_url, "the weights could not be loaded")


def test_the_page_reads_on_the_server_in_a_browser_without_webassembly(browser, app_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.add_init_script("delete globalThis.WebAssembly;")
    _falls_back_to_the_server(page, app_url, "cannot run the reader's WebAssembly SIMD kernels")
