"""The documented CNN and the training recipes that fit it."""

from dataclasses import asdict, dataclass, replace

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


@dataclass(frozen=True)
class Recipe:
    """How the network is trained. Everything here is recorded beside the model."""

    name: str
    epochs: int
    batch_size: int = 250
    validation_split: float = 0.2
    optimizer: str = "adam"
    augment: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, **overrides: int | None) -> "Recipe":
        """This recipe with the given fields changed; fields given as None keep their value."""
        return replace(self, **{key: value for key, value in overrides.items() if value is not None})


RECIPES = {
    # The tutorial this project grew out of, exactly.
    "tutorial": Recipe(name="tutorial", epochs=25),
}
DEFAULT_RECIPE = "tutorial"


def build_cnn() -> keras.Model:
    """Return the documented CNN, compiled as the tutorial compiles it (431,242 parameters)."""
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
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
