"""Fitting and scoring the network: the steps train.py runs, in the order it runs them."""

import os
import platform
import signal

import keras
import numpy as np
import tensorflow as tf

from model.augment import add_continental_digits, augment_batch
from model.constants import NUM_CLASSES
from model.network import Recipe

EVALUATION_BATCH = 1000
PREFETCHED_BATCHES = 2


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and TensorFlow's random numbers, as the weights' first values depend on them."""
    keras.utils.set_random_seed(seed)


def library_versions() -> dict[str, str]:
    """The versions that trained a model, for its record."""
    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__}


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, recipe: Recipe, seed: int, verbose: int,
        callbacks: list[keras.callbacks.Callback] | None = None) -> dict[str, list[float]]:
    """Train ``model`` on scaled images ``x`` and integer labels ``y``; return Keras's history.

    As Keras's ``validation_split`` does, the last part of the data is held out for validation
    before anything is shuffled, and the rest is reshuffled every epoch.
    """
    labels = keras.utils.to_categorical(y, NUM_CLASSES)
    split = recipe.fitted_count(len(x))
    fitted = x[:split]
    if recipe.continental:
        fitted = add_continental_digits(fitted, y[:split], recipe.continental, np.random.default_rng(seed))
    training = batches(fitted, labels[:split], recipe.batch_size, shuffle=True, augment=recipe.augment)
    validation = batches(x[split:], labels[split:], recipe.batch_size)
    history = model.fit(training, validation_data=validation, epochs=recipe.epochs, shuffle=False, verbose=verbose,
                        callbacks=callbacks)
    return history.history


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int, shuffle: bool = False,
            augment: bool = False) -> tf.data.Dataset:
    """(images, labels) in batches, in a new order each epoch if ``shuffle``, distorted if ``augment``.

    Built here rather than by Keras so that tf.data's autotuning can be switched off: in
    TensorFlow 2.21 its thread sometimes holds up the end of an epoch by about 10 s, with
    every core idle, while the finished epoch's iterator waits for it to stop. On a 2-core
    machine that struck about one epoch in three, for the tutorial recipe as well.
    """
    images, labels = tf.constant(images), tf.constant(labels)
    order = tf.data.Dataset.range(len(images))
    if shuffle:
        order = order.shuffle(len(images), reshuffle_each_iteration=True)
    dataset = order.batch(batch_size).map(lambda indices: (tf.gather(images, indices), tf.gather(labels, indices)))
    if augment:
        dataset = dataset.map(lambda batch, targets: (augment_batch(batch), targets),
                              num_parallel_calls=os.cpu_count() or 1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(PREFETCHED_BATCHES).with_options(options)


class StopOnInterrupt(keras.callbacks.Callback):
    """Ctrl-C (SIGINT) during fit() stops training after the current batch; ``interrupted`` says it did.

    Left to Python's default, the KeyboardInterrupt is raised wherever TensorFlow happens to
    be, and now and then TensorFlow dies of heap corruption instead of unwinding cleanly.
    """

    def __init__(self) -> None:
        super().__init__()
        self.interrupted = False
        self._previous_handler = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._previous_handler = signal.signal(signal.SIGINT, self._stop)

    def on_train_end(self, logs: dict | None = None) -> None:
        signal.signal(signal.SIGINT, self._previous_handler)

    def _stop(self, signum: int, frame: object) -> None:
        self.interrupted = True
        self.model.stop_training = True


def evaluate(model: keras.Model, x: np.ndarray, y: np.ndarray) -> dict:
    """Test loss, accuracy and confusion matrix (rows: true digit, columns: predicted)."""
    probabilities = model.predict(x, batch_size=EVALUATION_BATCH, verbose=0).astype(np.float64)
    predicted = probabilities.argmax(axis=1)
    picked = np.clip(probabilities[np.arange(len(y)), y], 1e-7, 1.0)
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    np.add.at(confusion, (y, predicted), 1)
    return {
        "test_loss": float(-np.log(picked).mean()),
        "test_accuracy": float((predicted == y).mean()),
        "confusion_matrix": confusion.tolist(),
    }
