"""Reading the network's input: five views of each image, their readings averaged, digits named as drawn."""

import math

import numpy as np
import pytest

from drawings import STROKES, drawn
from model import classify, to_mnist
from model.serving import classify_batch, classify_seen, confidences, predict_seen

VIEWS = 5
TURN_DEGREES = 8


def principal_angle(image: np.ndarray) -> float:
    """The direction of an image's long axis, in degrees, from its second moments."""
    rows, columns = np.indices(image.shape)
    mass = image.sum()
    mean_row, mean_column = (image * rows).sum() / mass, (image * columns).sum() / mass
    mu20 = (image * (columns - mean_column) ** 2).sum()
    mu02 = (image * (rows - mean_row) ** 2).sum()
    mu11 = (image * (columns - mean_column) * (rows - mean_row)).sum()
    return math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02))


class RecordingReader:
    """A reader whose answers the test sets: the batch's row r is read as digit r, for certain."""

    def __init__(self) -> None:
        self.batches: list[np.ndarray] = []

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(batch[..., 0].copy())
        return np.eye(10)[np.arange(len(batch)) % 10]


def test_each_image_is_read_five_ways_and_the_readings_averaged() -> None:
    reader = RecordingReader()
    one, seven = to_mnist(drawn("1")), to_mnist(drawn("7"))
    probabilities = predict_seen(np.stack([one, seven]), reader)
    # Rows 0-4 are the 1's views and rows 5-9 the 7's: each image gets the mean of its own five.
    np.testing.assert_allclose(probabilities, [[0.2] * 5 + [0] * 5, [0] * 5 + [0.2] * 5])
    batch = reader.batches[0]
    assert len(reader.batches) == 1 and batch.shape == (2 * VIEWS, 28, 28)
    np.testing.assert_array_equal(batch[VIEWS], seven)


def test_the_five_views_are_as_drawn_turned_each_way_heavier_and_lighter() -> None:
    reader = RecordingReader()
    one = to_mnist(drawn("1"))
    predict_seen(one[None], reader)
    as_drawn, turned_one_way, turned_other_way, heavier, lighter = reader.batches[0]
    np.testing.assert_array_equal(as_drawn, one)
    upright = principal_angle(one)
    # An axis has no head or tail: differences are taken within (-90, 90] degrees.
    turns = sorted((principal_angle(view) - upright + 90) % 180 - 90 for view in (turned_one_way, turned_other_way))
    assert turns == pytest.approx([-TURN_DEGREES, TURN_DEGREES], abs=1.5)
    assert (heavier >= one).all() and heavier.sum() > 1.3 * one.sum()
    # Half an erosion: lighter everywhere, by at most half (this thin 1 erodes away entirely).
    assert (lighter <= one).all() and (lighter >= one / 2).all() and lighter.sum() < 0.9 * one.sum()


def test_a_batch_of_sketches_is_read_by_the_reader_it_is_given() -> None:
    reader = RecordingReader()
    probabilities = classify_batch([drawn("1"), drawn("7")], reader)
    np.testing.assert_allclose(probabilities, [[0.2] * 5 + [0] * 5, [0] * 5 + [0.2] * 5])
    assert len(reader.batches) == 1
    seen = classify_seen(to_mnist(drawn("7")), reader)
    assert seen == {str(digit): pytest.approx(0.2 if digit < 5 else 0) for digit in range(10)}


def test_an_image_with_no_ink_gets_no_guess() -> None:
    probabilities = predict_seen(np.stack([np.zeros((28, 28), np.float32), to_mnist(drawn("7"))]), RecordingReader())
    np.testing.assert_allclose(probabilities[0], np.full(10, 0.1))
    np.testing.assert_allclose(probabilities[1], [0] * 5 + [0.2] * 5)


def test_probabilities_are_named_by_their_digit() -> None:
    assert confidences(np.eye(10)[3]) == {"0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0,
                                          "9": 0}


@pytest.mark.parametrize("mode", ["light", "dark", "transparent"])
@pytest.mark.parametrize("digit", sorted(STROKES))
def test_every_digit_drawn_is_read_as_itself(digit: str, mode: str) -> None:
    scores = classify(drawn(digit, mode))
    assert max(scores, key=scores.get) == digit and scores[digit] > 0.9, scores
