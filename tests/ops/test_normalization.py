"""Batch normalization (numnet/ops/normalization.py via numnet.functional) against PyTorch, gradcheck, validation."""

from __future__ import annotations

import doctest
import itertools
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.ops.layout import is_batch_innermost
from numnet.testing import gradcheck
from tests.ops.test_activation import compare
from tests.reference import assert_close, to_torch

DTYPES = [np.float64, np.float32]
DT_IDS = ["f64", "f32"]
SHAPES = [(8, 3), (4, 3, 5), (2, 3, 4, 5)]


def _x(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    offset = rng.uniform(-5, 5, size=(1, c) + (1,) * (len(shape) - 2))
    return (rng.standard_normal(shape) * rng.uniform(0.5, 3, size=offset.shape) + offset).astype(dtype)


def _stats(c, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, c).astype(dtype), rng.uniform(0.5, 2, c).astype(dtype)


CASES = list(itertools.product(SHAPES, [True, False], [True, False]))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape,training,affine", CASES, ids=[f"{s}-train{int(t)}-affine{int(a)}" for s, t, a in CASES])
def test_batch_norm_matches_torch(shape, training, affine, dtype):
    c = shape[1]
    rm, rv = _stats(c, dtype)
    ours_rm, ours_rv = numnet.tensor(rm), numnet.tensor(rv)
    ref_rm, ref_rv = torch.tensor(rm), torch.tensor(rv)
    x = numnet.tensor(_x(shape, dtype), requires_grad=True)
    rng = np.random.default_rng(2)
    w = numnet.tensor(rng.uniform(0.5, 2, c).astype(dtype), requires_grad=True) if affine else None
    b = numnet.tensor(rng.uniform(-1, 1, c).astype(dtype), requires_grad=True) if affine else None
    kw = dict(training=training, momentum=0.2, eps=1e-4)
    compare(lambda a, ww, bb: F.batch_norm(a, ours_rm, ours_rv, ww, bb, **kw),
            lambda a, ww, bb: TF.batch_norm(a, ref_rm, ref_rv, ww, bb, **kw), [x, w, b],
            f"batch_norm {shape} {kw} affine={affine}")
    assert ours_rm.dtype == dtype and ours_rv.dtype == dtype
    assert_close(ours_rm, ref_rm, dtype, "running_mean")
    assert_close(ours_rv, ref_rv, dtype, "running_var")
    if not training:
        np.testing.assert_array_equal(ours_rm._data, rm)
        np.testing.assert_array_equal(ours_rv._data, rv)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_running_stats_over_three_steps_then_eval(shape, dtype):
    c = shape[1]
    ours_rm, ours_rv = numnet.zeros(c, dtype=dtype), numnet.ones(c, dtype=dtype)
    ref_rm, ref_rv = torch.zeros(c, dtype=to_torch(np.zeros(1, dtype)).dtype), torch.ones(c, dtype=to_torch(
        np.zeros(1, dtype)).dtype)
    w = numnet.tensor(np.linspace(0.5, 1.5, c).astype(dtype), requires_grad=True)
    b = numnet.tensor(np.linspace(-1, 1, c).astype(dtype), requires_grad=True)
    tw, tb = to_torch(w, True), to_torch(b, True)
    for step in range(3):
        x = _x(shape, dtype, seed=10 + step)
        out = F.batch_norm(numnet.tensor(x), ours_rm, ours_rv, w, b, training=True)
        ref = TF.batch_norm(torch.tensor(x), ref_rm, ref_rv, tw, tb, training=True)
        assert_close(out, ref, dtype, f"step {step} output")
        assert_close(ours_rm, ref_rm, dtype, f"step {step} running_mean")
        assert_close(ours_rv, ref_rv, dtype, f"step {step} running_var")
    x = numnet.tensor(_x(shape, dtype, seed=20), requires_grad=True)
    compare(lambda a, ww, bb: F.batch_norm(a, ours_rm, ours_rv, ww, bb),
            lambda a, ww, bb: TF.batch_norm(a, ref_rm, ref_rv, ww, bb), [x, w, b], "eval after 3 steps")


def test_training_without_running_stats():
    x = numnet.tensor(_x((6, 4, 3), np.float64), requires_grad=True)
    out = compare(lambda a: F.batch_norm(a, None, None, training=True),
                  lambda a: TF.batch_norm(a, None, None, training=True), [x], "batch_norm without running stats")
    np.testing.assert_allclose(out._data.mean(axis=(0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(out._data.var(axis=(0, 2)), 1, rtol=1e-3)


def test_only_weight_or_only_bias_requires_grad():
    x = numnet.tensor(_x((5, 3, 2), np.float64), requires_grad=True)
    w = numnet.tensor(np.array([1.0, 2.0, 3.0]))
    b = numnet.tensor(np.array([0.0, 1.0, 2.0]), requires_grad=True)
    compare(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, training=True),
            lambda a, ww, bb: TF.batch_norm(a, None, None, ww, bb, training=True), [x, w, b], "weight constant")
    x2 = numnet.tensor(x._data)
    w2 = numnet.tensor(w._data, requires_grad=True)
    compare(lambda a, ww: F.batch_norm(a, None, None, ww, None, training=True),
            lambda a, ww: TF.batch_norm(a, None, None, ww, None, training=True), [x2, w2], "only weight grad")


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (3, 2, 4), (2, 2, 3, 3)], ids=str)
def test_gradcheck(shape, training):
    c = shape[1]
    rng = np.random.default_rng(7)
    x = numnet.tensor(rng.standard_normal(shape) * 2 + 1, requires_grad=True)
    w = numnet.tensor(rng.uniform(0.5, 2, c), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(c), requires_grad=True)
    rm, rv = _stats(c, np.float64)

    def fn(a, ww, bb):
        # fresh copies: training updates running stats in place, which must not leak between evaluations
        return F.batch_norm(a, numnet.tensor(rm), numnet.tensor(rv), ww, bb, training=training)

    gradcheck(fn, [x, w, b], name=f"batch_norm training={training}")
    gradcheck(lambda a: F.batch_norm(a, None, None, training=True), [x], name="batch_norm no affine")


def test_float32_input_with_float64_params_stays_float32():
    x = numnet.tensor(_x((4, 3, 2), np.float32), requires_grad=True)
    w = numnet.tensor(np.ones(3), requires_grad=True)
    b = numnet.tensor(np.zeros(3), requires_grad=True)
    rm, rv = numnet.zeros(3, dtype=np.float64), numnet.ones(3, dtype=np.float64)
    out = F.batch_norm(x, rm, rv, w, b, training=True)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    assert w.grad.dtype == np.float64 and b.grad.dtype == np.float64 and rm.dtype == np.float64


def test_large_offset_float32_is_stable():
    x = _x((16, 4, 8), np.float32) + np.float32(1000)
    out = F.batch_norm(numnet.tensor(x), None, None, training=True)
    ref = TF.batch_norm(torch.tensor(x), None, None, training=True)
    assert_close(out, ref, np.float32, "offset 1000")


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), None, None), numnet.ArgumentError,
     "batch_norm: running_mean is required when training=False"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), numnet.zeros(3), None), numnet.ArgumentError,
     "batch_norm: running_var is required when training=False"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((1, 3))), None, None, training=True), numnet.ArgumentError,
     "batch_norm: expected more than 1 value per channel when training, got input of shape (1, 3)"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros(3)), numnet.zeros(3), numnet.ones(3)), numnet.ShapeError,
     "batch_norm: expected input of shape (N, C) or (N, C, *), got (3,)"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), numnet.zeros(4), numnet.ones(3)), numnet.ShapeError,
     "batch_norm: running_mean has shape (4,) but input has 3 channels (expected (3,); input shape (4, 3))"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), numnet.zeros(3), numnet.ones((3, 1))), numnet.ShapeError,
     "batch_norm: running_var has shape (3, 1) but input has 3 channels"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3, 2))), None, None, numnet.ones(2), training=True),
     numnet.ShapeError, "batch_norm: weight has shape (2,) but input has 3 channels"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3, 2))), None, None, None, numnet.ones(5), training=True),
     numnet.ShapeError, "batch_norm: bias has shape (5,) but input has 3 channels"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3), dtype=np.int64)), None, None, training=True),
     numnet.DTypeError, "batch_norm: expected input to be a floating-point Tensor, got dtype int64"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), numnet.tensor([0, 0, 0]), numnet.ones(3)),
     numnet.DTypeError, "batch_norm: expected running_mean to be a floating-point Tensor"),
    (lambda: F.batch_norm(np.zeros((4, 3)), None, None, training=True), numnet.DTypeError,
     "batch_norm: expected input to be a numnet.Tensor, got numpy.ndarray; convert it with numnet.tensor(...)"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), None, None, training=True, momentum=None),
     numnet.DTypeError, "batch_norm: expected momentum to be a finite number, got None"),
    (lambda: F.batch_norm(numnet.tensor(np.zeros((4, 3))), None, None, training=True, eps=-1.0),
     numnet.ArgumentError, "batch_norm: expected eps to be a finite number >= 0, got -1.0"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_docstring_examples():
    result = doctest.testmod(sys.modules["numnet.functional.normalization"])
    assert result.attempted > 0 and result.failed == 0


def test_batch_norm_after_a_batch_innermost_conv_matches_torch():
    """A many-channel conv returns (C, H, W, N) memory; batch norm then reads both x̂ and the gradient as (C, L·N)."""
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((6, 5, 7, 7)), rng.standard_normal((4, 5, 3, 3))
    gamma, beta = rng.uniform(0.5, 2, 4), rng.uniform(-1, 1, 4)
    xs, ws, gs, bs = (numnet.tensor(a, requires_grad=True) for a in (x, w, gamma, beta))
    hidden = F.conv2d(xs, ws, padding=1)
    assert is_batch_innermost(hidden._data)
    out = F.relu(F.batch_norm(hidden, None, None, gs, bs, training=True))
    g = rng.standard_normal(out.shape)
    out.backward(g)
    xt, wt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, gamma, beta))
    ref = torch.relu(TF.batch_norm(TF.conv2d(xt, wt, padding=1), None, None, gt, bt, training=True))
    ref.backward(torch.from_numpy(g))
    assert_close(out, ref, np.float64, "forward")
    for ours, theirs in ((xs, xt), (ws, wt), (gs, gt), (bs, bt)):
        assert_close(ours.grad, theirs.grad, np.float64, "gradient")


def test_channel_dot_reads_either_memory_layout():
    from numnet.ops.normalization import _channel_dot

    rng = np.random.default_rng(8)
    a, b = rng.standard_normal((3, 4, 5, 6)), rng.standard_normal((3, 4, 5, 6))
    chwn = [np.ascontiguousarray(v.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2) for v in (a, b)]
    want = (a * b).sum(axis=(0, 2, 3))
    for u, v in ((a, b), tuple(chwn), (a, chwn[1])):
        np.testing.assert_allclose(_channel_dot(u, v), want, rtol=1e-12)
