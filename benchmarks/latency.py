"""How long one sketch takes: preprocessing alone, and a whole classify() call.

    python benchmarks/latency.py

Times an 800x800 canvas (Gradio's Sketchpad size) in each background mode, after a
warm-up call, and prints the median and 95th percentile over many calls.
"""

import argparse
import logging
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import classify, load_model, to_mnist  # noqa: E402
from model.canvas import BACKGROUNDS, Placement, draw_strokes  # noqa: E402

# A "2" that fills most of the canvas with a medium brush: a typical big drawing.
TWO = [[(10, 30), (40, 0), (80, 10), (85, 45), (10, 100), (90, 100)]]
log = logging.getLogger("latency")


def milliseconds(function, argument, repeats: int) -> np.ndarray:
    function(argument)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(argument)
        timings.append(time.perf_counter() - started)
    return np.array(timings) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=300)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    load_model()
    for mode in BACKGROUNDS:
        canvas = draw_strokes(TWO, Placement(0.8, 0.05, 0.5, 0.5), mode)
        for name, function in (("to_mnist", to_mnist), ("classify", classify)):
            timings = milliseconds(function, canvas, args.repeats)
            log.info("%-11s %-8s 800x800: median %.2f ms, p95 %.2f ms",
                     mode, name, np.median(timings), np.percentile(timings, 95))
    return 0


if __name__ == "__main__":
    sys.exit(main())
