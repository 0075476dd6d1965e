"""Random distortions of MNIST digits that mimic how people draw on a canvas.

Drawn digits lean, rotate and vary in stroke weight far more than MNIST's scanned
ones; the network learns to ignore those differences if it sees them in training.
Size and position are normalised by preprocessing, so they vary only a little.
"""

import math

import tensorflow as tf

MAX_ROTATION = math.radians(15)
MAX_SHEAR = 0.3  # horizontal slant, in pixels per pixel of height
SCALE_RANGE = (0.85, 1.1)
MAX_SHIFT = 1.5  # pixels
CENTRE = 14.0  # MNIST centres digits by mass on pixel (14, 14)
# Chances that a digit's strokes are made heavier or lighter.
THICKEN_CHANCE = 0.25
THIN_CHANCE = 0.25

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
    a2 = CENTRE + shift_x - CENTRE * (a0 + a1)
    b2 = CENTRE + shift_y - CENTRE * (b0 + b1)
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
