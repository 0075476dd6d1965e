"""The framework's floor: a Gradio app with the same Sketchpad, events and queue as app.py, and no model.

Its per-stroke reading (``read_sketch``, what the page calls after each stroke) and its
``classify`` API answer a constant label without decoding anything, so the load, soak and
cold-start benchmarks can put Gradio's own cost beside ours. It honours GRADIO_SERVER_PORT.

It has app.py's settings for Gradio itself: the queue, the uploads' lifetime, the GIL switch
interval, and the workarounds in web/gradio_fixes.py that answer how Gradio serves (8: the
queue's analytics; 7, 10-13: no server-side rendering, lean and bounded sessions, cache headers,
a line for a client that leaves mid-upload, Gradio's build kept compressed). Not ours: no model,
no page scripts, no weights route, no CSS, no page-load events.
"""

import os
import sys

import gradio as gr

from web import gradio_fixes

# As app.py (model.canvas.CANVAS_SIZE, the queue settings, the uploads' lifetime, the GIL switch
# interval), without importing the app: the floor is Gradio alone.
CANVAS_SIZE = 400
CONCURRENCY = 2
QUEUE_SIZE = 320
UPLOAD_LIFETIME_S = 300
GIL_SWITCH_S = 0.0001


def read_sketch(sketch: dict | None) -> tuple[dict[str, float], None]:
    return {"0": 1.0}, None


def classify(sketch: dict | None) -> dict[str, float]:
    return {"0": 1.0}


with gr.Blocks(delete_cache=(UPLOAD_LIFETIME_S, UPLOAD_LIFETIME_S)) as demo:
    sketchpad = gr.Sketchpad(canvas_size=(CANVAS_SIZE, CANVAS_SIZE), layers=False, transforms=(), format="png")
    label = gr.Label(num_top_classes=3)
    seen = gr.Image(type="numpy", image_mode="L", format="png", interactive=False)
    read_button = gr.Button("Read the sketch", visible=False, elem_id="read-sketch")  # as app.py's
    read_button.click(read_sketch, sketchpad, [label, seen], trigger_mode="always_last", preprocess=False,
                      api_visibility="private")
    gr.on(triggers=[], fn=classify, inputs=sketchpad, outputs=label, api_name="classify", preprocess=False)
gradio_fixes.quiet_analytics()
demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)

if __name__ == "__main__":
    sys.setswitchinterval(GIL_SWITCH_S)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ.get("GRADIO_SERVER_PORT", 7860)),
                **gradio_fixes.launch_options())
