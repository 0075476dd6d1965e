"""MNIST Sketchpad: draw a digit in the browser and watch a CNN read it as you draw.

    python app.py                      # serves on http://127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT override)
    python app.py --host 0.0.0.0       # serves the local network too: a class joins from its phones
    python app.py --share              # also through a Gradio public link: anyone with the link can use it
    python app.py --data mnist.npz     # and shows the test digits it misreads from this copy of MNIST
    python app.py --model /tmp/run     # serves a model train.py wrote elsewhere (its --out)
    python app.py --board-key KEY      # the class board's key (default: MNIST_BOARD_KEY, or a random one)

The "Join this class" panel shows the address students can reach, with a QR code for the projector.
Students send drawings to the class board, which the teacher opens at /board with the key printed
at start (or set with --board-key, or MNIST_BOARD_KEY): what the class drew, and how the shipped
model and the tutorial's model read it.

This module is only the user interface and its wiring: reading digits lives in ``model.serving``
and ``model.preprocess``, what the classroom views show in ``model.classroom``, and the training
records in ``model.records``. The event handlers are small functions of their inputs, so tests
call them directly as well as through the running app.
"""

import argparse
import contextlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from model.board import Board, BoardPaused, data_set, readings_csv
from model.classroom import (
    BOARD_READERS,
    BOARD_SHOWS,
    board_confusion,
    board_drawing_inside,
    board_drawings,
    board_summary,
    board_view,
    gallery_items,
    inside_view,
    misread_digit_inside,
    misread_test_digits,
)
from model.constants import BRUSH_RADIUS, CANVAS_SIZE, INK_COLOUR, LABELS, SHIPPED, TUTORIAL, ModelFiles
from model.errors import DataError, ModelError
from model.files import write_artifacts
from model.inside import look_inside
from model.pictures import input_data_uri
from model.preprocess import open_image, to_mnist
from model.records import recorded_architecture, report_card, training_view
from model.serving import classify_seen, confidences, load_reader, predict_seen
from web import ASSETS, gradio_fixes
from web.announce import announcer_script, live_region
from web.board import BOARD_KEY_ENV, BOARD_PATH, REFUSED, BoardKey, SendLimit
from web.join import invitation, join_view
from web.reader import reader_script, weights_route, weights_url
from web.zerogpu import declare_to_zero_gpu

log = logging.getLogger("app")

# --- Constants, in one place -------------------------------------------------------------

TITLE = "MNIST Sketchpad"
TAGLINE = (
    "Draw a digit from 0 to 9 with your mouse or finger. A convolutional neural network "
    "trained on the MNIST handwriting set reads it as you draw."
)
EMPTY_PROMPT = "Draw a digit"
YOUR_DRAWING = "Your drawing"
YOUR_PICTURE = "Your picture"
# Drawing needs a pointer; this reads a picture of a digit instead, as a drawing is read.
UPLOAD_LABEL = "Upload a picture of a digit"
# The test digits the network misreads come from MNIST: the app's --data, this variable, or else
# Keras's cached copy, downloaded if need be.
MNIST_ENV = "MNIST_DATA"
GALLERY_NOTE = ("The {count} of MNIST's {total:,} test digits that the network reads wrongly, the most "
                "confidently wrong first: written→read as, how sure, from one reading each by the network "
                "alone, as the test accuracy is measured. Click one to look inside the network as it misreads "
                "it; there, as for drawings, the probabilities average five readings.")
NO_MNIST_NOTE = ("The test digits are not available here. {error} To see them, start the app with "
                 f"`python app.py --data PATH/TO/mnist.npz`, or set `{MNIST_ENV}` to that path.")
GALLERY_COLUMNS = 4

SKETCHPAD_HEIGHT = 600
TOP_CLASSES = 3
# The 28x28 input travels inline, at its own size, and the browser enlarges it with square
# pixels (assets/style.css): no file for Gradio to write and serve on every stroke.
PREVIEW_SIDE = 280

# Two CPU cores: two classifications at a time keep both busy without thrashing. The queue holds a
# lecture hall of 300 opening the Inside tab at the same moment (64 refused some of them while
# their page loads kept the server busy: benchmarks/lecture_hall.py); a flood beyond it gets quick
# "queue full" replies, not a backlog.
CONCURRENCY = 2
QUEUE_SIZE = 320
# How long a thread holding the GIL may run before another that wants it gets a turn (Python's
# default is 5 ms): the server's event loop then waits a tenth of a millisecond, not five, while
# a reading computes, and every other student's upload with it.
GIL_SWITCH_S = 0.0001
# Sketches arrive as 400x400 PNG layers, a few kilobytes each; nothing legitimate is near this.
MAX_UPLOAD = "4mb"
# Each stroke leaves two uploads (about 11 kB) in Gradio's cache, over a gigabyte an hour for
# a class of 30. Files older than this go, checked as often; the page reuses an upload's path
# for at most a minute (assets/gradio_fixes.js).
UPLOAD_LIFETIME_S = 300
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860

# The class board. Sends are limited for the whole app: 300 students each sending every 10 s make
# 30 a second, and a class tapping Send at once a burst of 30.
SENDS_PER_SECOND = 50
SEND_BURST = 100
BOARD_REFRESH_S = 1.0  # how often the board's page asks for news: a send shows within 2 s
SEND_PROMPT = "**Send to the class board.** Which digit did you mean?"
SENT = "On the class board: your {meant} (drawing {number})."
NOT_SENT = "Not sent: {why}"
NOT_A_DIGIT = "Say which digit you meant: a whole number from 0 to 9."
NOTHING_DRAWN = "Draw a digit first: the sheet is empty."
PAUSED = "The teacher has paused the class board; try again when it is resumed."
BUSY = "The class board is busy; send again in a moment."
NO_SUCH_DRAWING = "Drawing {number} is not on the board."
# The class's drawings, for the teacher to download: written here, then copied by Gradio to serve.
DOWNLOADS = Path(tempfile.gettempdir()) / "mnist-sketchpad-board"
DRAWINGS_FILE = "class-drawings.npz"
READINGS_FILE = "class-readings.csv"
# On the board's page: the key arrives in the address (?key=...), goes into the key box, and leaves the address bar.
TAKE_THE_KEY = """() => {
  const address = new URL(location.href);
  const key = address.searchParams.get("key") || "";
  address.searchParams.delete("key");
  history.replaceState(null, "", address);
  return key;
}"""
# Each thumbnail on the board is a button; clicking one hands its drawing's number to the server.
PICK_A_DRAWING = """element.addEventListener("click", (event) => {
  const drawing = event.target.closest("button[data-number]");
  if (drawing) trigger("click", { number: Number(drawing.dataset.number) });
});"""

# Zinc neutrals: in the dark theme the Sketchpad paints its surround #27272a, zinc-800, the
# colour this theme gives every block, so the canvas sits in the page like the other panels.
# Text at WCAG AA contrast (4.5:1) in both themes: white on blue-600 buttons and choices, blue-700 labels on their
# blue-100, zinc-500 for quieter text; hovering darkens a button rather than lightening it.
THEME = gr.themes.Soft(primary_hue="blue", neutral_hue="zinc").set(
    button_primary_background_fill="*primary_600",
    button_primary_border_color="*primary_600",
    button_primary_background_fill_hover="*primary_700",
    button_primary_border_color_hover="*primary_700",
    button_primary_background_fill_hover_dark="*primary_700",
    button_primary_border_color_hover_dark="*primary_700",
    block_label_text_color="*primary_700",
    block_title_text_color="*primary_700",
    body_text_color_subdued="*neutral_500",
    color_accent="*primary_600",
    checkbox_label_background_fill_selected="*primary_600",  # the class board's choices, white on blue
)
gradio_fixes.set_dark_accent(THEME, "*primary_500")  # the selected tab's label, on the dark page
CSS_PATH = ASSETS / "style.css"
# The classroom views come as plain data; these templates (Handlebars, run by gr.HTML) lay them out.
INSIDE_TEMPLATE = (ASSETS / "inside.html").read_text()
CONFUSION_TEMPLATE = (ASSETS / "confusion.html").read_text()
CURVES_TEMPLATE = (ASSETS / "curves.html").read_text()
JOIN_TEMPLATE = (ASSETS / "join.html").read_text()
BOARD_TEMPLATE = (ASSETS / "board.html").read_text()
BOARD_DRAWINGS_TEMPLATE = (ASSETS / "board_drawings.html").read_text()
SHARE_WARNING = "Sharing a public link: anyone with the link can use the app while it runs."

EditorValue = dict[str, Any]  # the Sketchpad's raw value: {"background", "layers", "composite"}, each a file
LabelValue = dict[str, float] | str


# --- Handlers: reading a sketch -------------------------------------------------------------


def sketch_file(sketch: EditorValue | None) -> str | None:
    """The uploaded file to read from a sketch: its stroke layer when it has one, else the composite.

    The stroke layer is transparent with opaque ink, so the ink is its alpha whatever the
    theme or ink colour; the composite is the ink on the sheet's colour, which a theme may set.
    """
    if not isinstance(sketch, dict):
        return None
    files = [layer for layer in sketch.get("layers") or [] if layer] + [sketch.get("composite")]
    return next((file["path"] for file in files if isinstance(file, dict) and file.get("path")), None)


def preview(seen: np.ndarray) -> str:
    """The network's 28x28 input as an inline picture, white ink on black as in MNIST."""
    return (f'<img src="{input_data_uri(seen)}" width="{PREVIEW_SIDE}" height="{PREVIEW_SIDE}" '
            f'alt="The {seen.shape[1]} by {seen.shape[0]} pixel image the network reads">')


def classify_sketch(sketch: EditorValue | None, model: ModelFiles = SHIPPED) -> LabelValue:
    """Label confidences for a sketch, or the calm prompt when nothing is drawn."""
    return read_sketch(sketch, model)[0]


def read_sketch(sketch: EditorValue | None, model: ModelFiles = SHIPPED) -> tuple[LabelValue, str | None]:
    """What the Prediction tab shows for a sketch: the top classes and the 28x28 image the network saw.

    ``sketch`` is the Sketchpad's value as uploaded (files, not yet decoded): decoding just
    the one image read here, and decoding it ourselves, keeps a request cheap and turns a
    broken or oversized upload into a clear message rather than Gradio's bare "Error".
    A blank canvas gives the prompt and no preview, not the network's guess at nothing.
    A missing model or an unreadable image raises gr.Error with one clear sentence.
    """
    with refused_clearly():
        seen = seen_in(sketch)
        if seen is None:
            return blank_reading()
        return classify_seen(seen, load_reader(model.serving)), preview(seen)


def read_inside(sketch: EditorValue | None, model: ModelFiles = SHIPPED,
                source: str = YOUR_DRAWING) -> tuple[LabelValue, str | None, dict | None]:
    """``read_sketch`` and, from the same readings, the Inside tab: every layer and which pixels mattered."""
    with refused_clearly():
        seen = seen_in(sketch)
        if seen is None:
            return blank_state()
        inside = look_inside(seen, load_reader(model.serving))
        view = inside_view(inside, source, recorded_architecture(model.metrics))
        return confidences(inside.probabilities), preview(seen), view


def read_compared(sketch: EditorValue | None, compare: bool, model: ModelFiles = SHIPPED,
                  tutorial: ModelFiles = TUTORIAL) -> tuple[LabelValue, str | None, Any]:
    """``read_sketch``, and the tutorial's model's reading beside it while the compare switch is on."""
    with refused_clearly():
        seen = seen_in(sketch)
        if seen is None:
            return EMPTY_PROMPT, None, EMPTY_PROMPT
        compared = classify_seen(seen, load_reader(tutorial.serving)) if compare else gr.skip()
        return classify_seen(seen, load_reader(model.serving)), preview(seen), compared


def read_upload(upload: dict | None, model: ModelFiles = SHIPPED) -> tuple[LabelValue, str | None, dict | None]:
    """An uploaded picture of a digit (the file as uploaded), read as a drawing is: as a sketch's composite."""
    return read_inside({"composite": upload} if upload else None, model, YOUR_PICTURE)


def seen_in(sketch: EditorValue | None) -> np.ndarray | None:
    """The 28x28 image the network reads from a sketch, or None when nothing is drawn."""
    path = sketch_file(sketch)
    if path is None:
        return None
    seen = to_mnist(open_image(path))
    return seen if seen.any() else None


@contextlib.contextmanager
def refused_clearly() -> Iterator[None]:
    """Turn a missing model or an unreadable image into one sentence for the user, without a traceback."""
    try:
        yield
    except (ModelError, ValueError) as error:
        message = str(error) if isinstance(error, ModelError) else f"That image could not be read: {error}"
        log.error("%s", message)  # once, without the traceback Gradio would print: it explains nothing more
        raise gr.Error(message, print_exception=False) from None


def blank_reading() -> tuple[str, None]:
    return EMPTY_PROMPT, None


def blank_state() -> tuple[str, None, None]:
    """Nothing drawn: the prompt, no preview, and the Inside tab's invitation to draw."""
    return EMPTY_PROMPT, None, None


# --- Handlers: the test digits the network misreads --------------------------------------------


def mnist_path() -> Path | None:
    """Where the app reads MNIST's test digits from: MNIST_DATA, or None for Keras's cached copy."""
    return Path(os.environ[MNIST_ENV]) if os.environ.get(MNIST_ENV) else None


def open_gallery(model: ModelFiles = SHIPPED) -> tuple[str, list[tuple[np.ndarray, str]]]:
    """The misread test digits and a note on them, or a calm note saying why there are none to show."""
    try:
        images, wrong = misread_test_digits(mnist_path(), model.serving)
    except (DataError, ModelError) as error:
        log.warning("Test digits unavailable: %s", error)
        return NO_MNIST_NOTE.format(error=error), []
    return GALLERY_NOTE.format(count=len(wrong), total=len(images)), gallery_items(images, wrong)


def show_test_digit(selected: gr.SelectData, model: ModelFiles = SHIPPED) -> dict:
    """The Inside tab for the misread test digit clicked in the gallery."""
    images, wrong = misread_test_digits(mnist_path(), model.serving)
    return misread_digit_inside(images, wrong[selected.index], load_reader(model.serving),
                                recorded_architecture(model.metrics))


# --- Handlers: the model, its training and its report card ----------------------------------------


def model_problem(model: ModelFiles = SHIPPED) -> str | None:
    """Why the model cannot be used (naming the file and the rebuild command), or None if it can."""
    try:
        load_reader(model.serving)
    except ModelError as error:
        return str(error)
    return None


def model_banner(model: ModelFiles = SHIPPED) -> dict:
    """A visible warning above the app when the model is missing or broken, hidden otherwise."""
    problem = model_problem(model)
    if problem is None:
        return gr.update(value="", visible=False)
    return gr.update(value=f"### ⚠️ The digit reader is not available\n\n{problem}", visible=True)


# --- Handlers: joining the class ------------------------------------------------------------------


def join_this_class(app: gr.Blocks) -> dict[str, str]:
    """The "Join this class" panel for a running app: asked on each page load, as the share link
    is known only once launch() has opened it."""
    return join_view(invitation(app.server_name, app.server_port, app.share_url))


def page_opened(model: ModelFiles, app: gr.Blocks) -> tuple:
    """What a page load shows from files and the running server: the banner, the curves tab, the report card and
    the Join panel."""
    return (model_banner(model), *training_view(model.history, model.metrics), *report_card(model.metrics),
            join_this_class(app))


# --- Handlers: the class board -------------------------------------------------------------------


def send_drawing(sketch: EditorValue | None, meant: object, board: Board, models: dict[str, ModelFiles],
                 limit: SendLimit) -> str:
    """Read a drawing with every model here and put it on the board; one sentence saying it arrived.

    ``meant`` must be an int from 0 to 9. Refusals (no digit meant, nothing drawn, an unreadable
    image, the board paused or busy) raise gr.Error with one sentence, and leave the board as it was.
    The server reads the drawing itself: it takes no reading from the page.
    """
    if isinstance(meant, bool) or not isinstance(meant, int) or not 0 <= meant <= 9:
        raise gr.Error(NOT_A_DIGIT, print_exception=False)
    if board.paused:
        raise gr.Error(PAUSED, print_exception=False)
    if not limit.take():  # before the work of reading: a flood is refused cheaply
        raise gr.Error(BUSY, print_exception=False)
    with refused_clearly():
        seen = seen_in(sketch)
        if seen is None:
            raise gr.Error(NOTHING_DRAWN, print_exception=False)
        readings = {name: predict_seen(seen[None], load_reader(files.serving))[0] for name, files in models.items()}
    try:
        drawing = board.add(np.round(seen * 255).astype(np.uint8), meant, readings)
    except BoardPaused:
        raise gr.Error(PAUSED, print_exception=False) from None
    return SENT.format(meant=meant, number=drawing.number)


def send_from_page(sketch: EditorValue | None, meant: int, **board: Any) -> str:
    """``send_drawing`` for the ten buttons under the sheet: the line under them says it arrived, or why not."""
    try:
        return send_drawing(sketch, meant, **board)
    except gr.Error as refusal:
        return NOT_SENT.format(why=refusal.message)


def let_in(door: BoardKey, key: object) -> None:
    """Refuse, saying nothing about the board, unless ``key`` is the teacher's."""
    if not door.admits(key):
        raise gr.Error(REFUSED, print_exception=False)


def board_api(key: object, board: Board, door: BoardKey) -> dict:
    """The whole board as JSON: counts, accuracies, confusion matrices and the misread drawings."""
    let_in(door, key)
    return board_summary(board.snapshot())


def remove_drawing(key: object, number: object, board: Board, door: BoardKey) -> str:
    let_in(door, key)
    if isinstance(number, bool) or not isinstance(number, int | float) or not board.remove(int(number)):
        raise gr.Error(NO_SUCH_DRAWING.format(number=number), print_exception=False)
    return f"Drawing {int(number)} was taken off the board."


def clear_board(key: object, board: Board, door: BoardKey) -> str:
    let_in(door, key)
    board.clear()
    return "The board is empty."


def pause_sending(key: object, paused: object, board: Board, door: BoardKey) -> str:
    let_in(door, key)
    board.pause(bool(paused))
    return "Sending is paused." if board.paused else "Students can send drawings."


def download_board(key: object, board: Board, door: BoardKey) -> list[str]:
    """The class's drawings as a data set: an .npz (images, digits meant, readings) and a CSV of the readings."""
    let_in(door, key)
    snapshot = board.snapshot()
    write_artifacts(DOWNLOADS, {
        DRAWINGS_FILE: lambda path: np.savez(path, **data_set(snapshot.drawings, snapshot.models)),
        READINGS_FILE: lambda path: path.write_text(readings_csv(snapshot.drawings, snapshot.models)),
    })
    return [str(DOWNLOADS / DRAWINGS_FILE), str(DOWNLOADS / READINGS_FILE)]


def show_board(key: object, show: str, page: object, shown_version: object = None, *, board: Board,
               door: BoardKey) -> tuple:
    """The board's page: headline, each model's confusion matrix, one page of misread drawings, the page number,
    the board's version and a message; nothing new (gr.skip) when the page shows ``shown_version`` already."""
    if not door.admits(key):
        return None, None, None, None, 1, None, REFUSED
    snapshot = board.snapshot()
    if snapshot.version == shown_version:
        return tuple(gr.skip() for _ in range(7))
    page = int(page) if isinstance(page, int | float) else 1
    drawings = board_drawings(snapshot, show if show in BOARD_SHOWS else next(iter(BOARD_SHOWS)), page)
    matrices = [board_confusion(snapshot, model) if model in snapshot.models else None for model in BOARD_READERS]
    return board_view(snapshot), *matrices, drawings, drawings["page"], snapshot.version, ""


def open_drawing(key: object, reader: str, number: object, board: Board, door: BoardKey,
                 models: dict[str, ModelFiles]) -> dict | None:
    """A drawing on the board, inside the network ``reader`` names; None if it is no longer there."""
    let_in(door, key)
    drawing = board.snapshot().find(int(number)) if isinstance(number, int | float) else None
    if drawing is None or reader not in models:
        return None
    files = models[reader]
    with refused_clearly():
        return board_drawing_inside(drawing, reader, load_reader(files.serving), recorded_architecture(files.metrics))


# --- Layout and wiring ----------------------------------------------------------------------


def build(model: ModelFiles = SHIPPED, tutorial: ModelFiles = TUTORIAL, door: BoardKey | None = None) -> gr.Blocks:
    """The app for ``model``: its reader, its training records and report card, and the class board, where
    ``tutorial`` reads beside it, opened by ``door``'s key (by default MNIST_BOARD_KEY's, or a random one)."""
    # The board reads with the tutorial's model too, when it is there; with the shipped one always, so that
    # a missing model is reported, not skipped.
    models = {"shipped": model} | ({"tutorial": tutorial} if model_problem(tutorial) is None else {})
    board, door = Board(list(models)), door or BoardKey()
    limit = SendLimit(SENDS_PER_SECOND, SEND_BURST)
    with gr.Blocks(title=TITLE, delete_cache=(UPLOAD_LIFETIME_S, UPLOAD_LIFETIME_S)) as demo:
        gradio_fixes.hide_navbar()  # the board is a page of its own, not one to offer students
        gr.Markdown(f"# ✏️ {TITLE}\n{TAGLINE}", elem_id="intro")
        banner = gr.Markdown(visible=False, elem_id="model-banner")
        live_region()  # what the network read, for screen readers (web/announce.py)
        with gr.Accordion("Join this class", open=False, elem_id="join"):
            join_panel = gr.HTML(html_template=JOIN_TEMPLATE, elem_id="join-panel")
        # The sketchpad stays in view on every tab, so the Inside tab follows the drawing as it grows.
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=360, elem_id="drawing"):
                sketchpad = gr.Sketchpad(
                    elem_id="sketchpad",
                    label="Your digit",
                    canvas_size=(CANVAS_SIZE, CANVAS_SIZE),
                    height=SKETCHPAD_HEIGHT,
                    brush=gr.Brush(default_size=BRUSH_RADIUS, colors=[INK_COLOUR], color_mode="fixed"),
                    layers=False,
                    transforms=(),
                    format="png",  # lossless, so the stroke layer's alpha arrives intact
                )
                with gr.Row(elem_id="pad-buttons"):
                    clear_button = gr.Button("Clear the canvas", variant="primary", size="lg", elem_id="clear")
                    undo_button = gr.Button("Undo", size="lg", elem_id="undo")
                    upload_button = gr.UploadButton(UPLOAD_LABEL, file_types=["image"], elem_id="upload")
                with gr.Group(elem_id="send"):
                    gr.Markdown(SEND_PROMPT, elem_id="send-prompt")
                    with gr.Row(elem_id="send-digits"):
                        send_buttons = [gr.Button(digit, size="sm", min_width=0, elem_id=f"send-{digit}",
                                                  elem_classes="send-digit") for digit in LABELS]
                    send_status = gr.Markdown(elem_id="send-status")
                read_button, read_inside_button, show_page_reading = gradio_fixes.hidden_buttons()
            with gr.Column(scale=4, min_width=320):
                # Every tab in view, wrapping onto a second line rather than into a "more" menu of plain buttons.
                with gr.Tabs(overflow_behavior="wrap", elem_id="tabs"):
                    with gr.Tab("Prediction", id="prediction-tab", elem_id="prediction-tab"):
                        with gr.Row():
                            prediction = gr.Label(value=EMPTY_PROMPT, num_top_classes=TOP_CLASSES,
                                                  label="The network reads", elem_id="prediction")
                            compared = gr.Label(value=EMPTY_PROMPT, num_top_classes=TOP_CLASSES, visible=False,
                                                label="The tutorial's model reads", elem_id="compared")
                        compare = gr.Checkbox(label="Compare with the tutorial's model", elem_id="compare",
                                              visible="tutorial" in models)
                        seen = gr.HTML(label="What the network sees (28 × 28 pixels)", show_label=True,
                                       container=True, min_height=PREVIEW_SIDE + 40, elem_id="preview")
                        # Which reader is in use: assets/live_reading.js says, once it knows.
                        gr.HTML('<span class="reader-in-use">Read on the server.</span>', elem_id="reader-in-use")
                    with gr.Tab("Inside the network", id="inside-tab", elem_id="inside-tab") as inside_tab:
                        inside = gr.HTML(html_template=INSIDE_TEMPLATE, elem_id="inside", elem_classes="inside-view")
                        with gr.Accordion("Test digits the network gets wrong", open=False) as misreads_panel:
                            gallery_note = gr.Markdown(elem_id="misreads-note")
                            gallery = gr.Gallery(columns=GALLERY_COLUMNS, height="auto", allow_preview=False,
                                                 object_fit="contain", show_label=False, interactive=False,
                                                 buttons=[], elem_id="misreads")
                    with gr.Tab("Training & report card", id="curves-tab", elem_id="curves-tab"):
                        summary = gr.Markdown(elem_id="training-summary")
                        plot_options = dict(x="epoch", y="value", color="series", color_title="", height=260,
                                            color_map={"training": "#3b82f6", "validation": "#f97316"})
                        loss_plot = gr.LinePlot(title="Loss per epoch", y_title="loss", elem_id="loss-plot",
                                                **plot_options)
                        accuracy_plot = gr.LinePlot(title="Accuracy per epoch", y_title="accuracy",
                                                    elem_id="accuracy-plot", **plot_options)
                        curves_table = gr.HTML(html_template=CURVES_TEMPLATE, elem_id="curves-table")
                        gr.Markdown("### Report card: the MNIST test set")
                        confusion = gr.HTML(html_template=CONFUSION_TEMPLATE, elem_id="confusion",
                                            elem_classes="confusion-view")
                        architecture = gr.Markdown(elem_id="architecture")

        # One reading per stroke; "always_last" drops strokes superseded while one runs.
        reading = dict(show_progress="hidden", trigger_mode="always_last", preprocess=False, api_visibility="private")
        read_compared_here = partial(read_compared, model=model, tutorial=tutorial)
        read_button.click(read_compared_here, [sketchpad, compare], [prediction, seen, compared], **reading)
        read_inside_button.click(partial(read_inside, model=model), sketchpad, [prediction, seen, inside], **reading)
        inside_tab.select(partial(read_inside, model=model), sketchpad, [prediction, seen, inside], **reading)
        upload_button.upload(partial(read_upload, model=model), upload_button, [prediction, seen, inside], **reading)
        # No server round trip: the page's own reading goes straight to the Label and the preview. A reading
        # handed over while the last is still being shown must not be dropped (the default "once" would):
        # it may be the stroke's final one.
        show_page_reading.click(None, None, [prediction, seen, compared], js="() => globalThis.liveReading.outputs()",
                                show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        # The page reads with the tutorial's model as well (or asks the server to), once the switch is on.
        compare.change(lambda on: gr.update(visible=on), compare, compared, show_progress="hidden",
                       api_visibility="private", js="(on) => { globalThis.liveReading?.compare(on); return on; }")
        sketchpad.clear(lambda: (*blank_state(), EMPTY_PROMPT), None, [prediction, seen, inside, compared],
                        show_progress="hidden", api_visibility="private")
        clear_button.click(None, js=gradio_fixes.PRESS_THE_BIN)
        undo_button.click(None, js=gradio_fixes.PRESS_UNDO)  # assets/gradio_fixes.js then asks for a reading
        # A send is one request, read on the server by every model; the sends share a queue of their own.
        sending = dict(board=board, models=models, limit=limit)
        for digit, button in enumerate(send_buttons):
            button.click(partial(send_from_page, meant=digit, **sending), sketchpad, send_status, preprocess=False,
                         show_progress="minimal", concurrency_id="send", api_visibility="private")
        # MNIST is read only when someone asks for its misread digits.
        misreads_panel.expand(partial(open_gallery, model=model), None, [gallery_note, gallery],
                              api_visibility="private")
        # Gradio hands a handler the click by its annotation, which a partial hides.
        def show_clicked_test_digit(selected: gr.SelectData) -> dict:
            return show_test_digit(selected, model)

        gallery.select(show_clicked_test_digit, None, inside, api_visibility="private")
        # Read on each page load, so a retrained model's records show without a restart. One request, outside the
        # queue, which is for readings: as a lecture hall arrives, each request costs the server more than its work.
        demo.load(partial(page_opened, model, demo), None,
                  [banner, summary, loss_plot, accuracy_plot, curves_table, confusion, architecture, join_panel],
                  api_visibility="private", queue=False)
        api_endpoints(model, sketchpad, sending, door)
    board_page(demo, board, door, models)
    gradio_fixes.quiet_analytics()
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    return demo


def api_endpoints(model: ModelFiles, sketchpad: gr.Sketchpad, sending: dict, door: BoardKey) -> None:
    """The API, for gradio_client users (and the tests): endpoints with no trigger on the page.

    Each takes its inputs raw (preprocess=False), so a malformed value gets our one-sentence refusal.
    """
    key, number, flag = gr.Textbox(visible=False), gr.Number(visible=False), gr.Checkbox(visible=False)
    reply, data, files = gr.Markdown(visible=False), gr.JSON(visible=False), gr.File(visible=False,
                                                                                      file_count="multiple")
    board = sending["board"]
    endpoints = [
        ("classify", partial(classify_sketch, model=model), sketchpad,
         gr.Label(num_top_classes=TOP_CLASSES, visible=False),
         "Read a sketch (a Sketchpad value) and return the top three digits."),
        ("send", partial(send_drawing, **sending), [sketchpad, number], reply,
         "Send a sketch (a Sketchpad value) to the class board with the digit meant (an int from 0 to 9)."),
        ("board", partial(board_api, board=board, door=door), key, data,
         "The class board as JSON, given the teacher's key."),
        ("board_remove", partial(remove_drawing, board=board, door=door), [key, number], reply,
         "Take drawing NUMBER off the class board (the teacher's key, the drawing's number)."),
        ("board_clear", partial(clear_board, board=board, door=door), key, reply,
         "Take every drawing off the class board (the teacher's key)."),
        ("board_pause", partial(pause_sending, board=board, door=door), [key, flag], reply,
         "Pause (true) or resume (false) sending to the class board (the teacher's key, the flag)."),
        ("board_download", partial(download_board, board=board, door=door), key, files,
         "The class's drawings: an .npz data set and a CSV of the readings (the teacher's key)."),
    ]
    for name, handler, inputs, outputs, description in endpoints:
        gr.on(triggers=[], fn=handler, inputs=inputs, outputs=outputs, api_name=name, preprocess=False,
              api_description=description, concurrency_id="send" if name == "send" else None)


def board_page(demo: gr.Blocks, board: Board, door: BoardKey, models: dict[str, ModelFiles]) -> None:
    """The class board, a page of its own at /board for the teacher's projector, opened with the key."""
    opened = dict(board=board, door=door)
    with demo.route("Class board", BOARD_PATH, show_in_navbar=False):
        gradio_fixes.hide_navbar()
        gr.Markdown("# Class board", elem_id="board-title")
        with gr.Row(elem_id="board-door"):
            key = gr.Textbox(label="Teacher's key", type="password", elem_id="board-key", scale=1)
            message = gr.Markdown(elem_id="board-message", scale=2)
        headline = gr.HTML(html_template=BOARD_TEMPLATE, elem_id="board-headline")
        with gr.Row(elem_id="board-matrices"):
            matrices = [gr.HTML(html_template=CONFUSION_TEMPLATE, elem_classes="confusion-view",
                                elem_id=f"board-confusion-{model}") for model in BOARD_READERS]
        show = gr.Radio([(title, name) for name, (title, *_) in BOARD_SHOWS.items()], value=next(iter(BOARD_SHOWS)),
                        label="Show", elem_id="board-show")
        drawings = gr.HTML(html_template=BOARD_DRAWINGS_TEMPLATE, js_on_load=PICK_A_DRAWING, elem_id="board-drawings")
        with gr.Row(elem_id="board-paging"):
            earlier = gr.Button("◀ Previous page", size="sm")
            later = gr.Button("Next page ▶", size="sm")
        with gr.Row(elem_id="board-opened"):
            with gr.Column(scale=3):
                inside = gr.HTML(html_template=INSIDE_TEMPLATE, elem_id="board-inside", elem_classes="inside-view")
            with gr.Column(scale=1):
                readers = [(name.capitalize(), model) for model, name in BOARD_READERS.items() if model in models]
                reader = gr.Radio(readers, value="shipped", label="Look inside", elem_id="board-reader")
                remove = gr.Button("Take this drawing off the board", variant="stop", elem_id="board-remove")
        with gr.Row(elem_id="board-actions"):
            accepting = gr.Checkbox(value=True, label="Students can send drawings", elem_id="board-accepting")
            clear = gr.Button("Clear the board", variant="stop", elem_id="board-clear")
            really_clear = gr.Button("Yes, take every drawing off", variant="stop", visible=False,
                                     elem_id="board-really-clear")
            prepare = gr.Button("Download the class's drawings", elem_id="board-download")
        downloads = gr.File(label="The class's drawings", file_count="multiple", visible=False,
                            elem_id="board-files")
        page, version, picked = (gr.Number(1, visible=False), gr.Number(visible=False),
                                 gr.Number(visible=False))
        timer = gr.Timer(BOARD_REFRESH_S)

        shown = [headline, *matrices, drawings, page, version, message]
        quietly = dict(show_progress="hidden", api_visibility="private", preprocess=False)
        refresh = partial(show_board, **opened)
        timer.tick(refresh, [key, show, page, version], shown, **quietly)
        demo.load(None, None, key, js=TAKE_THE_KEY)
        for changed in (key.change, show.change):
            changed(refresh, [key, show, page], shown, **quietly)
        earlier.click(lambda key, show, page: refresh(key, show, page - 1), [key, show, page], shown, **quietly)
        later.click(lambda key, show, page: refresh(key, show, page + 1), [key, show, page], shown, **quietly)

        def look_at_picked(key: object, reader: str, selected: gr.EventData) -> tuple:
            number = selected._data.get("number")
            return open_drawing(key, reader, number, **opened, models=models), number

        drawings.click(look_at_picked, [key, reader], [inside, picked], api_visibility="private")
        reader.change(partial(open_drawing, **opened, models=models), [key, reader, picked], inside, **quietly)
        remove.click(partial(remove_drawing, **opened), [key, picked], message, **quietly).then(
            lambda: None, None, inside, **quietly)
        accepting.change(lambda key, on: pause_sending(key, not on, **opened), [key, accepting], message, **quietly)
        # Clearing takes a second press, on a button that shows only after the first.
        clear.click(lambda: gr.update(visible=True), None, really_clear, **quietly)
        really_clear.click(partial(clear_board, **opened), key, message, **quietly).then(
            lambda: gr.update(visible=False), None, really_clear, **quietly)
        prepare.click(partial(download_board, **opened), key, downloads, **quietly).then(
            lambda: gr.update(visible=True), None, downloads, **quietly)


def launch_options(model: ModelFiles = SHIPPED, **overrides: Any) -> dict[str, Any]:
    """What launch() needs besides the Blocks built for ``model``: in Gradio 6 the theme, CSS and JS go here."""
    reader = reader_script(weightsUrl=weights_url(model), comparedWeightsUrl=weights_url(TUTORIAL),
                           canvasSize=CANVAS_SIZE, brushRadius=BRUSH_RADIUS,
                           emptyPrompt=EMPTY_PROMPT, topClasses=TOP_CLASSES, previewSide=PREVIEW_SIDE,
                           editorPadding=gradio_fixes.EDITOR_PADDING, readSketch=gradio_fixes.READ_SKETCH,
                           readInPage=gradio_fixes.READ_IN_PAGE)
    options = dict(
        server_name=os.environ.get("GRADIO_SERVER_NAME", DEFAULT_HOST),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", DEFAULT_PORT)),
        share=False,
        # Refusals (an unreadable upload, a malformed request) then say why, without a traceback.
        show_error=True,
        max_file_size=MAX_UPLOAD,
        theme=THEME,
        css=gradio_fixes.CSS,
        css_paths=[CSS_PATH],
        js=gradio_fixes.page_script(reader, announcer_script(EMPTY_PROMPT)),
        # The page's readers' weights, cached for a year, beside the workarounds' own settings.
        **gradio_fixes.launch_options(routes=[weights_route(model, TUTORIAL)]),
    )
    return options | overrides


# What `gradio app.py` and importers find; `python app.py` serves it too, unless asked for another model or key.
BOARD_DOOR = BoardKey()
demo = build(door=BOARD_DOOR)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path,
                        help=f"a Keras-format mnist.npz for the misread test digits (the same as setting {MNIST_ENV})")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", DEFAULT_HOST),
                        help=f"the address to serve on: {DEFAULT_HOST} (the default) is this computer only; "
                             "0.0.0.0 serves every network interface, so a class on the same network can join "
                             "(default: GRADIO_SERVER_NAME if set)")
    parser.add_argument("--model", type=Path, default=SHIPPED.folder,
                        help="the folder of the model to serve, as train.py --out wrote it (default: model/)")
    parser.add_argument("--share", action="store_true",
                        help="also serve through a Gradio public share link (up to a week): "
                             "anyone with the link can use the app while it runs")
    parser.add_argument("--board-key", help=f"the key that opens the class board at {BOARD_PATH} (default: "
                                            f"{BOARD_KEY_ENV} if set, or else a random key, printed at start)")
    args = parser.parse_args(argv)
    if args.data is not None:
        os.environ[MNIST_ENV] = str(args.data)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Gradio's HTTP client logs every request it makes to itself at INFO.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Loading now, not on the first stroke, makes the first reading quick and reports a broken
    # model at start-up; the app still serves, with the banner explaining what to do.
    model = ModelFiles(args.model)
    problem = model_problem(model)
    if problem:
        log.error("The digit reader is not available: %s", problem)
    else:
        log.info("Model loaded from %s", model.serving)
    if args.data is not None and not args.data.is_file():
        log.warning("No MNIST file at %s: the misread test digits will not be shown.", args.data)
    if args.share:
        log.warning(SHARE_WARNING)
    sys.setswitchinterval(GIL_SWITCH_S)
    declare_to_zero_gpu()
    door = BoardKey(args.board_key) if args.board_key else BOARD_DOOR
    app = demo if model == SHIPPED and door is BOARD_DOOR else build(model, door=door)
    app.launch(**launch_options(model, server_name=args.host, share=args.share), prevent_thread_lock=True)
    # Beside Gradio's own lines: where students join, and where the teacher opens the board.
    join = invitation(app.server_name, app.server_port, app.share_url)
    log.info("Students join at %s", join.url or f"{app.local_url} ({join.note})")
    board = door.address(join.url or app.local_url)
    log.info("The class board, for the projector: %s", board if door.made_up else f"{board.split('?')[0]} "
             f"(with the key you set: {BOARD_PATH}?key=...)")
    app.block_thread()


if __name__ == "__main__":
    main()
