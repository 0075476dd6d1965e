"""What the app serves besides its layout: the page's own reader and its weights, how a class joins, the reading told
to screen readers, and the workarounds for the Gradio version it is pinned to."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets"
