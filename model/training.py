"""Fitting and scoring the network: the steps train.py runs, in the order it runs them."""

import math
import os
import platform
import signal

import keras
import numpy as np
import tensorflow as tf

from model.augment import add_writing_styles, augment_batch
from model.constants import NUM_CLASSES
from model.network import Recipe

EVALUATION_BATCH = 1000
PREFETCHED_BATCHES = 2


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and TensorFlow's random numbers, and make TensorFlow's ops deterministic.

    The weights' first values come from these seeds and the distortions from ``seed`` (see fit), so
    the same command on the same machine then gives the same weights, bit for bit.
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def library_versions() -> dict[str, str]:
    """The versions that trained a model, for its record."""
    return {"python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__}


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, recipe: Recipe, seed: int, verbose: int,
        callbacks: list[keras.callbacks.Callback] | None = None) -> dict[str, list[float]]:
    """Train ``model`` on scaled images ``x`` and integer labels ``y``; return Keras's history.

    As Keras's ``validation_split`` does, the last part of the data is held out for validation
    before anything is shuffled, and the rest is reshuffled every epoch. ``seed`` decides the
    restyled digits, every epoch's order and every distortion.
    """
    labels = keras.utils.to_categorical(y, NUM_CLASSES)
    split = recipe.fitted_count(len(x))
    fitted = x[:split]
    if recipe.restyled:
        fitted = add_writing_styles(fitted, y[:split], recipe.restyled, np.random.default_rng(seed))
    training = training_batches(fitted, labels[:split], recipe, seed)
    validation = batches(x[split:], labels[split:], recipe.batch_size)
    history = model.fit(training, validation_data=validation, epochs=recipe.epochs, shuffle=False, verbose=verbose,
                        steps_per_epoch=math.ceil(split / recipe.batch_size), callbacks=callbacks)
    return history.history


def training_batches(images: np.ndarray, labels: np.ndarray, recipe: Recipe, seed: int) -> tf.data.Dataset:
    """Every epoch's batches, one epoch after another, each epoch in its own order, distorted if the recipe says.

    Each epoch's order and each batch's distortions come from stateless draws seeded by
    ``seed`` and the epoch or the batch's number in the run, so parallel map calls cannot
    change them. The dataset runs through all the epochs once: fit() keeps one iterator
    across epochs when given steps_per_epoch.
    """
    images, labels = tf.constant(images), tf.constant(labels)
    indices = tf.range(len(images), dtype=tf.int64)

    def epoch_order(epoch: tf.Tensor) -> tf.data.Dataset:
        order = tf.random.experimental.stateless_shuffle(indices, seed=tf.stack([seed, epoch]))
        return tf.data.Dataset.from_tensor_slices(order).batch(recipe.batch_size)

    def batch_of(step: tf.Tensor, batch: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        chosen = tf.gather(images, batch)
        if recipe.augment:
            chosen = augment_batch(chosen, tf.stack([tf.constant(seed, tf.int64), step]))
        return chosen, tf.gather(labels, batch)

    dataset = tf.data.Dataset.range(recipe.epochs).flat_map(epoch_order).enumerate()
    return _without_autotuning(dataset.map(batch_of, num_parallel_calls=os.cpu_count() or 1))


def batches(images: np.ndarray, labels: np.ndarray, batch_size: int) -> tf.data.Dataset:
    """(images, labels) in batches, in order."""
    images, labels = tf.constant(images), tf.constant(labels)
    return _without_autotuning(tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size))


def _without_autotuning(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """``dataset`` prefetched, with tf.data's autotuning off.

    In TensorFlow 2.21 its thread sometimes holds up the end of an epoch by about 10 s, with
    every core idle, while the finished epoch's iterator waits for it to stop. On a 2-core
    machine that struck about one epoch in three, for the tutorial recipe as well.
    """
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
