"""Joining a class: the address students are shown, and a QR code that reads back as that address."""

import base64
import io

import pytest
from PIL import Image

from support import run_script
from web.join import (
    LOCAL_ONLY_NOTE,
    NETWORK_NOTE,
    SHARE_NOTE,
    SPACE_HOST_ENV,
    SPACE_NOTE,
    Invitation,
    invitation,
    is_loopback,
    join_view,
    network_address,
    qr_png_data_uri,
)

zxingcpp = pytest.importorskip("zxingcpp", reason="the QR decoder is a dev requirement (requirements-dev.txt)")

SPACE = {SPACE_HOST_ENV: "teacher-mnist-sketchpad.hf.space", "SPACE_ID": "teacher/mnist-sketchpad"}
SHARE_URL = "https://0123456789abcdef.gradio.live"


def decoded(data_uri: str) -> list[str]:
    """The texts of the QR codes in a PNG data URI."""
    png = base64.b64decode(data_uri.split(",", 1)[1])
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_on_a_space_students_join_at_the_spaces_address() -> None:
    join = invitation("0.0.0.0", 7860, None, SPACE)
    assert join == Invitation("https://teacher-mnist-sketchpad.hf.space/", SPACE_NOTE)


def test_with_share_the_public_link_is_given_and_says_anyone_can_use_it() -> None:
    join = invitation("127.0.0.1", 7860, SHARE_URL, {})
    assert join.url == SHARE_URL + "/"
    assert join.note == SHARE_NOTE and "anyone with the link" in join.note


def test_on_all_interfaces_the_network_address_is_given() -> None:
    address = network_address()
    join = invitation("0.0.0.0", 7861, None, {})
    if address is None:  # a machine on no network at all: the note says so
        assert join.url is None and "--share" in join.note
    else:
        assert join == Invitation(f"http://{address}:7861/", NETWORK_NOTE)
        assert not is_loopback(address)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.1.1"])
def test_on_this_computer_only_nobody_else_can_join_and_the_note_says_how_to_fix_it(host: str) -> None:
    join = invitation(host, 7860, None, {})
    assert join == Invitation(None, LOCAL_ONLY_NOTE.format(host=host))
    assert "--host 0.0.0.0" in join.note and "--share" in join.note
    assert join_view(join) == {"note": join.note}  # no address, no QR code


@pytest.mark.parametrize(("host", "url"), [("192.168.1.20", "http://192.168.1.20:7860/"),
                                           ("fe80::1", "http://[fe80::1]:7860/"),
                                           ("classroom.example.org", "http://classroom.example.org:7860/")])
def test_a_chosen_address_is_given_as_it_is(host: str, url: str) -> None:
    assert invitation(host, 7860, None, {}).url == url


@pytest.mark.parametrize("url", [SHARE_URL + "/", "http://192.168.1.20:7860/", "https://teacher-mnist-sketchpad.hf.space/"])
def test_the_qr_code_reads_back_as_the_address(url: str) -> None:
    assert decoded(qr_png_data_uri(url)) == [url]


def test_the_qr_code_is_big_enough_for_a_projector() -> None:
    image = Image.open(io.BytesIO(base64.b64decode(qr_png_data_uri(SHARE_URL).split(",", 1)[1])))
    assert min(image.size) >= 300


def test_the_panel_shows_the_address_and_its_qr_code() -> None:
    view = join_view(invitation("0.0.0.0", 7860, None, SPACE))
    assert view["url"] == "https://teacher-mnist-sketchpad.hf.space/"
    assert decoded(view["qr"]) == [view["url"]]


def test_the_command_line_offers_the_network_and_a_share_link() -> None:
    shown = run_script("app.py", "--help", timeout=120)
    assert shown.returncode == 0, shown.stderr
    for option in ("--host", "--share", "--data", "0.0.0.0", "anyone with the link"):
        assert option in " ".join(shown.stdout.split()), option
