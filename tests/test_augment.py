"""The sketch recipe's distortions: right shapes and ranges; flags only on 1s, bars only on 7s."""

import numpy as np
import pytest

from model.augment import add_continental_digits, augment_batch
from model.constants import MNIST_CENTRE
from model.network import RECIPES
from support import MNIST_PATH


def test_the_tutorial_recipe_is_the_tutorial():
    tutorial = RECIPES["tutorial"]
    assert (tutorial.epochs, tutorial.batch_size, tutorial.validation_split) == (25, 250, 0.2)
    assert (tutorial.optimizer, tutorial.learning_rate, tutorial.schedule) == ("adam", 0.001, "constant")
    assert not tutorial.augment and tutorial.continental == 0


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Real MNIST digits when present; otherwise a few hand-made strokes labelled 1 and 7."""
    if MNIST_PATH.is_file():
        with np.load(MNIST_PATH) as data:
            return data["x_train"][:500].astype(np.float32)[..., None] / 255, data["y_train"][:500]
    images = np.zeros((20, 28, 28, 1), np.float32)
    images[:10, 4:24, 13:16] = 1  # a bare vertical 1
    images[10:, 4:7, 8:20] = 1  # the bar of a 7 ...
    images[10:, 7:24, 17:20] = 1  # ... and its stem
    return images, np.array([1] * 10 + [7] * 10, np.uint8)


def test_augment_batch_keeps_shape_and_range(digits):
    images = digits[0][:64]
    distorted = augment_batch(images).numpy()
    assert distorted.shape == images.shape and distorted.dtype == np.float32
    assert distorted.min() >= 0 and distorted.max() <= 1 + 1e-6
    assert not np.allclose(distorted, images)


def test_only_ones_and_sevens_are_restyled_and_stay_mnist_like(digits):
    images, labels = digits
    redrawn = add_continental_digits(images, labels, 1.0, np.random.default_rng(0))
    changed = np.flatnonzero(np.abs(redrawn - images).sum(axis=(1, 2, 3)) > 0)
    assert set(labels[changed].tolist()) == {1, 7} & set(labels.tolist())
    for digit in (1, 7):  # 1s leaning too far right are left bare
        assert (labels[changed] == digit).sum() >= 0.5 * (labels == digit).sum()
    for image in redrawn[changed, ..., 0]:
        rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 in (20, 21)  # refitted to the box
        assert image.max() == pytest.approx(1, abs=0.02)
    flagged = redrawn[changed[labels[changed] == 1], ..., 0]
    widths = [np.ptp(np.flatnonzero(image.any(axis=0))) + 1 for image in flagged]
    assert np.median(widths) >= 8  # the flag reaches well left of the stem
    centre_y = (redrawn[changed, ..., 0].sum(axis=2) @ np.arange(28)) / redrawn[changed].sum(axis=(1, 2, 3))
    assert abs(centre_y.mean() - MNIST_CENTRE[0]) < 1


def test_restyling_is_reproducible(digits):
    images, labels = digits
    first = add_continental_digits(images, labels, 0.5, np.random.default_rng(3))
    again = add_continental_digits(images, labels, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(first, again)
