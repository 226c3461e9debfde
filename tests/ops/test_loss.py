"""Losses (numnet/ops/loss.py via numnet.functional) against PyTorch, gradcheck, stability and validation."""

from __future__ import annotations

import doctest
import itertools
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.testing import gradcheck
from tests.ops.test_activation import compare

DTYPES = [np.float64, np.float32]
DT_IDS = ["f64", "f32"]
REDUCTIONS = ["mean", "sum", "none"]


def _t(a, requires_grad=False):
    return numnet.tensor(a, requires_grad=requires_grad)


def _logits(shape, dtype, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape) * 3).astype(dtype)


def _targets(input_shape, seed=0, ignore_index=None):
    """Class indices for an input (N, C, d...) or (C,), with a few set to ``ignore_index`` when given."""
    rng = np.random.default_rng(seed + 100)
    if len(input_shape) == 1:
        return np.array(rng.integers(0, input_shape[0]), dtype=np.int64)
    c = input_shape[1]
    t = rng.integers(0, c, size=(input_shape[0],) + tuple(input_shape[2:])).astype(np.int64)
    if ignore_index is not None:
        t.reshape(-1)[::3] = ignore_index
    return t


# ---------------------------------------------------------------------- mse_loss
@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4, 5), ()], ids=str)
def test_mse_loss_matches_torch(shape, reduction, dtype):
    x = _t(_logits(shape, dtype), True)
    y = _t(_logits(shape, dtype, seed=1), True)
    compare(lambda a, b: F.mse_loss(a, b, reduction=reduction), lambda a, b: TF.mse_loss(a, b, reduction=reduction),
            [x, y], f"mse_loss {shape} {reduction}")


# ---------------------------------------------------------------------- cross_entropy, class indices
CE_SHAPES = [(6, 4), (3, 5, 7), (2, 3, 4, 5), (4,)]
CE_CASES = list(itertools.product(CE_SHAPES, REDUCTIONS, [False, True], [0.0, 0.15]))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape,reduction,weighted,smoothing", CE_CASES,
                         ids=[f"{s}-{r}-w{int(w)}-ls{e}" for s, r, w, e in CE_CASES])
def test_cross_entropy_matches_torch(shape, reduction, weighted, smoothing, dtype):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _t(_logits(shape, dtype), True)
    ignore = None if len(shape) == 1 else -100
    t = _t(_targets(shape, ignore_index=ignore))
    w = _t(np.random.default_rng(2).uniform(0.2, 2.0, c).astype(dtype)) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    compare(lambda a, b, ww: F.cross_entropy(a, b, ww, **kw), lambda a, b, ww: TF.cross_entropy(a, b, ww, **kw),
            [x, t, w], f"cross_entropy {shape} {kw} weighted={weighted}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_custom_ignore_index(reduction):
    x = _t(_logits((8, 5), np.float64), True)
    t = _t(np.array([0, 1, 2, 3, 4, 2, 2, 1]))
    w = _t(np.array([1.0, 2.0, 0.5, 1.0, 3.0]))
    for kw in ({"ignore_index": 2}, {"ignore_index": 2, "label_smoothing": 0.2}):
        x.grad = None
        compare(lambda a, b, ww: F.cross_entropy(a, b, ww, reduction=reduction, **kw),
                lambda a, b, ww: TF.cross_entropy(a, b, ww, reduction=reduction, **kw), [x, t, w],
                f"cross_entropy {kw}")


def test_cross_entropy_all_ignored_mean_is_nan_like_torch():
    x = _t(_logits((3, 4), np.float64), True)
    t = _t(np.full(3, -100))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.cross_entropy(x, t)
        out.backward()
    ref = TF.cross_entropy(torch.tensor(x._data), torch.tensor(t._data))
    assert np.isnan(out.item()) and torch.isnan(ref)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_huge_logits_finite_and_exact(dtype, smoothing):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    t = _t(np.array([0, 2, 1, 1]))
    for reduction in REDUCTIONS:
        x = _t(logits, True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = compare(lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
                          lambda a, b: TF.cross_entropy(a, b, reduction=reduction, label_smoothing=smoothing),
                          [x, t], f"cross_entropy ±1e4 {reduction}")
        assert np.all(np.isfinite(out._data)) and np.all(np.isfinite(x.grad._data))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,)], ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probability_targets(shape, reduction, dtype):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _t(_logits(shape, dtype), True)
    axis = 1 if len(shape) > 1 else 0
    p = np.random.default_rng(5).uniform(size=shape)
    t = _t((p / p.sum(axis=axis, keepdims=True)).astype(dtype), True)
    w = _t(np.linspace(0.5, 2.0, c).astype(dtype))
    kw = dict(reduction=reduction, label_smoothing=0.1)
    compare(lambda a, b, ww: F.cross_entropy(a, b, ww, **kw), lambda a, b, ww: TF.cross_entropy(a, b, ww, **kw),
            [x, t, w], f"cross_entropy probabilities {shape}")


@settings(max_examples=30)
@given(n=st.integers(1, 5), c=st.integers(1, 6), extra=st.lists(st.integers(1, 3), max_size=2),
       reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.05, 0.5]),
       ignore_every=st.sampled_from([0, 2, 3]), seed=st.integers(0, 2**16))
def test_cross_entropy_random_layouts_match_torch(n, c, extra, reduction, weighted, smoothing, ignore_every, seed):
    shape = (n, c, *extra)
    rng = np.random.default_rng(seed)
    x = _t(rng.standard_normal(shape) * 4, True)
    t_np = rng.integers(0, c, size=(n, *extra))
    if ignore_every:
        t_np.reshape(-1)[1::ignore_every] = -100  # element 0 stays, so the mean is defined
    w = _t(rng.uniform(0.1, 3.0, c)) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a, b, ww: F.cross_entropy(a, b, ww, **kw),
                      lambda a, b, ww: TF.cross_entropy(a, b, ww, **kw), [x, _t(t_np), w], f"cross_entropy {shape}")
    if reduction == "none":
        assert out.shape == t_np.shape


# ---------------------------------------------------------------------- nll_loss
NLL_CASES = list(itertools.product([(6, 4), (3, 5, 7), (4,)], REDUCTIONS, [False, True]))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape,reduction,weighted", NLL_CASES, ids=[f"{s}-{r}-w{int(w)}" for s, r, w in NLL_CASES])
def test_nll_loss_matches_torch(shape, reduction, weighted, dtype):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = _t(_logits(shape, dtype), True)
    t = _t(_targets(shape, ignore_index=None if len(shape) == 1 else -100))
    w = _t(np.random.default_rng(2).uniform(0.2, 2.0, c).astype(dtype)) if weighted else None
    compare(lambda a, b, ww: F.nll_loss(a, b, ww, reduction=reduction),
            lambda a, b, ww: TF.nll_loss(a, b, ww, reduction=reduction), [x, t, w], f"nll_loss {shape} {reduction}")


def test_nll_of_log_softmax_equals_cross_entropy():
    x = _logits((5, 3), np.float64)
    t = _t(np.array([0, 2, 1, 1, 0]))
    a = F.nll_loss(F.log_softmax(_t(x), 1), t, ignore_index=1)
    b = F.cross_entropy(_t(x), t, ignore_index=1)
    assert abs(a.item() - b.item()) < 1e-12


# ---------------------------------------------------------------------- binary cross-entropy
BCE_CASES = list(itertools.product([(7,), (4, 3), (2, 3, 4)], REDUCTIONS, [False, True]))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape,reduction,weighted", BCE_CASES, ids=[f"{s}-{r}-w{int(w)}" for s, r, w in BCE_CASES])
def test_binary_cross_entropy_matches_torch(shape, reduction, weighted, dtype):
    rng = np.random.default_rng(0)
    p = rng.uniform(0.02, 0.98, size=shape).astype(dtype)
    x = _t(p, True)
    y = _t(rng.uniform(size=shape).astype(dtype), True)
    w = _t(rng.uniform(0.5, 2.0, size=shape[-1:]).astype(dtype)) if weighted else None
    compare(lambda a, b, ww: F.binary_cross_entropy(a, b, ww, reduction=reduction),
            lambda a, b, ww: TF.binary_cross_entropy(a, b, ww, reduction=reduction), [x, y, w],
            f"binary_cross_entropy {shape} {reduction}")


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
def test_binary_cross_entropy_clamps_log_at_minus_100(dtype):
    x = _t(np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 0.5], dtype=dtype), True)
    y = _t(np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.3], dtype=dtype))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                      lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), [x, y], "bce at 0 and 1")
        assert out._data[0] == 100 and out._data[1] == 100 and out._data[2] == 0
        # The target's gradient is that of the clamped loss (PyTorch uses the unclamped −logit(x), ±inf here).
        y.requires_grad = True
        F.binary_cross_entropy(x, y, reduction="sum").backward()
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x._data.astype(np.float64)), -100)
        log_1mx = np.maximum(np.log1p(-x._data.astype(np.float64)), -100)
    np.testing.assert_allclose(y.grad._data, log_1mx - log_x, rtol=1e-6)


BCEL_CASES = list(itertools.product([(7,), (4, 3), (2, 3, 4)], REDUCTIONS, [False, True], [False, True]))


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("shape,reduction,weighted,pos", BCEL_CASES,
                         ids=[f"{s}-{r}-w{int(w)}-pw{int(p)}" for s, r, w, p in BCEL_CASES])
def test_bce_with_logits_matches_torch(shape, reduction, weighted, pos, dtype):
    rng = np.random.default_rng(1)
    x = _t(_logits(shape, dtype), True)
    y = _t(rng.uniform(size=shape).astype(dtype), True)
    w = _t(rng.uniform(0.5, 2.0, size=shape).astype(dtype)) if weighted else None
    pw = _t(rng.uniform(0.5, 3.0, size=shape[-1:]).astype(dtype)) if pos else None
    compare(lambda a, b, ww, pp: F.binary_cross_entropy_with_logits(a, b, ww, reduction=reduction, pos_weight=pp),
            lambda a, b, ww, pp: TF.binary_cross_entropy_with_logits(a, b, ww, reduction=reduction, pos_weight=pp),
            [x, y, w, pw], f"bce_with_logits {shape} {reduction}")


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
def test_bce_with_logits_huge_logits_stable(dtype):
    x = _t(np.array([1e4, -1e4, 1e4, -1e4, 0.0, 800.0], dtype=dtype), True)
    y = _t(np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.0], dtype=dtype), True)
    pw = _t(np.array([2.0], dtype=dtype))
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        out = compare(lambda a, b, p: F.binary_cross_entropy_with_logits(a, b, reduction="none", pos_weight=p),
                      lambda a, b, p: TF.binary_cross_entropy_with_logits(a, b, reduction="none", pos_weight=p),
                      [x, y, pw], "bce_with_logits ±1e4")
    assert np.all(np.isfinite(out._data)) and np.all(np.isfinite(x.grad._data))


# ---------------------------------------------------------------------- gradcheck
def _gc_inputs():
    rng = np.random.default_rng(9)
    return rng, _t(rng.standard_normal((4, 3)), True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_losses(reduction):
    rng, x = _gc_inputs()
    t = _t(np.array([0, 2, -100, 1]))
    w = _t(np.array([0.5, 1.0, 2.0]))
    gradcheck(lambda a: F.cross_entropy(a, t, w, reduction=reduction, label_smoothing=0.1), [x],
              name="cross_entropy")
    gradcheck(lambda a: F.nll_loss(a, t, w, reduction=reduction), [x], name="nll_loss")
    y = _t(rng.standard_normal((4, 3)), True)
    gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y], name="mse_loss")
    probs = _t(rng.uniform(0.1, 0.9, (4, 3)), True)
    soft = _t(rng.uniform(0, 1, (4, 3)), True)
    gradcheck(lambda a, b: F.cross_entropy(a, b, w, reduction=reduction, label_smoothing=0.2), [x, soft],
              name="cross_entropy probabilities")
    gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), [probs, soft],
              name="binary_cross_entropy")
    pw = _t(np.array([0.5, 1.0, 3.0]))
    gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pw),
              [x, soft], name="binary_cross_entropy_with_logits")


def test_loss_of_single_sample_and_spatial_gradcheck():
    rng = np.random.default_rng(4)
    x = _t(rng.standard_normal((5,)), True)
    gradcheck(lambda a: F.cross_entropy(a, _t(np.array(3)), label_smoothing=0.1), [x], name="cross_entropy (C,)")
    x = _t(rng.standard_normal((2, 3, 2, 2)), True)
    t = _t(rng.integers(0, 3, (2, 2, 2)))
    gradcheck(lambda a: F.cross_entropy(a, t, reduction="none"), [x], name="cross_entropy (N, C, H, W)")


# ---------------------------------------------------------------------- validation
X = numnet.tensor(np.zeros((4, 3)))
T = numnet.tensor(np.array([0, 1, 2, 0]))
P = numnet.tensor(np.full((4, 3), 0.5))


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.cross_entropy(X, numnet.tensor([0, 1, 3, 0])), numnet.ArgumentError,
     "cross_entropy: target 3 is out of bounds for 3 classes"),
    (lambda: F.cross_entropy(X, numnet.tensor([0, -1, 2, 0])), numnet.ArgumentError,
     "cross_entropy: target -1 is out of bounds for 3 classes"),
    (lambda: F.nll_loss(X, numnet.tensor([0, 1, 7, 0])), numnet.ArgumentError,
     "nll_loss: target 7 is out of bounds for 3 classes"),
    (lambda: F.nll_loss(X, numnet.tensor([0.0, 1.0, 2.0, 0.0])), numnet.DTypeError,
     "nll_loss: expected target of integer class indices (e.g. int64), got dtype float32"),
    (lambda: F.cross_entropy(X, numnet.tensor([0.0, 1.0, 2.0, 0.0])), numnet.DTypeError,
     "cross_entropy: expected target of integer class indices"),
    (lambda: F.cross_entropy(X, numnet.tensor([0, 1, 2])), numnet.ShapeError,
     "cross_entropy: expected target of shape (4,) for input of shape (4, 3), got (3,)"),
    (lambda: F.nll_loss(X, numnet.tensor([[0], [1], [2], [0]])), numnet.ShapeError,
     "nll_loss: expected target of shape (4,) for input of shape (4, 3), got (4, 1)"),
    (lambda: F.cross_entropy(X, T, reduction="avg"), numnet.ArgumentError,
     "cross_entropy: expected reduction to be one of 'none', 'mean', 'sum', got 'avg'"),
    (lambda: F.nll_loss(X, T, reduction=None), numnet.ArgumentError, "nll_loss: expected reduction to be one of"),
    (lambda: F.mse_loss(X, X, reduction="mean "), numnet.ArgumentError, "mse_loss: expected reduction to be one of"),
    (lambda: F.binary_cross_entropy(P, P, reduction="total"), numnet.ArgumentError,
     "binary_cross_entropy: expected reduction to be one of"),
    (lambda: F.binary_cross_entropy_with_logits(X, P, reduction=1), numnet.ArgumentError,
     "binary_cross_entropy_with_logits: expected reduction to be one of"),
    (lambda: F.cross_entropy(numnet.tensor([[1, 2]]), numnet.tensor([0])), numnet.DTypeError,
     "cross_entropy: expected input to be a floating-point Tensor, got dtype int64"),
    (lambda: F.nll_loss(numnet.tensor([[1, 2]]), numnet.tensor([0])), numnet.DTypeError, "nll_loss: expected input"),
    (lambda: F.mse_loss(numnet.tensor([1, 2]), numnet.tensor([1, 2])), numnet.DTypeError,
     "mse_loss: expected input to be a floating-point"),
    (lambda: F.mse_loss(X, numnet.tensor(np.zeros((4, 3), dtype=np.int64))), numnet.DTypeError,
     "mse_loss: expected target to be a floating-point Tensor, got dtype int64"),
    (lambda: F.mse_loss(X, numnet.tensor(np.zeros((3,)))), numnet.ShapeError,
     "mse_loss: target shape (3,) must equal input shape (4, 3)"),
    (lambda: F.mse_loss(X, [0.0]), numnet.DTypeError, "mse_loss: expected target to be a numnet.Tensor, got list"),
    (lambda: F.cross_entropy(X, T, weight=numnet.tensor([1.0, 2.0])), numnet.ShapeError,
     "cross_entropy: weight must have shape (3,) (one value per class), got (2,)"),
    (lambda: F.nll_loss(X, T, weight=numnet.tensor([1, 2, 3])), numnet.DTypeError,
     "nll_loss: expected weight to be a floating-point Tensor, got dtype int64"),
    (lambda: F.cross_entropy(X, T, ignore_index=0.5), numnet.DTypeError,
     "cross_entropy: expected ignore_index to be an int, got 0.5"),
    (lambda: F.nll_loss(X, T, ignore_index="none"), numnet.DTypeError,
     "nll_loss: expected ignore_index to be an int, got 'none'"),
    (lambda: F.cross_entropy(X, T, label_smoothing=1.5), numnet.ArgumentError,
     "cross_entropy: expected label_smoothing to be a number in [0, 1], got 1.5"),
    (lambda: F.cross_entropy(numnet.tensor(1.0), numnet.tensor(0)), numnet.ShapeError,
     "cross_entropy: expected input of shape (N, C), (N, C, d1, ...) or (C,), got a 0-d tensor"),
    (lambda: F.cross_entropy(X, "cat"), numnet.DTypeError, "cross_entropy: expected target to be a numnet.Tensor"),
    (lambda: F.binary_cross_entropy(numnet.tensor([0.5, 1.5]), numnet.tensor([1.0, 0.0])), numnet.ArgumentError,
     "binary_cross_entropy: all elements of input should be probabilities in [0, 1], got 1.5"),
    (lambda: F.binary_cross_entropy(P, numnet.tensor(np.ones((4, 3), dtype=np.int64))), numnet.DTypeError,
     "binary_cross_entropy: expected target to be a floating-point Tensor, got dtype int64"),
    (lambda: F.binary_cross_entropy(P, numnet.tensor(np.ones((4, 1)))), numnet.ShapeError,
     "binary_cross_entropy: target shape (4, 1) must equal input shape (4, 3)"),
    (lambda: F.binary_cross_entropy(P, P, weight=numnet.tensor(np.ones(4))), numnet.ShapeError,
     "binary_cross_entropy: weight of shape (4,) does not broadcast to the input shape (4, 3)"),
    (lambda: F.binary_cross_entropy(numnet.tensor([1, 0]), numnet.tensor([1.0, 0.0])), numnet.DTypeError,
     "binary_cross_entropy: expected input to be a floating-point"),
    (lambda: F.binary_cross_entropy_with_logits(X, P, pos_weight=numnet.tensor(np.ones(2))), numnet.ShapeError,
     "binary_cross_entropy_with_logits: pos_weight of shape (2,) does not broadcast to the input shape (4, 3)"),
    (lambda: F.binary_cross_entropy_with_logits(X, P, weight=numnet.tensor(np.ones((5, 3)))), numnet.ShapeError,
     "binary_cross_entropy_with_logits: weight of shape (5, 3) does not broadcast"),
    (lambda: F.binary_cross_entropy_with_logits(X, numnet.tensor(np.ones((4, 3), dtype=np.int64))),
     numnet.DTypeError, "binary_cross_entropy_with_logits: expected target to be a floating-point Tensor"),
    (lambda: F.binary_cross_entropy_with_logits(numnet.tensor([1, 2]), numnet.tensor([1.0, 0.0])),
     numnet.DTypeError, "binary_cross_entropy_with_logits: expected input to be a floating-point"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_ignore_index_may_be_out_of_range_and_float32_preserved():
    x = _t(_logits((3, 4), np.float32), True)
    out = F.cross_entropy(x, _t(np.array([1, 9, 2])), ignore_index=9, label_smoothing=0.1)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad._data[1], 0.0)


def test_target_dtype_is_cast_to_input_dtype():
    x = _t(_logits((3, 4), np.float32), True)
    y = _t(_logits((3, 4), np.float64), True)
    out = F.mse_loss(x, y)
    out.backward()
    assert out.dtype == np.float32 and x.grad.dtype == np.float32 and y.grad.dtype == np.float64


def test_docstring_examples():
    result = doctest.testmod(sys.modules["numnet.functional.loss"])
    assert result.attempted > 0 and result.failed == 0
