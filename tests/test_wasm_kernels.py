"""The page reader's WebAssembly kernel (assets/wasm/kernels.wat), run by wasmtime against NumPy.

The browser tests check the whole reader against the server's; these check the kernel alone,
on shapes and values the network never gives it, and that the committed binary is its source's.
"""

from pathlib import Path

import numpy as np
import pytest
import wasmtime

KERNELS = Path(__file__).resolve().parent.parent / "assets" / "wasm"
FLOAT_BYTES = 4


def test_the_committed_binary_is_assembled_from_its_source() -> None:
    assert (KERNELS / "kernels.wasm").read_bytes() == wasmtime.wat2wasm((KERNELS / "kernels.wat").read_text()), \
        "run python assets/wasm/build.py"


class Kernels:
    """kernels.wasm in wasmtime, with NumPy arrays laid out in its memory one after another."""

    def __init__(self) -> None:
        self.store = wasmtime.Store()
        module = wasmtime.Module(self.store.engine, (KERNELS / "kernels.wasm").read_bytes())
        exports = wasmtime.Instance(self.store, module, []).exports(self.store)
        self.memory, self.convolve = exports["memory"], exports["convolve"]
        self.end = 0

    def put(self, array: np.ndarray) -> int:
        at, data = self.end, np.ascontiguousarray(array, np.float32).tobytes()
        self.end += -(-len(data) // 16) * 16
        missing = -(-(self.end - self.memory.data_len(self.store)) // 65536)
        if missing > 0:
            self.memory.grow(self.store, missing)
        self.memory.write(self.store, data, at)
        return at

    def get(self, at: int, shape: tuple[int, ...]) -> np.ndarray:
        count = int(np.prod(shape))
        return np.frombuffer(self.memory.read(self.store, at, at + count * FLOAT_BYTES), np.float32).reshape(shape)


def numpy_convolution(image: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    kh, kw = kernel.shape[:2]
    rows, columns = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    patches = np.stack([image[y:y + kh, x:x + kw].ravel() for y in range(rows) for x in range(columns)])
    return (patches.astype(np.float64) @ kernel.reshape(-1, kernel.shape[-1]) + bias).reshape(rows, columns, -1)


@pytest.mark.parametrize("relu", [True, False])
def test_a_convolution_matches_numpy_over_every_block_of_outputs(relu: bool) -> None:
    rng = np.random.default_rng(0)
    image = rng.normal(size=(9, 7, 3)) * (rng.random((9, 7, 3)) > 0.3)  # zeros are skipped: some must be
    kernel, bias = rng.normal(size=(3, 2, 3, 64)), rng.normal(size=64)
    kernels = Kernels()
    image_at, kernel_at, bias_at = kernels.put(image), kernels.put(kernel), kernels.put(bias)
    out_at = kernels.put(np.full((7, 6, 64), 99.0))
    # Only the first 6 rows and 5 columns, as before a 2x2 pooling; the rest must stay as it was.
    kernels.convolve(kernels.store, image_at, 7 * 3 * FLOAT_BYTES, 3 * FLOAT_BYTES, 3, 2 * 3, kernel_at, bias_at, 64,
                     out_at, 6, 5, 6, int(relu))
    expected = numpy_convolution(image, kernel, bias)
    if relu:
        expected = np.maximum(expected, 0)
    out = kernels.get(out_at, (7, 6, 64))
    np.testing.assert_allclose(out[:6, :5], expected[:6, :5], rtol=1e-5, atol=1e-5)
    assert (out[6] == 99).all() and (out[:, 5] == 99).all()


def test_a_dense_layer_is_a_convolution_of_one_column() -> None:
    rng = np.random.default_rng(1)
    views, inputs = rng.normal(size=(5, 100)), rng.normal(size=(100, 32))
    bias = rng.normal(size=32)
    kernels = Kernels()
    views_at, kernel_at, bias_at, out_at = (kernels.put(a) for a in (views, inputs, bias, np.zeros((5, 32))))
    kernels.convolve(kernels.store, views_at, 100 * FLOAT_BYTES, 0, 1, 100, kernel_at, bias_at, 32, out_at, 5, 1, 1, 1)
    np.testing.assert_allclose(kernels.get(out_at, (5, 32)), np.maximum(views @ inputs + bias, 0), rtol=1e-5, atol=1e-5)
