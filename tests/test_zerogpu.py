"""On ZeroGPU the app declares one GPU function, so the Space may start; anywhere else it leaves `spaces` alone."""

import sys
import types

import pytest

from web.zerogpu import ZERO_GPU_ENV, declare_to_zero_gpu, on_zero_gpu, unused_gpu_function


def test_off_zero_gpu_nothing_is_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ZERO_GPU_ENV, raising=False)
    monkeypatch.delitem(sys.modules, "spaces", raising=False)
    declare_to_zero_gpu()
    assert not on_zero_gpu()
    assert "spaces" not in sys.modules  # not even imported: only ZeroGPU Spaces have it


def test_on_zero_gpu_one_unused_function_is_declared(monkeypatch: pytest.MonkeyPatch) -> None:
    """The `spaces` package exists only on Hugging Face's machines: a stand-in records what it is given."""
    declared = []
    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=declared.append))
    monkeypatch.setenv(ZERO_GPU_ENV, "true")
    declare_to_zero_gpu()
    assert declared == [unused_gpu_function]
