"""Small data and models shared by the training-loop tests (fit, Trainer steps, callbacks)."""

from __future__ import annotations

import io

import numpy as np

import numnet
from numnet import nn


def blobs(n: int = 128, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in 4-D labelled by the argmax of a fixed random linear map: 3 separable classes."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    w = np.random.default_rng(100).standard_normal((4, 3)).astype(np.float32)
    return x, (x @ w).argmax(axis=1).astype(np.int64)


def small_model(seed: int = 0) -> nn.Module:
    numnet.manual_seed(seed)
    return nn.Linear(4, 3)


def params_of(model: nn.Module) -> list[np.ndarray]:
    return [p._data.copy() for p in model.parameters()]


def assert_params_equal(model: nn.Module, want: list[np.ndarray]) -> None:
    """Every parameter of ``model`` is bit-for-bit ``want`` (a resumed or re-run training gives the same weights)."""
    got = list(model.parameters())
    assert len(got) == len(want)
    for p, w in zip(got, want):
        assert np.array_equal(p._data, w)


class FakeTTY(io.StringIO):
    """A text stream that says it is a terminal, so the progress bar draws itself as on a TTY."""

    def isatty(self) -> bool:
        return True
