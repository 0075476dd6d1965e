"""The class board: the drawings a class sends, each read by every model, kept in memory, and what they add up to.

Students send drawings with the digit they meant; the server reads each one itself with each
model and keeps the 28x28 image the networks saw, the digit meant and each model's top three.
Nothing else is kept (no names, addresses or cookies), and nothing is written to disk unless the
teacher downloads the drawings. The board keeps the newest ``capacity`` drawings, so memory stays
bounded however many are sent. One lock guards it, held only to add, remove or copy; everything
a board shows is computed from one copy, so its counts always agree with the drawings it shows.
"""

import csv
import io
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from model.constants import IMAGE_SIDE, NUM_CLASSES

CAPACITY = 10_000
TOP = 3  # readings kept per model: the digit read, and the next two


class BoardPaused(Exception):
    """The teacher has paused sending."""


@dataclass(frozen=True)
class Drawing:
    """One drawing a student sent, as the networks saw it."""

    number: int  # the board's own count, from 1: names the drawing for the teacher
    seen: np.ndarray  # 28x28 uint8, white ink on black, as the networks read it
    meant: int
    readings: dict[str, tuple[tuple[int, float], ...]]  # model -> its top TOP (digit, probability), most likely first

    def read(self, model: str) -> int:
        return self.readings[model][0][0]

    def sure(self, model: str) -> float:
        return self.readings[model][0][1]

    def misread(self, model: str) -> bool:
        return self.read(model) != self.meant


def top_readings(probabilities: np.ndarray) -> tuple[tuple[int, float], ...]:
    """The TOP most likely digits of one reading (10 probabilities), most likely first."""
    order = np.argsort(-probabilities, kind="stable")[:TOP]
    return tuple((int(digit), float(probabilities[digit])) for digit in order)


class Board:
    """The newest ``capacity`` drawings sent, in the order they came; safe to use from many threads at once."""

    def __init__(self, models: Sequence[str], capacity: int = CAPACITY) -> None:
        self.models = tuple(models)
        self.capacity = capacity
        self._drawings: deque[Drawing] = deque(maxlen=capacity)
        self._lock = threading.Lock()
        self._sent = 0  # drawings ever added: the next one's number
        self._dropped = 0  # the oldest, pushed out to keep the newest ``capacity``
        self._version = 0  # changes whenever the drawings do, so a page can tell it has the latest
        self.paused = False

    def add(self, seen: np.ndarray, meant: int, readings: dict[str, np.ndarray]) -> Drawing:
        """Keep a drawing (``readings``: model -> its 10 probabilities); BoardPaused while sending is paused."""
        tops = {model: top_readings(readings[model]) for model in self.models}
        with self._lock:
            if self.paused:
                raise BoardPaused
            self._sent += 1
            drawing = Drawing(self._sent, seen, meant, tops)
            if len(self._drawings) == self.capacity:
                self._dropped += 1
            self._drawings.append(drawing)
            self._version += 1
        return drawing

    def remove(self, number: int) -> bool:
        """Take drawing ``number`` off the board; False if it is not there."""
        with self._lock:
            for drawing in self._drawings:
                if drawing.number == number:
                    self._drawings.remove(drawing)
                    self._version += 1
                    return True
        return False

    def clear(self) -> None:
        with self._lock:
            self._drawings.clear()
            self._dropped = 0
            self._version += 1

    def pause(self, paused: bool) -> None:
        with self._lock:
            self.paused = paused
            self._version += 1

    def snapshot(self) -> "Snapshot":
        """The drawings as they are now, with what the board knows of them, all as of one moment."""
        with self._lock:
            return Snapshot(tuple(self._drawings), self.models, self._version, self._dropped, self.paused,
                            self.capacity)


@dataclass(frozen=True)
class Snapshot:
    """The board at one moment: every figure a board shows comes from one of these."""

    drawings: tuple[Drawing, ...]
    models: tuple[str, ...]
    version: int
    dropped: int
    paused: bool
    capacity: int

    def confusion(self, model: str) -> np.ndarray:
        """10x10 counts: rows the digit meant, columns the digit ``model`` read."""
        matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
        for drawing in self.drawings:
            matrix[drawing.meant, drawing.read(model)] += 1
        return matrix

    def accuracy(self, model: str) -> float | None:
        """The share of drawings ``model`` read as meant, or None when there are none."""
        if not self.drawings:
            return None
        return sum(not drawing.misread(model) for drawing in self.drawings) / len(self.drawings)

    def misread(self, by: str, not_by: str | None = None) -> list[Drawing]:
        """The drawings ``by`` misreads (and ``not_by`` reads right, if given), the most confidently wrong first."""
        chosen = [drawing for drawing in self.drawings
                  if drawing.misread(by) and (not_by is None or not drawing.misread(not_by))]
        return sorted(chosen, key=lambda drawing: (-drawing.sure(by), drawing.number))

    def find(self, number: int) -> Drawing | None:
        return next((drawing for drawing in self.drawings if drawing.number == number), None)


def data_set(drawings: Iterable[Drawing], models: Sequence[str]) -> dict[str, np.ndarray]:
    """The drawings as arrays, for np.savez: the images, the digits meant, and each model's top readings."""
    drawings = list(drawings)
    arrays = {
        "number": np.array([drawing.number for drawing in drawings], np.int64),
        "images": np.array([drawing.seen for drawing in drawings], np.uint8).reshape(-1, IMAGE_SIDE, IMAGE_SIDE),
        "meant": np.array([drawing.meant for drawing in drawings], np.uint8),
    }
    for model in models:
        tops = np.array([drawing.readings[model] for drawing in drawings]).reshape(-1, TOP, 2)
        arrays[f"{model}_read"] = tops[:, :, 0].astype(np.uint8)  # each row: the digit read, then the next two
        arrays[f"{model}_probability"] = tops[:, :, 1].astype(np.float32)
    return arrays


def readings_csv(drawings: Iterable[Drawing], models: Sequence[str]) -> str:
    """One row per drawing: its number, the digit meant, and each model's top readings with their probabilities."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "meant", *(f"{model}_{field}{rank}" for model in models
                                          for rank in range(1, TOP + 1) for field in ("read", "probability"))])
    for drawing in drawings:
        writer.writerow([drawing.number, drawing.meant,
                         *(value for model in models for digit, probability in drawing.readings[model]
                           for value in (digit, f"{probability:.6f}"))])
    return out.getvalue()
