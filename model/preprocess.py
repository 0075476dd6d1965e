"""Turn a sketch into the 28x28 image the network expects, the way MNIST was made.

MNIST digits were scaled so their longest side fits a 20x20 box (aspect ratio kept,
anti-aliased to grey levels) and then placed in a 28x28 field with their centre of
mass at its centre. A canvas drawing gets the same treatment: find the ink, crop it,
scale it, centre it. Everything after finding the ink works on the ink's bounding
box only, so a big canvas costs about as much as a small one.

Mirrored in the page by assets/reader.js, step for step. The contract between the two is the
header of the page's weights file (model/export.py): it carries this module's constants, and
reader.js takes them from there; golden canvases (model/goldens.py) check that both read alike.
"""

from pathlib import Path

import numpy as np
from PIL import Image

from model.constants import IMAGE_SIDE, MNIST_BOX, MNIST_CENTRE

# Ink weaker than this, out of 255, is noise in the background, not a stroke.
MIN_CONTRAST = 24
# A background less opaque than this is a transparent layer (the page's stroke layer): its ink is the alpha.
OPAQUE_FROM = 128
# After contrast is stretched, grey below this fraction of full ink is dropped as halo.
HALO_FRACTION = 0.1
MAX_SIDE = 8192
ALPHA, COLOUR = slice(3, 4), slice(0, 3)
# Pillow modes whose pixels are 16-bit or 32-bit numbers, read as arrays rather than converted to RGB.
NUMERIC_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
# Big crops are box-filtered to about this side first: 4x the final box keeps the anti-aliasing.
WORKING_SIDE = 4 * MNIST_BOX
# The ink is scaled into the box with Pillow's Lanczos filter, after box-filtering by whole factors
# down to no less than this many times the final size (Pillow's reducing_gap): quick, and as sharp.
RESIZE_FILTER = Image.Resampling.LANCZOS
REDUCING_GAP = 2.0

SketchImage = Image.Image | np.ndarray


def to_mnist(image: SketchImage) -> np.ndarray:
    """Return the 28x28 float32 image in [0, 1] that the network sees.

    ``image`` is a PIL image or a uint8 array (HxW, HxWx3 or HxWx4) of any size, with
    dark ink on a light background, light ink on a dark one, or opaque ink on a
    transparent one. A canvas with no ink gives an all-zero image.
    """
    ink = extract_ink(image)
    if ink is None:
        return np.zeros((IMAGE_SIDE, IMAGE_SIDE), np.float32)
    return _centre_by_mass(_fit_box(ink)).astype(np.float32) / 255.0


def extract_ink(image: SketchImage) -> np.ndarray | None:
    """Crop ``image`` to its ink and return that ink as uint8 (full ink = 255), or None if blank."""
    pixels = as_pixels(image)
    background = _border_colour(pixels)
    box = _bounding_box(_differs(pixels, background))
    if box is None:
        return None
    channels = ALPHA if pixels.shape[2] == 4 and background[3] < OPAQUE_FROM else COLOUR
    top, bottom, left, right = box
    crop = _shrink(pixels, box)[..., channels].astype(np.int16)
    contrast = np.abs(crop - background[channels].astype(np.int16)).max(axis=2)
    strongest = int(contrast.max())
    if strongest < MIN_CONTRAST:
        return None
    ink = contrast * (255.0 / strongest)
    ink[ink < 255 * HALO_FRACTION] = 0
    top, bottom, left, right = _bounding_box(ink > 0)
    return ink[top:bottom, left:right].round().astype(np.uint8)


def open_image(path: str | Path) -> np.ndarray:
    """Decode an image file to pixels as ``as_pixels`` gives them, or raise ValueError saying why not."""
    try:
        with Image.open(path) as image:
            return as_pixels(image)
    except (OSError, SyntaxError, EOFError, Image.DecompressionBombError) as error:
        # Pillow reports unknown formats and broken files as OSError, and a few formats as SyntaxError.
        raise ValueError(f"The file is not a readable image ({error}).") from None


def as_pixels(image: SketchImage) -> np.ndarray:
    """Return ``image`` as a uint8 HxWxC array (C = 3 or 4), or raise ValueError saying what is wrong."""
    if image is None:
        raise ValueError("No image was given.")
    if isinstance(image, Image.Image):
        image = _decode(image)
    pixels = _to_uint8(np.asarray(image))
    if pixels.ndim == 3 and pixels.shape[2] in (1, 2):
        grey, alpha = pixels[..., :1], pixels[..., 1:]
        pixels = np.concatenate([grey, grey, grey, *([alpha] if alpha.size else [])], axis=2)
    elif pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"Expected an HxW, HxWx3 or HxWx4 image, got shape {pixels.shape}.")
    height, width = pixels.shape[:2]
    if height == 0 or width == 0:
        raise ValueError("The image is empty (it has no pixels).")
    _check_size(width, height)
    return pixels


def _decode(image: Image.Image) -> Image.Image | np.ndarray:
    """Decode a PIL image to RGB(A), or to a numeric array for 16-bit and float modes."""
    _check_size(*image.size)
    try:
        if image.mode in NUMERIC_MODES:
            return np.asarray(image)
        target = "RGBA" if image.mode in ("LA", "PA", "P", "RGBA") else "RGB"
        image.load()
        # The app's uploads are RGBA already; converting would only copy them.
        return np.asarray(image if image.mode == target else image.convert(target))
    except (OSError, SyntaxError, EOFError) as error:
        raise ValueError(f"The image could not be decoded ({error}).") from None


def _to_uint8(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels from booleans, 16-bit integers or floats in [0, 1] or [0, 255]."""
    if pixels.dtype == bool:
        return pixels.astype(np.uint8) * 255
    if pixels.dtype == np.uint16:
        return (pixels >> 8).astype(np.uint8)
    if np.issubdtype(pixels.dtype, np.floating):
        if not np.isfinite(pixels).all():
            raise ValueError("The image has NaN or infinite pixel values.")
        if pixels.size and 0 <= pixels.min() and pixels.max() <= 255:
            return (pixels * (255 if pixels.max() <= 1 else 1)).round().astype(np.uint8)
    if pixels.dtype != np.uint8:
        raise ValueError(f"Expected uint8 pixels (or 16-bit, or floats in [0, 1] or [0, 255]), got {pixels.dtype}.")
    return pixels


def _check_size(width: int, height: int) -> None:
    if max(height, width) > MAX_SIDE:
        raise ValueError(f"The image is {width}x{height}; the largest side accepted is {MAX_SIDE} pixels.")


def _border_colour(pixels: np.ndarray) -> np.ndarray:
    """The background colour: the median of the outermost rows and columns."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return np.median(border, axis=0).astype(np.uint8)


def _differs(pixels: np.ndarray, background: np.ndarray) -> np.ndarray:
    """A quick mask of the pixels that differ from the background colour at all."""
    if pixels.shape[2] == 4 and pixels.flags.c_contiguous:
        # One 32-bit comparison per pixel instead of one per channel.
        return pixels.view(np.uint32)[..., 0] != background.view(np.uint32)[0]
    return (pixels != background).any(axis=2)


def _shrink(pixels: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Crop ``pixels`` to ``box``, box-filtered down to about WORKING_SIDE if it is bigger.

    Later steps then touch few pixels, and Pillow crops as it filters, with no copy of the crop.
    """
    top, bottom, left, right = box
    factor = max(bottom - top, right - left) // WORKING_SIDE
    if factor < 2:
        return pixels[top:bottom, left:right]
    # RGBX rather than RGBA: Pillow premultiplies RGBA, which is slow and changes no channel we read.
    mode = "RGBX" if pixels.shape[2] == 4 else "RGB"
    image = Image.frombuffer(mode, pixels.shape[1::-1], np.ascontiguousarray(pixels), "raw", mode, 0, 1)
    return np.asarray(image.reduce(factor, box=(left, top, right, bottom)))


def _bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    rows, columns = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return rows[0], rows[-1] + 1, columns[0], columns[-1] + 1


def _fit_box(ink: np.ndarray) -> np.ndarray:
    """Scale the ink so its longest side is MNIST_BOX, keeping the aspect ratio."""
    height, width = ink.shape
    scale = MNIST_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(ink).resize(size, RESIZE_FILTER, reducing_gap=REDUCING_GAP))


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place ``digit`` in a 28x28 field with its centre of mass at MNIST's."""
    height, width = digit.shape
    total = float(digit.sum()) or 1.0
    centre_y = (digit.sum(axis=1) @ np.arange(height)) / total
    centre_x = (digit.sum(axis=0) @ np.arange(width)) / total
    top = int(np.clip(round(MNIST_CENTRE[0] - centre_y), 0, IMAGE_SIDE - height))
    left = int(np.clip(round(MNIST_CENTRE[1] - centre_x), 0, IMAGE_SIDE - width))
    field = np.zeros((IMAGE_SIDE, IMAGE_SIDE), np.uint8)
    field[top:top + height, left:left + width] = digit
    return field
