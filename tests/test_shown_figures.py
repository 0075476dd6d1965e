"""Every figure the page shows is the figure in its source, read off the page as a person sees it.

The app is served on a temporary model folder holding the shipped network and hand-made records whose
numbers are all different: no two curves alike, no value repeated across series or epochs, a confusion
matrix that is not symmetric and whose rows and columns add up differently. So a curve drawn from the
wrong series, a shifted epoch, a transposed matrix or a misplaced column shows as a wrong number here.
Each expected value is computed by the test from the records or from the model, not taken from the app.
"""

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import app
from drawings import STROKES, drawn
from model.constants import SHIPPED, ModelFiles
from model.keras_model import load_keras_model
from model.preprocess import to_mnist
from model.serving import load_reader, predict_seen
from pages import READING_TIMEOUT_MS, SEVEN, draw, expect, expect_reading, open_app, picture
from support import HANDMADE_EPOCHS, HANDMADE_HISTORY, HANDMADE_RECIPE, handmade_confusion, write_handmade_records
from testbench.servers import free_port

CURVES = {"#loss-plot": "loss", "#accuracy-plot": "accuracy"}  # each plot, and the metric it draws
SERIES = {"training": "", "validation": "val_"}  # each series, and its key's prefix in history.json
EPOCHS, HISTORY, RECIPE, CONFUSION = HANDMADE_EPOCHS, HANDMADE_HISTORY, HANDMADE_RECIPE, handmade_confusion()
# The gallery's test digits: every digit drawn, labelled as itself and then as another digit, so that the
# network misreads at least the second ten.
GALLERY_DIGITS = [*STROKES] * 2
GALLERY_LABELS = [int(digit) for digit in STROKES] + [(int(digit) + 3) % 10 for digit in STROKES]
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def percent(text: str) -> float:
    return float(re.fullmatch(r"\s*([\d.]+)%\s*", text)[1]) / 100


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> ModelFiles:
    """A model folder: the shipped network and its weights, with hand-made history.json and metrics.json."""
    model = ModelFiles(tmp_path_factory.mktemp("handmade"))
    for name in ("serving", "browser_weights"):
        shutil.copy(getattr(SHIPPED, name), getattr(model, name))
    write_handmade_records(model.folder, json.loads(SHIPPED.metrics.read_text())["architecture"])
    return model


@pytest.fixture(scope="module")
def test_digits(records: ModelFiles) -> tuple[Path, np.ndarray, np.ndarray]:
    """A Keras-format MNIST file whose test split is GALLERY_DIGITS drawn and labelled GALLERY_LABELS."""
    images = np.stack([np.round(to_mnist(drawn(digit)) * 255).astype(np.uint8) for digit in GALLERY_DIGITS])
    labels = np.array(GALLERY_LABELS, np.uint8)
    path = records.folder.parent / "gallery.npz"
    np.savez(path, x_train=images, y_train=labels, x_test=images, y_test=labels)
    return path, images, labels


@pytest.fixture(scope="module")
def records_url(records: ModelFiles, test_digits) -> Iterator[str]:
    """The real app, as `python app.py --model FOLDER --data FILE` serves it."""
    demo = app.build(records)
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv(app.MNIST_ENV, str(test_digits[0]))
        demo.launch(**app.launch_options(records, server_name="127.0.0.1", server_port=free_port()),
                    prevent_thread_lock=True, quiet=True)
        try:
            yield demo.local_url
        finally:
            demo.close()


def open_training_tab(browser, url: str):
    page = open_app(browser, url, "light")
    page.get_by_role("tab", name="Training & report card").click()
    return page


# --- Training & report card ------------------------------------------------------------------------


def test_each_curve_is_its_series_in_epoch_order(browser, records_url: str) -> None:
    page = open_training_tab(browser, records_url)
    for plot, metric in CURVES.items():
        points = page.locator(f'{plot} svg path[aria-roledescription="point"]')
        expect(points).to_have_count(len(SERIES) * EPOCHS, timeout=READING_TIMEOUT_MS)
        drawn_points: dict[str, list[tuple[int, float]]] = {}
        for label in points.evaluate_all("points => points.map(point => point.getAttribute('aria-label'))"):
            fields = dict(field.split(": ") for field in label.split("; "))  # "epoch: 1; loss: 0.913; series: ..."
            drawn_points.setdefault(fields["series"], []).append((int(fields["epoch"]), float(fields[metric])))
        assert sorted(drawn_points) == sorted(SERIES), plot
        for series, prefix in SERIES.items():
            expected = list(enumerate(HISTORY[prefix + metric], start=1))
            assert sorted(drawn_points[series]) == pytest.approx(expected), f"{plot}: {series}"
    page.close()


def test_the_curves_table_is_the_history_epoch_by_epoch(browser, records_url: str) -> None:
    page = open_training_tab(browser, records_url)
    page.locator("#curves-table summary").click()
    headings = page.locator("#curves-table thead th").all_inner_texts()
    assert headings == ["epoch", "training loss", "validation loss", "training accuracy", "validation accuracy"]
    keys = ["loss", "val_loss", "accuracy", "val_accuracy"]  # the history's series, in the headings' order
    rows = page.locator("#curves-table tbody tr")
    expect(rows).to_have_count(EPOCHS)
    for epoch, row in enumerate(rows.all(), start=1):
        assert row.locator("th").inner_text() == str(epoch)
        shown = [percent(cell) if cell.endswith("%") else float(cell) for cell in row.locator("td").all_inner_texts()]
        assert shown == pytest.approx([HISTORY[key][epoch - 1] for key in keys], abs=5e-5), f"epoch {epoch}"
    page.close()


def test_the_summary_gives_the_recorded_accuracy_and_recipe(browser, records_url: str) -> None:
    page = open_training_tab(browser, records_url)
    summary = page.locator("#training-summary")
    expect(summary).to_contain_text("test accuracy", timeout=READING_TIMEOUT_MS)
    text = summary.inner_text()
    confusion = np.array(CONFUSION)
    shown = re.search(r"([\d.]+)% test accuracy", text)[1]
    assert float(shown) == pytest.approx(100 * np.trace(confusion) / confusion.sum(), abs=0.005)
    assert (f"Recipe {RECIPE['name']}: {RECIPE['epochs']} epochs, batch size {RECIPE['batch_size']}, "
            f"{RECIPE['optimizer']} optimizer, 15% of the training digits held out") in text
    assert "Trained on 2026-11-30" in text
    assert f"on the {confusion.sum()} MNIST test digits" in text
    page.close()


def test_the_confusion_matrix_is_the_records_cell_by_cell(browser, records_url: str) -> None:
    page = open_training_tab(browser, records_url)
    table = page.locator("#confusion table")
    expect(table.locator("tbody tr")).to_have_count(10, timeout=READING_TIMEOUT_MS)
    columns = table.locator("thead th").all_inner_texts()
    assert columns[1:11] == [str(digit) for digit in range(10)]
    confusion = np.array(CONFUSION)
    for written, row in enumerate(table.locator("tbody tr").all()):
        assert row.locator("th").inner_text() == str(written)
        cells = row.locator("td").all_inner_texts()
        assert [int(cell) for cell in cells[:10]] == CONFUSION[written], f"row {written}"
        assert percent(cells[10]) == pytest.approx(confusion[written, written] / confusion[written].sum(), abs=5e-4)
    count, accuracy, errors = NUMBER.findall(table.locator("caption").inner_text())[:3]
    assert int(count.replace(",", "")) == confusion.sum()
    assert float(accuracy) / 100 == pytest.approx(np.trace(confusion) / confusion.sum(), abs=5e-5)
    assert int(errors.replace(",", "")) == confusion.sum() - np.trace(confusion)
    page.close()


def test_the_layer_table_is_the_recorded_architecture(browser, records: ModelFiles, records_url: str) -> None:
    architecture = json.loads(records.metrics.read_text())["architecture"]
    page = open_training_tab(browser, records_url)
    rows = page.locator("#architecture table tbody tr")
    expect(rows).to_have_count(len(architecture) + 1, timeout=READING_TIMEOUT_MS)  # and the total
    for row, record in zip(rows.all(), architecture):
        name, kind, shape, parameters = row.locator("td").all_inner_texts()
        assert (name, kind) == (record["layer"], record["type"])
        assert [int(side) for side in shape.split(" × ")] == record["output_shape"]
        assert int(parameters.replace(",", "")) == record["parameters"]
    total = rows.last.locator("td").all_inner_texts()[-1]
    assert int(total.replace(",", "").strip("*")) == sum(record["parameters"] for record in architecture)
    page.close()


# --- What a drawing is read as ---------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["page", "server"])
def test_the_prediction_is_the_networks_reading_of_the_image_shown(browser, records_url: str, reader: str) -> None:
    """The three digits and their bars are the network's top three for the 28x28 image the tab shows."""
    page = open_app(browser, records_url + ("?reader=server" if reader == "server" else ""), "light")
    draw(page, SEVEN)
    expect_reading(page, "7")
    seen = picture(page.locator("#preview img").get_attribute("src"))
    probabilities = predict_seen(seen[None], load_reader(SHIPPED.serving))[0]
    top = np.argsort(probabilities)[::-1][:app.TOP_CLASSES]
    meters = page.locator("#prediction meter")
    assert meters.evaluate_all("meters => meters.map(meter => meter.getAttribute('aria-label'))") == [
        str(digit) for digit in top]
    shown = meters.evaluate_all("meters => meters.map(meter => Number(meter.value))")
    # The page's reader keeps the big Dense kernel in float16; its readings agree to about 1e-4.
    assert shown == pytest.approx(probabilities[top], abs=1e-3)
    assert page.locator("#prediction h2").inner_text() == str(top[0])
    page.close()


def test_the_inside_tab_names_each_layer_as_the_model_does(browser, records_url: str) -> None:
    page = open_app(browser, records_url, "light")
    draw(page, SEVEN)
    expect_reading(page, "7")
    page.get_by_role("tab", name="Inside the network").click()
    expect(page.locator("#inside .inside-caption")).to_contain_text("read as", timeout=READING_TIMEOUT_MS)
    headings = page.locator("#inside .stage h4, #inside li.passing").all_inner_texts()
    network = load_keras_model(SHIPPED.keras)
    expected = [("input", "", network.input_shape[1:])] + [
        (layer.name, type(layer).__name__, layer.output.shape[1:]) for layer in network.layers]
    assert len(headings) == len(expected)
    for heading, (name, kind, shape) in zip(headings, expected):
        words = heading.split(":")[0].split()
        assert words[0] == name and (words[1] if kind else "") == kind, heading
        assert [int(side) for side in re.findall(r"\d+", " ".join(words[1 + bool(kind):]))] == list(shape), heading

    seen = picture(page.locator("#inside .stage img").first.get_attribute("src"))
    probabilities = predict_seen(seen[None], load_reader(SHIPPED.serving))[0]
    bars = page.locator("#inside .bar")
    assert bars.locator("b").all_inner_texts() == [str(digit) for digit in range(10)]
    assert [percent(text) for text in bars.locator("span").all_inner_texts()] == pytest.approx(probabilities,
                                                                                                 abs=0.005)
    assert page.locator("#inside .bar.top b").inner_text() == str(probabilities.argmax())
    page.close()


def test_the_gallery_shows_the_test_digits_the_network_misreads(browser, records_url: str, test_digits) -> None:
    """Written -> read and how sure, most confident first, from one reading each by the network alone."""
    _, images, labels = test_digits
    probabilities = load_reader(SHIPPED.serving)(images[..., None] / 255)
    read = probabilities.argmax(axis=1)
    wrong = sorted(np.flatnonzero(read != labels), key=lambda index: -probabilities[index, read[index]])
    assert len(wrong) >= len(STROKES)

    page = open_app(browser, records_url, "light")
    page.get_by_role("tab", name="Inside the network").click()
    page.get_by_text("Test digits the network gets wrong").click()
    captions = page.locator("#misreads .caption-label")
    expect(captions).to_have_count(len(wrong), timeout=READING_TIMEOUT_MS)
    for caption, index in zip(captions.all_inner_texts(), wrong):
        written, shown_read, sure = re.fullmatch(r"(\d)→(\d) (\d+)%", caption).groups()
        assert (int(written), int(shown_read)) == (labels[index], read[index]), caption
        assert int(sure) == round(100 * probabilities[index, read[index]]), caption
    note = page.locator("#misreads-note").inner_text()
    assert f"The {len(wrong)} of MNIST's {len(images)} test digits" in note

    page.locator("#misreads img").nth(1).click()  # the second: a swapped index would show the first
    expect(page.locator("#inside .inside-caption")).to_contain_text(
        f"MNIST test digit #{wrong[1]}, written as {labels[wrong[1]]}", timeout=READING_TIMEOUT_MS)
    page.close()
