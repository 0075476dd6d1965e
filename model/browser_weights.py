"""The network's weights for the page's own reader (assets/reader.js): one small binary file.

The file is a little-endian uint32 giving the length of a JSON header, the header, then the
tensors it lists, each at a 4-byte-aligned offset from the start of the data. The header names
each layer's kind, activation and tensors, so the page runs the same layers in the same order.
The big Dense kernel (95% of the weights) is stored as float16, everything else as float32:
the download halves, and the averaged probabilities still match LiteRT's to about 1e-4.
"""

import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model.artifacts import replacing

if TYPE_CHECKING:
    import keras

BROWSER_WEIGHTS_FILE = "mnist_cnn.weights.bin"
FORMAT_VERSION = 1
# Tensors bigger than this are stored as float16; the small ones (convolutions, biases) keep full precision.
HALF_PRECISION_FROM = 100_000
ALIGNMENT = 4


def export_browser_weights(model: "keras.Model", path: Path) -> None:
    """Write ``model``'s layers and weights as the page's reader loads them, atomically."""
    layers, blobs, offset = [], [], 0
    for layer in model.layers:
        tensors = []
        for name, weight in zip(("kernel", "bias"), layer.get_weights()):
            stored = weight.astype(np.float16 if weight.size > HALF_PRECISION_FROM else np.float32)
            tensors.append({"name": name, "shape": list(weight.shape), "dtype": stored.dtype.name, "offset": offset})
            blob = stored.tobytes()
            blob += b"\0" * (-len(blob) % ALIGNMENT)
            blobs.append(blob)
            offset += len(blob)
        layers.append({"kind": type(layer).__name__, "name": layer.name, "tensors": tensors,
                       **_layer_options(layer)})
    header = json.dumps({"format": FORMAT_VERSION, "input_shape": list(model.input_shape[1:]),
                         "layers": layers}).encode()
    header += b" " * (-(len(header) + 4) % ALIGNMENT)
    with replacing(path) as temporary:
        temporary.write_bytes(struct.pack("<I", len(header)) + header + b"".join(blobs))


def _layer_options(layer: "keras.layers.Layer") -> dict:
    """What the page needs of a layer besides its weights: its activation and its pooling."""
    config = layer.get_config()
    options = {key: config[key] for key in ("activation", "pool_size", "strides", "padding") if key in config}
    if options.get("padding", "valid") != "valid":
        raise ValueError(f"{layer.name}: the page's reader supports only 'valid' padding")
    return options


def read_browser_weights(path: Path) -> dict[str, list[np.ndarray]]:
    """Each layer's name -> its weights as stored (kernel, then bias), as the page reads them."""
    blob = Path(path).read_bytes()
    (length,) = struct.unpack_from("<I", blob)
    header = json.loads(blob[4:4 + length])
    data = memoryview(blob)[4 + length:]
    return {layer["name"]: [np.frombuffer(data, tensor["dtype"], int(np.prod(tensor["shape"])), tensor["offset"])
                            .reshape(tensor["shape"]) for tensor in layer["tensors"]]
            for layer in header["layers"]}
