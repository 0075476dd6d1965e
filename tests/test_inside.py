"""Inside the network: layer outputs, which pixels mattered, the report card and the misread gallery."""

import base64
import io
import json
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image, ImageFilter

import app
from drawings import STROKES, drawn, sketch
from model import classroom
from model.constants import REBUILD_COMMAND, SHIPPED, ModelFiles
from model.data import load_mnist_test
from model.inside import OCCLUSION_PATCH, look_inside, misreads, occlusion_map
from model.keras_model import load_keras_model
from model.pictures import GUTTER, LEVELS, PALETTE, activation_grid, png_data_uri
from model.preprocess import to_mnist
from model.records import report_card
from model.serving import classify, load_reader
from support import MNIST_PATH

METRICS = json.loads(SHIPPED.metrics.read_text())
needs_mnist = pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"needs the MNIST file at {MNIST_PATH}")


@pytest.fixture(scope="module")
def reader():
    return load_reader()


def decoded(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


# --- Every layer, from the serving model -------------------------------------------------------


def test_each_layer_output_has_the_shape_of_that_layer_in_the_model(reader) -> None:
    network = load_keras_model(SHIPPED.keras)
    inside = look_inside(to_mnist(drawn("7")), reader)
    assert list(inside.layers) == list(reader.layer_names)
    for name, values in inside.layers.items():
        assert values.shape == tuple(network.get_layer(name).output.shape[1:]), name


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_the_bars_sum_to_one_and_are_what_classify_says(reader, tmp_path: Path, digit: str) -> None:
    _, _, view = app.read_inside(sketch(tmp_path, layer=drawn(digit)))
    bars = view["bars"]
    assert [bar["digit"] for bar in bars] == [str(digit) for digit in range(10)]
    probabilities = [bar["probability"] for bar in bars]
    assert sum(probabilities) == pytest.approx(1)
    np.testing.assert_allclose(probabilities, list(classify(drawn(digit), reader).values()), atol=1e-9)
    assert [bar["top"] for bar in bars].index(True) == int(digit) and view["digit"] == digit


@pytest.mark.parametrize("digit", sorted(STROKES))
def test_the_pixels_that_mattered_are_the_inked_ones(reader, digit: str) -> None:
    seen = to_mnist(drawn(digit))
    mattered = look_inside(seen, reader).mattered
    assert mattered.shape == seen.shape
    ink = seen > 0.3
    # Squares overlap, so support spreads a little past the strokes; far from them there is none.
    reach = ImageFilter.MaxFilter(2 * OCCLUSION_PATCH - 1)
    near_ink = np.asarray(Image.fromarray(ink.astype(np.uint8) * 255).filter(reach)) > 0
    assert mattered[ink].mean() > 3 * max(mattered[~ink].mean(), 0)
    assert mattered[~near_ink].max() <= 0.25 * mattered.max()
    assert near_ink[np.unravel_index(mattered.argmax(), seen.shape)]


def test_occlusion_of_a_blank_image_finds_nothing(reader) -> None:
    assert not occlusion_map(np.zeros((28, 28), np.float32), 0, reader).any()


# --- Pictures -------------------------------------------------------------------------------------


def test_feature_maps_tile_into_a_grid_on_one_colour_scale() -> None:
    maps = np.zeros((26, 26, 32), np.float32)
    maps[..., 5] = 2.0  # the strongest map
    maps[0, 0, 6] = 1.0  # half as strong, in one pixel
    grid = activation_grid(maps, strongest=2.0)
    assert grid.shape == (4 * 27 - 1, 8 * 27 - 1)  # 4 rows of 8 maps, one-pixel gutters between them
    assert (grid[26, :] == GUTTER).all() and (grid[:, 26] == GUTTER).all()
    tile = lambda index: grid[(index // 8) * 27:(index // 8) * 27 + 26, (index % 8) * 27:(index % 8) * 27 + 26]  # noqa: E731
    assert (tile(5) == LEVELS - 1).all() and (tile(0) == 0).all()
    assert tile(6)[0, 0] == round((LEVELS - 1) / 2)
    picture = decoded(png_data_uri(grid, PALETTE))
    assert picture.mode == "P" and picture.info["transparency"] == GUTTER


def test_a_dense_layer_tiles_one_square_per_unit() -> None:
    assert activation_grid(np.ones(256), strongest=1.0).shape == (16 * 2 - 1, 16 * 2 - 1)


# --- What the Inside tab shows --------------------------------------------------------------------


def test_each_step_is_named_and_shaped_by_the_model(reader) -> None:
    inside = look_inside(to_mnist(drawn("4")), reader)
    view = classroom.inside_view(inside, "Your drawing", METRICS["architecture"])
    *shown, output = reader.layer_names
    steps = view["steps"]
    assert steps[0]["name"] == "input" and steps[0]["shape"] == "28 × 28 × 1"
    # Every recorded layer up to the output, in order: those with outputs carry a picture of them.
    recorded = [row["layer"] for row in METRICS["architecture"]]
    assert [step["name"] for step in steps[1:]] == recorded[:-1]
    assert [step["name"] for step in steps if "picture" in step][1:] == shown
    for step in steps[1:]:
        row = next(row for row in METRICS["architecture"] if row["layer"] == step["name"])
        assert step["kind"] == row["type"] and step["shape"] == " × ".join(map(str, row["output_shape"]))
        assert step["note"]
    assert view["output"]["name"] == output and view["output"]["shape"] == "10"
    grid = decoded(steps[1]["picture"])
    assert grid.size == (8 * 27 - 1, 4 * 27 - 1)  # conv2d: 32 maps of 26 x 26
    assert decoded(view["mattered"]).size == (28, 28)


def test_without_an_architecture_record_the_steps_come_from_the_model_alone(reader) -> None:
    view = classroom.inside_view(look_inside(to_mnist(drawn("1")), reader), "Your drawing", [])
    assert [step["name"] for step in view["steps"]] == ["input", *reader.layer_names[:-1]]
    assert view["steps"][1]["shape"] == "26 × 26 × 32"


def test_reading_for_the_inside_tab_also_fills_the_prediction_tab(tmp_path: Path) -> None:
    value = sketch(tmp_path, layer=drawn("7"))
    label, preview, view = app.read_inside(value)
    assert (label, preview) == app.read_sketch(value)
    assert view["source"] == app.YOUR_DRAWING and view["digit"] == "7"


def test_a_broken_model_is_explained_on_the_inside_tab_too(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match=REBUILD_COMMAND):
        app.read_inside(sketch(tmp_path, layer=drawn("1")), ModelFiles(tmp_path / "missing"))


# --- The report card --------------------------------------------------------------------------------


def test_the_report_card_is_metrics_json() -> None:
    confusion, architecture = report_card(SHIPPED.metrics)
    matrix = np.array(METRICS["confusion_matrix"])
    assert [[cell["count"] for cell in row["cells"]] for row in confusion["rows"]] == matrix.tolist()
    accuracies = [f"{matrix[digit, digit] / matrix[digit].sum():.1%}" for digit in range(10)]
    assert [row["accuracy"] for row in confusion["rows"]] == accuracies
    assert confusion["caption"].startswith(f"10,000 MNIST test digits: {METRICS['test_accuracy']:.2%} read correctly, "
                                           f"{matrix.sum() - np.trace(matrix):,} misread. Rows: the digit written.")
    for row in METRICS["architecture"]:
        assert f"| `{row['layer']}` | {row['type']} |" in architecture and f"| {row['parameters']:,} |" in architecture
    assert "**431,242**" in architecture and METRICS["parameters"] == 431_242


def test_each_cell_of_the_confusion_matrix_is_tinted_by_what_it_says() -> None:
    matrix = np.diag([80, 100, 100, 100, 100, 100, 100, 100, 100, 50])
    matrix[0, 6] = 15  # the most common mistake: tinted fullest
    matrix[0, 8] = 5
    matrix[9, 4] = 10
    view = classroom.confusion_view(matrix)
    zero, nine = view["rows"][0], view["rows"][9]
    assert zero["digit"] == "0" and zero["accuracy"] == "80.0%" and nine["accuracy"] == "83.3%"
    assert zero["cells"][0] == {"count": 80, "kind": "hit", "strength": 0.8}
    assert zero["cells"][6] == {"count": 15, "kind": "miss", "strength": 1.0}
    assert zero["cells"][8] == {"count": 5, "kind": "miss", "strength": 0.333}
    assert zero["cells"][1] == {"count": 0, "kind": "none", "strength": 0.0}
    assert nine["cells"][4] == {"count": 10, "kind": "miss", "strength": 0.667}
    assert nine["cells"][9] == {"count": 50, "kind": "hit", "strength": 0.833}
    assert view["rows"][1]["cells"][1]["strength"] == 1.0
    assert view["caption"] == ("960 MNIST test digits: 96.88% read correctly, 30 misread. Rows: the digit written. "
                               "Columns: the digit the network read.")
    assert view["digits"] == [str(digit) for digit in range(10)]


def test_an_unreadable_record_leaves_a_message_not_a_report_card(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text("{not json")
    confusion, note = report_card(tmp_path / "metrics.json")
    assert confusion is None and "could not be read" in note and REBUILD_COMMAND in note


# --- Misread test digits ---------------------------------------------------------------------------


@needs_mnist
def test_the_misread_digits_are_the_errors_metrics_json_counted(reader) -> None:
    images, labels = load_mnist_test(MNIST_PATH)
    wrong = misreads(images, labels, reader)
    counted = np.zeros((10, 10), int)
    for misread in wrong:
        counted[misread.written, misread.read] += 1
    recorded = np.array(METRICS["confusion_matrix"])
    np.testing.assert_array_equal(counted, recorded - np.diag(np.diag(recorded)))
    confidences = [misread.confidence for misread in wrong]
    assert confidences == sorted(confidences, reverse=True)


@needs_mnist
def test_the_gallery_shows_each_misread_digit_and_opens_it_inside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(app.MNIST_ENV, str(MNIST_PATH))
    note, items = app.open_gallery()
    recorded = np.array(METRICS["confusion_matrix"])
    assert len(items) == recorded.sum() - np.trace(recorded) and f"The {len(items)} of" in note
    image, caption = items[0]
    assert image.shape == (28, 28) and image.dtype == np.uint8
    _, wrong = classroom.misread_test_digits(MNIST_PATH, SHIPPED.serving)
    assert caption == f"{wrong[0].written}→{wrong[0].read} {wrong[0].confidence:.0%}"

    view = app.show_test_digit(gr.SelectData(None, {"index": 0, "value": None}))
    assert view["source"] == f"MNIST test digit #{wrong[0].index:,}, written as {wrong[0].written}"
    assert decoded(view["steps"][0]["picture"]).size == (28, 28)


def test_without_mnist_the_gallery_says_so_calmly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(app.MNIST_ENV, str(tmp_path / "absent.npz"))
    note, items = app.open_gallery()
    assert items == []
    assert "not available" in note and "--data" in note and app.MNIST_ENV in note and "absent.npz" in note
