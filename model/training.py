"""Fitting and scoring the network: the steps train.py runs, in the order it runs them."""

import os

import keras
import numpy as np
import tensorflow as tf

from model.augment import add_continental_digits, augment_batch
from model.network import NUM_CLASSES, Recipe

EVALUATION_BATCH = 1000


def scale(images: np.ndarray) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 network inputs (N, 28, 28, 1) in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, recipe: Recipe, seed: int,
        verbose: int) -> dict[str, list[float]]:
    """Train ``model`` on scaled images ``x`` and integer labels ``y``; return Keras's history."""
    labels = keras.utils.to_categorical(y, NUM_CLASSES)
    if not recipe.augment:
        # The tutorial's call, exactly.
        history = model.fit(x, labels, batch_size=recipe.batch_size, epochs=recipe.epochs,
                            validation_split=recipe.validation_split, verbose=verbose)
        return history.history
    split = recipe.fitted_count(len(x))
    fitted = x[:split]
    if recipe.continental:
        fitted = add_continental_digits(fitted, y[:split], recipe.continental, np.random.default_rng(seed))
    batches = (
        tf.data.Dataset.from_tensor_slices((fitted, labels[:split]))
        .shuffle(split, reshuffle_each_iteration=True)
        .batch(recipe.batch_size)
        .map(lambda images, targets: (augment_batch(images), targets), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    history = model.fit(batches, validation_data=(x[split:], labels[split:]), batch_size=recipe.batch_size,
                        epochs=recipe.epochs, shuffle=False, verbose=verbose)
    return history.history


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


def configure_threads() -> None:
    """Give TensorFlow one thread per core, both within and across ops.

    Measured on a 2-core machine: leaving TensorFlow to choose, or pinning either pool
    to one thread, sometimes leaves one core idle and halves the speed.
    """
    cores = os.cpu_count() or 1
    tf.config.threading.set_intra_op_parallelism_threads(cores)
    tf.config.threading.set_inter_op_parallelism_threads(cores)
