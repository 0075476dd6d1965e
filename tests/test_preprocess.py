"""Sketch preprocessing and classify(): drawings of every kind read right, odd input is safe."""

import numpy as np
import pytest
from PIL import Image

from model.preprocess import to_mnist
from model.serving import classify, classify_batch
from support import MNIST_PATH
from testbench.canvas import SHEETS, Placement, draw_strokes, paste_digit

MODES = list(SHEETS)
# Digits drawn as a person would, stroke by stroke, in arbitrary units (y down).
ONE = [[(50, 0), (50, 100)]]
ZERO = [[(50 + 35 * np.sin(t), 50 - 50 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]
SEVEN = [[(0, 0), (70, 0), (25, 100)]]
HAND_DRAWN = {"0": ZERO, "1": ONE, "7": SEVEN}


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    return (image.sum(axis=1) @ np.arange(28)) / total, (image.sum(axis=0) @ np.arange(28)) / total


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("digit", sorted(HAND_DRAWN))
@pytest.mark.parametrize("placement", [Placement(0.8, 0.06, 0.5, 0.5), Placement(0.25, 0.025, 0.95, 0.05),
                                       Placement(0.4, 0.07, 0.0, 1.0)])
def test_hand_drawn_strokes_read_right(mode, digit, placement):
    scores = classify(draw_strokes(HAND_DRAWN[digit], placement, mode))
    assert max(scores, key=scores.get) == digit, scores


@pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"MNIST not found at {MNIST_PATH}")
def test_mnist_test_digits_on_big_canvases_read_at_a_high_rate():
    with np.load(MNIST_PATH) as mnist:
        digits, labels = mnist["x_test"][:300], mnist["y_test"][:300]
    rng = np.random.default_rng(7)
    canvases = [paste_digit(digit, Placement(rng.uniform(0.25, 0.85), 0, rng.uniform(), rng.uniform()),
                            MODES[index % 3]) for index, digit in enumerate(digits)]
    accuracy = (classify_batch(canvases).argmax(axis=1) == labels).mean()
    assert accuracy >= 0.97


@pytest.mark.parametrize("mode", MODES)
def test_output_is_mnist_shaped_scaled_and_centred(mode):
    image = to_mnist(draw_strokes(SEVEN, Placement(0.3, 0.03, 0.9, 0.9), mode))
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() == 0 and image.max() == pytest.approx(1, abs=0.05)
    rows, columns = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1 in (20, 21)
    centre_y, centre_x = centre_of_mass(image)
    assert abs(centre_y - 14) <= 0.5 and abs(centre_x - 14) <= 0.5


def test_every_theme_gives_the_network_the_same_image():
    placement = Placement(0.6, 0.05, 0.3, 0.6)
    light, dark, layer = (to_mnist(draw_strokes(ZERO, placement, mode)) for mode in MODES)
    assert np.abs(light - dark).max() < 0.02 and np.abs(light - layer).max() < 0.02


def test_light_ink_on_dark_and_coloured_ink_read_too():
    canvas = draw_strokes(ONE, Placement(0.7, 0.05, 0.5, 0.5), "light")
    inverted = 255 - canvas[..., :3]
    red_on_white = canvas[..., :3].copy()
    red_on_white[..., 0] = 255
    for image in (inverted, red_on_white, Image.fromarray(inverted).convert("L")):
        scores = classify(image)
        assert max(scores, key=scores.get) == "1"


@pytest.mark.parametrize("mode", ["LA", "PA", "P"])
def test_a_layer_whose_ink_is_only_its_alpha_reads_in_every_mode_with_alpha(mode):
    """Black ink on a transparent black sheet: without its alpha, the image is black all over."""
    layer = draw_strokes(ONE, Placement(0.7, 0.05, 0.5, 0.5), "transparent")
    image = Image.merge("LA", [Image.new("L", layer.shape[1::-1], 0), Image.fromarray(layer[..., 3])])
    if mode == "PA":
        image = Image.merge("PA", [Image.new("P", image.size, 0), image.getchannel("A")])
    if mode == "P":  # a PNG-8 stroke layer: palette entry 0 is the transparent sheet, 1 the ink, both black
        image = Image.fromarray((layer[..., 3] > 127).astype(np.uint8), "P")
        image.putpalette([0, 0, 0] * 2)
        image.info["transparency"] = 0
    scores = classify(image)
    assert max(scores, key=scores.get) == "1" and scores["1"] > 0.9  # decoded without its alpha: no ink at all


def test_an_array_of_grey_and_alpha_keeps_its_alpha():
    layer = draw_strokes(ONE, Placement(0.7, 0.05, 0.5, 0.5), "transparent")
    grey_and_alpha = np.stack([np.zeros(layer.shape[:2], np.uint8), layer[..., 3]], axis=2)
    np.testing.assert_array_equal(to_mnist(grey_and_alpha), to_mnist(layer))


def test_a_half_transparent_sheet_is_read_by_its_colour():
    """A sheet at alpha 128 is paper, not a stroke layer: the ink is in the colour channels."""
    canvas = draw_strokes(ONE, Placement(0.7, 0.05, 0.5, 0.5), "light")
    canvas[..., 3] = 128
    np.testing.assert_array_equal(to_mnist(canvas), to_mnist(canvas[..., :3]))


def test_booleans_and_floats_read_as_the_same_picture_in_bytes():
    ink = draw_strokes(ONE, Placement(0.7, 0.05, 0.5, 0.5), "transparent")[..., 3] > 127
    as_bytes = to_mnist(ink.astype(np.uint8) * 255)
    assert as_bytes.any()
    np.testing.assert_array_equal(to_mnist(ink), as_bytes)
    np.testing.assert_array_equal(to_mnist(ink.astype(np.float64)), as_bytes)  # floats in [0, 1], 1.0 is full ink


def extent(seen: np.ndarray) -> int:
    rows, columns = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
    return max(rows[-1] - rows[0], columns[-1] - columns[0]) + 1


def test_halo_far_from_the_strokes_does_not_shrink_the_digit():
    canvas = draw_strokes(ONE, Placement(0.5, 0.05, 0.5, 0.5), "light")
    canvas[5, 5, :3] = 235  # faint: under a tenth of the ink's strength once stretched
    assert extent(to_mnist(canvas)) in (20, 21)


def test_a_digit_whose_weight_sits_at_one_side_stays_whole_in_the_frame():
    heavy_left = np.zeros((100, 100), np.uint8)
    heavy_left[:, :30] = 255  # a thick bar ...
    heavy_left[48:52, 30:] = 255  # ... and a thin arm across the rest
    for image in (heavy_left, heavy_left[:, ::-1], heavy_left.T, heavy_left.T[::-1]):
        seen = to_mnist(image)
        assert seen.shape == (28, 28) and extent(seen) == 20  # pushed back inside, not cut off


def test_faint_noisy_background_is_not_ink():
    rng = np.random.default_rng(0)
    canvas = draw_strokes(SEVEN, Placement(0.5, 0.04, 0.2, 0.3), "light").astype(np.int16)
    canvas[..., :3] -= rng.integers(0, 12, canvas.shape[:2])[..., None]
    scores = classify(canvas.clip(0, 255).astype(np.uint8))
    assert max(scores, key=scores.get) == "7"


@pytest.mark.parametrize("blank", [np.full((800, 800, 4), 255, np.uint8), np.zeros((800, 800, 4), np.uint8),
                                   np.full((600, 400, 3), 0x33, np.uint8), np.zeros((1, 1), np.uint8)])
def test_blank_canvas_is_no_guess(blank):
    assert not to_mnist(blank).any()
    scores = classify(blank)
    assert sorted(scores) == [str(digit) for digit in range(10)]
    assert all(score == pytest.approx(0.1) for score in scores.values())


@pytest.mark.parametrize("image", [
    np.full((5, 5), 255, np.uint8),  # a lone dot of ink filling the image
    np.pad(np.full((2, 2), 0, np.uint8), 3, constant_values=255),
    np.zeros((3000, 20, 4), np.uint8),
    Image.new("P", (50, 50)),
    Image.new("LA", (50, 50)),
    np.random.default_rng(1).random((64, 64)),  # floats in [0, 1]
    np.eye(40, dtype=bool),
])
def test_odd_images_are_safe(image):
    scores = classify(image)
    assert sum(scores.values()) == pytest.approx(1)
    assert to_mnist(image).shape == (28, 28)


@pytest.mark.parametrize(("image", "message"), [
    (np.zeros((0, 10), np.uint8), "empty"),
    (np.zeros((9000, 10), np.uint8), "largest side accepted is 8192"),
    (np.zeros((10, 10), np.int32), "Expected uint8"),
    (np.zeros((10, 10, 5), np.uint8), "Expected an HxW, HxWx3 or HxWx4"),
    (np.zeros((2, 10, 10, 3), np.uint8), "Expected an HxW, HxWx3 or HxWx4"),
])
def test_impossible_images_get_a_clear_message(image, message):
    with pytest.raises(ValueError, match=message):
        classify(image)


def test_probabilities_cover_all_digits_and_sum_to_one():
    batch = [draw_strokes(stroke, Placement(0.5, 0.05, 0.5, 0.5)) for stroke in HAND_DRAWN.values()]
    probabilities = classify_batch(batch)
    assert probabilities.shape == (3, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    assert (probabilities >= 0).all()
