"""The network is exactly the documented CNN."""

import keras
import pytest

from model.network import RECIPES, build_cnn, describe

DOCUMENTED_LAYERS = [
    ("Conv2D", {"filters": 32, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": (2, 2)}),
    ("Dropout", {"rate": 0.25}),
    ("Conv2D", {"filters": 64, "kernel_size": (3, 3), "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": (2, 2)}),
    ("Dropout", {"rate": 0.25}),
    ("Flatten", {}),
    ("Dense", {"units": 256, "activation": "relu"}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]


def test_layers_match_the_documented_cnn_one_by_one():
    model = build_cnn()
    assert model.input_shape == (None, 28, 28, 1)
    assert len(model.layers) == len(DOCUMENTED_LAYERS)
    for layer, (kind, settings) in zip(model.layers, DOCUMENTED_LAYERS):
        assert type(layer).__name__ == kind
        config = layer.get_config()
        for key, expected in settings.items():
            actual = tuple(config[key]) if isinstance(expected, tuple) else config[key]
            assert actual == expected, f"{layer.name}.{key}"


def test_parameter_count_and_output():
    model = build_cnn()
    assert model.count_params() == 431_242
    assert model.output_shape == (None, 10)


def test_describe_gives_each_layers_output_shape_and_parameters():
    rows = describe(build_cnn())
    assert [row["type"] for row in rows] == [kind for kind, _ in DOCUMENTED_LAYERS]
    assert [row["output_shape"] for row in rows] == [[26, 26, 32], [13, 13, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64],
                                                     [5, 5, 64], [1600], [256], [10]]
    assert [row["parameters"] for row in rows] == [320, 0, 0, 18_496, 0, 0, 0, 409_856, 2_570]
    assert len({row["layer"] for row in rows}) == len(rows)


def test_compiled_as_the_tutorial_compiles_it():
    model = build_cnn()
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001)  # float32
    assert model.loss == "categorical_crossentropy"
    assert "accuracy" in model.get_compile_config()["metrics"]


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_trains_with_its_own_optimizer(name):
    recipe = RECIPES[name]
    model = build_cnn(recipe.optimizer_for(60_000))
    assert type(model.optimizer).__name__.lower() == recipe.optimizer
    learning_rate = model.optimizer.learning_rate  # a schedule's value at step 0: its initial rate
    assert float(learning_rate) == pytest.approx(recipe.learning_rate)


def test_a_recipe_names_its_optimizer_and_training_uses_it():
    adamw = RECIPES["tutorial"].with_overrides(optimizer="adamw")
    assert isinstance(build_cnn(adamw.optimizer_for(1000)).optimizer, keras.optimizers.AdamW)
