"""Everything the app does only because of how Gradio 6.31 behaves, in one place: a Gradio upgrade starts here.

Each workaround below is named for the Gradio behaviour it answers. Their browser halves are in
assets/gradio_fixes.js, which this module alone loads. After an upgrade, check each one still
bites (the browser tests do: tests/test_browser.py) and delete those that no longer do.

1. The Sketchpad opens on its image tool ("select the draw tool to start"), and goes back to it
   when cleared, with no option to open on the brush: the page presses the brush for the user.
2. The Sketchpad's change event drops strokes (the first after a load or a clear, at random), and
   a page's own JavaScript cannot start an event: the page presses hidden buttons instead
   (``hidden_buttons``), to ask the server for a reading when the pen lifts (READ_SKETCH,
   READ_INSIDE) and to hand the Label and the preview a reading made in the page (READ_IN_PAGE).
3. The Sketchpad uploads its three images again each time an event's status reaches it, nine
   uploads a reading: the page answers a byte-identical upload with the path the server gave it.
4. Setting the Sketchpad's value to None from Python wipes the canvas only the first time
   (gradio-app/gradio#9978): Clear presses the editor's own bin (PRESS_THE_BIN), and the big
   Undo under the sheet its own small one (PRESS_UNDO).
5. The editor fits its sheet into its drawing surface less EDITOR_PADDING on each side: the
   page's copy of the strokes (assets/live_reading.js) and the phone layout (assets/style.css,
   as --editor-padding) allow for it.
6. launch(js=...) takes a single function: ``page_script`` runs several scripts from it.
7. Server-side rendering, on by default on Spaces, renders the page before fix 3 patches the
   client: off (``launch_options``).
8. The queue rebuilds a pandas summary of its last 10,000 events after every event, for its
   monitoring page; in a class of 30 that, not reading, was most of a stroke's wait
   (benchmarks/load.py): every thousandth event is often enough (``quiet_analytics``).
9. The page's container hides its overflow, which turns off sticky positioning: it clips
   instead (CSS), so the sheet stays in view while the tabs beside it scroll.
10. An app with a second page (the class board) gets a bar of links to its pages across the top,
   which ``gr.Navbar(visible=False)`` does not hide; ``visible="hidden"`` does, one Navbar on
   each page (``hide_navbar``).
11. Theme.set() takes no dark-theme value for the accent colour, which the selected tab's label is
   written in: ``set_dark_accent`` sets the theme's own attribute, which its CSS honours.
12. The tabs switch only when clicked, and each is a stop for the Tab key: the page makes them
   follow the arrow keys, Home and End, with only the selected tab in the Tab order (WAI-ARIA's
   tabs pattern).
13. The Sketchpad's drawing area has an aria-label but no role (axe: aria-prohibited-attr), and
   the label offers uploads it does not take: the page gives it a role and SHEET_LABEL.
14. The Gallery names each thumbnail "Thumbnail 1 of 67", leaving out the caption it shows
   (axe: label-content-name-mismatch): the page puts the caption first in the name.
15. Each session copies the configuration of every block on the page, and then each event's
   inputs and outputs (the sketch, the Inside tab), for deep links, which this app does not
   offer: about 180 kB a session, and an API call is a session of its own.
   Sessions keep none of it (``LeanSessions``), and at most SESSIONS are kept, not 10,000.
16. The page's scripts, stylesheets, fonts and images go without Cache-Control, and a
   revalidation gets the whole file again: ``CacheHeaders`` marks content-hashed names
   immutable for a year, and has the rest revalidated by ETag, answering 304 when unchanged.
17. A client that leaves halfway through an upload (a phone losing the school's Wi-Fi) makes
   the upload route raise, and the server log a traceback: one line instead (``left_early``).
18. Each script and stylesheet of Gradio's build is read from disk (through a worker thread, in
   64 kB pieces) and compressed anew for every page load, most of a page load's server time:
   ``CacheHeaders`` keeps them, compressed once (their names change with their content).
"""

import contextlib
import gzip
import hashlib
import json
import logging
import os
import re
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import brotli
import gradio as gr
from gradio.state_holder import SessionState, StateHolder
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import ASSETS

log = logging.getLogger(__name__)

SCRIPT = ASSETS / "gradio_fixes.js"

# 2: the hidden buttons' element ids, pressed by assets/gradio_fixes.js and assets/live_reading.js.
READ_SKETCH = "read-sketch"
READ_INSIDE = "read-inside"
READ_IN_PAGE = "read-in-page"
# 4: the editor's own buttons, found by their labels.
PRESS_THE_BIN = """() => document.querySelector('#sketchpad button[aria-label="Clear canvas"]')?.click()"""
PRESS_UNDO = """() => document.querySelector('#sketchpad button[aria-label="Undo"]')?.click()"""
# 5
EDITOR_PADDING = 30  # CSS px
# 8
ANALYTICS_EVERY = 1000
# 13
SHEET_LABEL = "The sheet to draw your digit on, with a mouse, pen or finger"
# 15: a lecture hall of 300 keeps a session per open page, and a reload starts another: 1,000 holds the
# hall with its reloads, at about 8 kB a session (Gradio's own: 180 kB). Sessions past it go least
# recently used first, and losing one costs a student nothing: the app keeps nothing in a session
# between events (no gr.State; a reading is a function of the drawing sent with it), and Gradio
# starts a fresh one with the student's next event.
SESSIONS = 1000
# 16
CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Names that change with their content: Vite's bundles (/assets/Index-DphvyggB.js), Gradio's
# cache folders (a SHA-256 of the file) and the theme's stylesheet (theme.css?v=SHA-256).
HASHED = re.compile(r"^(/assets/.+-[\w-]{8,}\.\w+|/gradio_api/file=.*/[0-9a-f]{64}/.+|/theme\.css\?v=[0-9a-f]{64})$")
# 18: Gradio's build, a folder of files that change only with Gradio, compressed as Gradio's middleware does.
KEPT = re.compile(r"^/assets/")
COMPRESSIBLE = re.compile(r"^(text/|application/(javascript|json)|image/svg)")
BROTLI_QUALITY = 4
# What a page load fetches besides its events: the page, Gradio's build and static files, uploads and outputs.
STATIC = re.compile(r"^(/|/favicon\.ico|/theme\.css|/assets/.*|/static/.*|/gradio_api/file=.*)$")
# 5 and 9, for launch(css=...).
CSS = f""":root {{ --editor-padding: {EDITOR_PADDING}px; }}
body .gradio-container {{ overflow: clip; }}
"""


def launch_options(**app_kwargs: Any) -> dict[str, Any]:
    """Fixes 7 and 10 to 13 as launch()'s options; ``app_kwargs`` (routes, say) go beside them to the app Gradio
    mounts."""
    return {"ssr_mode": False, "state_session_capacity": SESSIONS,
            "app_kwargs": {"lifespan": lean_sessions, "middleware": [Middleware(CacheHeaders)],
                           "exception_handlers": {ClientDisconnect: left_early}, **app_kwargs}}


def hidden_buttons() -> tuple[gr.Button, gr.Button, gr.Button]:
    """Fix 2's buttons, in the page but never shown: a server reading, one with every layer, the page's reading."""
    return (gr.Button("Read the sketch", elem_id=READ_SKETCH, visible="hidden"),
            gr.Button("Read the sketch, every layer", elem_id=READ_INSIDE, visible="hidden"),
            gr.Button("Show the page's reading", elem_id=READ_IN_PAGE, visible="hidden"))


def hide_navbar() -> gr.Navbar:
    """Fix 10, for the page being laid out."""
    return gr.Navbar(visible="hidden")


def set_dark_accent(theme: gr.themes.Base, colour: str) -> None:
    """Fix 11: ``colour`` (a theme reference such as "*primary_500") as the dark theme's accent."""
    theme.color_accent_dark = colour


def quiet_analytics() -> None:
    """Fix 8; the queue reads this variable when it starts."""
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(ANALYTICS_EVERY))


def page_script(*scripts: str) -> str:
    """Fix 6, then 1-3 and 12-14: one function for launch(js=...) that runs this module's script, then each of
    ``scripts``.

    Each of ``scripts`` runs in a script element of its own, so that one that cannot even be
    parsed leaves the Sketchpad working (the page then reads on the server).
    """
    settings = {"readSketch": READ_SKETCH, "readInside": READ_INSIDE, "sheetLabel": SHEET_LABEL}
    elements = "".join(f"document.head.appendChild(Object.assign(document.createElement('script'), "
                       f"{{ textContent: {json.dumps(script)} }}));\n" for script in scripts)
    return f"() => {{\n({SCRIPT.read_text().strip()})({json.dumps(settings)});\n{elements}}}"


class SessionWithoutCopies(SessionState):
    """Fix 15: a Gradio session that keeps no copy of the page's configuration, nor of what its events read and wrote.

    What a session must keep (per-session component updates, gr.State values) it still keeps.
    """

    def __init__(self, blocks: gr.Blocks) -> None:
        # Gradio's own set-up copies the configuration of each block it is handed: it is handed none.
        super().__init__(SimpleNamespace(default_config=blocks.default_config, blocks={}))
        self.config_values = _Unkept()

    def _update_value_in_config(self, key: int, value: Any) -> None:
        pass

    def _update_config(self, key: int) -> None:
        pass


class _Unkept(dict):
    """A deep-link copy that keeps nothing written to it."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


class LeanSessions(StateHolder):
    """Fix 15: Gradio's sessions, least recently used dropped beyond its capacity, each a SessionWithoutCopies."""

    def __getitem__(self, session_id: str) -> SessionState:
        if session_id not in self.session_data:
            self.session_data[session_id] = SessionWithoutCopies(self.blocks)
        return super().__getitem__(session_id)


@contextlib.asynccontextmanager
async def lean_sessions(app: Any) -> AsyncIterator[None]:
    """Fix 15, as the lifespan of the app Gradio mounts: before it serves anything, its sessions become LeanSessions."""
    sessions = LeanSessions()
    sessions.set_blocks(app.get_blocks())
    app.state_holder = sessions
    yield


async def left_early(request: Request, _: ClientDisconnect) -> Response:
    """Fix 17: a request whose client left before sending all of it, logged in a line; nobody is left to answer."""
    log.info("A client left before its %s %s was sent whole.", request.method, request.url.path)
    return Response(status_code=400)


class CacheHeaders:
    """Fixes 16 and 18, an ASGI middleware: Cache-Control on what a page load fetches (STATIC), fit for its name.

    A content-hashed name (HASHED) is cached for a year, immutable; Gradio's own build (/assets/)
    is kept here too, compressed once for each coding asked for (KEPT). Anything else is revalidated
    each time (no-cache) by its ETag: Gradio's own, or else a digest of the response; a GET whose
    If-None-Match names the current ETag is answered 304, without the body. Responses that set
    their own Cache-Control (the reader's weights, web/reader.py), errors and the API pass as they are.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: dict[tuple[str, str], tuple[Message, Message]] = {}  # (path, coding) -> start, body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not STATIC.match(scope["path"]):
            return await self.app(scope, receive, send)
        name = scope["path"] + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        if not HASHED.match(name):
            return await _Revalidated(send, Headers(scope=scope).get("if-none-match", ""))(self.app, scope, receive)
        coding = _coding(Headers(scope=scope).get("accept-encoding", ""))
        if not (KEPT.match(name) and coding):
            return await self.app(scope, receive, _with_headers(send, {"cache-control": CACHE_FOR_A_YEAR}))
        kept = self.kept.get((name, coding))
        if kept is None:
            start, body = await _whole_response(self.app, scope, receive)
            if start["status"] != 200 or "content-encoding" in Headers(raw=start["headers"]):
                return await _send_all(send, start, body)
            kept = self.kept[(name, coding)] = _compressed(start, body, coding)
        await _send_all(send, *kept)


def _coding(accept_encoding: str) -> str | None:
    """The compression to answer with, as Gradio's middleware chooses it: Brotli, else gzip, else none."""
    asked = {coding.split(";")[0].strip() for coding in accept_encoding.split(",")}
    return "br" if "br" in asked else "gzip" if "gzip" in asked else None


async def _whole_response(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """The response ``app`` gives, its start message and its whole body."""
    start, chunks = None, []

    async def collect(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, collect)
    return start, b"".join(chunks)


def _compressed(start: Message, body: bytes, coding: str) -> tuple[Message, Message]:
    """A kept response: cached for a year, and compressed with ``coding`` if its type gains from it."""
    headers = MutableHeaders(scope=start)
    headers["cache-control"] = CACHE_FOR_A_YEAR
    if COMPRESSIBLE.match(headers.get("content-type", "")):
        body = brotli.compress(body, quality=BROTLI_QUALITY) if coding == "br" else gzip.compress(body, mtime=0)
        headers["content-encoding"] = coding
        headers.add_vary_header("Accept-Encoding")
    headers["content-length"] = str(len(body))
    return start, {"type": "http.response.body", "body": body}


async def _send_all(send: Send, start: Message, body: Message | bytes) -> None:
    """Send a whole response; its start as a copy, as the middleware outside may add headers to it (CORS)."""
    await send(start | {"headers": list(start["headers"])})
    await send(body if isinstance(body, dict) else {"type": "http.response.body", "body": body})


def _with_headers(send: Send, added: dict[str, str]) -> Send:
    """``send``, adding ``added`` to a 200 response that has no Cache-Control of its own."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 200:
            headers = MutableHeaders(scope=message)
            if "cache-control" not in headers:
                headers.update(added)
        await send(message)

    return sending


class _Revalidated:
    """One response through CacheHeaders, to be revalidated: its start held until its ETag is known, then its body
    sent, or a 304 instead."""

    def __init__(self, send: Send, if_none_match: str) -> None:
        self.send = send
        self.asked = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",") if tag.strip()}
        self.start: Message | None = None
        self.body: list[bytes] | None = None  # collected only to compute an ETag
        self.passing = True

    async def __call__(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        await app(scope, receive, self.relay)

    async def relay(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            return await self.started(message)
        if message["type"] != "http.response.body":
            return await self.send(message)
        if self.body is not None:
            self.body.append(message.get("body", b""))
            if not message.get("more_body", False):
                body = b"".join(self.body)
                MutableHeaders(scope=self.start)["etag"] = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
                self.body = None
                await self.started(self.start)
                if self.passing:
                    await self.send({"type": "http.response.body", "body": body})
        elif self.passing:
            await self.send(message)

    async def started(self, start: Message) -> None:
        headers = MutableHeaders(scope=start)
        if start["status"] != 200 or "cache-control" in headers:
            return await self.send(start)
        if "etag" not in headers:
            self.start, self.body = start, []  # held: the ETag is a digest of the body
            return
        headers["cache-control"] = REVALIDATE
        if headers["etag"].removeprefix("W/") in self.asked:
            self.passing = False
            kept = [(key, value) for key, value in start["headers"] if key in (b"etag", b"cache-control", b"vary")]
            await self.send({"type": "http.response.start", "status": 304, "headers": kept})
            return await self.send({"type": "http.response.body", "body": b""})
        await self.send(start)
