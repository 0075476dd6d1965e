"""The sketch recipe's distortions: in range and reproducible; each writing style changes its digit as it says."""

import numpy as np
import pytest
import tensorflow as tf

from model.augment import (
    add_writing_styles,
    augment_batch,
    cross_seven,
    curled_tail_nine,
    flag_one,
    hook_one,
    long_tail_nine,
    redraw,
    slash_zero,
)
from model.constants import MNIST_CENTRE
from model.network import RECIPES
from support import MNIST_PATH


def test_the_tutorial_recipe_is_the_tutorial():
    tutorial = RECIPES["tutorial"]
    assert (tutorial.epochs, tutorial.batch_size, tutorial.validation_split) == (25, 250, 0.2)
    assert (tutorial.optimizer, tutorial.learning_rate, tutorial.schedule) == ("adam", 0.001, "constant")
    assert not tutorial.augment and tutorial.restyled == 0


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST digits when present; otherwise a few hand-made strokes labelled 0, 1, 7 and 9."""
    if MNIST_PATH.is_file():
        with np.load(MNIST_PATH) as data:
            return data["x_train"][:1000].astype(np.float32)[..., None] / 255, data["y_train"][:1000]
    images = np.zeros((40, 28, 28, 1), np.float32)
    images[:10, 4:24, 9:19] = 1  # a 0: a ring ...
    images[:10, 7:21, 12:16] = 0  # ... with its hole
    images[10:20, 4:24, 13:16] = 1  # a bare vertical 1
    images[20:30, 4:7, 8:20] = 1  # the bar of a 7 ...
    images[20:30, 7:24, 17:20] = 1  # ... and its stem
    images[30:, 4:14, 9:19] = 1  # a 9: a square loop ...
    images[30:, 7:11, 12:16] = 0
    images[30:, 14:24, 16:19] = 1  # ... and its stem
    return images, np.repeat(np.array([0, 1, 7, 9], np.uint8), 10)


def test_augment_batch_keeps_shape_and_range_and_follows_its_seed(digits):
    images = digits[0][:64]
    distorted = augment_batch(images, tf.constant([1, 2], tf.int64)).numpy()
    assert distorted.shape == images.shape and distorted.dtype == np.float32
    assert distorted.min() >= 0 and distorted.max() <= 1 + 1e-6
    assert not np.allclose(distorted, images)
    np.testing.assert_array_equal(augment_batch(images, tf.constant([1, 2], tf.int64)).numpy(), distorted)
    assert not np.array_equal(augment_batch(images, tf.constant([1, 3], tf.int64)).numpy(), distorted)


def assert_refitted(image: np.ndarray) -> None:
    """Inside the 28x28 frame as MNIST draws digits: longest side 20 pixels, full ink, centred by mass."""
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 in (20, 21)
    # A long tail or flag shrinks the rest of a digit, so its strokes can come out a little lighter than full.
    assert 0.9 <= image.max() <= 1 + 1e-6
    centre = np.array([image.sum(axis=1) @ np.arange(28), image.sum(axis=0) @ np.arange(28)]) / image.sum()
    assert np.abs(centre - MNIST_CENTRE).max() < 1.5


def test_only_0s_1s_7s_and_9s_are_restyled_and_stay_mnist_like(digits):
    images, labels = digits
    redrawn = add_writing_styles(images, labels, 1.0, np.random.default_rng(0))
    changed = np.flatnonzero(np.abs(redrawn - images).sum(axis=(1, 2, 3)) > 0)
    assert set(labels[changed].tolist()) == {0, 1, 7, 9} & set(labels.tolist())
    for digit in (0, 1, 7, 9):  # 1s leaning too far right are left bare; 0s and 9s are restyled less often
        assert (labels[changed] == digit).sum() >= 0.4 * (labels == digit).sum()
    for image in redrawn[changed, ..., 0]:
        assert_refitted(image)


def test_restyling_is_reproducible(digits):
    images, labels = digits
    first = add_writing_styles(images, labels, 0.5, np.random.default_rng(3))
    again = add_writing_styles(images, labels, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(first, again)


def restyled(digits, digit: int, style) -> tuple[np.ndarray, np.ndarray]:
    """Every ``digit`` that ``style`` has a place for, before and after; each after is checked to be refitted."""
    images, labels = digits
    rng = np.random.default_rng(1)
    pairs = [(image, redraw(image, style, rng)) for image in images[labels == digit, ..., 0]]
    pairs = [(before, after) for before, after in pairs if after is not None]
    assert len(pairs) >= 0.7 * (labels == digit).sum()
    for _, after in pairs:
        assert_refitted(after)
    return np.array([before for before, _ in pairs]), np.array([after for _, after in pairs])


def median_change(before: np.ndarray, after: np.ndarray, measure) -> float:
    """The median, over the digits, of how much ``measure`` grows from before to after."""
    return float(np.median([measure(changed) - measure(original) for original, changed in zip(before, after)]))


def ink_box(image: np.ndarray, level: float = 0.3) -> tuple[int, int, int, int]:
    rows, columns = np.flatnonzero((image > level).any(axis=1)), np.flatnonzero((image > level).any(axis=0))
    return rows[0], rows[-1], columns[0], columns[-1]


def test_a_slashed_zero_has_ink_across_its_hole(digits):
    def middle_ink(image: np.ndarray) -> float:
        top, bottom, left, right = ink_box(image, 0.1)
        row, column = round((top + bottom) / 2), round((left + right) / 2)
        return image[row - 1:row + 2, column - 1:column + 2].max()

    before, after = restyled(digits, 0, slash_zero)
    assert np.mean([middle_ink(image) > 0.5 for image in before]) < 0.3
    assert np.mean([middle_ink(image) > 0.5 for image in after]) > 0.9


@pytest.mark.parametrize("style", [flag_one, hook_one])
def test_a_flagged_or_hooked_one_reaches_left_at_the_top(digits, style):
    def reach(image: np.ndarray) -> float:
        """How far the top 40% of the digit's ink reaches left of the top of the stem."""
        top, bottom, _, _ = ink_box(image)
        columns = np.flatnonzero((image[top:top + round(0.4 * (bottom - top)) + 1] > 0.3).any(axis=0))
        return np.flatnonzero(image[top] > 0.3).mean() - columns[0]

    assert median_change(*restyled(digits, 1, style), reach) >= 2.5


def test_a_crossed_seven_is_wide_across_its_middle(digits):
    def widest_middle_row(image: np.ndarray) -> int:
        top, bottom, _, _ = ink_box(image)
        middle = image[top + round(0.35 * (bottom - top)):top + round(0.75 * (bottom - top))] > 0.3
        return max(np.ptp(np.flatnonzero(row)) + 1 if row.any() else 0 for row in middle)

    assert median_change(*restyled(digits, 7, cross_seven), widest_middle_row) >= 4


def test_a_long_tailed_nine_has_a_longer_stem(digits):
    def stem_share(image: np.ndarray) -> float:
        """The share of the digit's height, from the bottom up, that is a single narrow stroke."""
        top, bottom, _, _ = ink_box(image)
        narrow = [np.ptp(np.flatnonzero(image[row] > 0.3)) + 1 <= 5 for row in range(bottom, top, -1)]
        return (narrow + [False]).index(False) / (bottom - top)

    assert median_change(*restyled(digits, 9, long_tail_nine), stem_share) >= 0.08


def test_a_curled_nine_is_wider_at_its_foot(digits):
    def foot_width(image: np.ndarray) -> int:
        top, bottom, _, _ = ink_box(image)
        return np.ptp(np.flatnonzero((image[bottom - round(0.2 * (bottom - top)):bottom + 1] > 0.3).any(axis=0))) + 1

    assert median_change(*restyled(digits, 9, curled_tail_nine), foot_width) >= 3
