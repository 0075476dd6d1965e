"""The committed model and its records: what a Space visitor and `python app.py` get."""

import json

import numpy as np
import pytest
import tensorflow as tf

from model.constants import SERVING_FILE, SHIPPED
from model.data import scale
from model.errors import ModelError
from model.keras_model import load_keras_model
from model.network import DEFAULT_RECIPE, RECIPES, describe
from model.serving import load_reader
from model.training import evaluate
from support import MNIST_PATH, assert_serves_every_layer, read_browser_weights

METRICS = json.loads(SHIPPED.metrics.read_text())
HISTORY = json.loads(SHIPPED.history.read_text())


def test_the_committed_model_is_the_default_recipe_fully_trained():
    assert METRICS["recipe"] == HISTORY["recipe"] == RECIPES[DEFAULT_RECIPE].as_dict()
    assert HISTORY["epochs"] == RECIPES[DEFAULT_RECIPE].epochs
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(HISTORY[key]) == HISTORY["epochs"]
    assert METRICS["training_images"] == 60_000


def test_recorded_test_accuracy_meets_the_bar():
    assert METRICS["test_accuracy"] >= 0.992
    assert np.array(METRICS["confusion_matrix"]).sum() == 10_000


def test_model_file_is_small_and_loads():
    assert SHIPPED.keras.stat().st_size < 2_000_000  # no optimizer state
    assert load_keras_model(SHIPPED.keras).count_params() == 431_242


@pytest.mark.skipif(not MNIST_PATH.is_file(), reason=f"needs the MNIST file at {MNIST_PATH}")
def test_recorded_accuracy_is_what_the_model_scores():
    with np.load(MNIST_PATH) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    scores = evaluate(load_keras_model(SHIPPED.keras), scale(x_test), y_test)
    assert scores["test_accuracy"] == METRICS["test_accuracy"]
    assert scores["confusion_matrix"] == METRICS["confusion_matrix"]


def sample_images() -> np.ndarray:
    """2,000 MNIST test images when the file is beside the project, else seeded noise, sparse like ink."""
    if MNIST_PATH.is_file():
        with np.load(MNIST_PATH) as data:
            return scale(data["x_test"][:2000])
    return np.random.default_rng(0).random((200, 28, 28, 1), np.float32) ** 4


def test_the_served_model_agrees_with_the_keras_model():
    """LiteRT runs the exported file in the app; it must read exactly as Keras does."""
    images = sample_images()
    served = load_reader(SHIPPED.serving)(images)
    trained = load_keras_model(SHIPPED.keras).predict_on_batch(images)
    np.testing.assert_array_equal(served.argmax(axis=1), trained.argmax(axis=1))
    np.testing.assert_allclose(served, trained, atol=1e-4)


def test_the_served_model_shows_every_layer_as_keras_computes_it():
    """Inside the network: each layer's output, from the file the app runs, as Keras computes it."""
    assert_serves_every_layer(load_reader(SHIPPED.serving), load_keras_model(SHIPPED.keras),
                              sample_images())


def test_the_pages_weights_are_the_shipped_models():
    """The page's reader (assets/reader.js) reads with the same weights: float16 for the big Dense kernel."""
    stored = read_browser_weights(SHIPPED.browser_weights)
    network = load_keras_model(SHIPPED.keras)
    assert list(stored) == [layer.name for layer in network.layers]
    for layer in network.layers:
        for kept, weight in zip(stored[layer.name], layer.get_weights(), strict=True):
            np.testing.assert_array_equal(kept, weight.astype(kept.dtype), err_msg=layer.name)
    assert sum(weight.size for weights in stored.values() for weight in weights) == 431_242
    assert SHIPPED.browser_weights.stat().st_size < 1_000_000


def test_the_recorded_architecture_is_the_shipped_models():
    assert METRICS["architecture"] == describe(load_keras_model(SHIPPED.keras))
    assert METRICS["parameters"] == sum(row["parameters"] for row in METRICS["architecture"]) == 431_242


def test_a_file_exported_before_the_layer_outputs_is_refused_with_the_fix(tmp_path):
    """One output, the probabilities, as train.py exported before "Inside the network": rebuild it."""
    path = tmp_path / SERVING_FILE
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(load_keras_model(SHIPPED.keras)).convert())
    with pytest.raises(ModelError, match="its 1 outputs do not say which layers they come from"):
        load_reader(path)
