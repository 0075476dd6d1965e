"""What the page needs to read sketches itself: its scripts, and the network's weights, served to be cached.

The Prediction tab reads in the browser (assets/reader.js, wired by assets/live_reading.js) with
the weights train.py exports beside the .tflite. Gradio 6.31 serves files (/gradio_api/file=)
with an ETag and Last-Modified but no Cache-Control, and answers a revalidation with the whole
file; so the weights have a route of their own, at a URL that names their content, marked
immutable for a year: a browser downloads them once per model. They are read once, at start-up,
like the LiteRT model the server reads with, so the page and the server read with the same network.
"""

import base64
import functools
import hashlib
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from model.constants import ARTIFACT_DIR, BROWSER_WEIGHTS_FILE

ASSETS = Path(__file__).resolve().parent.parent / "assets"
READER_JS = ASSETS / "reader.js"
LIVE_READING_JS = ASSETS / "live_reading.js"
KERNELS_WASM = ASSETS / "wasm" / "kernels.wasm"
WEIGHTS_PATH = ARTIFACT_DIR / BROWSER_WEIGHTS_FILE
WEIGHTS_ROUTE = "/reader/{digest}/" + BROWSER_WEIGHTS_FILE
CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"
DIGEST_LENGTH = 16


@functools.cache
def _weights() -> tuple[bytes, str] | None:
    """The weights file and a digest of it, or None when there is none (the page then reads on the server)."""
    try:
        weights = WEIGHTS_PATH.read_bytes()
    except OSError:
        return None
    return weights, hashlib.sha256(weights).hexdigest()[:DIGEST_LENGTH]


def weights_url() -> str:
    """Where the page fetches the weights; the digest changes with them, so a cached copy is never stale."""
    weights = _weights()
    return WEIGHTS_ROUTE.format(digest=weights[1] if weights else "missing")


async def _serve_weights(request: Request) -> Response:
    weights = _weights()
    if weights is None or request.path_params["digest"] != weights[1]:
        return Response(status_code=404)
    return Response(weights[0], media_type="application/octet-stream", headers={"Cache-Control": CACHE_FOR_A_YEAR})


def weights_route() -> Route:
    return Route(WEIGHTS_ROUTE, _serve_weights)


def page_script(sketchpad_js: str, **settings: object) -> str:
    """One function for launch(js=...): ``sketchpad_js``, then the reader and the in-page reading given ``settings``.

    Gradio 6.31 takes a single function there. The reader goes in a script element of its own,
    so that if it cannot even be parsed, the Sketchpad's script still runs and reads on the server.
    The reader's WebAssembly kernels (1 kB) travel inside it, as base64, rather than by a request of their own.
    """
    settings = {"weightsUrl": weights_url().lstrip("/"),
                "kernelsWasm": base64.b64encode(KERNELS_WASM.read_bytes()).decode(), **settings}
    reader = f"{READER_JS.read_text()}\n({LIVE_READING_JS.read_text().strip()})({json.dumps(settings)});\n"
    return (f"() => {{\n({sketchpad_js.strip()})();\n"
            f"const reader = document.createElement('script');\nreader.textContent = {json.dumps(reader)};\n"
            f"document.head.appendChild(reader);\n}}")
