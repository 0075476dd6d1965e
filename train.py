"""Train the documented CNN on MNIST and save it with its history and test metrics.

    python train.py --data ../shared/data/mnist.npz              # the shipped model
    python train.py --evaluate --data ../shared/data/mnist.npz   # re-score the saved one
    python train.py --export                                     # re-export the saved one for the app

Data flows top to bottom: load -> scale -> fit -> evaluate -> save. --export does only the
last step, from the saved model: it rewrites mnist_cnn.tflite, mnist_cnn.weights.bin and
reader_goldens.json (for the page's own reader) and the architecture recorded in metrics.json,
without the data and without training.
"""

import argparse
import datetime
import functools
import logging
import sys
import time
from pathlib import Path

import numpy as np

from model.constants import ARTIFACT_DIR, HISTORY_FILE, METRICS_FILE, MODEL_FILE
from model.data import KERAS_CACHE, load_mnist, scale, sha256_of
from model.errors import DataError, ModelError, RecordError
from model.files import Writer, read_json, write_artifacts, write_json

# The app runs without TensorFlow (requirements.txt); training needs it (requirements-train.txt).
TRAINING_REQUIREMENTS = "requirements-train.txt"
try:
    from model.export import EXPORTED_FILES, exported_files, save_model
    from model.keras_model import load_keras_model
    from model.network import DEFAULT_RECIPE, RECIPES, architecture_record, build_cnn
    from model.training import StopOnInterrupt, evaluate, fit, library_versions, seed_everything
except ModuleNotFoundError as missing:
    if (missing.name or "").split(".")[0] not in ("tensorflow", "keras"):
        raise
    sys.exit(f"train.py needs TensorFlow and Keras, which the app does not: pip install -r {TRAINING_REQUIREMENTS}")

log = logging.getLogger("train")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="a Keras-format mnist.npz (default: Keras's download)")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default=DEFAULT_RECIPE,
                        help=f"training recipe (default: {DEFAULT_RECIPE})")
    parser.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    parser.add_argument("--batch-size", type=int, help="override the recipe's batch size")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument("--limit", type=int, help="train on only the first N training images (for quick checks)")
    parser.add_argument("--out", type=Path, default=ARTIFACT_DIR, help="where the artifacts go (default: model/)")
    saved = parser.add_mutually_exclusive_group()
    saved.add_argument("--evaluate", action="store_true", help="score the saved model in --out on the test set")
    saved.add_argument("--export", action="store_true",
                       help=f"rewrite {', '.join(EXPORTED_FILES)} and the architecture in {METRICS_FILE} from the "
                            "saved model in --out, without training (needs no --data)")
    args = parser.parse_args(argv)
    for option in ("epochs", "batch_size", "limit"):
        if getattr(args, option) is not None and getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Keras writes one line per epoch when stdout is not a terminal; flush each as it comes.
    sys.stdout.reconfigure(line_buffering=True)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.export:
            return export_saved(args.out)
        (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
        if args.evaluate:
            return evaluate_saved(args.out, scale(x_test), y_test)
    except (DataError, ModelError, RecordError) as error:
        log.error("error: %s", error)
        return 2
    recipe = RECIPES[args.recipe].with_overrides(epochs=args.epochs, batch_size=args.batch_size)
    x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    log.info("Training the documented CNN, recipe %s, seed %d, on %d images", recipe, args.seed, len(x_train))

    seed_everything(args.seed)
    network = build_cnn(recipe.optimizer_for(len(x_train)))
    started = time.perf_counter()
    interrupt = StopOnInterrupt()
    history = fit(network, scale(x_train), y_train, recipe, args.seed, verbose=1 if sys.stdout.isatty() else 2,
                  callbacks=[interrupt])
    if interrupt.interrupted:
        log.error("Interrupted; nothing in %s was changed.", args.out)
        return 130
    training_seconds = time.perf_counter() - started

    scores = evaluate(network, scale(x_test), y_test)
    log.info("Test loss: %.4f", scores["test_loss"])
    log.info("Test accuracy: %.4f", scores["test_accuracy"])

    metrics = {
        **scores,
        "recipe": recipe.as_dict(),
        "seed": args.seed,
        "training_images": len(x_train),
        "training_seconds": round(training_seconds, 1),
        "versions": library_versions(),
        "data_sha256": sha256_of(args.data or KERAS_CACHE),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        **architecture_record(network),
    }
    saved_files = {
        MODEL_FILE: functools.partial(save_model, network),
        **exported_files(network),
        HISTORY_FILE: json_writer({"epochs": len(history["loss"]), "recipe": recipe.as_dict(), **history}),
        METRICS_FILE: json_writer(metrics),
    }
    if not save(args.out, saved_files):
        return 130
    log.info("Saved %s in %s", ", ".join(saved_files), args.out)
    return 0


def evaluate_saved(out: Path, x_test: np.ndarray, y_test: np.ndarray) -> int:
    recorded = (recorded_metrics(out) or {}).get("test_accuracy")
    scores = evaluate(load_keras_model(out / MODEL_FILE), x_test, y_test)
    log.info("Test loss: %.4f", scores["test_loss"])
    log.info("Test accuracy: %.4f", scores["test_accuracy"])
    if recorded is None:
        log.warning("No test accuracy in %s to compare with.", out / METRICS_FILE)
        return 0
    if recorded != scores["test_accuracy"]:
        log.error("error: %s records test accuracy %.4f, but the saved model scores %.4f.",
                  METRICS_FILE, recorded, scores["test_accuracy"])
        return 1
    log.info("Matches %s.", METRICS_FILE)
    return 0


def export_saved(out: Path) -> int:
    """Re-export the saved model in ``out`` for the app and re-record its architecture; nothing is trained."""
    recorded = recorded_metrics(out)  # first, so that an unreadable record leaves everything as it was
    network = load_keras_model(out / MODEL_FILE)
    writers = exported_files(network)
    exported = ", ".join(EXPORTED_FILES)
    if recorded is not None:
        writers[METRICS_FILE] = json_writer({**recorded, **architecture_record(network)})
    if not save(out, writers):
        return 130
    if recorded is None:
        log.warning("No %s in %s: wrote %s only.", METRICS_FILE, out, exported)
        return 0
    log.info("Saved %s, and the architecture in %s, in %s", exported, METRICS_FILE, out)
    return 0


def save(out: Path, writers: dict[str, Writer]) -> bool:
    """Write the artifacts together (see write_artifacts); False, with nothing changed, if Ctrl-C stopped it."""
    try:
        write_artifacts(out, writers)
    except KeyboardInterrupt:
        log.error("Interrupted while saving; nothing in %s was changed.", out)
        return False
    return True


def json_writer(payload: dict) -> Writer:
    return functools.partial(write_json, payload=payload)


def recorded_metrics(out: Path) -> dict | None:
    """The metrics.json in ``out``, or None if there is none; RecordError if it cannot be read."""
    path = out / METRICS_FILE
    if not path.is_file():
        return None
    try:
        metrics = read_json(path)
    except (OSError, ValueError) as error:  # json.JSONDecodeError is a ValueError
        raise RecordError(f"{path} could not be read ({error}); move it aside, or retrain to rewrite it.") from None
    if not isinstance(metrics, dict):
        raise RecordError(f"{path} should hold a JSON object, not {type(metrics).__name__}; move it aside, "
                          "or retrain to rewrite it.")
    return metrics


if __name__ == "__main__":
    sys.exit(main())
