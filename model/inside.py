"""What the network does with one image, layer by layer, and which of its pixels mattered.

Everything here runs on the serving model (``model.serving.LiteReader``): its layer outputs,
exported beside the probabilities, and its ordinary readings in batches. Looking inside
costs one inference, plus one batch for the occlusion map, and no TensorFlow.
"""

from dataclasses import dataclass

import numpy as np

from model.data import scale
from model.serving import LiteReader, predict_seen

# Which pixels mattered, by occlusion: blank out one square of the image at a time and see how
# far the network's evidence for the top digit falls. Squares about two strokes wide, overlapping,
# show which strokes it leans on; squares over blank paper change nothing and are skipped.
# Evidence is measured in log-odds, not probability: a confident answer stays near 100% when
# one stroke is hidden, which would hide what each stroke contributes.
OCCLUSION_PATCH = 6
OCCLUSION_STRIDE = 2
SURE = 1e-7  # probabilities are kept this far from 0 and 1, where log-odds are infinite
READING_BATCH = 50  # LiteRT reads the test set fastest in small batches (0.3 s, against 0.6 s in 1000s)


@dataclass(frozen=True)
class Inside:
    """One 28x28 image as the network processes it."""

    seen: np.ndarray  # the input, 28x28 in [0, 1]
    layers: dict[str, np.ndarray]  # layer name -> its output for this image, input to output
    probabilities: np.ndarray  # (10,), exactly as classify() gives them
    mattered: np.ndarray  # 28x28: how far hiding each pixel's neighbourhood lowers the evidence for the answer

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())


@dataclass(frozen=True)
class Misread:
    """A test image the network reads wrongly."""

    index: int  # in the test set
    written: int
    read: int
    confidence: float  # the network's probability for the digit it read


def look_inside(seen: np.ndarray, reader: LiteReader) -> Inside:
    """Every layer's output for ``seen``, its probabilities, and which pixels mattered to its answer."""
    probabilities = predict_seen(seen[None], reader)[0]
    layers = {name: values[0] for name, values in reader.layer_outputs(seen[None, ..., None]).items()}
    return Inside(seen, layers, probabilities, occlusion_map(seen, int(probabilities.argmax()), reader))


def occlusion_map(seen: np.ndarray, digit: int, reader: LiteReader, patch: int = OCCLUSION_PATCH,
                  stride: int = OCCLUSION_STRIDE) -> np.ndarray:
    """For each pixel, the mean fall in the log-odds of ``digit`` when a square covering it is blanked.

    Positive where the pixels are evidence for ``digit``, negative where hiding them makes it likelier.
    """
    height, width = seen.shape
    corners = [(top, left) for top in range(0, height - patch + 1, stride)
               for left in range(0, width - patch + 1, stride)]
    inked = [(top, left) for top, left in corners if seen[top:top + patch, left:left + patch].any()]
    hidden = np.repeat(seen[None], len(inked) + 1, axis=0)  # the first stays whole, for comparison
    for copy, (top, left) in enumerate(inked, start=1):
        hidden[copy, top:top + patch, left:left + patch] = 0
    probability = np.clip(reader(hidden[..., None])[:, digit].astype(np.float64), SURE, 1 - SURE)
    evidence = np.log(probability) - np.log1p(-probability)
    fall = np.zeros_like(seen, dtype=np.float64)
    covered = np.zeros_like(seen, dtype=np.float64)
    for (top, left), drop in zip(inked, evidence[0] - evidence[1:]):
        fall[top:top + patch, left:left + patch] += drop
    for top, left in corners:  # squares over blank paper count too: they changed nothing
        covered[top:top + patch, left:left + patch] += 1
    return fall / np.maximum(covered, 1)


def misreads(images: np.ndarray, labels: np.ndarray, reader: LiteReader) -> list[Misread]:
    """The images (uint8, N x 28 x 28) the network reads wrongly, the most confidently wrong first.

    One reading each, by the network alone, as the test accuracy in metrics.json was measured.
    """
    probabilities = np.concatenate([reader(scale(images[start:start + READING_BATCH]))
                                    for start in range(0, len(images), READING_BATCH)])
    read = probabilities.argmax(axis=1)
    wrong = [Misread(int(index), int(labels[index]), int(read[index]), float(probabilities[index, read[index]]))
             for index in np.flatnonzero(read != labels)]
    return sorted(wrong, key=lambda misread: -misread.confidence)
