"""The documented CNN and the training recipes that fit it."""

import math
from dataclasses import asdict, dataclass, replace

import keras
from keras import layers

from model.constants import IMAGE_SHAPE, NUM_CLASSES


@dataclass(frozen=True)
class Recipe:
    """How the network is trained. Everything here is recorded beside the model."""

    name: str
    epochs: int
    batch_size: int = 250
    validation_split: float = 0.2
    optimizer: str = "adam"  # a Keras optimizer's name: "adam", "adamw", "sgd", ...
    learning_rate: float = 0.001
    # "constant", as the tutorial trains, or "cosine": decay to near zero by the last epoch.
    schedule: str = "constant"
    augment: bool = False
    # Fraction of the training 0s, 1s, 7s and 9s redrawn in writing styles MNIST lacks: slashed
    # 0s, flagged and hooked 1s, crossed 7s, long- and curly-tailed 9s (see model/augment.py).
    restyled: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)

    def fitted_count(self, images: int) -> int:
        """How many of ``images`` are fitted; the rest, from the end, is held out for validation."""
        return int(math.ceil(images * (1 - self.validation_split)))

    def optimizer_for(self, images: int) -> keras.optimizers.Optimizer:
        """The recipe's optimizer, with its learning rate (and schedule) for training on ``images`` images."""
        learning_rate = self.learning_rate
        if self.schedule == "cosine":
            steps_per_epoch = math.ceil(self.fitted_count(images) / self.batch_size)
            learning_rate = keras.optimizers.schedules.CosineDecay(self.learning_rate, self.epochs * steps_per_epoch)
        return keras.optimizers.get({"class_name": self.optimizer, "config": {"learning_rate": learning_rate}})

    def with_overrides(self, **overrides: int | str | None) -> "Recipe":
        """This recipe with the given fields changed; fields given as None keep their value."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


RECIPES = {
    # The tutorial this project grew out of, exactly.
    "tutorial": Recipe(name="tutorial", epochs=25),
    # Same network, batch and optimizer; distorted digits and restyled ones (see
    # model/augment.py), more epochs to learn from them, and a decaying learning rate
    # to settle at the end.
    "sketch": Recipe(name="sketch", epochs=30, schedule="cosine", augment=True, restyled=0.5),
}
DEFAULT_RECIPE = "sketch"


def build_cnn(optimizer: keras.optimizers.Optimizer | None = None) -> keras.Model:
    """Return the documented CNN (431,242 parameters), compiled as the tutorial compiles it.

    The default optimizer is the tutorial's: Adam at its own default learning rate, 0.001.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=IMAGE_SHAPE),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mnist_cnn",
    )
    model.compile(loss="categorical_crossentropy", optimizer=optimizer or keras.optimizers.Adam(),
                  metrics=["accuracy"])
    return model


def architecture_record(model: keras.Model) -> dict:
    """What metrics.json records of the network itself: each layer, and the parameters in all."""
    return {"architecture": describe(model), "parameters": model.count_params()}


def describe(model: keras.Model) -> list[dict]:
    """One row per layer, input to output: its name, kind, output shape (without the batch) and parameter count."""
    return [{"layer": layer.name, "type": type(layer).__name__, "output_shape": list(layer.output.shape[1:]),
             "parameters": layer.count_params()} for layer in model.layers]
