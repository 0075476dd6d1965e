"""Assemble kernels.wat into kernels.wasm, which the page's reader runs (assets/reader.js).

    python assets/wasm/build.py

The assembler is wasmtime's wat2wasm, pinned in requirements-dev.txt, so the same .wat gives the
same bytes; tests/test_wasm_kernels.py checks that the committed .wasm is this file's output.
"""

import os
from pathlib import Path

import wasmtime

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "kernels.wat"
BINARY = HERE / "kernels.wasm"


def assemble() -> bytes:
    return wasmtime.wat2wasm(SOURCE.read_text())


if __name__ == "__main__":
    temporary = BINARY.with_suffix(".wasm.tmp")
    temporary.write_bytes(assemble())
    os.replace(temporary, BINARY)
