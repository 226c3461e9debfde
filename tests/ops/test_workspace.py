"""Reused scratch buffers (numnet/ops/workspace.py) and the conv op that uses them: a buffer comes back only when
nothing else holds it, and convolutions that reuse buffers give the same numbers as fresh ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.ops import workspace
from tests.reference import assert_close, to_torch


@pytest.fixture
def small_threshold(monkeypatch):
    """Treat every array of 1 KiB or more as large, so small tests exercise the cache."""
    monkeypatch.setattr(workspace, "LARGE", 1024)
    workspace.clear()
    yield
    workspace.clear()


def test_a_given_back_buffer_is_handed_out_again(small_threshold):
    a = workspace.empty((64, 8), np.float32)
    address = a.__array_interface__["data"][0]
    workspace.give_back(a)
    del a
    b = workspace.empty((8, 64), np.float32)  # same size and dtype: the same memory, reshaped
    assert b.__array_interface__["data"][0] == address and b.shape == (8, 64)
    c = workspace.empty((8, 64), np.float32)  # the cache is empty again: a new array
    assert c.__array_interface__["data"][0] != address
    assert workspace.empty((8, 64), np.float64).dtype == np.float64


def test_a_buffer_still_used_elsewhere_is_not_taken(small_threshold):
    a = workspace.empty((64, 8), np.float32)
    keep = a[1:]  # another view of the same memory stays alive
    workspace.give_back(a)
    assert workspace._cached_bytes == 0 and keep.base is not None
    small = np.empty(10, np.float32)
    workspace.give_back(small)  # below the threshold: ignored
    assert workspace._cached_bytes == 0


def test_the_cache_is_bounded(small_threshold, monkeypatch):
    monkeypatch.setattr(workspace, "MAX_CACHED", 3000)
    for _ in range(3):
        workspace.give_back(np.empty(2048, np.uint8))
    assert workspace._cached_bytes == 2048


@pytest.mark.parametrize("layout", ["batched", "chwn"])
def test_convolutions_reusing_buffers_match_torch_also_with_retain_graph(small_threshold, layout):
    from numnet.ops.conv import Conv2d

    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 4, 9, 9)), rng.standard_normal((5, 4, 3, 3))
    xt, wt = to_torch(x, True), to_torch(w, True)
    ref = TF.conv2d(xt, wt, padding=1)
    g = rng.standard_normal(tuple(ref.shape))
    ref.backward(torch.from_numpy(g))
    for _ in range(3):  # later rounds run on buffers the earlier ones gave back
        xs, ws = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
        out = Conv2d.apply(xs, ws, padding=(1, 1, 1, 1), layout=layout)
        out.backward(g, retain_graph=True)  # the columns must survive a retained graph
        out.backward(g)
        assert_close(out, ref, np.float64, "forward")
        assert_close(xs.grad.data / 2, xt.grad, np.float64, "input grad")
        assert_close(ws.grad.data / 2, wt.grad, np.float64, "weight grad")
    assert workspace._cached_bytes > 0


def test_training_steps_reuse_the_columns(small_threshold):
    numnet.manual_seed(0)
    conv = numnet.nn.Conv2d(4, 6, 3, padding=1)
    x = numnet.rand(2, 4, 8, 8)
    F.conv2d(x, conv.weight, conv.bias, padding=1).sum().backward()
    cached = workspace._cached_bytes
    assert cached > 0
    F.conv2d(x, conv.weight, conv.bias, padding=1).sum().backward()
    assert workspace._cached_bytes == cached  # taken and given back again, not grown
