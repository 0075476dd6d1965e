"""Shapes, names and places every other module agrees on. Plain values: this module imports nothing of ours."""

from dataclasses import dataclass
from pathlib import Path

# The network's input: MNIST's 28x28 grey images, one channel, and the ten digits it reads.
IMAGE_SIDE = 28
IMAGE_SHAPE = (IMAGE_SIDE, IMAGE_SIDE, 1)
NUM_CLASSES = 10
LABELS = [str(digit) for digit in range(NUM_CLASSES)]
# MNIST scaled each digit so its longest side fits this box, then centred it by mass on this pixel.
MNIST_BOX = 20
MNIST_CENTRE = (14.0, 14.0)

# The side of the app's Sketchpad canvas: big enough to draw on, small enough to decode in a
# millisecond or two (an 800x800 PNG layer took about 9 ms to decode, a 400x400 one 1.5 ms).
CANVAS_SIZE = 400
# Gradio 6.31 draws on a white sheet in both themes; a mid-luminance blue reads well on it
# and, unlike black, still shows (about 3.5:1) should a theme paint the sheet dark grey. The
# app's brush paints with it, and the test canvases (testbench/canvas.py) draw with it.
INK_COLOUR = "#3b82f6"
# The app's brush. Brush.default_size is a radius: 9 px draws an 18 px round stroke, 4.5% of the
# canvas, about as thick relative to a canvas-filling digit as MNIST's own pen strokes.
BRUSH_RADIUS = 9

# The trained network and its records, shipped in the repository beside the code that reads them.
ARTIFACT_DIR = Path(__file__).resolve().parent
# The tutorial's recipe, trained the same way, shipped beside it for comparison (the class board).
TUTORIAL_DIR = ARTIFACT_DIR / "tutorial"
MODEL_FILE = "mnist_cnn.keras"
SERVING_FILE = "mnist_cnn.tflite"  # the same network for LiteRT, which the app runs
BROWSER_WEIGHTS_FILE = "mnist_cnn.weights.bin"  # and its weights for the page's own reader (assets/reader.js)
GOLDENS_FILE = "reader_goldens.json"  # canvases and how the Python reader reads them, for reader.js to match
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
REBUILD_COMMAND = "python train.py --data PATH/TO/mnist.npz"


@dataclass(frozen=True)
class ModelFiles:
    """One trained network's files, in the folder train.py wrote them to (its --out, the app's --model)."""

    folder: Path = ARTIFACT_DIR

    @property
    def keras(self) -> Path:
        return self.folder / MODEL_FILE

    @property
    def serving(self) -> Path:
        return self.folder / SERVING_FILE

    @property
    def browser_weights(self) -> Path:
        return self.folder / BROWSER_WEIGHTS_FILE

    @property
    def goldens(self) -> Path:
        return self.folder / GOLDENS_FILE

    @property
    def history(self) -> Path:
        return self.folder / HISTORY_FILE

    @property
    def metrics(self) -> Path:
        return self.folder / METRICS_FILE


SHIPPED = ModelFiles()
TUTORIAL = ModelFiles(TUTORIAL_DIR)
