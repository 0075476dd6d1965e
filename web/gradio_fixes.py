"""Everything the app does only because of how Gradio 6.31 behaves, in one place: a Gradio upgrade starts here.

Each workaround below is named for the Gradio behaviour it answers. Their browser halves are in
assets/gradio_fixes.js, which this module alone loads. After an upgrade, check each one still
bites (the browser tests do: tests/test_browser.py) and delete those that no longer do.

1. The Sketchpad opens on its image tool ("select the draw tool to start"), and goes back to it
   when cleared, with no option to open on the brush: the page presses the brush for the user.
2. The Sketchpad's change event drops strokes (the first after a load or a clear, at random), and
   a page's own JavaScript cannot start an event: the page presses hidden buttons instead
   (``hidden_buttons``), to ask the server for a reading when the pen lifts (READ_SKETCH,
   READ_INSIDE) and to hand the Label and the preview a reading made in the page (READ_IN_PAGE).
3. The Sketchpad uploads its three images again each time an event's status reaches it, nine
   uploads a reading: the page answers a byte-identical upload with the path the server gave it.
4. Setting the Sketchpad's value to None from Python wipes the canvas only the first time
   (gradio-app/gradio#9978): Clear presses the editor's own bin (PRESS_THE_BIN), and the big
   Undo under the sheet its own small one (PRESS_UNDO).
5. The editor fits its sheet into its drawing surface less EDITOR_PADDING on each side: the
   page's copy of the strokes (assets/live_reading.js) and the phone layout (assets/style.css,
   as --editor-padding) allow for it.
6. launch(js=...) takes a single function: ``page_script`` runs several scripts from it.
7. Server-side rendering, on by default on Spaces, renders the page before fix 3 patches the
   client: off (LAUNCH_OPTIONS).
8. The queue rebuilds a pandas summary of its last 10,000 events after every event, for its
   monitoring page; in a class of 30 that, not reading, was most of a stroke's wait
   (benchmarks/load.py): every thousandth event is often enough (``quiet_analytics``).
9. The page's container hides its overflow, which turns off sticky positioning: it clips
   instead (CSS), so the sheet stays in view while the tabs beside it scroll.
10. An app with a second page (the class board) gets a bar of links to its pages across the top,
   which ``gr.Navbar(visible=False)`` does not hide; ``visible="hidden"`` does, one Navbar on
   each page (``hide_navbar``).
11. Theme.set() takes no dark-theme value for the accent colour, which the selected tab's label is
   written in: ``set_dark_accent`` sets the theme's own attribute, which its CSS honours.
12. The tabs switch only when clicked, and each is a stop for the Tab key: the page makes them
   follow the arrow keys, Home and End, with only the selected tab in the Tab order (WAI-ARIA's
   tabs pattern).
13. The Sketchpad's drawing area has an aria-label but no role (axe: aria-prohibited-attr), and
   the label offers uploads it does not take: the page gives it a role and SHEET_LABEL.
14. The Gallery names each thumbnail "Thumbnail 1 of 67", leaving out the caption it shows
   (axe: label-content-name-mismatch): the page puts the caption first in the name.
"""

import json
import os

import gradio as gr

from web import ASSETS

SCRIPT = ASSETS / "gradio_fixes.js"

# 2: the hidden buttons' element ids, pressed by assets/gradio_fixes.js and assets/live_reading.js.
READ_SKETCH = "read-sketch"
READ_INSIDE = "read-inside"
READ_IN_PAGE = "read-in-page"
# 4: the editor's own buttons, found by their labels.
PRESS_THE_BIN = """() => document.querySelector('#sketchpad button[aria-label="Clear canvas"]')?.click()"""
PRESS_UNDO = """() => document.querySelector('#sketchpad button[aria-label="Undo"]')?.click()"""
# 5
EDITOR_PADDING = 30  # CSS px
# 7
LAUNCH_OPTIONS = {"ssr_mode": False}
# 8
ANALYTICS_EVERY = 1000
# 12
SHEET_LABEL = "The sheet to draw your digit on, with a mouse, pen or finger"
# 5 and 9, for launch(css=...).
CSS = f""":root {{ --editor-padding: {EDITOR_PADDING}px; }}
body .gradio-container {{ overflow: clip; }}
"""


def hidden_buttons() -> tuple[gr.Button, gr.Button, gr.Button]:
    """Fix 2's buttons, in the page but never shown: a server reading, one with every layer, the page's reading."""
    return (gr.Button("Read the sketch", elem_id=READ_SKETCH, visible="hidden"),
            gr.Button("Read the sketch, every layer", elem_id=READ_INSIDE, visible="hidden"),
            gr.Button("Show the page's reading", elem_id=READ_IN_PAGE, visible="hidden"))


def hide_navbar() -> gr.Navbar:
    """Fix 10, for the page being laid out."""
    return gr.Navbar(visible="hidden")


def set_dark_accent(theme: gr.themes.Base, colour: str) -> None:
    """Fix 11: ``colour`` (a theme reference such as "*primary_500") as the dark theme's accent."""
    theme.color_accent_dark = colour


def quiet_analytics() -> None:
    """Fix 8; the queue reads this variable when it starts."""
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", str(ANALYTICS_EVERY))


def page_script(*scripts: str) -> str:
    """Fix 6, then 1-3 and 11-13: one function for launch(js=...) that runs this module's script, then each of
    ``scripts``.

    Each of ``scripts`` runs in a script element of its own, so that one that cannot even be
    parsed leaves the Sketchpad working (the page then reads on the server).
    """
    settings = {"readSketch": READ_SKETCH, "readInside": READ_INSIDE, "sheetLabel": SHEET_LABEL}
    elements = "".join(f"document.head.appendChild(Object.assign(document.createElement('script'), "
                       f"{{ textContent: {json.dumps(script)} }}));\n" for script in scripts)
    return f"() => {{\n({SCRIPT.read_text().strip()})({json.dumps(settings)});\n{elements}}}"
