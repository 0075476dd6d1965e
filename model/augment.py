"""Random distortions of MNIST digits that mimic how people draw on a canvas.

Drawn digits lean, rotate and vary in stroke weight far more than MNIST's scanned
ones; the network learns to ignore those differences if it sees them in training.
Size and position are normalised by preprocessing, so they vary only a little.

Every random draw here is stateless, from a seed the caller gives, so that a training
run is the same however tf.data schedules the batches.
"""

import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf
from PIL import Image, ImageDraw

from model.constants import MNIST_CENTRE
from model.pen import Stroke, arc, draw_strokes
from model.preprocess import to_mnist

MAX_ROTATION = math.radians(15)
MAX_SHEAR = 0.3  # horizontal slant, in pixels per pixel of height
SCALE_RANGE = (0.85, 1.1)
MAX_SHIFT = 1.5  # pixels
# Chances that a digit's strokes are made heavier or lighter.
THICKEN_CHANCE = 0.25
THIN_CHANCE = 0.25

# Writing styles MNIST's American writers seldom used. A network trained on MNIST alone
# reads a flagged or hooked 1 as a 7, a crossed 7 as a 2, a slashed zero as an 8 and a 9
# with a long or curled tail as a 3 or a 4. The sketch recipe redraws some of MNIST's own
# digits in these styles; this is each restyled digit's share of the recipe's fraction.
STYLE_SHARES = {0: 0.6, 1: 1.0, 7: 1.0, 9: 0.6}
FLAG_LENGTH = (0.3, 0.65)  # fraction of the digit's height; longer, and MNIST's 7s start to read as 1s
# From the stem's direction, towards the left. Acute: a 7's bar meets its stem wider.
FLAG_TURN = (math.radians(25), math.radians(55))
# Directions are angles from +x with y pointing down, so a vertical stem is 90 degrees. A
# level flag is a 7's bar; 1s leaning too far right to fit a flag below this stay bare.
FLAG_LEVELEST = math.radians(155)
# A hook: a flag that leaves the top nearer level and bends down into the flag's direction. Bent
# further, it runs beside the stem and the 1 reads as a 9; with a foot as well, as a 2.
HOOK_BEND = (math.radians(20), math.radians(45))
FOOT_CHANCE = 0.2  # a printed-style base
FOOT_HALF_WIDTH = (0.15, 0.3)  # fraction of the digit's height
FLICK_CHANCE = 0.2  # the pen's exit stroke, up and to the right
FLICK_LENGTH = (0.1, 0.2)  # fraction of the digit's height
FLICK_RISE = (math.radians(10), math.radians(45))
CROSS_DEPTH = (0.4, 0.65)  # where a 7's bar crosses its stem, as a fraction of the height
CROSS_HALF_WIDTH = (0.12, 0.28)  # fraction of the digit's height
# A zero's slash: one straight stroke through the middle, mostly from lower left to upper
# right and steeper than 45 degrees; often past the loop on both sides, sometimes inside it.
SLASH_RISE = (math.radians(45), math.radians(80))
SLASH_BACKWARD_CHANCE = 0.2  # leaning the other way, from upper left to lower right
SLASH_INSIDE_CHANCE = 0.3
SLASH_HALF_LENGTH_INSIDE = (0.2, 0.35)  # fraction of the digit's height
SLASH_HALF_LENGTH_THROUGH = (0.55, 0.8)
SLASH_OFF_CENTRE = 0.04  # standard deviation, fraction of the height
# A 9's stem, carried on: straight and long, or curling back to the left at its foot.
TAIL_STRAIGHT_LENGTH = (0.25, 0.5)  # fraction of the digit's height
TAIL_CURL_LENGTH = (0.35, 0.6)
TAIL_CURL_TURN = (math.radians(90), math.radians(180))  # clockwise on screen: down, then left, then up
STEM_SPAN = 0.3  # the bottom fraction of a 9's height whose ink gives its stem's direction
REDRAW_MARGIN = 14  # pixels around the 28x28 digit that new strokes may reach
DRAWING_SCALE = 4  # strokes are drawn at 4x and scaled back down, so they anti-alias like MNIST's

Restyle = Callable[[np.ndarray, np.random.Generator], list[Stroke] | None]

# A plus-shaped structuring element: growing or eating one pixel across each stroke edge.
_PLUS = [[[-1.0], [0.0], [-1.0]], [[0.0], [0.0], [0.0]], [[-1.0], [0.0], [-1.0]]]


def augment_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Distort a float batch (N, 28, 28, 1) in [0, 1]: random affine, then random stroke weight.

    ``seed`` (two integers) decides every draw: the same batch and seed give the same result.
    """
    affine_seed, weight_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    return _vary_stroke_weight(_random_affine(images, affine_seed), weight_seed)


def _random_affine(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    count = tf.shape(images)[0]
    draws = tf.random.stateless_uniform([5, count], seed)
    angle, shear, scale, shift_x, shift_y = (
        low + (high - low) * draw for draw, (low, high) in zip(tf.unstack(draws), (
            (-MAX_ROTATION, MAX_ROTATION), (-MAX_SHEAR, MAX_SHEAR), SCALE_RANGE,
            (-MAX_SHIFT, MAX_SHIFT), (-MAX_SHIFT, MAX_SHIFT)))
    )
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # Output pixel (x, y) samples input pixel A @ ((x, y) - centre) + centre + shift,
    # where A = rotation @ shear / scale.
    centre_y, centre_x = MNIST_CENTRE
    a0, a1 = cos, cos * shear - sin
    b0, b1 = sin, sin * shear + cos
    a2 = centre_x + shift_x - (centre_x * a0 + centre_y * a1)
    b2 = centre_y + shift_y - (centre_x * b0 + centre_y * b1)
    zeros = tf.zeros([count])
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT",
    )


def _vary_stroke_weight(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    count = tf.shape(images)[0]
    plus = tf.constant(_PLUS)
    thick = tf.nn.dilation2d(images, plus, strides=[1, 1, 1, 1], padding="SAME",
                             data_format="NHWC", dilations=[1, 1, 1, 1])
    # Full erosion wipes out MNIST's 2-3 pixel strokes; half of it leaves thin, light ones.
    eroded = tf.nn.erosion2d(images, plus, strides=[1, 1, 1, 1], padding="SAME",
                             data_format="NHWC", dilations=[1, 1, 1, 1])
    thin = (images + eroded) / 2
    roll = tf.random.stateless_uniform([count, 1, 1, 1], seed)
    return tf.where(roll < THICKEN_CHANCE, thick, tf.where(roll > 1 - THIN_CHANCE, thin, images))


def add_writing_styles(images: np.ndarray, labels: np.ndarray, fraction: float,
                       rng: np.random.Generator) -> np.ndarray:
    """Return float ``images`` (N, 28, 28, 1) with some of their 0s, 1s, 7s and 9s redrawn in other styles.

    ``fraction`` times each digit's share in STYLE_SHARES of that digit's images are redrawn:
    0s slashed, 1s flagged or hooked, 7s crossed, 9s with a long or curled tail.
    """
    redrawn = images.copy()
    for digit, styles in RESTYLES.items():
        candidates = np.flatnonzero(labels == digit)
        chosen = rng.choice(candidates, size=round(len(candidates) * fraction * STYLE_SHARES[digit]), replace=False)
        for index in chosen:
            restyled = redraw(images[index, ..., 0], styles[rng.integers(len(styles))], rng)
            if restyled is not None:
                redrawn[index, ..., 0] = restyled
    return redrawn


def redraw(digit: np.ndarray, restyle: Restyle, rng: np.random.Generator) -> np.ndarray | None:
    """Add ``restyle``'s strokes to ``digit`` at the digit's own stroke width, then re-normalise.

    Returns None when ``restyle`` finds no place for its strokes on this digit.
    """
    padded = np.pad(digit, REDRAW_MARGIN)  # room for strokes that run past the digit's frame
    side = padded.shape[0] * DRAWING_SCALE
    canvas = Image.fromarray((padded * 255).round().astype(np.uint8)).resize((side, side), Image.BILINEAR)
    ink = np.asarray(canvas) > 127
    strokes = restyle(ink, rng)
    if strokes is None:
        return None
    draw_strokes(ImageDraw.Draw(canvas), strokes, _stroke_width(ink))
    # As MNIST did: the new strokes move the bounding box and the centre of mass. Cropped to
    # the ink and a blank border first, as preprocessing would, because it is faster so.
    pixels = np.asarray(canvas)
    rows, columns = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    return to_mnist(np.pad(pixels[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1], 1))


def _stroke_width(ink: np.ndarray) -> float:
    """Twice the area over the edge length: for a long stroke, its width."""
    inside = ink[1:-1, 1:-1] & ink[:-2, 1:-1] & ink[2:, 1:-1] & ink[1:-1, :-2] & ink[1:-1, 2:]
    edge = max(int(ink.sum() - inside.sum()), 1)
    return max(2 * ink.sum() / edge, DRAWING_SCALE)


def slash_zero(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke]:
    """A straight stroke through the middle of a 0, as in Ø."""
    rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height = rows[-1] - rows[0]
    centre = np.array([columns[0] + columns[-1], rows[0] + rows[-1]]) / 2 + rng.normal(0, SLASH_OFF_CENTRE * height, 2)
    rise = rng.uniform(*SLASH_RISE)
    direction = math.pi + rise if rng.random() < SLASH_BACKWARD_CHANCE else -rise  # y points down
    half = height * rng.uniform(*(SLASH_HALF_LENGTH_INSIDE if rng.random() < SLASH_INSIDE_CHANCE
                                  else SLASH_HALF_LENGTH_THROUGH))
    start = (centre[0] - half * math.cos(direction), centre[1] - half * math.sin(direction))
    return [arc(start, direction, 2 * half)]


def flag_one(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    """A straight flag at the top of a 1; sometimes a foot or an exit flick at the bottom."""
    flag = _flag(ink, rng, bend=0.0)
    if flag is None:
        return None
    (_, bottom), (_, bottom_x), height = _stem_ends(ink)
    if rng.random() < FOOT_CHANCE:
        half = rng.uniform(*FOOT_HALF_WIDTH) * height
        return [flag, [(bottom_x - half, bottom), (bottom_x + half, bottom)]]
    if rng.random() < FLICK_CHANCE:
        return [flag, arc((bottom_x, bottom), -rng.uniform(*FLICK_RISE), rng.uniform(*FLICK_LENGTH) * height)]
    return [flag]


def hook_one(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    """A hook at the top of a 1: a flag that leaves nearer level and bends down."""
    hook = _flag(ink, rng, bend=rng.uniform(*HOOK_BEND))
    return None if hook is None else [hook]


def _flag(ink: np.ndarray, rng: np.random.Generator, bend: float) -> Stroke | None:
    """A flag from the top of a 1's stem, bent by ``bend``; None if the 1 leans too far right for one."""
    (top, _), (top_x, bottom_x), height = _stem_ends(ink)
    stem = math.atan2(height, bottom_x - top_x)
    if stem + FLAG_TURN[0] > FLAG_LEVELEST:
        return None
    flag = min(stem + rng.uniform(*FLAG_TURN), FLAG_LEVELEST)
    leaving = min(flag + bend, math.pi)  # never rising above level
    return arc((top_x, top), leaving, rng.uniform(*FLAG_LENGTH) * height, turn=-bend)


def _stem_ends(ink: np.ndarray) -> tuple[tuple[int, int], tuple[float, float], int]:
    """A 1's top and bottom rows, the middle of its ink on each, and its height."""
    rows = np.flatnonzero(ink.any(axis=1))
    top, bottom = rows[0], rows[-1]
    return (top, bottom), (np.flatnonzero(ink[top]).mean(), np.flatnonzero(ink[bottom]).mean()), bottom - top


def cross_seven(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    """A level bar across a 7's stem."""
    rows = np.flatnonzero(ink.any(axis=1))
    height = rows[-1] - rows[0]
    row = rows[0] + round(rng.uniform(*CROSS_DEPTH) * height)
    stem = np.flatnonzero(ink[row])
    if stem.size == 0:
        return None
    half = rng.uniform(*CROSS_HALF_WIDTH) * height
    return [[(stem.mean() - half, row), (stem.mean() + half, row)]]


def long_tail_nine(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    """A 9's stem carried on, straight and long."""
    foot = _nine_foot(ink)
    if foot is None:
        return None
    start, direction, height = foot
    return [arc(start, direction, rng.uniform(*TAIL_STRAIGHT_LENGTH) * height)]


def curled_tail_nine(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    """A 9's stem carried on and curling back to the left at its foot."""
    foot = _nine_foot(ink)
    if foot is None:
        return None
    start, direction, height = foot
    return [arc(start, direction, rng.uniform(*TAIL_CURL_LENGTH) * height, turn=rng.uniform(*TAIL_CURL_TURN))]


def _nine_foot(ink: np.ndarray) -> tuple[tuple[float, float], float, int] | None:
    """Where a 9's stem ends, the direction it runs there, and the digit's height; None if it has no stem."""
    rows = np.flatnonzero(ink.any(axis=1))
    top, bottom = rows[0], rows[-1]
    height = bottom - top
    ys, xs = np.nonzero(ink[bottom - round(STEM_SPAN * height):bottom + 1])
    if np.ptp(ys) < 2:
        return None
    slope = np.polyfit(ys, xs, 1)[0]  # the stem's x per pixel down
    return (float(np.flatnonzero(ink[bottom]).mean()), float(bottom)), math.atan2(1, slope), height


# Each restyled digit gets one of its styles, picked evenly.
RESTYLES: dict[int, list[Restyle]] = {
    0: [slash_zero], 1: [flag_one, hook_one], 7: [cross_seven], 9: [long_tail_nine, curled_tail_nine],
}
