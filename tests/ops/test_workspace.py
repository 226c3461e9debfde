"""Reused scratch buffers (numnet/ops/workspace.py) and the conv op that uses them. The rule is explicit ownership:
a buffer is handed out to one owner and comes back only when that owner gives it back, once; the conv's columns are
never reused while a graph (also a retained one) still holds them; convolutions that reuse buffers give the same
numbers as fresh ones."""

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


def test_only_lent_buffers_come_back_and_only_once(small_threshold):
    a = workspace.empty((64, 8), np.float32)
    b = workspace.empty((64, 8), np.float32)  # a taken buffer is not handed out again while its owner has it
    assert not np.shares_memory(a, b)
    workspace.give_back(a[1:])  # any view of the buffer names it
    workspace.give_back(a)  # a second give_back of the same buffer is ignored: it is cached once
    assert workspace._cached_bytes == a.nbytes
    c, d = workspace.empty((64, 8), np.float32), workspace.empty((64, 8), np.float32)
    assert np.shares_memory(c, a) and not np.shares_memory(d, a)
    workspace.give_back(np.empty(2048, np.uint8))  # not lent by the workspace: refused
    workspace.give_back(np.empty(10, np.float32))  # below the threshold: ignored
    workspace.give_back(None)
    assert workspace._cached_bytes == 0


def test_a_buffer_dropped_without_give_back_is_simply_freed(small_threshold):
    import gc
    import weakref

    a = workspace.empty((64, 8), np.float32)
    ref = weakref.ref(a.base)
    del a
    gc.collect()
    assert ref() is None and len(workspace._lent) == 0 and workspace._cached_bytes == 0


def test_the_cache_is_bounded(small_threshold, monkeypatch):
    monkeypatch.setattr(workspace, "MAX_CACHED", 3000)
    for _ in range(3):
        workspace.give_back(workspace.empty((2048,), np.uint8))
    assert workspace._cached_bytes == 2048


@pytest.mark.parametrize("layout", ["batched", "chwn"])
def test_convolutions_reusing_buffers_match_torch_also_with_retain_graph(small_threshold, layout):
    from numnet.ops.conv import Conv2dOp

    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((3, 4, 9, 9)), rng.standard_normal((5, 4, 3, 3))
    xt, wt = to_torch(x, True), to_torch(w, True)
    ref = TF.conv2d(xt, wt, padding=1)
    g = rng.standard_normal(tuple(ref.shape))
    ref.backward(torch.from_numpy(g))
    for _ in range(3):  # later rounds run on buffers the earlier ones gave back
        xs, ws = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
        with numnet.kernels.using(conv_layout=layout):
            out = Conv2dOp.apply(xs, ws, padding=(1, 1, 1, 1))
        out.backward(g, retain_graph=True)  # the columns must survive a retained graph
        out.backward(g)
        assert_close(out, ref, np.float64, "forward")
        assert_close(xs.grad._data / 2, xt.grad, np.float64, "input grad")
        assert_close(ws.grad._data / 2, wt.grad, np.float64, "weight grad")
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


@pytest.mark.parametrize("layout", ["batched", "chwn"])
def test_columns_are_not_reused_while_a_graph_holds_them(small_threshold, layout):
    """Two live graphs never share columns; a retained graph keeps its columns (a second backward still equals
    torch's); only the final backward gives them back, once."""
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 4, 8, 8)), rng.standard_normal((5, 4, 3, 3))
    g = rng.standard_normal((2, 5, 8, 8))
    wt = to_torch(w, True)
    TF.conv2d(to_torch(x), wt, padding=1).backward(torch.from_numpy(g))
    with numnet.kernels.using(conv_layout=layout):
        outs = [F.conv2d(numnet.tensor(x), ws, padding=1)
                for ws in (numnet.tensor(w, requires_grad=True), numnet.tensor(w, requires_grad=True))]
    first, second = (o._ctx.cols for o in outs)
    assert first.nbytes >= workspace.LARGE and not np.shares_memory(first, second)
    del first, second
    weights = [o._ctx.parents[1] for o in outs]
    outs[0].backward(g, retain_graph=True)
    assert workspace._cached_bytes == 0  # retained: the columns stay with the graph
    again = F.conv2d(numnet.tensor(x), numnet.tensor(w, requires_grad=True), padding=1)
    assert not np.shares_memory(again._ctx.cols, outs[0]._ctx.cols)
    outs[0].backward(g)  # the retained graph still has its columns
    assert_close(weights[0].grad._data / 2, wt.grad, np.float64, "weight grad after retain_graph")
    cached = workspace._cached_bytes
    assert cached > 0  # the final backward gave the columns (and the column gradients) back
    kept = outs[0]._data.copy()
    with numnet.kernels.using(conv_layout=layout):
        reuse = F.conv2d(numnet.tensor(2 * x), numnet.tensor(w, requires_grad=True), padding=1)
    np.testing.assert_array_equal(outs[0]._data, kept)  # an output outlives its graph: it never was the columns
    assert workspace._cached_bytes < cached and not np.shares_memory(reuse._data, reuse._ctx.cols)
    outs[1].backward(g)
    assert_close(weights[1].grad, wt.grad, np.float64, "weight grad of the second graph")
