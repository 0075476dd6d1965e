"""Random distortions of MNIST digits that mimic how people draw on a canvas.

Drawn digits lean, rotate and vary in stroke weight far more than MNIST's scanned
ones; the network learns to ignore those differences if it sees them in training.
Size and position are normalised by preprocessing, so they vary only a little.
"""

import math

import numpy as np
import tensorflow as tf
from PIL import Image, ImageDraw

from model.constants import MNIST_CENTRE
from model.pen import Stroke, draw_strokes
from model.preprocess import to_mnist

MAX_ROTATION = math.radians(15)
MAX_SHEAR = 0.3  # horizontal slant, in pixels per pixel of height
SCALE_RANGE = (0.85, 1.1)
MAX_SHIFT = 1.5  # pixels
# Chances that a digit's strokes are made heavier or lighter.
THICKEN_CHANCE = 0.25
THIN_CHANCE = 0.25

# Continental handwriting: MNIST's American writers almost never flagged a 1 or crossed
# a 7, so a network trained on it alone reads a flagged 1 as a 7 or a 4 and a crossed 7
# as a 2. The sketch recipe redraws some of MNIST's own 1s and 7s that way.
FLAG_LENGTH = (0.3, 0.6)  # fraction of the digit's height
# From the stem's direction, towards the left. Acute: a 7's bar meets its stem wider.
FLAG_TURN = (math.radians(25), math.radians(55))
# Directions are angles from +x with y pointing down, so a vertical stem is 90 degrees. A
# level flag is a 7's bar; 1s leaning too far right to fit a flag below this stay bare.
FLAG_LEVELEST = math.radians(155)
FOOT_CHANCE = 0.2  # a printed-style base
FOOT_HALF_WIDTH = (0.15, 0.3)  # fraction of the digit's height
FLICK_CHANCE = 0.2  # the pen's exit stroke, up and to the right
FLICK_LENGTH = (0.1, 0.2)  # fraction of the digit's height
FLICK_RISE = (math.radians(10), math.radians(45))
CROSS_DEPTH = (0.4, 0.6)  # where a 7's bar crosses its stem, as a fraction of the height
CROSS_HALF_WIDTH = (0.12, 0.25)  # fraction of the digit's height
DRAWING_SCALE = 4  # strokes are drawn at 4x and scaled back down, so they anti-alias like MNIST's

# A plus-shaped structuring element: growing or eating one pixel across each stroke edge.
_PLUS = [[[-1.0], [0.0], [-1.0]], [[0.0], [0.0], [0.0]], [[-1.0], [0.0], [-1.0]]]


def augment_batch(images: tf.Tensor) -> tf.Tensor:
    """Distort a float batch (N, 28, 28, 1) in [0, 1]: random affine, then random stroke weight."""
    return _vary_stroke_weight(_random_affine(images))


def _random_affine(images: tf.Tensor) -> tf.Tensor:
    count = tf.shape(images)[0]
    angle = tf.random.uniform([count], -MAX_ROTATION, MAX_ROTATION)
    shear = tf.random.uniform([count], -MAX_SHEAR, MAX_SHEAR)
    scale = tf.random.uniform([count], *SCALE_RANGE)
    shift_x, shift_y = tf.unstack(tf.random.uniform([2, count], -MAX_SHIFT, MAX_SHIFT))
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    # Output pixel (x, y) samples input pixel A @ ((x, y) - centre) + centre + shift,
    # where A = rotation @ shear / scale.
    a0, a1 = cos, cos * shear - sin
    b0, b1 = sin, sin * shear + cos
    centre_y, centre_x = MNIST_CENTRE
    a2 = centre_x + shift_x - centre_x * (a0 + a1)
    b2 = centre_y + shift_y - centre_y * (b0 + b1)
    zeros = tf.zeros([count])
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT",
    )


def _vary_stroke_weight(images: tf.Tensor) -> tf.Tensor:
    count = tf.shape(images)[0]
    plus = tf.constant(_PLUS)
    thick = tf.nn.dilation2d(images, plus, strides=[1, 1, 1, 1], padding="SAME",
                             data_format="NHWC", dilations=[1, 1, 1, 1])
    # Full erosion wipes out MNIST's 2-3 pixel strokes; half of it leaves thin, light ones.
    eroded = tf.nn.erosion2d(images, plus, strides=[1, 1, 1, 1], padding="SAME",
                             data_format="NHWC", dilations=[1, 1, 1, 1])
    thin = (images + eroded) / 2
    roll = tf.random.uniform([count, 1, 1, 1])
    return tf.where(roll < THICKEN_CHANCE, thick, tf.where(roll > 1 - THIN_CHANCE, thin, images))


def add_continental_digits(images: np.ndarray, labels: np.ndarray, fraction: float,
                           rng: np.random.Generator) -> np.ndarray:
    """Return float ``images`` (N, 28, 28, 1) with ``fraction`` of the 1s flagged and of the 7s crossed."""
    redrawn = images.copy()
    for digit, restyle in ((1, _flag_one), (7, _cross_seven)):
        candidates = np.flatnonzero(labels == digit)
        for index in rng.choice(candidates, size=round(len(candidates) * fraction), replace=False):
            restyled = _redraw(images[index, ..., 0], restyle, rng)
            if restyled is not None:
                redrawn[index, ..., 0] = restyled
    return redrawn


def _redraw(digit: np.ndarray, restyle, rng: np.random.Generator) -> np.ndarray | None:
    """Add ``restyle``'s strokes to ``digit`` at the digit's own stroke width, then re-normalise."""
    side = digit.shape[0] * DRAWING_SCALE
    canvas = Image.fromarray((digit * 255).round().astype(np.uint8)).resize((side, side), Image.BILINEAR)
    ink = np.asarray(canvas) > 127
    strokes = restyle(ink, rng)
    if strokes is None:
        return None
    draw_strokes(ImageDraw.Draw(canvas), strokes, _stroke_width(ink))
    # As MNIST did: the new strokes move the bounding box and the centre of mass.
    return to_mnist(np.asarray(canvas))


def _stroke_width(ink: np.ndarray) -> float:
    """Twice the area over the edge length: for a long stroke, its width."""
    inside = ink[1:-1, 1:-1] & ink[:-2, 1:-1] & ink[2:, 1:-1] & ink[1:-1, :-2] & ink[1:-1, 2:]
    edge = max(int(ink.sum() - inside.sum()), 1)
    return max(2 * ink.sum() / edge, DRAWING_SCALE)


def _flag_one(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    rows = np.flatnonzero(ink.any(axis=1))
    top, bottom = rows[0], rows[-1]
    height = bottom - top
    top_x, bottom_x = np.flatnonzero(ink[top]).mean(), np.flatnonzero(ink[bottom]).mean()
    stem = math.atan2(height, bottom_x - top_x)
    if stem + FLAG_TURN[0] > FLAG_LEVELEST:
        return None
    flag = min(stem + rng.uniform(*FLAG_TURN), FLAG_LEVELEST)
    strokes = [_segment((top_x, top), flag, rng.uniform(*FLAG_LENGTH) * height)]
    if rng.random() < FOOT_CHANCE:
        half = rng.uniform(*FOOT_HALF_WIDTH) * height
        strokes.append([(bottom_x - half, bottom), (bottom_x + half, bottom)])
    elif rng.random() < FLICK_CHANCE:
        strokes.append(_segment((bottom_x, bottom), -rng.uniform(*FLICK_RISE), rng.uniform(*FLICK_LENGTH) * height))
    return strokes


def _cross_seven(ink: np.ndarray, rng: np.random.Generator) -> list[Stroke] | None:
    rows = np.flatnonzero(ink.any(axis=1))
    height = rows[-1] - rows[0]
    row = rows[0] + round(rng.uniform(*CROSS_DEPTH) * height)
    stem = np.flatnonzero(ink[row])
    if stem.size == 0:
        return None
    half = rng.uniform(*CROSS_HALF_WIDTH) * height
    return [[(stem.mean() - half, row), (stem.mean() + half, row)]]


def _segment(start: tuple[float, float], direction: float, length: float) -> Stroke:
    return [start, (start[0] + length * math.cos(direction), start[1] + length * math.sin(direction))]
