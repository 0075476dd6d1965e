"""How well the shipped model reads real pen-drawn digits, drawn as a person draws them.

    python -m benchmarks.sketch_accuracy --sketches ../shared/data/sketches/uji_digits.json
    python -m benchmarks.sketch_accuracy --sketches ... --model other.keras   # compare models
    python -m benchmarks.sketch_accuracy --sketches ... --one-view            # what the five views are worth

Every digit is drawn onto a canvas of the app's size in each background mode (light composite,
dark composite, transparent stroke layer) with a seeded random size, position and brush
width, then read through the app's own preprocessing and model: five views averaged, as the app
reads, or with --one-view once, as drawn.

After the plain figures comes the styles report, a separate development check: the same
drawings with a writing style added in pen strokes (a slash through each 0, a bar on each 7,
...; see benchmarks/pen_styles.py), one line per style.
"""

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from benchmarks.pen_styles import PEN_STYLES
from model.constants import SHIPPED
from model.errors import ModelError
from model.preprocess import to_mnist
from model.serving import Reader
from testbench.canvas import draw_strokes
from testbench.sketches import MODES, load_sketches, read_all, reader_for

log = logging.getLogger("sketch_accuracy")


def report(results: dict[str, np.ndarray], sample_count: int) -> None:
    digit, predicted, mode = results["digit"], results["predicted"], results["mode"]
    correct = digit == predicted
    log.info("Overall: %.2f%% of %d drawings (%d wrong)", 100 * correct.mean(), len(correct), (~correct).sum())
    log.info("Per digit: %s", "  ".join(f"{d}: {100 * correct[digit == d].mean():.1f}%" for d in range(10)))
    log.info("Per mode:  %s", "  ".join(f"{m}: {100 * correct[mode == m].mean():.2f}%" for m in MODES))
    for m in MODES:
        log.info("Per digit, %-11s %s", f"{m}:", "  ".join(
            f"{d}: {100 * correct[(digit == d) & (mode == m)].mean():.1f}%" for d in range(10)))
    # The file has no writer ids; splitting each digit's samples by order is the closest check
    # that a change helps drawings it was not tuned on.
    first_half = results["index"] % (sample_count // 10) < sample_count // 20
    log.info("By sample order: first half %.2f%%, second half %.2f%%",
             100 * correct[first_half].mean(), 100 * correct[~first_half].mean())
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (digit, predicted), 1)
    log.info("Confusion matrix (rows: drawn digit, columns: read as):\n     %s\n%s",
             " ".join(f"{d:>4}" for d in range(10)),
             "\n".join(f"{d:>4} " + " ".join(f"{n:>4}" for n in row) for d, row in enumerate(confusion)))


def report_styles(sketches: list[tuple[int, list]], reader: Reader, seed: int, views: bool) -> None:
    """One line per pen style: how many of the restyled drawings, in every mode, are read right."""
    log.info("Styles report (UJI drawings with a style added in pen strokes; not part of the figures above):")
    for name, digit, style in PEN_STYLES:
        restyled = [(drawn, strokes) for drawn, strokes in
                    ((drawn, style(strokes)) for drawn, strokes in sketches if drawn == digit) if strokes is not None]
        results = read_all(restyled, reader, seed, views)
        correct = results["digit"] == results["predicted"]
        misreads = np.bincount(results["predicted"][~correct], minlength=10)
        log.info("  %-36s %6.2f%% of %4d  misread as: %s", name, 100 * correct.mean(), len(correct),
                 ", ".join(f"{d} x{n}" for d, n in enumerate(misreads) if n) or "-")


def save_failures(results: dict[str, np.ndarray], path: Path, columns: int = 12, cell: int = 112) -> None:
    """A PNG grid of every misread drawing as the network saw it, captioned drawn -> read (mode)."""
    wrong = np.flatnonzero(results["digit"] != results["predicted"])
    rows = max(1, -(-len(wrong) // columns))
    grid = Image.new("L", (columns * cell, rows * (cell + 14)), 255)
    pen = ImageDraw.Draw(grid)
    for slot, row in enumerate(wrong):
        _, _, mode, strokes, placement = results["jobs"][row]
        seen = to_mnist(draw_strokes(strokes, placement, mode))
        tile = Image.fromarray((255 - seen * 255).astype(np.uint8)).resize((cell, cell), Image.Resampling.NEAREST)
        x, y = slot % columns * cell, slot // columns * (cell + 14)
        grid.paste(tile, (x, y))
        pen.text((x + 2, y + cell), f"{results['digit'][row]}->{results['predicted'][row]} {mode[:5]}", fill=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid.save(path)
    log.info("Wrote %d failures to %s", len(wrong), path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sketches", type=Path, required=True, help="uji_digits.json (see its README)")
    parser.add_argument("--model", type=Path, default=SHIPPED.serving,
                        help="a .tflite (run by LiteRT, as the app does; default: the shipped one) or a .keras model")
    parser.add_argument("--seed", type=int, default=0, help="seed for sizes, positions and brushes")
    parser.add_argument("--one-view", action="store_true",
                        help="read each drawing once, as drawn, not as the app does (five views averaged)")
    parser.add_argument("--failures", type=Path, default=Path("benchmarks/out/sketch_failures.png"),
                        help="where to write the grid of misread drawings")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        sketches = load_sketches(args.sketches)
        reader = reader_for(args.model)
    except (OSError, ValueError, KeyError) as error:
        log.error("error: cannot read the sketches in %s (%s: %s)", args.sketches, type(error).__name__, error)
        return 2
    except ModelError as error:
        log.error("error: %s", error)
        return 2
    log.info("Model: %s, %s", args.model, "one view" if args.one_view else "five views averaged")
    results = read_all(sketches, reader, args.seed, views=not args.one_view)
    report(results, len(sketches))
    report_styles(sketches, reader, args.seed, views=not args.one_view)
    save_failures(results, args.failures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
