"""Telling a screen reader what the network read: a polite live region in the page, and the script that fills it.

The Label shows every reading, whichever reader made it (the page's own as the pen moves, the server's when it
lifts, the Inside tab's, an uploaded picture's). assets/announce.js words the one it shows in the live region,
"Reads 7, 98 percent sure", naming the runner-up when it is close, once the pen is up and the Label has been
still for a moment: a stroke is announced once, never once an animation frame. An empty reading, after Clear,
says "Canvas cleared". The region is in the page from the start, empty, as screen readers need it to be.
"""

import json

import gradio as gr

from web import ASSETS

SCRIPT = ASSETS / "announce.js"
REGION_ID = "reading-announcement"
CLEARED = "Canvas cleared"
# A runner-up at least this sure (percent) is close enough to name:
# "Reads 7, 58 percent sure, or perhaps 1, 38 percent".
RUNNER_UP_FROM = 20
# How long the Label must stay still, once the pen is up, for its reading to count as settled.
SETTLE_MS = 300


def live_region() -> gr.HTML:
    """The polite live region, empty: assets/announce.js writes each settled reading into it."""
    return gr.HTML('<p role="status" aria-live="polite" aria-atomic="true"></p>', elem_id=REGION_ID)


def announcer_script(empty_prompt: str) -> str:
    """The page script that words the Label's settled readings, ``empty_prompt`` being the Label's empty state."""
    settings = {"regionId": REGION_ID, "emptyPrompt": empty_prompt, "cleared": CLEARED,
                "runnerUpFrom": RUNNER_UP_FROM, "settleMs": SETTLE_MS}
    return f"({SCRIPT.read_text().strip()})({json.dumps(settings)});\n"
