"""What the Inside tab and the report card are given to lay out: every field the templates read, with its value."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from drawings import drawn
from model import classroom
from model.constants import SHIPPED
from model.inside import Misread, look_inside
from model.preprocess import to_mnist
from model.serving import load_reader

METRICS = json.loads(SHIPPED.metrics.read_text())


@pytest.fixture(scope="module")
def seven_inside():
    return look_inside(to_mnist(drawn("7")), load_reader())


def decoded(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def test_the_inside_view_gives_every_field_the_template_reads(seven_inside) -> None:
    view = classroom.inside_view(seven_inside, "Your drawing", METRICS["architecture"])
    probabilities = seven_inside.probabilities
    assert set(view) == {"source", "digit", "confidence", "colour_scale", "steps", "output", "bars", "bars_text",
                         "mattered", "mattered_text"}
    assert (view["source"], view["digit"]) == ("Your drawing", "7")
    assert view["confidence"] == f"{probabilities[7]:.0%}"
    assert view["colour_scale"].startswith("linear-gradient(to right, #440154, ") and "#fde725)" in view["colour_scale"]
    assert view["output"] == {"name": "dense_1", "kind": "Dense", "shape": "10", "note": classroom.OUTPUT_NOTE}
    assert "averaged over five readings" in view["output"]["note"] and "8° each way" in view["output"]["note"]
    assert [bar["digit"] for bar in view["bars"]] == [str(digit) for digit in range(10)]
    for bar, probability in zip(view["bars"], probabilities):
        assert bar == {"digit": bar["digit"], "label": f"{probability:.0%}", "probability": float(probability),
                       "height": round(100 * float(probability), 1), "top": bar["digit"] == "7"}
    assert view["bars_text"].startswith("The probability of each digit: 0 ")
    assert f", 7 {probabilities[7]:.0%}, 8 " in view["bars_text"]
    assert view["mattered_text"].startswith("The image, red where hiding its pixels makes the network less sure of 7")


def test_each_picture_says_in_words_what_it_shows(seven_inside) -> None:
    steps = classroom.inside_view(seven_inside, "Your drawing", METRICS["architecture"])["steps"]
    texts = {step["name"]: step["text"] for step in steps if "picture" in step}
    assert texts["input"] == "The 28 by 28 pixel image the network reads, white ink on black"
    assert texts["conv2d"].startswith("32 feature maps of the first convolution, 26 by 26 each")
    assert texts["max_pooling2d"].startswith("32 feature maps of the first pooling, 13 by 13 each")
    assert texts["conv2d_1"].startswith("64 feature maps of the second convolution, 11 by 11 each")
    assert texts["max_pooling2d_1"].startswith("64 feature maps of the second pooling, 5 by 5 each")
    assert texts["dense"].startswith("The 256 units of the first dense layer")
    # Without the record of each layer's kind, the words come from the model's own names and shapes.
    unrecorded = classroom.inside_view(seven_inside, "Your drawing", [])["steps"]
    assert unrecorded[1]["text"] == "The outputs of layer conv2d, 26 × 26 × 32"


def test_each_step_says_what_its_layer_does(seven_inside) -> None:
    steps = classroom.inside_view(seven_inside, "Your drawing", METRICS["architecture"])["steps"]
    first, conv, pool, dropout = steps[:4]
    assert first["kind"] == "" and first["shape"] == "28 × 28 × 1" and "white ink on black" in first["note"]
    assert decoded(first["picture"]).mode == "L"
    assert conv["kind"] == "Conv2D" and conv["note"].startswith("32 learned filters")
    maps = decoded(conv["picture"])
    assert maps.mode == "P" and maps.info["transparency"] == 255 and maps.getpalette()[:3] == [0x44, 0x01, 0x54]
    assert float(conv["strongest"]) == pytest.approx(float(seven_inside.layers["conv2d"].max()), rel=1e-3)
    assert pool["note"] == ("Keeps the strongest value in each 2 × 2 block: the same 32 maps, "
                            "2 times smaller each way.")
    assert dropout["kind"] == "Dropout" and "picture" not in dropout and dropout["shape"] == "13 × 13 × 32"
    flatten = next(step for step in steps if step["kind"] == "Flatten")
    assert flatten["note"] == "Lines the 5 × 5 × 64 values up in one row of 1,600."


def test_without_a_record_no_step_claims_a_kind(seven_inside) -> None:
    view = classroom.inside_view(seven_inside, "Your drawing", [])
    assert all(step["kind"] == "" and step["note"] == "" for step in view["steps"][1:])
    assert view["output"]["kind"] == ""


def test_a_single_mistake_is_the_strongest_and_a_lone_test_digit_counts_whole() -> None:
    matrix = np.zeros((10, 10), int)
    matrix[0, 0], matrix[0, 6] = 4, 1  # the only mistake, once
    matrix[1, 1] = 1  # a digit tested once, read right
    view = classroom.confusion_view(matrix)
    assert view["name"] == "The confusion matrix" and view["caption"].startswith("6 MNIST test digits: ")
    assert view["rows"][0]["cells"][6] == {"count": 1, "kind": "miss", "strength": 1.0}
    assert view["rows"][1]["cells"][1]["strength"] == 1.0 and view["rows"][1]["accuracy"] == "100.0%"
    assert view["rows"][2]["accuracy"] == "0.0%"  # never tested: no division by zero


def test_the_architecture_table_is_markdown_with_a_total() -> None:
    table = classroom.architecture_table(METRICS).splitlines()
    assert table[:2] == ["| layer | kind | output shape | parameters |", "|---|---|---|---:|"]
    assert table[2] == "| `conv2d` | Conv2D | 26 × 26 × 32 | 320 |"
    assert table[-1] == "| **in all** | | | **431,242** |" and len(table) == 3 + len(METRICS["architecture"])


def test_misread_test_digits_are_captioned_and_open_inside() -> None:
    images = np.stack([np.round(to_mnist(drawn(digit)) * 255).astype(np.uint8) for digit in ("1", "7")])
    wrong = [Misread(index=1, written=1, read=7, confidence=0.934)]
    assert [(image.tolist(), caption) for image, caption in classroom.gallery_items(images, wrong)] == [
        (images[1].tolist(), "1→7 93%")]
    view = classroom.misread_digit_inside(images, wrong[0], load_reader(), METRICS["architecture"])
    assert view["source"] == "MNIST test digit #1, written as 1" and view["digit"] == "7"
    assert np.asarray(decoded(view["steps"][0]["picture"])).tolist() == images[1].tolist()
    assert view["steps"][1]["kind"] == "Conv2D"
