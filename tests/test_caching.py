"""The page's files are cached as their names allow (web/gradio_fixes.py, fix 16), so a student's reload moves
almost nothing over the school's Wi-Fi."""

import re
from pathlib import Path

import gradio
import httpx
import pytest

from model.constants import SHIPPED
from pages import READING_TIMEOUT_MS, VIEWPORT, expect, wait_until_ready_to_draw
from web.gradio_fixes import CACHE_FOR_A_YEAR, REVALIDATE
from web.reader import weights_url

RELOAD_BUDGET = 50_000  # bytes
FIRST_VISIT_AT_LEAST = 1_000_000  # the reader's weights alone are 907 kB: proof the counting counts


@pytest.fixture(scope="module")
def page_html(app_url: str) -> str:
    return httpx.get(app_url).text


def test_content_hashed_names_are_cached_for_a_year(app_url: str, page_html: str) -> None:
    script = re.search(r'src="\.?/?(assets/index-[\w-]{8,}\.js)"', page_html).group(1)
    named = [script, weights_url(SHIPPED)]
    for path in named:
        reply = httpx.get(app_url + path)
        assert reply.status_code == 200 and reply.headers["cache-control"] == CACHE_FOR_A_YEAR, path


def test_gradios_build_is_served_compressed_as_asked_and_whole(app_url: str, page_html: str) -> None:
    """Kept in memory once compressed (fix 18): each coding gives back the file Gradio ships, byte for byte."""
    script = re.search(r'src="\.?/?(assets/index-[\w-]{8,}\.js)"', page_html).group(1)
    shipped = (Path(gradio.__file__).parent / "templates" / "frontend" / script).read_bytes()
    for coding in ["br", "gzip", "identity"]:
        replies = [httpx.get(app_url + script, headers={"Accept-Encoding": coding}) for _ in range(2)]
        assert all(reply.headers.get("content-encoding", "identity") == coding for reply in replies), coding
        assert replies[0].content == replies[1].content == shipped, coding  # as httpx decodes them


def test_the_page_and_other_names_are_revalidated_by_etag(app_url: str) -> None:
    for path in ["", "favicon.ico"]:
        reply = httpx.get(app_url + path)
        assert reply.headers["cache-control"] == REVALIDATE and reply.headers["etag"], path
        again = httpx.get(app_url + path, headers={"If-None-Match": reply.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", path
        changed = httpx.get(app_url + path, headers={"If-None-Match": '"something else"'})
        assert changed.status_code == 200 and changed.content == reply.content, path


def test_answers_and_errors_are_not_cached(app_url: str) -> None:
    assert "cache-control" not in httpx.get(app_url + "assets/no-such-file-12345678.js").headers
    assert "cache-control" not in httpx.get(app_url + "config").headers
    assert "cache-control" not in httpx.post(app_url + "gradio_api/upload", files={"files": ("a.txt", b"a")}).headers


class Traffic:
    """Bytes Chromium receives over the network, counted from the DevTools protocol: each finished request's
    encodedDataLength (headers and body as sent, before decompression; nothing for what the cache served), and
    for a stream still open (Gradio's heartbeat) its headers and the body received so far."""

    def __init__(self, page) -> None:
        self.page = page
        self.finished: dict[str, int] = {}
        self.open: dict[str, int] = {}
        self.pending: dict[str, str] = {}  # request id -> URL, until it finishes or fails
        devtools = page.context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.on("Network.requestWillBeSent", self.sent)
        devtools.on("Network.responseReceived", self.headers)
        devtools.on("Network.dataReceived", self.data)
        devtools.on("Network.loadingFinished", self.done)
        devtools.on("Network.loadingFailed", lambda event: self.pending.pop(event["requestId"], None))

    def sent(self, event: dict) -> None:
        self.pending[event["requestId"]] = event["request"]["url"]

    def headers(self, event: dict) -> None:
        self.open[event["requestId"]] = event["response"].get("encodedDataLength", 0)

    def data(self, event: dict) -> None:
        self.open[event["requestId"]] = self.open.get(event["requestId"], 0) + event["encodedDataLength"]

    def done(self, event: dict) -> None:
        self.pending.pop(event["requestId"], None)
        self.open.pop(event["requestId"], None)
        self.finished[event["requestId"]] = event["encodedDataLength"]

    def received(self) -> int:
        return sum(self.finished.values()) + sum(self.open.values())

    def reset(self) -> None:
        self.finished.clear()
        self.open.clear()

    def wait_until_quiet(self, quiet_ms: int = 1500, timeout_ms: int = READING_TIMEOUT_MS) -> None:
        """Wait until nothing but the heartbeat has been in flight for ``quiet_ms``: the load events are answered."""
        quiet = waited = 0
        while quiet < quiet_ms and waited < timeout_ms:
            self.page.wait_for_timeout(250)
            waited += 250
            busy = any("/heartbeat/" not in url for url in self.pending.values())
            quiet = 0 if busy else quiet + 250
        assert quiet >= quiet_ms, f"still loading: {[url for url in self.pending.values()]}"


def load_fully(page, traffic: Traffic) -> None:
    """Wait until the page can draw, reads in the page, and has the answers of the events it runs on load."""
    wait_until_ready_to_draw(page)
    expect(page.locator("#reader-in-use")).to_contain_text("in this page", timeout=READING_TIMEOUT_MS)
    traffic.wait_until_quiet()


def test_a_reload_downloads_under_50_kb(browser, app_url: str) -> None:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        traffic = Traffic(page)
        page.goto(app_url)
        load_fully(page, traffic)
        first_visit = traffic.received()

        traffic.reset()
        page.reload()
        load_fully(page, traffic)
        reload = traffic.received()
    finally:
        context.close()
    assert first_visit > FIRST_VISIT_AT_LEAST
    assert reload < RELOAD_BUDGET, f"a reload moved {reload:,} bytes (the first visit {first_visit:,})"
