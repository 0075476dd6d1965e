"""A student's view on a tablet, in portrait and landscape: as on a phone (tests/test_phone.py)."""

import pytest

from pages import OTHERS, draw_digits_clear_and_undo, screens, touch_screen

TABLETS = screens(
    ("tablet", {"width": 820, "height": 1180}, "light", OTHERS, True),
    ("tablet-dark", {"width": 820, "height": 1180}, "dark", OTHERS, False),
    ("tablet-landscape-light", {"width": 1180, "height": 820}, "light", OTHERS, False),
    ("tablet-landscape-dark", {"width": 1180, "height": 820}, "dark", OTHERS, True),
)


@pytest.mark.parametrize(("name", "viewport", "theme", "digits"), TABLETS)
def test_drawing_with_a_finger(browser, app_url: str, sketches: dict[str, list], name: str, viewport: dict,
                               theme: str, digits: str) -> None:
    with touch_screen(browser, app_url, viewport, theme) as page:
        draw_digits_clear_and_undo(page, sketches, name, digits)
