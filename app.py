"""MNIST Sketchpad: draw a digit in the browser and watch a CNN read it as you draw.

    python app.py                      # serves on http://127.0.0.1:7860 (GRADIO_SERVER_NAME/PORT override)
    python app.py --host 0.0.0.0       # serves the local network too: a class joins from its phones
    python app.py --share              # also through a Gradio public link: anyone with the link can use it
    python app.py --data mnist.npz     # and shows the test digits it misreads from this copy of MNIST
    python app.py --model /tmp/run     # serves a model train.py wrote elsewhere (its --out)

The "Join this class" panel shows the address students can reach, with a QR code for the projector.

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
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np

from model.classroom import gallery_items, inside_view, misread_digit_inside, misread_test_digits
from model.constants import CANVAS_SIZE, INK_COLOUR, SHIPPED, ModelFiles
from model.errors import DataError, ModelError
from model.inside import look_inside
from model.pictures import input_data_uri
from model.preprocess import open_image, to_mnist
from model.records import recorded_architecture, report_card, training_view
from model.serving import classify_seen, confidences, load_reader
from web import ASSETS, gradio_fixes
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

# Brush.default_size is a radius: 9 px draws an 18 px round stroke, 4.5% of the canvas,
# about as thick relative to a canvas-filling digit as MNIST's own pen strokes.
BRUSH_RADIUS = 9
SKETCHPAD_HEIGHT = 600
TOP_CLASSES = 3
# The 28x28 input travels inline, at its own size, and the browser enlarges it with square
# pixels (assets/style.css): no file for Gradio to write and serve on every stroke.
PREVIEW_SIDE = 280

# Two CPU cores: two classifications at a time keep both busy without thrashing, and a
# bounded queue turns a flood of strokes into quick "queue full" replies, not a backlog.
CONCURRENCY = 2
QUEUE_SIZE = 64
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

# Zinc neutrals: in the dark theme the Sketchpad paints its surround #27272a, zinc-800, the
# colour this theme gives every block, so the canvas sits in the page like the other panels.
THEME = gr.themes.Soft(primary_hue="blue", neutral_hue="zinc")
CSS_PATH = ASSETS / "style.css"
# The classroom views come as plain data; these templates (Handlebars, run by gr.HTML) lay them out.
INSIDE_TEMPLATE = (ASSETS / "inside.html").read_text()
CONFUSION_TEMPLATE = (ASSETS / "confusion.html").read_text()
JOIN_TEMPLATE = (ASSETS / "join.html").read_text()
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


def read_inside(sketch: EditorValue | None, model: ModelFiles = SHIPPED) -> tuple[LabelValue, str | None, dict | None]:
    """``read_sketch`` and, from the same readings, the Inside tab: every layer and which pixels mattered."""
    with refused_clearly():
        seen = seen_in(sketch)
        if seen is None:
            return blank_state()
        inside = look_inside(seen, load_reader(model.serving))
        view = inside_view(inside, YOUR_DRAWING, recorded_architecture(model.metrics))
        return confidences(inside.probabilities), preview(seen), view


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


# --- Layout and wiring ----------------------------------------------------------------------


def build(model: ModelFiles = SHIPPED) -> gr.Blocks:
    """The app for ``model``: its reader, its training records and its report card."""
    with gr.Blocks(title=TITLE, delete_cache=(UPLOAD_LIFETIME_S, UPLOAD_LIFETIME_S)) as demo:
        gr.Markdown(f"# ✏️ {TITLE}\n{TAGLINE}", elem_id="intro")
        banner = gr.Markdown(visible=False, elem_id="model-banner")
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
                read_button, read_inside_button, show_page_reading = gradio_fixes.hidden_buttons()
            with gr.Column(scale=4, min_width=320):
                with gr.Tabs():
                    with gr.Tab("Prediction", id="prediction-tab"):
                        prediction = gr.Label(value=EMPTY_PROMPT, num_top_classes=TOP_CLASSES,
                                              label="The network reads", elem_id="prediction")
                        seen = gr.HTML(label="What the network sees (28 × 28 pixels)", show_label=True,
                                       container=True, min_height=PREVIEW_SIDE + 40, elem_id="preview")
                        # Which reader is in use: assets/live_reading.js says, once it knows.
                        gr.HTML('<span class="reader-in-use">Read on the server.</span>', elem_id="reader-in-use")
                    with gr.Tab("Inside the network", id="inside-tab", elem_id="inside-tab") as inside_tab:
                        inside = gr.HTML(html_template=INSIDE_TEMPLATE, elem_id="inside")
                        with gr.Accordion("Test digits the network gets wrong", open=False) as misreads_panel:
                            gallery_note = gr.Markdown(elem_id="misreads-note")
                            gallery = gr.Gallery(columns=GALLERY_COLUMNS, height="auto", allow_preview=False,
                                                 object_fit="contain", show_label=False, interactive=False,
                                                 buttons=[], elem_id="misreads")
                    with gr.Tab("Training & report card", id="curves-tab"):
                        summary = gr.Markdown(elem_id="training-summary")
                        plot_options = dict(x="epoch", y="value", color="series", color_title="", height=260,
                                            color_map={"training": "#3b82f6", "validation": "#f97316"})
                        loss_plot = gr.LinePlot(title="Loss per epoch", y_title="loss", elem_id="loss-plot",
                                                **plot_options)
                        accuracy_plot = gr.LinePlot(title="Accuracy per epoch", y_title="accuracy",
                                                    elem_id="accuracy-plot", **plot_options)
                        gr.Markdown("### Report card: the MNIST test set")
                        confusion = gr.HTML(html_template=CONFUSION_TEMPLATE, elem_id="confusion")
                        architecture = gr.Markdown(elem_id="architecture")

        # One reading per stroke; "always_last" drops strokes superseded while one runs.
        reading = dict(show_progress="hidden", trigger_mode="always_last", preprocess=False, api_visibility="private")
        read_button.click(partial(read_sketch, model=model), sketchpad, [prediction, seen], **reading)
        read_inside_button.click(partial(read_inside, model=model), sketchpad, [prediction, seen, inside], **reading)
        inside_tab.select(partial(read_inside, model=model), sketchpad, [prediction, seen, inside], **reading)
        # No server round trip: the page's own reading goes straight to the Label and the preview. A reading
        # handed over while the last is still being shown must not be dropped (the default "once" would):
        # it may be the stroke's final one.
        show_page_reading.click(None, None, [prediction, seen], js="() => globalThis.liveReading.outputs()",
                                show_progress="hidden", trigger_mode="always_last", api_visibility="private")
        sketchpad.clear(blank_state, None, [prediction, seen, inside], show_progress="hidden",
                        api_visibility="private")
        clear_button.click(None, js=gradio_fixes.PRESS_THE_BIN)
        undo_button.click(None, js=gradio_fixes.PRESS_UNDO)  # assets/gradio_fixes.js then asks for a reading
        # MNIST is read only when someone asks for its misread digits.
        misreads_panel.expand(partial(open_gallery, model=model), None, [gallery_note, gallery],
                              api_visibility="private")
        # Gradio hands a handler the click by its annotation, which a partial hides.
        def show_clicked_test_digit(selected: gr.SelectData) -> dict:
            return show_test_digit(selected, model)

        gallery.select(show_clicked_test_digit, None, inside, api_visibility="private")
        # API-only endpoint (no UI trigger) for gradio_client users and tests.
        gr.on(triggers=[], fn=partial(classify_sketch, model=model), inputs=sketchpad, outputs=prediction,
              api_name="classify", preprocess=False,
              api_description="Read a sketch (a Sketchpad value) and return the top three digits.")
        # Read on each page load, so a retrained model's records show without a restart; outside the queue, which
        # is for readings: quick reads of small files, four a page load, would fill it as a lecture hall arrives.
        page_load = dict(api_visibility="private", queue=False)
        demo.load(partial(model_banner, model), None, banner, **page_load)
        demo.load(partial(training_view, model.history, model.metrics), None, [summary, loss_plot, accuracy_plot],
                  **page_load)
        demo.load(partial(report_card, model.metrics), None, [confusion, architecture], **page_load)
        demo.load(partial(join_this_class, demo), None, join_panel, **page_load)
    gradio_fixes.quiet_analytics()
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    return demo


def launch_options(model: ModelFiles = SHIPPED, **overrides: Any) -> dict[str, Any]:
    """What launch() needs besides the Blocks built for ``model``: in Gradio 6 the theme, CSS and JS go here."""
    reader = reader_script(weightsUrl=weights_url(model), canvasSize=CANVAS_SIZE, brushRadius=BRUSH_RADIUS,
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
        js=gradio_fixes.page_script(reader),
        # The weights for the page's reader, cached for a year, beside the workarounds' own settings.
        **gradio_fixes.launch_options(routes=[weights_route(model)]),
    )
    return options | overrides


demo = build()


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
    app = demo if model == SHIPPED else build(model)
    app.launch(**launch_options(model, server_name=args.host, share=args.share))


if __name__ == "__main__":
    main()
