"""Writing styles added to pen-drawn digits the way a person adds them: as more pen strokes.

The styles report in sketch_accuracy.py reads the development drawings with each of these
applied, to check that the network reads the styles the sketch recipe teaches it (see
model/augment.py) on real handwriting rather than only on restyled MNIST digits. Each style
takes a digit's strokes (y pointing down, any units) and returns them restyled, or None
when the drawing has no place for the style.
"""

import math
from collections.abc import Callable
from itertools import pairwise

import numpy as np

from model.pen import Stroke, arc

PenStyle = Callable[[list[Stroke]], list[Stroke] | None]

SLASH_RISE = math.radians(60)  # a zero's slash, from lower left to upper right
SLASH_THROUGH = 0.65  # half the slash's length, as a fraction of the digit's height
SLASH_INSIDE = 0.3
BAR_DEPTH = 0.55  # where a 7's bar crosses its stem, as a fraction of the height
BAR_HALF_WIDTH = 0.22
FLAG_TURN = math.radians(40)  # a 1's flag, from its stem towards the left
FLAG_LENGTH = 0.45
HOOK_BEND = math.radians(30)
TAIL_STRAIGHT = 0.35  # a 9's stem carried on, as a fraction of the height
TAIL_CURL = 0.5
TAIL_CURL_TURN = math.radians(150)
TAIL_DIRECTION_SPAN = 0.15  # the end of a 9's stroke whose direction the tail follows
STEM_SPAN = 0.25  # the part of a 9's stroke, before its last STEM_SPAN, whose direction is its stem's
FOOT_TURN = math.radians(30)  # a stroke's end turned further than this from its stem is a foot
FOOT_SPAN = 0.05  # the length over which a foot's turn is measured, as a fraction of the height
# A 9 whose loop is left open: the pen lands this far along the loop, as a fraction of the height.
# Much further and the loop's top is gone: the drawing is an open-top 4 to the eye as well.
OPEN_LOOP_GAP = 0.15
LOOP_START_SPAN = 0.35  # a 9 drawn loop first starts this high up, as a fraction of the height


def _box(strokes: list[Stroke]) -> tuple[np.ndarray, np.ndarray]:
    points = np.concatenate([np.asarray(stroke, float) for stroke in strokes])
    return points.min(axis=0), points.max(axis=0)


def _slash(rise: float, half_length: float) -> PenStyle:
    def style(strokes: list[Stroke]) -> list[Stroke]:
        low, high = _box(strokes)
        centre, half = (low + high) / 2, half_length * (high - low)[1]
        direction = np.array([math.cos(rise), -math.sin(rise)])
        return [*strokes, [tuple(centre - half * direction), tuple(centre + half * direction)]]
    return style


def bar_seven(strokes: list[Stroke]) -> list[Stroke] | None:
    """A level bar across the stem of the 7's longest stroke; any bar the writer drew is left out."""
    body = np.asarray(max(strokes, key=len), float)
    low, high = _box([body])
    row = low[1] + BAR_DEPTH * (high - low)[1]
    crossings = [a[0] + (row - a[1]) / (b[1] - a[1]) * (b[0] - a[0])
                 for a, b in pairwise(body) if min(a[1], b[1]) <= row < max(a[1], b[1])]
    if not crossings:
        return None
    half = BAR_HALF_WIDTH * (high - low)[1]
    return [body.tolist(), [(crossings[-1] - half, row), (crossings[-1] + half, row)]]


def _flag(bend: float) -> PenStyle:
    """A 1 written as a stem from its top down, with this flag (bent by ``bend``) instead of any the writer drew."""
    def style(strokes: list[Stroke]) -> list[Stroke]:
        stem = _from_the_top(strokes)
        points = np.concatenate([np.asarray(stroke, float) for stroke in stem])
        top, bottom = points[points[:, 1].argmin()], points[points[:, 1].argmax()]
        angle = math.atan2(bottom[1] - top[1], bottom[0] - top[0])
        length = FLAG_LENGTH * (bottom[1] - top[1])
        # A flag or hook comes down from the stem's top: one leaving it higher than level would be the top.
        return [*stem, arc(tuple(top), min(angle + FLAG_TURN + bend, math.pi), length, turn=-bend)]
    return style


def _from_the_top(strokes: list[Stroke]) -> list[Stroke]:
    """The strokes without what led up to the highest point: a flag or lead-in the writer drew there."""
    which = min(range(len(strokes)), key=lambda index: min(y for _, y in strokes[index]))
    stroke = strokes[which]
    start = min(range(len(stroke)), key=lambda index: stroke[index][1])
    if len(stroke) - start < 2:  # drawn from the bottom up: the stroke ends at the top
        return strokes
    return [*strokes[:which], stroke[start:], *strokes[which + 1:]]


def open_four(strokes: list[Stroke]) -> list[Stroke] | None:
    """The 4s written in two strokes, as written: in this set their arm and stem do not meet at the top."""
    return strokes if len(strokes) == 2 else None


def _tail(length: float, turn: float) -> PenStyle:
    """A 9 with its stem carried on for ``length`` of its height, turning by ``turn``, in place of any foot it had."""
    def style(strokes: list[Stroke]) -> list[Stroke]:
        low, high = _box(strokes)
        height = (high - low)[1]
        stem = _without_foot(np.asarray(strokes[-1], float), height)
        direction = _heading(stem, TAIL_DIRECTION_SPAN * height)
        return [*strokes[:-1], stem.tolist(), arc(tuple(stem[-1]), direction, length * height, turn=turn)]
    return style


def open_loop_nine(strokes: list[Stroke]) -> list[Stroke] | None:
    """A 9 drawn loop first whose loop does not close: its first OPEN_LOOP_GAP of the height is not drawn.

    None for a 9 begun low down (from its stem, say), where there is no loop-closing start to leave out.
    """
    low, high = _box(strokes)
    height = (high - low)[1]
    first = np.asarray(strokes[0], float)
    if first[0, 1] - low[1] > LOOP_START_SPAN * height:
        return None
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(first, axis=0), axis=1))])
    kept = first[along >= OPEN_LOOP_GAP * height]
    return [kept.tolist(), *strokes[1:]] if len(kept) >= 2 else None


def _without_foot(stroke: np.ndarray, height: float) -> np.ndarray:
    """The stroke up to where its end turns away from its stem: a foot or curl the writer drew there is cut.

    A tail is a stem carried on; curling a stem that already curls would close it into an 8.
    """
    stem = _heading(stroke[:_before_end(stroke, STEM_SPAN * height) + 1], STEM_SPAN * height)
    end = len(stroke)
    while end > 2 and abs(_turn_between(_heading(stroke[:end], FOOT_SPAN * height), stem)) > FOOT_TURN:
        end -= 1
    return stroke[:end]


def _before_end(stroke: np.ndarray, span: float) -> int:
    """The index of the last point at least ``span`` from the stroke's end, in a straight line; 0 if none."""
    far = np.flatnonzero(np.linalg.norm(stroke - stroke[-1], axis=1) >= span)
    return int(far[-1]) if far.size else 0


def _heading(stroke: np.ndarray, span: float) -> float:
    """The direction the stroke runs over its last ``span``, as an angle from +x (y down)."""
    start, end = stroke[_before_end(stroke, span)], stroke[-1]
    return math.atan2(end[1] - start[1], end[0] - start[0])


def _turn_between(direction: float, reference: float) -> float:
    """``direction`` less ``reference``, within (-pi, pi]."""
    return (direction - reference + math.pi) % (2 * math.pi) - math.pi


# (name, digit, style), in the order the report prints them.
PEN_STYLES: list[tuple[str, int, PenStyle]] = [
    ("slashed 0, through the loop", 0, _slash(SLASH_RISE, SLASH_THROUGH)),
    ("slashed 0, inside the loop", 0, _slash(SLASH_RISE, SLASH_INSIDE)),
    ("slashed 0, leaning back", 0, _slash(math.pi - SLASH_RISE, SLASH_THROUGH)),
    ("1 with a flag", 1, _flag(0.0)),
    ("1 with a hook", 1, _flag(HOOK_BEND)),
    ("open-top 4 (two-stroke, as written)", 4, open_four),
    ("7 with a bar", 7, bar_seven),
    ("9 with a long straight stem", 9, _tail(TAIL_STRAIGHT, 0.0)),
    ("9 with a curled tail", 9, _tail(TAIL_CURL, TAIL_CURL_TURN)),
    ("9 with its loop left open", 9, open_loop_nine),
]
