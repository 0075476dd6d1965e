"""What the page needs to read sketches itself: its scripts, and the networks' weights, served to be cached.

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

from model.constants import BROWSER_WEIGHTS_FILE, ModelFiles
from web import ASSETS

READER_JS = ASSETS / "reader.js"
LIVE_READING_JS = ASSETS / "live_reading.js"
KERNELS_WASM = ASSETS / "wasm" / "kernels.wasm"
WEIGHTS_ROUTE = "/reader/{digest}/" + BROWSER_WEIGHTS_FILE
CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"
DIGEST_LENGTH = 16


@functools.cache
def _weights(path: Path) -> tuple[bytes, str] | None:
    """A weights file and a digest of it, or None when there is none (the page then reads on the server)."""
    try:
        weights = path.read_bytes()
    except OSError:
        return None
    return weights, hashlib.sha256(weights).hexdigest()[:DIGEST_LENGTH]


def weights_url(model: ModelFiles) -> str:
    """Where the page fetches ``model``'s weights; the digest changes with them, so a cached copy is never stale."""
    weights = _weights(model.browser_weights)
    return WEIGHTS_ROUTE.format(digest=weights[1] if weights else "missing").lstrip("/")


def weights_route(*models: ModelFiles) -> Route:
    """The route that serves each of ``models``' weights at its ``weights_url``."""
    served = {weights[1]: weights[0] for weights in map(_weights, (model.browser_weights for model in models))
              if weights is not None}

    async def serve(request: Request) -> Response:
        weights = served.get(request.path_params["digest"])
        if weights is None:
            return Response(status_code=404)
        return Response(weights, media_type="application/octet-stream", headers={"Cache-Control": CACHE_FOR_A_YEAR})

    return Route(WEIGHTS_ROUTE, serve)


def reader_script(**settings: object) -> str:
    """The page's reader and its wiring to the Prediction tab, given ``settings``.

    The reader's WebAssembly kernels (1 kB) travel inside it, as base64, rather than by a request of their own.
    """
    settings = {"kernelsWasm": base64.b64encode(KERNELS_WASM.read_bytes()).decode(), **settings}
    return f"{READER_JS.read_text()}\n({LIVE_READING_JS.read_text().strip()})({json.dumps(settings)});\n"
