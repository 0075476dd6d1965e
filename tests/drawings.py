"""Digits drawn as a person draws them, and handed to the app as the Sketchpad hands them over."""

import asyncio
import io
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from testbench.api import upload
from testbench.canvas import HAND_DRAWN, draw_strokes
from testbench.digits import STROKES


def drawn(digit: str, mode: str = "transparent") -> np.ndarray:
    """``digit`` drawn on the app's canvas: the stroke layer ("transparent") or a theme's composite."""
    return draw_strokes(STROKES[digit], HAND_DRAWN, mode)


def sketch(folder: Path, layer: np.ndarray | None = None, composite: np.ndarray | None = None) -> dict:
    """A Sketchpad value as Gradio hands it to the handlers: uploaded PNG files, not yet decoded."""
    def uploaded(image: np.ndarray | None, name: str) -> dict | None:
        if image is None:
            return None
        Image.fromarray(image).save(folder / f"{name}.png")
        return {"path": str(folder / f"{name}.png"), "meta": {"_type": "gradio.FileData"}}
    return {"background": None, "layers": [uploaded(layer, "layer")] if layer is not None else [],
            "composite": uploaded(composite, "composite")}


def png(pixels: np.ndarray) -> bytes:
    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, "PNG")
    return encoded.getvalue()


async def uploaded_sketch(http: httpx.AsyncClient, url: str, digit: str) -> dict:
    """``digit`` drawn and uploaded to the app at ``url`` as the page uploads it: the Sketchpad's value."""
    layer, composite = await asyncio.gather(upload(http, url, "layer_0.png", png(drawn(digit))),
                                            upload(http, url, "composite.png", png(drawn(digit, "light"))))
    return {"background": None, "layers": [layer], "composite": composite}
