"""Every digit drawn by hand, as pen paths the way a person draws it: for tests and benchmarks that need drawings
whose reading is known, without the development set."""

import numpy as np


def arc(centre_x: float, centre_y: float, radius_x: float, radius_y: float, start: float, stop: float) -> list:
    """Pen positions along an elliptical arc, from ``start`` to ``stop`` degrees (clockwise on screen)."""
    angles = np.radians(np.linspace(start, stop, 24))
    return list(zip(centre_x + radius_x * np.cos(angles), centre_y + radius_y * np.sin(angles)))


# Hand-written pen paths (any units, y down), drawn the way a person draws each digit. Every digit
# is here, so a test that reads them all notices two digits' names or columns swapped.
STROKES = {
    "0": [arc(0, 0, 3, 5, 0, 360)],
    "1": [[(0, 0), (0, 10)]],
    "2": [arc(3, 2.5, 3, 2.5, 200, 360) + arc(3, 2.5, 3, 2.5, 0, 60)[1:] + [(0, 10), (6.5, 10)]],
    "3": [arc(3, 2.5, 3, 2.5, 210, 450) + arc(3, 7.5, 3.2, 2.5, 270, 510)[1:]],
    "4": [[(2, 0), (0, 6), (5, 6)], [(4, 3), (4, 10)]],
    "5": [[(6, 0), (1, 0), (0.5, 4.2)] + arc(3, 6.8, 3.2, 3.2, 230, 500)[3:]],
    "6": [[(5, 0), (2, 3)] + arc(3.2, 7, 3, 3, 200, 560)],
    "7": [[(0, 0), (6, 0), (2.5, 10)]],
    "8": [arc(3, 2.5, 2.5, 2.5, 90, -270) + arc(3, 7.5, 3, 2.5, 270, 630)],
    "9": [arc(3, 3, 3, 3, 0, 360) + [(6, 3), (5.5, 10)]],
}
