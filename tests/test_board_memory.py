"""The class board in memory (model/board.py), what its page and API are given (model.classroom's board views),
and its door (web/board.py): known answers from hand-made drawings and readings, in process."""

import base64
import csv
import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import app
from drawings import STROKES, drawn
from model.board import Board, BoardPaused, data_set, readings_csv, top_readings
from model.classroom import (
    BOARD_SHOWS,
    THUMBNAILS_PER_PAGE,
    board_confusion,
    board_drawing_inside,
    board_drawings,
    board_summary,
    board_view,
)
from model.constants import SHIPPED, TUTORIAL
from model.preprocess import to_mnist
from model.records import recorded_architecture
from model.serving import load_reader, predict_seen
from testbench.canvas import draw_strokes, random_placement
from web.board import BOARD_KEY_ENV, LONGEST_KEY, BoardKey, SendLimit


def decoded(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


def reading(digit: int, sure: float = 0.91) -> np.ndarray:
    """Ten probabilities: ``sure`` on ``digit``, the rest shared out unevenly so that no two are equal."""
    rest = np.arange(1, 10, dtype=float)
    probabilities = np.insert(rest / rest.sum() * (1 - sure), digit, sure)
    return probabilities


def seen(number: int) -> np.ndarray:
    return np.full((28, 28), number % 256, np.uint8)


# Hand-made: (meant, shipped reads, how sure, tutorial reads, how sure), numbered 1.. as sent.
SENT = [(7, 7, 0.99, 1, 0.62), (1, 1, 0.97, 7, 0.81), (4, 9, 0.55, 9, 0.93), (0, 0, 0.88, 0, 0.9),
        (9, 4, 0.71, 9, 0.6), (1, 7, 0.64, 1, 0.99), (3, 3, 0.5, 3, 0.51)]


@pytest.fixture
def board() -> Board:
    board = Board(["shipped", "tutorial"])
    for number, (meant, shipped, shipped_sure, tutorial, tutorial_sure) in enumerate(SENT, start=1):
        board.add(seen(number), meant, {"shipped": reading(shipped, shipped_sure),
                                        "tutorial": reading(tutorial, tutorial_sure)})
    return board


def test_the_top_readings_are_the_three_likeliest_digits_most_likely_first() -> None:
    probabilities = reading(4, 0.5)
    assert top_readings(probabilities) == ((4, 0.5), (9, pytest.approx(0.1)), (8, pytest.approx(0.5 / 45 * 8)))


def test_each_drawing_keeps_its_number_image_digit_meant_and_both_readings(board: Board) -> None:
    drawings = board.snapshot().drawings
    assert [drawing.number for drawing in drawings] == list(range(1, len(SENT) + 1))
    third = drawings[2]
    assert third.meant == 4 and np.array_equal(third.seen, seen(3))
    assert (third.read("shipped"), third.sure("shipped"), third.read("tutorial")) == (9, 0.55, 9)
    assert third.readings["shipped"][1:] == top_readings(reading(9, 0.55))[1:]
    assert [drawing.misread("shipped") for drawing in drawings] == [False, False, True, False, True, True, False]
    assert [drawing.misread("tutorial") for drawing in drawings] == [True, True, True, False, False, False, False]


def test_the_confusion_matrices_count_meant_by_read(board: Board) -> None:
    snapshot = board.snapshot()
    for model, read_column in (("shipped", 1), ("tutorial", 3)):
        expected = np.zeros((10, 10), int)
        for sent in SENT:
            expected[sent[0], sent[read_column]] += 1
        assert np.array_equal(snapshot.confusion(model), expected), model
    assert snapshot.confusion("shipped")[4, 9] == 1 and snapshot.confusion("shipped")[9, 4] == 1
    assert snapshot.accuracy("shipped") == pytest.approx(4 / 7)
    assert snapshot.accuracy("tutorial") == pytest.approx(4 / 7)
    assert Board(["shipped"]).snapshot().accuracy("shipped") is None


def test_the_misread_drawings_come_most_confidently_wrong_first(board: Board) -> None:
    snapshot = board.snapshot()
    assert [drawing.number for drawing in snapshot.misread("shipped")] == [5, 6, 3]  # 0.71, 0.64, 0.55
    assert [drawing.number for drawing in snapshot.misread("tutorial")] == [3, 2, 1]  # 0.93, 0.81, 0.62
    assert [drawing.number for drawing in snapshot.misread("tutorial", not_by="shipped")] == [2, 1]
    assert [drawing.number for drawing in snapshot.misread("shipped", not_by="tutorial")] == [5, 6]
    assert snapshot.find(4).meant == 0 and snapshot.find(99) is None


def test_equally_sure_misreads_keep_the_order_they_were_sent_in() -> None:
    board = Board(["shipped"])
    for number in range(1, 4):
        board.add(seen(number), 1, {"shipped": reading(7, 0.8)})
    assert [drawing.number for drawing in board.snapshot().misread("shipped")] == [1, 2, 3]


def test_removing_clearing_and_pausing_change_the_version_and_nothing_else(board: Board) -> None:
    version = board.snapshot().version
    assert board.remove(3) and not board.remove(3)
    assert [drawing.number for drawing in board.snapshot().drawings] == [1, 2, 4, 5, 6, 7]
    assert board.snapshot().version == version + 1
    board.pause(True)
    assert board.snapshot().paused and board.snapshot().version == version + 2
    with pytest.raises(BoardPaused):
        board.add(seen(8), 8, {"shipped": reading(8), "tutorial": reading(8)})
    assert len(board.snapshot().drawings) == 6
    board.pause(False)
    added = board.add(seen(8), 8, {"shipped": reading(8), "tutorial": reading(8)})
    assert added.number == 8  # numbers are never reused
    board.clear()
    snapshot = board.snapshot()
    assert snapshot.drawings == () and snapshot.dropped == 0 and snapshot.version == version + 5
    assert board.add(seen(9), 9, {"shipped": reading(9), "tutorial": reading(9)}).number == 9


def test_the_boards_json_gives_every_figure_and_every_misread_drawing(board: Board) -> None:
    summary = board_summary(board.snapshot())
    assert summary["drawings"] == 7 and summary["paused"] is False and summary["dropped"] == 0
    assert summary["capacity"] == 10_000
    assert summary["accuracy"] == {"shipped": pytest.approx(4 / 7), "tutorial": pytest.approx(4 / 7)}
    assert summary["confusion"]["shipped"][9][4] == 1 and summary["confusion"]["tutorial"][7][1] == 1
    # Misread by either model, the most confidently wrong first (by the surer of the two that misread it).
    assert [entry["number"] for entry in summary["misread"]] == [3, 2, 5, 6, 1]
    third = summary["misread"][0]
    assert third["meant"] == 4 and third["misread_by"] == ["shipped", "tutorial"]
    assert third["read"]["shipped"][0] == [9, 0.55] and third["read"]["tutorial"][0] == [9, 0.93]
    assert summary["misread"][1]["misread_by"] == ["tutorial"]


def test_the_headline_gives_the_count_and_each_models_accuracy_side_by_side(board: Board) -> None:
    view = board_view(board.snapshot())
    assert (view["count"], view["drawings"], view["capacity"], view["dropped"]) == ("7", "drawings", "10,000", "")
    assert view["models"] == [{"name": "the shipped model", "accuracy": "57.1%"},
                              {"name": "the tutorial's model", "accuracy": "57.1%"}]
    assert view["paused"] is False
    one = Board(["shipped"])
    one.add(seen(1), 1, {"shipped": reading(1)})
    assert board_view(one.snapshot())["drawings"] == "drawing"
    assert board_view(Board(["shipped"]).snapshot())["models"] == [{"name": "the shipped model", "accuracy": "–"}]


def test_each_models_matrix_says_whose_it_is_and_counts_the_digit_meant_by_the_digit_read(board: Board) -> None:
    view = board_confusion(board.snapshot(), "tutorial")
    assert view["name"] == "The tutorial's model's confusion matrix" and view["rows_are"] == "meant"
    assert view["caption"] == ("The tutorial's model. 7 drawings: 57.14% read correctly, 3 misread. Rows: the digit "
                               "meant. Columns: the digit the network read.")
    assert [cell["count"] for cell in view["rows"][7]["cells"]] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert view["rows"][9]["accuracy"] == "100.0%" and view["rows"][1]["accuracy"] == "50.0%"
    one = Board(["shipped"])
    one.add(seen(1), 1, {"shipped": reading(1)})
    assert board_confusion(one.snapshot(), "shipped")["caption"].startswith(
        "The shipped model. 1 drawing: 100.00% read correctly, 0 misread.")


def test_the_thumbnails_show_the_chosen_misreads_a_page_at_a_time(board: Board) -> None:
    page = board_drawings(board.snapshot(), "tutorial-only", 1)
    assert page["title"] == "The tutorial's model misreads it, the shipped one doesn't: 2"
    assert (page["page"], page["pages"]) == (1, 1)
    first = page["drawings"][0]
    assert (first["number"], first["caption"]) == (2, "1→7 81%")
    assert first["label"] == ("1→7 81%: drawing 2, meant 1, the tutorial's model reads 7, 81% sure, the shipped "
                              "model reads 1")
    assert first["picture"].startswith("data:image/png;base64,")
    shipped = board_drawings(board.snapshot(), "shipped", 1)
    assert [drawing["caption"] for drawing in shipped["drawings"]] == ["9→4 71%", "1→7 64%", "4→9 55%"]
    assert shipped["drawings"][0]["label"] == "9→4 71%: drawing 5, meant 9, the shipped model reads 4, 71% sure"


def test_pages_hold_at_most_a_screenful_and_a_page_past_the_end_shows_the_last() -> None:
    board = Board(["shipped", "tutorial"])
    count = 2 * THUMBNAILS_PER_PAGE + 5
    for number in range(1, count + 1):
        board.add(seen(number), 1, {"shipped": reading(7, 0.5 + number / 1000), "tutorial": reading(1)})
    second = board_drawings(board.snapshot(), "shipped", 2)
    assert (second["page"], second["pages"], len(second["drawings"])) == (2, 3, THUMBNAILS_PER_PAGE)
    assert second["drawings"][0]["number"] == count - THUMBNAILS_PER_PAGE  # the surest first
    last = board_drawings(board.snapshot(), "shipped", 99)
    assert (last["page"], len(last["drawings"])) == (3, 5)
    assert board_drawings(board.snapshot(), "shipped", 0)["page"] == 1
    assert board_drawings(board.snapshot(), "tutorial", 1)["drawings"] == []
    assert set(BOARD_SHOWS) == {"shipped", "tutorial", "tutorial-only"}


def test_a_board_without_the_tutorials_model_shows_no_comparison() -> None:
    board = Board(["shipped"])
    board.add(seen(1), 1, {"shipped": reading(7)})
    assert board_drawings(board.snapshot(), "tutorial-only", 1)["drawings"] == []
    assert [drawing["number"] for drawing in board_drawings(board.snapshot(), "shipped", 1)["drawings"]] == [1]


def test_the_data_set_holds_the_images_digits_meant_and_readings_in_order(board: Board) -> None:
    arrays = data_set(board.snapshot().drawings, ["shipped", "tutorial"])
    assert arrays["number"].tolist() == list(range(1, 8))
    assert arrays["images"].dtype == np.uint8 and arrays["images"].shape == (7, 28, 28)
    assert np.array_equal(arrays["images"][2], seen(3))
    assert arrays["meant"].tolist() == [sent[0] for sent in SENT]
    assert arrays["shipped_read"][:, 0].tolist() == [sent[1] for sent in SENT]
    assert arrays["tutorial_read"][:, 0].tolist() == [sent[3] for sent in SENT]
    assert arrays["tutorial_probability"][:, 0] == pytest.approx([sent[4] for sent in SENT])
    assert arrays["shipped_read"].shape == (7, 3) and arrays["shipped_probability"].dtype == np.float32
    assert arrays["number"].dtype == np.int64 and arrays["meant"].dtype == arrays["shipped_read"].dtype == np.uint8
    empty = data_set((), ["shipped"])
    assert empty["images"].shape == (0, 28, 28) and empty["shipped_read"].shape == (0, 3)
    assert [empty[name].dtype for name in ("number", "images", "meant", "shipped_read", "shipped_probability")] == [
        np.int64, np.uint8, np.uint8, np.uint8, np.float32]


def test_the_csv_has_a_row_of_readings_for_each_drawing(board: Board) -> None:
    text = readings_csv(board.snapshot().drawings, ["shipped", "tutorial"])
    assert "\r" not in text and text.endswith("\n")  # plain lines, whatever the platform
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["number", "meant", "shipped_read1", "shipped_probability1", "shipped_read2",
                       "shipped_probability2", "shipped_read3", "shipped_probability3", "tutorial_read1",
                       "tutorial_probability1", "tutorial_read2", "tutorial_probability2", "tutorial_read3",
                       "tutorial_probability3"]
    assert rows[3][:4] == ["3", "4", "9", "0.550000"] and rows[3][8:10] == ["9", "0.930000"]
    assert len(rows) == 1 + len(SENT)


# --- The door: the teacher's key, and the limit on sends -------------------------------------------------


def test_the_key_is_the_one_given_or_the_environments_or_a_random_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BOARD_KEY_ENV, raising=False)
    given = BoardKey("sesame")
    assert given.admits("sesame") and not given.made_up
    assert given.address("http://school.example:7860/") == "http://school.example:7860/board?key=sesame"
    monkeypatch.setenv(BOARD_KEY_ENV, "from-the-space")
    assert BoardKey().admits("from-the-space") and not BoardKey().made_up
    assert BoardKey("given-wins").admits("given-wins")
    monkeypatch.delenv(BOARD_KEY_ENV)
    made_up, other = BoardKey(), BoardKey()
    assert made_up.made_up and made_up.address("http://x/") != other.address("http://x/")
    key = made_up.address("http://x/").split("key=")[1]
    assert len(key) == 16 and made_up.admits(key)
    assert given.address("http://LAB-BOX/") == "http://LAB-BOX/board?key=sesame"


@pytest.mark.parametrize("offered", [None, "", "sesam", "sesame ", "SESAME", "x" * (LONGEST_KEY + 1), 42,
                                     b"sesame", ["sesame"]])
def test_anything_but_the_key_is_refused(offered: object) -> None:
    assert not BoardKey("sesame").admits(offered)


def test_a_key_as_long_as_allowed_still_opens_the_board() -> None:
    key = "k" * LONGEST_KEY
    assert BoardKey(key).admits(key)


def test_the_send_limit_allows_a_burst_then_a_steady_rate() -> None:
    limit = SendLimit(per_second=1000, burst=5)
    assert [limit.take() for _ in range(5)] == [True] * 5
    started = time.monotonic()
    while not limit.take():  # refilled at 1,000 a second: within milliseconds
        assert time.monotonic() - started < 5
    slow = SendLimit(per_second=0.001, burst=2)
    assert [slow.take() for _ in range(4)] == [True, True, False, False]
    assert [SendLimit(per_second=0.001, burst=1).take() for _ in range(2)] == [True, True]  # two buckets of one


# --- Bounded, and consistent under a crowd ------------------------------------------------------------


def test_the_board_keeps_the_newest_ten_thousand_and_says_it_dropped_the_rest() -> None:
    board = Board(["shipped", "tutorial"])
    for number in range(1, 10_051):
        seen = np.full((28, 28), number % 256, np.uint8)
        board.add(seen, number % 10, {"shipped": reading(number % 10), "tutorial": reading((number + 1) % 10)})
    snapshot = board.snapshot()
    assert [drawing.number for drawing in snapshot.drawings] == list(range(51, 10_051))
    assert snapshot.dropped == 50 and len(snapshot.drawings) == 10_000
    assert snapshot.accuracy("shipped") == 1.0 and snapshot.accuracy("tutorial") == 0.0
    assert board_view(snapshot)["dropped"] == "50"


def test_the_send_handler_keeps_the_newest_drawings_of_a_full_board(tmp_path: Path) -> None:
    """The real handler on a board of five: the sixth send pushes out the first."""
    board = Board(["shipped", "tutorial"], capacity=5)
    sending = dict(board=board, models={"shipped": SHIPPED, "tutorial": TUTORIAL}, limit=SendLimit(100, 100))
    rng = np.random.default_rng(4)
    for index in range(7):
        canvas = draw_strokes(STROKES["1"], random_placement(rng), "transparent")
        path = tmp_path / f"{index}.png"
        Image.fromarray(canvas).save(path)
        app.send_drawing({"background": None, "layers": [{"path": str(path)}], "composite": None}, 1, **sending)
    assert [drawing.number for drawing in board.snapshot().drawings] == [3, 4, 5, 6, 7]


def test_sends_past_the_limit_are_told_the_board_is_busy(tmp_path: Path) -> None:
    board = Board(["shipped"])
    sending = dict(board=board, models={"shipped": SHIPPED}, limit=SendLimit(per_second=0.001, burst=3))
    seven = tmp_path / "seven.png"
    Image.fromarray(drawn("7")).save(seven)
    value = {"background": None, "layers": [{"path": str(seven)}], "composite": None}
    replies = [app.send_from_page(value, 7, **sending) for _ in range(5)]
    assert replies[:3] == [f"On the class board: your 7 (drawing {number})." for number in (1, 2, 3)]
    assert replies[3:] == [f"Not sent: {app.BUSY}"] * 2
    assert len(board.snapshot().drawings) == 3


def test_counts_always_agree_with_the_drawings_while_a_class_sends_and_the_teacher_clears() -> None:
    board = Board(["shipped", "tutorial"], capacity=500)
    stop = threading.Event()
    seen = np.zeros((28, 28), np.uint8)

    def student(digit: int) -> None:
        while not stop.is_set():
            board.add(seen, digit, {"shipped": reading(digit), "tutorial": reading((digit * 3) % 10)})

    def teacher() -> None:
        while not stop.is_set():
            drawings = board.snapshot().drawings
            if drawings:
                board.remove(drawings[len(drawings) // 2].number)
            if len(drawings) > 300:
                board.clear()

    threads = [threading.Thread(target=student, args=(student_number % 10,)) for student_number in range(30)]
    threads.append(threading.Thread(target=teacher))
    for thread in threads:
        thread.start()
    try:
        for _ in range(300):
            summary = board_summary(board.snapshot())
            for model in ("shipped", "tutorial"):
                assert np.sum(summary["confusion"][model]) == summary["drawings"]
            # The shipped model reads every digit as meant here, the tutorial's model all but 0 and 5 wrongly.
            confusion = np.array(summary["confusion"]["tutorial"])
            assert len(summary["misread"]) == confusion.sum() - np.trace(confusion)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    snapshot = board.snapshot()
    assert len({drawing.number for drawing in snapshot.drawings}) == len(snapshot.drawings)


def test_a_drawing_opens_inside_either_network(board: Board) -> None:
    four = np.round(to_mnist(drawn("4")) * 255).astype(np.uint8)  # ink from faint grey to full 255
    board.add(four, 4, {"shipped": reading(4), "tutorial": reading(9)})
    drawing = board.snapshot().find(len(SENT) + 1)
    view = board_drawing_inside(drawing, "tutorial", load_reader(TUTORIAL.serving), recorded_architecture(
        TUTORIAL.metrics))
    assert view["source"] == "Drawing 8 on the class board, meant as 4, read by the tutorial's model"
    assert [step["name"] for step in view["steps"]][:2] == ["input", "conv2d"]
    assert np.array_equal(np.asarray(decoded(view["steps"][0]["picture"])), drawing.seen)  # the image kept, as is
    probabilities = predict_seen((drawing.seen / 255)[None], load_reader(TUTORIAL.serving))[0]
    assert [bar["probability"] for bar in view["bars"]] == pytest.approx(probabilities.tolist())
