"""The app through its public API (gradio_client against the running server) and its handlers."""

import base64
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app
from drawings import STROKES, drawn, sketch
from model.constants import CANVAS_SIZE, REBUILD_COMMAND, SHIPPED, ModelFiles
from model.files import read_json
from model.preprocess import to_mnist
from model.records import curves_table, read_record, training_curves, training_view
from support import ROOT, read_until
from testbench.servers import free_port

START_UP_TIMEOUT_S = 60

def saved(image: np.ndarray, folder: Path, name: str) -> dict:
    path = folder / f"{name}.png"
    Image.fromarray(image).save(path)
    return handle_file(str(path))


# --- Through the running app ------------------------------------------------------------------


@pytest.mark.parametrize("digit", sorted(STROKES))
@pytest.mark.parametrize("mode", ["light", "dark", "transparent"])
def test_classify_endpoint_reads_a_drawn_digit(client: Client, tmp_path: Path, digit: str, mode: str) -> None:
    image = saved(drawn(digit, mode), tmp_path, mode)
    # The stroke layer is transparent; the composite is what the light and dark themes show.
    value = ({"background": None, "layers": [image], "composite": None} if mode == "transparent"
             else {"background": None, "layers": [], "composite": image})

    result = client.predict(value, api_name="/classify")

    assert result["label"] == digit
    assert [entry["label"] for entry in result["confidences"]][0] == digit and len(result["confidences"]) == 3
    assert result["confidences"][0]["confidence"] > 0.9


def test_classify_endpoint_reads_a_full_sketchpad_value(client: Client, tmp_path: Path) -> None:
    """What the browser sends: a transparent stroke layer plus a composite on the dark theme's grey."""
    value = {
        "background": saved(np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8), tmp_path, "background"),
        "layers": [saved(drawn("7", "transparent"), tmp_path, "layer")],
        "composite": saved(drawn("7", "dark"), tmp_path, "composite"),
    }
    assert client.predict(value, api_name="/classify")["label"] == "7"


def test_classify_endpoint_gives_the_prompt_for_a_blank_canvas(client: Client, tmp_path: Path) -> None:
    blank = saved(np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8), tmp_path, "blank")
    for value in ({"background": None, "layers": [blank], "composite": None},
                  {"background": None, "layers": [], "composite": None}):
        result = client.predict(value, api_name="/classify")
        assert result["label"] == app.EMPTY_PROMPT
        assert not result.get("confidences")


def test_classify_endpoint_refuses_an_oversized_image_clearly(client: Client, tmp_path: Path) -> None:
    huge = np.zeros((8, 9000, 4), np.uint8)
    huge[:, 100:200, 3] = 255
    value = {"background": None, "layers": [saved(huge, tmp_path, "huge")], "composite": None}
    with pytest.raises(AppError, match="largest side accepted is 8192"):
        client.predict(value, api_name="/classify")


def test_only_reading_and_the_class_board_are_offered_to_api_users(client: Client) -> None:
    """Every event of the page itself is private: an API user gets these, and nothing else."""
    assert list(client.view_api(return_format="dict", print_info=False)["named_endpoints"]) == [
        "/classify", "/send", "/board", "/board_remove", "/board_clear", "/board_pause", "/board_download"]


# --- Handlers -----------------------------------------------------------------------------------


def test_blank_and_cleared_states_are_calm(tmp_path: Path) -> None:
    blank = np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)
    white = np.full((CANVAS_SIZE, CANVAS_SIZE, 4), 255, np.uint8)
    for value in (None, sketch(tmp_path), sketch(tmp_path, layer=blank), sketch(tmp_path, composite=white)):
        assert app.read_sketch(value) == (app.EMPTY_PROMPT, None)
        assert app.read_inside(value) == app.blank_state() == (app.EMPTY_PROMPT, None, None)


def test_stroke_layer_wins_over_the_composite(tmp_path: Path) -> None:
    confidences, _ = app.read_sketch(sketch(tmp_path, layer=drawn("1", "transparent"),
                                            composite=drawn("7", "dark")))
    assert max(confidences, key=confidences.get) == "1"
    assert sum(confidences.values()) == pytest.approx(1)


def test_preview_is_the_network_input_inline(tmp_path: Path) -> None:
    image = drawn("7", "transparent")
    _, preview = app.read_sketch(sketch(tmp_path, layer=image))
    uri = re.search(r'<img src="data:image/png;base64,([^"]+)"', preview)
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.group(1)))))
    np.testing.assert_array_equal(pixels, np.round(to_mnist(image) * 255))  # 28x28, sent as it is


def test_an_unreadable_image_is_refused_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(gr.Error, match="could not be read.*largest side"):
        app.read_sketch(sketch(tmp_path, layer=np.zeros((8, 9000, 4), np.uint8) + 255))


@pytest.mark.parametrize("contents", [None, b"this is not a LiteRT model"], ids=["missing", "corrupt"])
def test_a_broken_model_is_explained_not_traced(tmp_path: Path, contents: bytes | None) -> None:
    model = ModelFiles(tmp_path)
    model_path = model.serving
    if contents is not None:
        model_path.write_bytes(contents)

    with pytest.raises(gr.Error) as raised:
        app.read_sketch(sketch(tmp_path, layer=drawn("1", "transparent")), model)
    assert str(model_path) in raised.value.message and REBUILD_COMMAND in raised.value.message
    assert "Traceback" not in raised.value.message

    banner = app.model_banner(model)
    assert banner["visible"] is True
    assert str(model_path) in banner["value"] and REBUILD_COMMAND in banner["value"]
    # A blank canvas needs no model, so it still gets the calm prompt.
    assert app.read_sketch(sketch(tmp_path), model) == (app.EMPTY_PROMPT, None)


def test_the_shipped_model_needs_no_banner() -> None:
    assert app.model_problem() is None
    assert app.model_banner()["visible"] is False


# --- Training curves ------------------------------------------------------------------------------


def write_history(path: Path, epochs: int) -> None:
    curve = [round(1 / (epoch + 1), 3) for epoch in range(epochs)]
    path.write_text(json.dumps({"epochs": epochs, "recipe": {"name": "tutorial"}, "loss": curve,
                                "accuracy": curve, "val_loss": curve, "val_accuracy": curve}))


def test_curves_have_one_row_per_epoch_and_series() -> None:
    epochs = read_json(SHIPPED.history)["epochs"]
    summary, loss, accuracy, table = training_view(SHIPPED.history, SHIPPED.metrics)
    for frame in (loss, accuracy):
        assert list(frame.columns) == ["epoch", "value", "series"]
        assert len(frame) == 2 * epochs
        assert frame.groupby("series")["epoch"].apply(list).to_dict() == {
            "training": list(range(1, epochs + 1)), "validation": list(range(1, epochs + 1))}
    assert "test accuracy" in summary and f"{epochs} epochs" in summary and "batch size" in summary
    assert [row["epoch"] for row in table["rows"]] == list(range(1, epochs + 1))


def test_the_curves_table_has_the_plots_numbers(tmp_path: Path) -> None:
    write_history(tmp_path / "history.json", epochs=3)
    _, loss, accuracy, table = training_view(tmp_path / "history.json", SHIPPED.metrics)
    assert table["columns"] == ["epoch", "training loss", "validation loss", "training accuracy",
                                "validation accuracy"]
    assert table["rows"][1] == {"epoch": 2, "values": ["0.5000", "0.5000", "50.00%", "50.00%"]}
    assert curves_table(loss, accuracy) == table  # the very frames the plots show


def test_curves_from_a_short_history(tmp_path: Path) -> None:
    write_history(tmp_path / "history.json", epochs=3)
    loss, accuracy = training_curves(tmp_path / "history.json")
    assert len(loss) == len(accuracy) == 6
    assert loss[loss.series == "validation"].value.tolist() == [1.0, 0.5, 0.333]


def test_a_record_is_parsed_once_per_version_of_its_file(tmp_path: Path) -> None:
    write_history(tmp_path / "history.json", epochs=3)
    first = read_record(tmp_path / "history.json")
    assert read_record(tmp_path / "history.json") is first  # read on every stroke: parsed once
    write_history(tmp_path / "history.json", epochs=4)  # a retrained model's records
    assert read_record(tmp_path / "history.json")["epochs"] == 4


def test_missing_history_gives_a_message_and_empty_plots(tmp_path: Path) -> None:
    summary, loss, accuracy, table = training_view(tmp_path / "history.json", SHIPPED.metrics)
    assert "history.json` is missing" in summary and REBUILD_COMMAND in summary
    assert "test accuracy" in summary  # the metrics are still there to report
    assert loss.empty and accuracy.empty and table is None


@pytest.mark.parametrize("text", ["{not json", '{"epochs": 3, "loss": [1]}'], ids=["not-json", "wrong-shape"])
def test_unreadable_records_give_a_message(tmp_path: Path, text: str) -> None:
    (tmp_path / "history.json").write_text(text)
    (tmp_path / "metrics.json").write_text(text)
    summary, loss, accuracy, table = training_view(tmp_path / "history.json", tmp_path / "metrics.json")
    assert summary.count("could not be read") == 2 and REBUILD_COMMAND in summary
    assert loss.empty and accuracy.empty and table is None


# --- Serving ---------------------------------------------------------------------------------------


def test_launch_options_honour_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADIO_SERVER_NAME", raising=False)
    monkeypatch.delenv("GRADIO_SERVER_PORT", raising=False)
    local = app.launch_options()
    assert (local["server_name"], local["server_port"], local["share"]) == ("127.0.0.1", 7860, False)
    assert local["max_file_size"] and local["theme"] is app.THEME and "MnistReader" in local["js"]

    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7861")
    spaces = app.launch_options()
    assert (spaces["server_name"], spaces["server_port"]) == ("0.0.0.0", 7861)


def test_a_missing_data_file_is_reported_at_start_up(tmp_path: Path) -> None:
    """`python app.py --data` with no file there still serves, and says at once what will be missing."""
    command = [sys.executable, "app.py", "--data", str(tmp_path / "absent.npz")]
    with subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE,
                          env={**os.environ, "GRADIO_SERVER_PORT": str(free_port())}) as server:
        try:
            log = read_until(server.stderr, "No MNIST file", START_UP_TIMEOUT_S)
        finally:
            server.terminate()
    assert f"No MNIST file at {tmp_path / 'absent.npz'}: the misread test digits will not be shown" in log


def test_the_queue_is_bounded() -> None:
    assert app.demo._queue.max_size == 320
    assert app.demo._queue.default_concurrency_limit == 2


def test_old_uploads_are_removed() -> None:
    assert app.demo.delete_cache == (300, 300)  # every five minutes, what is five minutes old
