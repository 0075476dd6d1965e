"""The styles report's pen styles (benchmarks/pen_styles.py) add a style the way a writer would, once."""

import math

import numpy as np

from benchmarks.pen_styles import PEN_STYLES
from model.pen import arc

STYLES = {name: style for name, _, style in PEN_STYLES}
LOOP = arc((0.0, 0.0), math.pi / 2, 2 * math.pi * 0.25, turn=2 * math.pi)  # a 9's loop, from its right side
STEM = [(0.0, y) for y in np.linspace(0, 1, 21)]  # sampled as a pen samples it


def nine(foot: bool) -> list:
    """A 9 in one stroke: loop, stem down, and perhaps a foot the writer curled to the left."""
    stroke = [*LOOP, *STEM[1:]]
    return [stroke + (arc(STEM[-1], math.pi / 2, 0.3, turn=math.pi / 2)[1:] if foot else [])]


def test_a_curled_tail_replaces_the_foot_a_nine_had():
    curled = STYLES["9 with a curled tail"]
    with_foot, without = curled(nine(foot=True)), curled(nine(foot=False))
    # The foot is cut back to where it starts to turn away from the stem, and the tail leaves from there.
    for styled in (with_foot, without):
        assert len(styled) == 2
        stem, tail = np.asarray(styled[0]), np.asarray(styled[1])
        assert stem[-1][0] >= -0.05 and stem[-1][1] >= 1.0
        np.testing.assert_allclose(tail[0], stem[-1])
        assert off_vertical(tail[:2]) < math.radians(35) and off_vertical(stem[-2:]) < math.radians(35)


def off_vertical(segment: np.ndarray) -> float:
    """How far a segment's direction is from straight down."""
    (x, y), (to_x, to_y) = segment
    return abs(math.atan2(to_y - y, to_x - x) - math.pi / 2)


def test_a_hook_never_leaves_a_leaning_ones_top_above_it():
    leaning = [[(0.0, 0.0), (-0.45, 1.0)]]  # top right, bottom left
    for name in ("1 with a flag", "1 with a hook"):
        flagged = STYLES[name](leaning)
        assert min(y for stroke in flagged for _, y in stroke) >= -1e-9, name


def test_an_open_loop_leaves_out_where_a_nines_loop_closes():
    opened = STYLES["9 with its loop left open"](nine(foot=False))
    stroke = np.asarray(opened[0])
    # The loop closes at the top of the stem, where the pen landed; now it starts short of there.
    assert np.linalg.norm(stroke[0] - STEM[0]) > 0.1
    np.testing.assert_allclose(stroke[-len(STEM):], STEM, atol=1e-9)  # the stem as drawn
    # A 9 begun at the foot of its stem has no loop-closing start to leave out.
    assert STYLES["9 with its loop left open"]([nine(foot=False)[0][::-1]]) is None
