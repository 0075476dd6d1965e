"""Turning the network's arrays into pictures a browser shows: small PNGs inlined in the page.

Pictures travel inside the answer as data URIs, so a reading leaves no file in Gradio's
cache and costs the page no second request. Feature maps are palette PNGs (one byte a
pixel) in a perceptually even colour scale, with transparent gutters between the maps so
the page's own background, light or dark, separates them.
"""

import base64
import io
import math

import numpy as np
from PIL import Image

# Viridis at eleven even steps (matplotlib's values): dark for nothing, bright yellow for the strongest.
COLOUR_SCALE = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")
LEVELS = 255  # palette entries for values, 0 (nothing) to LEVELS - 1 (the strongest in the grid)
GUTTER = LEVELS  # the one palette entry left over: transparent, between the maps
# Which pixels mattered: red where hiding them lowers the network's confidence, blue where it raises it.
SUPPORTS, OPPOSES = np.array([239, 68, 68]), np.array([59, 130, 246])
INPUT_DIMMING = 0.6  # the digit stays visible under the colours, without outshining them


def _scale_palette() -> list[int]:
    stops = np.array([[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour in COLOUR_SCALE], float)
    positions = np.linspace(0, 1, LEVELS)
    anchors = np.linspace(0, 1, len(stops))
    rgb = np.stack([np.interp(positions, anchors, stops[:, channel]) for channel in range(3)], axis=1)
    return np.round(rgb).astype(np.uint8).ravel().tolist() + [0, 0, 0]  # the gutter's colour never shows


PALETTE = _scale_palette()
SCALE_GRADIENT = f"linear-gradient(to right, {', '.join(COLOUR_SCALE)})"  # the same scale, for a legend


def png_data_uri(pixels: np.ndarray, palette: list[int] | None = None) -> str:
    """A uint8 image as a PNG data URI: grey (HxW), colour (HxWx3), or palette indices with ``palette``."""
    image = Image.fromarray(pixels)
    options = {}
    if palette is not None:
        image.putpalette(palette)
        options["transparency"] = GUTTER
    encoded = io.BytesIO()
    image.save(encoded, "PNG", **options)
    return "data:image/png;base64," + base64.b64encode(encoded.getvalue()).decode("ascii")


def input_data_uri(seen: np.ndarray) -> str:
    """The network's input (floats in [0, 1]) as a grey PNG data URI: white ink on black, as in MNIST."""
    return png_data_uri(np.round(seen * 255).astype(np.uint8))


def grid_columns(count: int) -> int:
    """A power of two near the square root: 32 maps in 4 rows of 8, 64 in 8 of 8, 256 in 16 of 16."""
    return 2 ** math.ceil(math.log2(math.sqrt(count))) if count > 1 else 1


def activation_grid(values: np.ndarray, strongest: float) -> np.ndarray:
    """Palette indices tiling a layer's output, one tile per map, on one colour scale for all.

    ``values`` is (H, W, maps), or (units,) for a dense layer, shown as 1x1 tiles. 0 and
    below get the darkest colour, ``strongest`` and above the brightest.
    """
    maps = values.reshape(1, 1, -1) if values.ndim == 1 else values
    height, width, count = maps.shape
    columns = grid_columns(count)
    rows = math.ceil(count / columns)
    levels = np.clip(maps / strongest, 0, 1) if strongest > 0 else np.zeros_like(maps)
    tiles = np.full((rows * columns, height + 1, width + 1), GUTTER, np.uint8)  # each tile with its gutter
    tiles[:count, :height, :width] = np.moveaxis(np.round(levels * (LEVELS - 1)).astype(np.uint8), -1, 0)
    grid = tiles.reshape(rows, columns, height + 1, width + 1).transpose(0, 2, 1, 3)
    return grid.reshape(rows * (height + 1), columns * (width + 1))[:-1, :-1]


def mattered_overlay(seen: np.ndarray, mattered: np.ndarray) -> np.ndarray:
    """The input in grey with red where its pixels supported the answer and blue where they opposed it."""
    base = np.repeat(seen[..., None] * 255 * INPUT_DIMMING, 3, axis=2)
    strength = mattered / max(float(np.abs(mattered).max()), 1e-9)
    colour = np.where(strength[..., None] > 0, SUPPORTS, OPPOSES)
    weight = np.abs(strength)[..., None]
    return np.round(base * (1 - weight) + colour * weight).astype(np.uint8)
