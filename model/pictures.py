"""Turning the network's arrays into pictures a browser shows: small PNGs inlined in the page.

Pictures travel inside the answer as data URIs, so a reading leaves no file in Gradio's
cache and costs the page no second request.
"""

import base64
import io

import numpy as np
from PIL import Image


def png_data_uri(pixels: np.ndarray) -> str:
    """A uint8 image (HxW grey or HxWx3 colour) as a PNG data URI."""
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, "PNG")
    return "data:image/png;base64," + base64.b64encode(encoded.getvalue()).decode("ascii")
