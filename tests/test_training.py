"""The training input pipeline: each epoch shows every image once, paired with its label, in a new order."""

import numpy as np

from model.training import batches


def epoch(dataset) -> tuple[np.ndarray, np.ndarray]:
    pairs = list(dataset.as_numpy_iterator())
    assert [len(images) for images, _ in pairs] == [250, 250, 250, 250, 100]
    return np.concatenate([images for images, _ in pairs]), np.concatenate([labels for _, labels in pairs])


def test_training_batches_are_reshuffled_every_epoch():
    numbers = np.arange(1100, dtype=np.float32)
    dataset = batches(numbers, -numbers, 250, shuffle=True)
    first, first_labels = epoch(dataset)
    second, _ = epoch(dataset)
    for order in (first, second):
        np.testing.assert_array_equal(np.sort(order), numbers)
    np.testing.assert_array_equal(first_labels, -first)
    assert not np.array_equal(first, second) and not np.array_equal(first, numbers)


def test_validation_batches_keep_their_order():
    numbers = np.arange(1100, dtype=np.float32)
    images, labels = epoch(batches(numbers, -numbers, 250))
    np.testing.assert_array_equal(images, numbers)
    np.testing.assert_array_equal(labels, -numbers)
