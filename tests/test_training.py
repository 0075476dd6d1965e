"""The training input pipeline: each epoch shows every image once, paired with its label, in a new order."""

import numpy as np

from model.network import Recipe
from model.training import batches, training_batches

EPOCH_SIZES = [250, 250, 250, 250, 100]


def pairs_of(dataset) -> tuple[list[int], np.ndarray, np.ndarray]:
    pairs = list(dataset.as_numpy_iterator())
    return ([len(images) for images, _ in pairs], np.concatenate([images for images, _ in pairs]),
            np.concatenate([labels for _, labels in pairs]))


def test_training_batches_are_reshuffled_every_epoch_and_the_same_every_run():
    numbers = np.arange(1100, dtype=np.float32)
    recipe = Recipe(name="test", epochs=2)
    sizes, images, labels = pairs_of(training_batches(numbers, -numbers, recipe, seed=5))
    assert sizes == EPOCH_SIZES * 2
    first, second = images[:1100], images[1100:]
    for order in (first, second):
        np.testing.assert_array_equal(np.sort(order), numbers)
    np.testing.assert_array_equal(labels, -images)
    assert not np.array_equal(first, second) and not np.array_equal(first, numbers)
    np.testing.assert_array_equal(pairs_of(training_batches(numbers, -numbers, recipe, seed=5))[1], images)
    assert not np.array_equal(pairs_of(training_batches(numbers, -numbers, recipe, seed=6))[1], images)


def test_distorted_batches_are_the_same_every_run():
    images = np.zeros((600, 28, 28, 1), np.float32)
    images[:, 6:22, 12:16] = 1
    recipe = Recipe(name="test", epochs=1, augment=True)
    first = pairs_of(training_batches(images, np.zeros(600), recipe, seed=1))[1]
    assert not np.array_equal(first, images)
    np.testing.assert_array_equal(pairs_of(training_batches(images, np.zeros(600), recipe, seed=1))[1], first)


def test_validation_batches_keep_their_order():
    numbers = np.arange(1100, dtype=np.float32)
    sizes, images, labels = pairs_of(batches(numbers, -numbers, 250))
    assert sizes == EPOCH_SIZES
    np.testing.assert_array_equal(images, numbers)
    np.testing.assert_array_equal(labels, -numbers)
