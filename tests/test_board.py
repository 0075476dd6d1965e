"""The class board through the real app: students send drawings over the API, the teacher's key opens the board,
and every figure the board gives is the one the test computes itself from what it sent.

The app is served with a known key; each test starts from an empty board. Browser tests are in
tests/test_board_page.py.
"""

import json
import threading
from pathlib import Path

import httpx
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from drawings import STROKES
from model.constants import CANVAS_SIZE, SHIPPED, TUTORIAL
from model.preprocess import to_mnist
from model.serving import classify, load_reader
from support import BOARD_KEY
from testbench.canvas import draw_strokes, random_placement
from web.board import REFUSED

STUDENTS = 30
SENDS_EACH = 10
MODELS = {"shipped": SHIPPED, "tutorial": TUTORIAL}


@pytest.fixture
def teacher(app_url: str) -> Client:
    """A client with the key, on an empty board that takes drawings."""
    client = Client(app_url, verbose=False)
    client.predict(BOARD_KEY, api_name="/board_clear")
    client.predict(BOARD_KEY, False, api_name="/board_pause")
    return client


def sketch_of(path: Path) -> dict:
    """A Sketchpad value as the page sends it: the stroke layer, uploaded."""
    return {"background": None, "layers": [handle_file(str(path))], "composite": None}


def drawing(folder: Path, name: str, canvas: np.ndarray) -> Path:
    path = folder / f"{name}.png"
    Image.fromarray(canvas).save(path)
    return path


@pytest.fixture(scope="module")
def class_drawings(tmp_path_factory) -> list[list[tuple[Path, int, np.ndarray]]]:
    """Each student's ten drawings (every digit, in their own size and brush) with the digit they say they meant:
    the digit drawn, except that each student means another digit once, as a class's jokers do."""
    folder = tmp_path_factory.mktemp("class")
    rng = np.random.default_rng(0)
    students = []
    for student in range(STUDENTS):
        sends = []
        for digit in STROKES:
            canvas = draw_strokes(STROKES[digit], random_placement(rng), "transparent")
            meant = (int(digit) + 1) % 10 if int(digit) == student % 10 else int(digit)
            sends.append((drawing(folder, f"{student}-{digit}", canvas), meant, canvas))
        students.append(sends)
    return students


def expected_board(sends: list[tuple[Path, int, np.ndarray]]) -> dict:
    """What the board must say of ``sends``, from the test's own reading of each with ``classify``."""
    expected = {}
    for model, files in MODELS.items():
        reader = load_reader(files.serving)
        read = [max(scores := classify(canvas, reader), key=scores.get) for _, _, canvas in sends]
        confusion = np.zeros((10, 10), int)
        for (_, meant, _), digit in zip(sends, read):
            confusion[meant, int(digit)] += 1
        expected[model] = confusion
    return expected


def test_a_class_of_thirty_sends_and_the_board_counts_every_drawing_as_classify_reads_it(
        teacher: Client, app_url: str, class_drawings) -> None:
    failures = []

    def student(sends: list) -> None:
        client = Client(app_url, verbose=False)
        for path, meant, _ in sends:
            try:
                reply = client.predict(sketch_of(path), meant, api_name="/send")
                assert reply.startswith(f"On the class board: your {meant} (drawing "), reply
            except Exception as error:  # noqa: BLE001 - reported below, with the rest
                failures.append(repr(error))

    threads = [threading.Thread(target=student, args=(sends,)) for sends in class_drawings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []

    board = teacher.predict(BOARD_KEY, api_name="/board")
    sent = [send for sends in class_drawings for send in sends]
    expected = expected_board(sent)
    assert board["drawings"] == STUDENTS * SENDS_EACH
    for model, confusion in expected.items():
        assert np.array_equal(board["confusion"][model], confusion), model
        assert board["accuracy"][model] == pytest.approx(np.trace(confusion) / len(sent)), model
    misread_by = {number: set(entry["misread_by"]) for number, entry in
                  ((entry["number"], entry) for entry in board["misread"])}
    for model, confusion in expected.items():
        assert sum(model in models for models in misread_by.values()) == confusion.sum() - np.trace(confusion)
    assert board["paused"] is False and board["dropped"] == 0


def send(client: Client, canvas_path: Path, meant: object) -> str:
    return client.predict(sketch_of(canvas_path), meant, api_name="/send")


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> Path:
    return drawing(tmp_path_factory.mktemp("seven"), "seven",
                   draw_strokes(STROKES["7"], random_placement(np.random.default_rng(1)), "transparent"))


@pytest.mark.parametrize("key", [None, "", "wrong", "x" * 10_000, BOARD_KEY[:-1], BOARD_KEY + " "],
                         ids=["none", "empty", "wrong", "very-long", "a-prefix", "trailing-space"])
def test_the_board_refuses_any_key_but_the_teachers_and_says_nothing_of_it(teacher: Client, seven: Path,
                                                                           key: object) -> None:
    send(teacher, seven, 7)
    for endpoint, args in (("/board", ()), ("/board_clear", ()), ("/board_pause", (True,)),
                           ("/board_remove", (1,)), ("/board_download", ())):
        with pytest.raises(AppError) as refused:
            teacher.predict(key, *args, api_name=endpoint)
        assert str(refused.value) == REFUSED, endpoint
    board = teacher.predict(BOARD_KEY, api_name="/board")
    assert board["drawings"] == 1 and board["paused"] is False


def test_taking_a_drawing_off_leaves_every_count_as_if_it_had_not_been_sent(teacher: Client, tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    sends = [(drawing(tmp_path, str(index), canvas := draw_strokes(STROKES[digit], random_placement(rng),
                                                                    "transparent")), int(digit), canvas)
             for index, digit in enumerate("1774")]
    numbers = [int(send(teacher, path, meant).rsplit(" ", 1)[1].rstrip(").")) for path, meant, _ in sends]
    teacher.predict(BOARD_KEY, numbers[1], api_name="/board_remove")
    kept = [sends[0], *sends[2:]]
    board = teacher.predict(BOARD_KEY, api_name="/board")
    assert board["drawings"] == len(kept)
    for model, confusion in expected_board(kept).items():
        assert np.array_equal(board["confusion"][model], confusion)
    with pytest.raises(AppError, match=f"Drawing {numbers[1]} is not on the board"):
        teacher.predict(BOARD_KEY, numbers[1], api_name="/board_remove")
    assert teacher.predict(BOARD_KEY, api_name="/board_clear") == "The board is empty."
    board = teacher.predict(BOARD_KEY, api_name="/board")
    assert board["drawings"] == 0 and board["misread"] == [] and board["accuracy"]["shipped"] is None
    assert not np.any(board["confusion"]["shipped"])


def test_pausing_refuses_sends_with_a_message_until_resumed(teacher: Client, seven: Path) -> None:
    assert teacher.predict(BOARD_KEY, True, api_name="/board_pause") == "Sending is paused."
    with pytest.raises(AppError, match="The teacher has paused the class board"):
        send(teacher, seven, 7)
    assert teacher.predict(BOARD_KEY, api_name="/board")["drawings"] == 0
    teacher.predict(BOARD_KEY, False, api_name="/board_pause")
    assert send(teacher, seven, 7).startswith("On the class board: your 7")


def test_the_download_gives_back_exactly_the_drawings_and_digits_sent(teacher: Client, seven: Path,
                                                                      tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    canvases = [draw_strokes(STROKES[digit], random_placement(rng), "transparent") for digit in "0369"]
    meant = [0, 3, 5, 9]
    for index, (canvas, digit) in enumerate(zip(canvases, meant)):
        send(teacher, drawing(tmp_path, str(index), canvas), digit)
    npz, csv = teacher.predict(BOARD_KEY, api_name="/board_download")
    with np.load(npz) as data:
        assert data["images"].dtype == np.uint8 and data["images"].shape == (4, 28, 28)
        for image, canvas in zip(data["images"], canvases):
            assert np.array_equal(image, np.round(to_mnist(canvas) * 255).astype(np.uint8))
        assert data["meant"].tolist() == meant
        for model, files in MODELS.items():
            reader = load_reader(files.serving)
            read = [int(max(scores := classify(canvas, reader), key=scores.get)) for canvas in canvases]
            assert data[f"{model}_read"][:, 0].tolist() == read, model
    rows = Path(csv).read_text().splitlines()
    assert rows[0].startswith("number,meant,shipped_read1,shipped_probability1,")
    assert [row.split(",")[1] for row in rows[1:]] == [str(digit) for digit in meant]


@pytest.mark.parametrize("value, meant, why", [
    (None, 7, "Draw a digit first"),
    ("blank", 7, "Draw a digit first"),
    ("text", 7, "could not be read"),
    ("seven", 10, "a whole number from 0 to 9"),
    ("seven", -1, "a whole number from 0 to 9"),
    ("seven", "7", "a whole number from 0 to 9"),
    ("seven", 7.5, "a whole number from 0 to 9"),
    ("seven", None, "a whole number from 0 to 9"),
    ("seven", True, "a whole number from 0 to 9"),
], ids=["no-drawing", "blank-sheet", "not-an-image", "ten", "minus-one", "a-string", "a-float", "none", "a-bool"])
def test_a_bad_send_gets_one_sentence_and_leaves_the_board(teacher: Client, seven: Path, tmp_path: Path,
                                                           value: object, meant: object, why: str) -> None:
    if value == "blank":
        value = sketch_of(drawing(tmp_path, "blank", np.zeros((CANVAS_SIZE, CANVAS_SIZE, 4), np.uint8)))
    elif value == "text":
        (tmp_path / "notes.png").write_text("not a picture")
        value = sketch_of(tmp_path / "notes.png")
    elif value == "seven":
        value = sketch_of(seven)
    with pytest.raises(AppError) as refused:
        teacher.predict(value, meant, api_name="/send")
    assert why in str(refused.value) and "\n" not in str(refused.value) and "Traceback" not in str(refused.value)
    assert teacher.predict(BOARD_KEY, api_name="/board")["drawings"] == 0


def test_a_fifty_megabyte_send_is_refused_and_leaves_the_board(teacher: Client, app_url: str,
                                                               tmp_path: Path) -> None:
    """Refused before it reaches the board: by the client, which knows the app's limit, and by the server."""
    huge = b"\x89PNG\r\n\x1a\n" + np.random.default_rng(0).bytes(50 * 2**20)
    (tmp_path / "huge.png").write_bytes(huge)
    with pytest.raises(ValueError, match="exceeds the maximum file size of 4194304 bytes"):
        send(teacher, tmp_path / "huge.png", 7)
    response = httpx.post(f"{app_url.rstrip('/')}/gradio_api/upload", files={"files": ("huge.png", huge)},
                          timeout=120)
    assert response.status_code == 413 and response.text == "File size exceeded maximum allowed size of 4194304 bytes."
    assert teacher.predict(BOARD_KEY, api_name="/board")["drawings"] == 0


def test_a_board_summary_is_json(teacher: Client, seven: Path) -> None:
    send(teacher, seven, 1)
    assert json.loads(json.dumps(teacher.predict(BOARD_KEY, api_name="/board")))["misread"][0]["meant"] == 1
