"""A student's view on a phone or a tablet: Debian's chromium with a touch screen, drawing with a finger.

Real pen-drawn digits from the dev set are drawn through Chrome's touch input (CDP), one page per
screen and theme: the phones here, the tablets in tests/test_tablet.py. Set MNIST_SCREENSHOTS=DIR
to keep screenshots (the README's come from here).
"""

import io

import pytest
from PIL import Image

from pages import ALL_DIGITS, OTHERS, draw_digits_clear_and_undo, expect, screens, screenshot, touch_screen
from pages import VIEWPORT as DESKTOP
from web.join import SPACE_HOST_ENV

# (name, viewport, theme, digits, tried by default). A screen's screenshot (MNIST_SCREENSHOTS) is
# named when the README shows it.
PHONES = screens(
    ("phone-light", {"width": 360, "height": 740}, "light", ALL_DIGITS, True),
    ("phone-360-dark", {"width": 360, "height": 740}, "dark", OTHERS, False),
    ("phone-390-light", {"width": 390, "height": 844}, "light", OTHERS, False),
    ("phone-dark", {"width": 390, "height": 844}, "dark", OTHERS, True),
    ("phone-landscape", {"width": 740, "height": 360}, "light", OTHERS, True),  # held sideways
)
@pytest.mark.parametrize(("name", "viewport", "theme", "digits"), PHONES)
def test_drawing_with_a_finger(browser, app_url: str, sketches: dict[str, list], name: str, viewport: dict,
                               theme: str, digits: str) -> None:
    with touch_screen(browser, app_url, viewport, theme) as page:
        draw_digits_clear_and_undo(page, sketches, name, digits)


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
