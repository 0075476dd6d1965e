"""A corpus of bad and odd inputs, each sent to model.classify and through the running app's API.

Every input gets a valid answer, the calm blank state, or one clear sentence; never a
traceback, a hang or a dead server.
"""

import asyncio
import io
import re
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import keras
import numpy as np
import pytest
import tensorflow as tf
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import app
from model.constants import REBUILD_COMMAND, SHIPPED, ModelFiles
from model.errors import ModelError
from model.export import export_serving_model
from model.keras_model import load_keras_model
from model.preprocess import open_image, to_mnist
from model.serving import classify, load_reader
from testbench.api import run
from testbench.canvas import Placement, draw_strokes
from testbench.servers import free_port

SIDE = 800
UNREADABLE = "could not be read"
ONE = [[(0, 0), (0, 10)]]
CHANNELS = [(), (1,), (2,), (3,), (4,), (5,)]  # none, grey, grey+alpha, RGB, RGBA, impossible


def drawn_one(mode: str = "light") -> np.ndarray:
    return draw_strokes(ONE, Placement(0.6, 0.05, 0.5, 0.5), mode)


def one_in(mode: str) -> Image.Image:
    """A drawn 1 in a given Pillow mode, as a scanner, an editor or a script might save it."""
    grey = Image.fromarray(drawn_one()).convert("L")
    if mode == "I;16":
        return Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    if mode == "F":
        return Image.fromarray(np.asarray(grey).astype(np.float32))
    return grey.convert(mode)


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb's calling card."""
    data = bytearray(encoded(Image.new("L", (1, 1))))
    header = b"IHDR" + struct.pack(">II", width, height) + bytes(data[24:29])
    data[12:33] = header + struct.pack(">I", zlib.crc32(header))
    return bytes(data)


def nan_image(value: float) -> np.ndarray:
    pixels = np.full((64, 64), 0.5, np.float32)
    pixels[10:50, 30:34] = value
    return pixels


# What an input should give, where it is not an error message.
READS_ONE = "reads 1"  # a drawn 1 in some odd encoding: read as 1, surely
ANY_DIGIT = "any digit"  # ink, but no digit: some answer, the network's best guess
NO_GUESS = "no guess"  # no ink: classify() gives every digit 0.1
BLANK = "blank"  # no ink, through the app: the calm prompt
SURELY = 0.99


@dataclass
class Case:
    """One kind of input: what model.classify gets, what is uploaded, and what each should give.

    ``library`` and ``api`` are one of the outcomes above, or a regular expression that the
    one-sentence error must match.
    """

    make: Callable[[], object]
    library: str
    api: str
    upload: Callable[[object], bytes | None] = lambda image: encoded(as_image(image))


def as_image(image: object) -> Image.Image:
    return image if isinstance(image, Image.Image) else Image.fromarray(image)


def raw(image: bytes) -> bytes:
    return image


def tiff(image: object) -> bytes:
    return encoded(as_image(image), "TIFF")


single_dot = np.zeros((SIDE, SIDE, 4), np.uint8)
single_dot[400, 400] = (59, 130, 246, 255)

CASES = {
    "none": Case(lambda: None, "No image was given", BLANK, upload=lambda image: None),
    "zero-size": Case(lambda: np.zeros((0, 0), np.uint8), "empty", BLANK, upload=lambda image: None),
    "all-white": Case(lambda: np.full((SIDE, SIDE, 3), 255, np.uint8), NO_GUESS, BLANK),
    "all-black": Case(lambda: np.zeros((SIDE, SIDE, 3), np.uint8), NO_GUESS, BLANK),
    "all-transparent": Case(lambda: np.zeros((SIDE, SIDE, 4), np.uint8), NO_GUESS, BLANK),
    "single-pixel-of-ink": Case(lambda: single_dot, ANY_DIGIT, ANY_DIGIT),
    "whole-canvas-inked": Case(lambda: np.full((SIDE, SIDE, 4), (59, 130, 246, 255), np.uint8), NO_GUESS, BLANK),
    "1x1": Case(lambda: np.zeros((1, 1, 3), np.uint8), NO_GUESS, BLANK),
    "3x5000": Case(lambda: np.pad(np.zeros((3, 4000), np.uint8), ((0, 0), (500, 500)), constant_values=255),
                   ANY_DIGIT, ANY_DIGIT),
    "10000x10000": Case(lambda: np.full((10_000, 10_000), 255, np.uint8), "largest side accepted is 8192",
                        "largest side accepted is 8192"),
    "16-bit": Case(lambda: one_in("I;16"), READS_ONE, READS_ONE),
    "palette": Case(lambda: one_in("P"), READS_ONE, READS_ONE),
    "cmyk": Case(lambda: one_in("CMYK"), READS_ONE, READS_ONE, upload=tiff),
    "la": Case(lambda: one_in("LA"), READS_ONE, READS_ONE),
    "bilevel": Case(lambda: one_in("1"), READS_ONE, READS_ONE),
    "float-mode-f": Case(lambda: one_in("F"), READS_ONE, READS_ONE, upload=tiff),
    "floats-0-to-1": Case(lambda: np.asarray(one_in("L")) / 255.0, READS_ONE, READS_ONE,
                          upload=lambda image: encoded(Image.fromarray((image * 255).astype(np.uint8)))),
    "floats-with-nan": Case(lambda: nan_image(np.nan), "NaN or infinite", "NaN or infinite", upload=tiff),
    "floats-with-inf": Case(lambda: nan_image(np.inf), "NaN or infinite", "NaN or infinite", upload=tiff),
    "one-dimensional": Case(lambda: np.zeros(100, np.uint8), "Expected an HxW", BLANK, upload=lambda image: None),
    "four-dimensional": Case(lambda: np.zeros((2, 10, 10, 3), np.uint8), "Expected an HxW", BLANK,
                             upload=lambda image: None),
    "five-channels": Case(lambda: np.zeros((10, 10, 5), np.uint8), "Expected an HxW", BLANK,
                          upload=lambda image: None),
    "int64-pixels": Case(lambda: np.zeros((10, 10), np.int64), "Expected uint8", BLANK, upload=lambda image: None),
    "truncated-png": Case(lambda: half(encoded(Image.fromarray(drawn_one()))), "truncated", "truncated",
                          upload=raw),
    "not-an-image": Case(lambda: b"%PDF-1.4 this is no picture", "not a readable image",
                         "not a readable image", upload=raw),
    "decompression-bomb": Case(lambda: png_claiming(40_000, 40_000), "not a readable image|largest side",
                               "not a readable image|largest side", upload=raw),
}


def library_input(case: Case, tmp_path: Path) -> object:
    """Bytes stand for a file, which a notebook user would open with open_image first."""
    made = case.make()
    if isinstance(made, bytes):
        path = tmp_path / "upload"
        path.write_bytes(made)
        return open_image(path)
    return made


@pytest.mark.parametrize("name", CASES)
def test_classify_answers_or_says_why_not(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    if case.library in (READS_ONE, ANY_DIGIT, NO_GUESS):
        image = library_input(case, tmp_path)
        scores = classify(image)
        assert sorted(scores) == [str(digit) for digit in range(10)]
        assert sum(scores.values()) == pytest.approx(1) and min(scores.values()) >= 0
        seen = to_mnist(image)
        assert seen.shape == (28, 28) and 0 <= seen.min() and seen.max() <= 1
        if case.library == READS_ONE:
            assert scores["1"] > SURELY, scores
            assert seen.max() > 0.5  # the ink survived decoding
        elif case.library == NO_GUESS:
            assert all(score == pytest.approx(0.1) for score in scores.values()) and not seen.any()
        else:
            assert seen.any() and max(scores.values()) > 0.1
    else:
        with pytest.raises(ValueError, match=case.library):
            classify(library_input(case, tmp_path))


@pytest.fixture(scope="module")
def client(app_url: str) -> Client:
    return Client(app_url, verbose=False)


def sketch_value(case: Case, tmp_path: Path) -> dict | None:
    upload = case.upload(case.make())
    if upload is None:
        return None if case.make() is None else {"background": None, "layers": [], "composite": None}
    path = tmp_path / "layer"
    path.write_bytes(upload)
    return {"background": None, "layers": [handle_file(str(path))], "composite": None}


@pytest.mark.parametrize("name", CASES)
def test_the_api_answers_or_says_why_not(name: str, client: Client, tmp_path: Path) -> None:
    case = CASES[name]
    value = sketch_value(case, tmp_path)
    if case.api in (READS_ONE, ANY_DIGIT, BLANK):
        result = client.predict(value, api_name="/classify")
        if case.api == BLANK:
            assert result["label"] == app.EMPTY_PROMPT and not result.get("confidences")
        else:
            confidences = [entry["confidence"] for entry in result["confidences"]]
            assert result["label"] in [str(digit) for digit in range(10)]
            assert confidences == sorted(confidences, reverse=True) and 0 < sum(confidences) <= 1 + 1e-6
        if case.api == READS_ONE:
            assert result["label"] == "1" and confidences[0] > SURELY
    else:
        with pytest.raises(AppError, match=case.api) as raised:
            client.predict(value, api_name="/classify")
        assert "Traceback" not in str(raised.value)


def test_malformed_sketch_values_are_refused_without_harm(client: Client) -> None:
    for value in ({"layers": "not a list"}, {"layers": [42], "composite": None}, "a string"):
        with pytest.raises(AppError, match="validation error"):
            client.predict(value, api_name="/classify")


def test_a_huge_request_body_is_refused(app_url: str) -> None:
    response = httpx.post(f"{app_url.rstrip('/')}/gradio_api/upload",
                          files={"files": ("huge.png", np.random.default_rng(0).bytes(6_000_000), "image/png")},
                          timeout=60)
    assert response.status_code == 413
    assert "maximum" in response.text.lower() or "too large" in response.text.lower()


def test_the_server_still_reads_a_drawing_after_the_corpus(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "one.png"
    Image.fromarray(drawn_one("transparent")).save(path)
    result = client.predict({"background": None, "layers": [handle_file(str(path))], "composite": None},
                            api_name="/classify")
    assert result["label"] == "1"


def test_random_arrays_give_a_network_input_or_a_clear_error() -> None:
    """Seeded random uint8 arrays of 2 and 3 dimensions: noise, blanks and blocks of every shape."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        shape = tuple(rng.integers(1, 200, 2)) + CHANNELS[rng.integers(len(CHANNELS))]
        kind = rng.integers(3)
        pixels = (rng.integers(0, 256, shape, dtype=np.uint8) if kind == 0
                  else np.full(shape, rng.integers(256), np.uint8))
        if kind == 2:
            pixels[tuple(slice(0, max(1, side // 2)) for side in shape[:2])] = rng.integers(256)
        try:
            seen = to_mnist(pixels)
        except ValueError as error:
            assert pixels.ndim == 3 and pixels.shape[2] == 5 and "Expected an HxW" in str(error)
            continue
        assert seen.shape == (28, 28) and seen.dtype == np.float32
        assert 0 <= seen.min() and seen.max() <= 1


# --- Overload ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_queue_url() -> str:
    """The app's own Blocks, with a queue that holds two events and serves one at a time."""
    demo = app.build()
    demo.queue(max_size=2, default_concurrency_limit=1)
    demo.launch(**app.launch_options(server_port=free_port()), prevent_thread_lock=True, quiet=True)
    yield demo.local_url.rstrip("/")
    demo.close()


async def join_all(url: str, body: dict, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60) as http:
        return await asyncio.gather(*[
            http.post(f"{url}/gradio_api/queue/join", json=body | {"session_hash": f"student{number}"})
            for number in range(count)
        ])


def test_a_flood_beyond_the_queue_is_refused_and_everyone_else_is_served(small_queue_url: str,
                                                                          tmp_path: Path) -> None:
    path = tmp_path / "one.png"
    Image.fromarray(drawn_one("transparent")).save(path)
    with open(path, "rb") as file:
        uploaded = httpx.post(f"{small_queue_url}/gradio_api/upload", files={"files": file}).json()[0]
    layer = {"path": uploaded, "meta": {"_type": "gradio.FileData"}}
    fn_index = next(index for index, fn in app.demo.fns.items() if fn.api_name == "classify")
    body = {"data": [{"background": None, "layers": [layer], "composite": None}], "fn_index": fn_index,
            "event_data": None, "trigger_id": None}

    responses = run(join_all(small_queue_url, body, 40))

    refused = [response for response in responses if response.status_code == 503]
    assert refused and all("Queue is full" in response.json()["detail"] for response in refused)
    assert any(response.status_code == 200 for response in responses)
    # The accepted events are served: the queue drains, and the next student gets an answer.
    deadline = time.monotonic() + 60
    while httpx.get(f"{small_queue_url}/gradio_api/queue/status").json()["queue_size"] and time.monotonic() < deadline:
        time.sleep(0.1)
    result = Client(small_queue_url, verbose=False).predict(body["data"][0] | {"layers": [handle_file(str(path))]},
                                                            api_name="/classify")
    assert result["label"] == "1"


# --- Damaged, foreign and unsafe model files --------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
@pytest.mark.parametrize("shipped", [SHIPPED.keras, SHIPPED.serving], ids=["keras", "tflite"])
def test_a_damaged_model_file_is_named_with_the_fix(tmp_path: Path, shipped: Path, damage: str) -> None:
    contents = {"truncated": shipped.read_bytes()[: shipped.stat().st_size // 2],
                "garbage": np.random.default_rng(0).bytes(4096), "empty": b""}[damage]
    path = tmp_path / shipped.name
    path.write_bytes(contents)
    load = load_keras_model if shipped.suffix == ".keras" else load_reader

    with pytest.raises(ModelError) as raised:
        load(path)
    message = str(raised.value)
    assert str(path) in message and REBUILD_COMMAND in message and "\n" not in message
    if load is load_reader:
        assert app.model_problem(ModelFiles(tmp_path)) == message  # the banner the app shows at start-up


def saved_network(path: Path, *layers: keras.layers.Layer, inputs: tuple = (28, 28, 1)) -> Path:
    keras.Sequential([keras.Input(inputs), *layers]).save(path)
    return path


def test_a_model_for_other_inputs_or_outputs_is_refused(tmp_path: Path) -> None:
    cases = {
        "(32, 32, 1)": saved_network(tmp_path / "bigger.keras", keras.layers.Flatten(), keras.layers.Dense(10),
                                     inputs=(32, 32, 1)),
        "to (5,)": saved_network(tmp_path / "five.keras", keras.layers.Flatten(), keras.layers.Dense(5)),
    }
    for shape, path in cases.items():
        exported = path.with_suffix(".tflite")
        export_serving_model(keras.saving.load_model(path), exported)
        for load, file in ((load_keras_model, path), (load_reader, exported)):
            with pytest.raises(ModelError, match=re.escape(shape)) as raised:
                load(file)
            assert REBUILD_COMMAND in str(raised.value)


def test_a_model_whose_outputs_do_not_name_their_layers_is_refused(tmp_path: Path) -> None:
    """Without the names export_serving_model gives them, nothing says which output is the probabilities."""
    image = keras.Input((28, 28, 1))
    pixels = keras.layers.Flatten()(image)
    two_outputs = keras.Model(image, [pixels, keras.layers.Dense(10)(pixels)])
    path = tmp_path / "two_outputs.tflite"
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(two_outputs).convert())
    with pytest.raises(ModelError, match="outputs do not say which layers") as raised:
        load_reader(path)
    assert REBUILD_COMMAND in str(raised.value)


def test_a_model_that_would_run_code_as_it_loads_is_refused(tmp_path: Path) -> None:
    path = saved_network(tmp_path / "lambda.keras", keras.layers.Lambda(lambda pixels: pixels * 2),
                         keras.layers.Flatten(), keras.layers.Dense(10))
    with pytest.raises(ModelError, match="Lambda"):
        load_keras_model(path)
