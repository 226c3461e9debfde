"""The ELU … PReLU activations and channel/alpha dropout (numnet/ops/activation.py via numnet.functional):
PyTorch forward and backward, float64 gradcheck, PyTorch's gradient at the kinks, and the error messages."""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch

DTYPES = [np.float64, np.float32]


@pytest.fixture(autouse=True)
def _keep_global_rng():
    state = numnet.get_rng_state()
    yield
    numnet.set_rng_state(state)


def compare(fn, tfn, arrays, what, grad_rtol=None):
    """fn on numnet tensors, tfn on torch copies: outputs, dtypes and every input's gradient must agree."""
    ours = [numnet.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), tfn(*theirs)
    assert out.dtype == arrays[0].dtype, f"{what}: dtype {out.dtype}"
    assert_close(out, ref, out.dtype, f"{what} forward")
    cot = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
    (out * numnet.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    for i, (a, t) in enumerate(zip(ours, theirs)):
        assert a.grad is not None and a.grad.dtype == a.dtype, f"{what}: grad {i}"
        if grad_rtol is None:
            assert_close(a.grad, t.grad, a.dtype, f"{what} grad {i}")
        else:
            np.testing.assert_allclose(a.grad._data, t.grad.numpy(), rtol=grad_rtol, atol=1e-12, err_msg=what)
    return out


def _data(shape, dtype, seed=0):
    """Normal samples ×4 with the kinks (0, ±3, 6) and large values mixed in."""
    x = np.random.default_rng(seed).standard_normal(shape) * 4
    flat = x.reshape(-1)
    for k, v in enumerate((0.0, 3.0, -3.0, 6.0, 40.0, -40.0)):
        flat[k::9] = v
    return x.astype(dtype)


ELEMENTWISE = {
    "elu": (F.elu, TF.elu),
    "elu_alpha": (lambda x: F.elu(x, 0.3), lambda x: TF.elu(x, 0.3)),
    "selu": (F.selu, TF.selu),
    "celu": (F.celu, TF.celu),
    "celu_alpha": (lambda x: F.celu(x, 2.5), lambda x: TF.celu(x, 2.5)),
    "silu": (F.silu, TF.silu),
    "mish": (F.mish, TF.mish),
    "softplus": (F.softplus, TF.softplus),
    "softplus_beta": (lambda x: F.softplus(x, 2.0, 5.0), lambda x: TF.softplus(x, 2.0, 5.0)),
    "softplus_neg_beta": (lambda x: F.softplus(x, -0.5), lambda x: TF.softplus(x, -0.5)),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -3.0, 6.0), lambda x: TF.hardtanh(x, -3.0, 6.0)),
    "relu6": (F.relu6, TF.relu6),
    "hardswish": (F.hardswish, TF.hardswish),
    "softsign": (F.softsign, TF.softsign),
    "tanhshrink": (F.tanhshrink, TF.tanhshrink),
    "threshold": (lambda x: F.threshold(x, 3.0, -2.0), lambda x: TF.threshold(x, 3.0, -2.0)),
}
SHAPES = [(9,), (4, 9), (2, 3, 3, 4)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_matches_torch(name, shape, dtype):
    fn, tfn = ELEMENTWISE[name]
    compare(fn, tfn, [_data(shape, dtype)], f"{name} {shape} {dtype.__name__}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_hardsigmoid_matches_torch_up_to_its_float32_constant(dtype):
    # PyTorch's backward multiplies by float32(1/6) even in float64; numnet uses the exact 1/6 (documented)
    x = _data((4, 9), dtype)
    compare(F.hardsigmoid, TF.hardsigmoid, [x], "hardsigmoid", grad_rtol=1e-7 if dtype == np.float64 else 1e-6)
    g = numnet.tensor(np.array([0.0, 2.9, -2.9, 3.0, -3.0]), requires_grad=True)
    F.hardsigmoid(g).sum().backward()
    np.testing.assert_array_equal(g.grad._data, [1 / 6, 1 / 6, 1 / 6, 0.0, 0.0])


@pytest.mark.parametrize("name", ["hardswish", "hardtanh", "relu6", "elu", "celu", "selu", "threshold"])
def test_gradient_at_the_kinks_is_torchs(name):
    fn, tfn = ELEMENTWISE[name]
    x = np.array([-3.0, 0.0, 3.0, 6.0, -1.0, 1.0])
    out = compare(fn, tfn, [x], f"{name} at kinks")
    assert np.all(np.isfinite(out._data))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_no_overflow_for_huge_inputs(dtype):
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], dtype=dtype)
    with np.errstate(all="raise", under="ignore"):
        for name in ("elu", "selu", "celu", "silu", "mish", "softplus", "logsigmoid", "softsign", "tanhshrink"):
            fn, tfn = ELEMENTWISE[name]
            out = compare(fn, tfn, [x], f"{name} huge")
            assert np.all(np.isfinite(out._data)), name


@pytest.mark.parametrize("name", list(ELEMENTWISE) + ["hardsigmoid"])
def test_gradcheck(name):
    fn = F.hardsigmoid if name == "hardsigmoid" else ELEMENTWISE[name][0]
    x = np.random.default_rng(3).standard_normal((3, 5)) * 4
    for kink in (0.0, 3.0, -3.0, 6.0, -1.0, 1.0):  # keep the finite-difference stencil off every kink
        x = np.where(np.abs(x - kink) < 0.05, x + 0.1, x)
    gradcheck(fn, [numnet.tensor(x, requires_grad=True)], name=name)


# ---------------------------------------------------------------------- prelu
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape,nw", [((7,), 1), ((4, 5), 1), ((4, 5), 5), ((2, 3, 4), 3), ((2, 3, 2, 2), 3),
                                      ((2, 3, 2, 2), 1)])
def test_prelu_matches_torch(shape, nw, dtype):
    x = _data(shape, dtype)
    w = np.random.default_rng(2).uniform(-0.5, 0.5, nw).astype(dtype)
    compare(F.prelu, TF.prelu, [x, w], f"prelu {shape} w{nw}")


def test_prelu_gradcheck():
    x = np.random.default_rng(4).standard_normal((2, 3, 2)) + 0.05
    for nw in (1, 3):
        w = numnet.tensor(np.random.default_rng(5).uniform(0.1, 0.4, nw), requires_grad=True)
        gradcheck(F.prelu, [numnet.tensor(x, requires_grad=True), w], name="prelu")


# ---------------------------------------------------------------------- channel dropout
@pytest.mark.parametrize("fn,shape,mask_dims", [
    (F.dropout1d, (6, 5, 7), 2), (F.dropout1d, (5, 7), 1),
    (F.dropout2d, (6, 5, 3, 4), 2), (F.dropout2d, (6, 5, 7), 2),
    (F.dropout3d, (4, 5, 2, 3, 2), 2), (F.dropout3d, (5, 2, 3, 2), 1),
])
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_channel_dropout_zeroes_whole_channels_scaled(fn, shape, mask_dims, dtype):
    p = 0.4
    x_np = np.random.default_rng(0).uniform(1, 2, size=shape).astype(dtype)
    x = numnet.tensor(x_np, requires_grad=True)
    numnet.manual_seed(11)
    out = fn(x, p)
    assert out.dtype == dtype and out.shape == shape
    kept = out._data != 0
    per_channel = kept.reshape(shape[:mask_dims] + (-1,))
    assert np.all(per_channel.all(axis=-1) | ~per_channel.any(axis=-1)), "a channel was partly dropped"
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(out._data[kept], x_np[kept] / dtype(1 - p), rtol=1e-6)
    # the mask is numnet's generator's: one uniform per channel
    expected = np.random.default_rng(11).random(shape[:mask_dims]) >= p
    np.testing.assert_array_equal(per_channel.any(axis=-1), expected)
    g = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    out.backward(numnet.tensor(g))
    np.testing.assert_allclose(x.grad._data, np.where(kept, g / dtype(1 - p), 0), rtol=1e-6)


def test_channel_dropout_rate_matches_p_and_identity_cases():
    numnet.manual_seed(0)
    out = F.dropout2d(numnet.ones(200, 100, 1, 2), 0.3)
    assert abs((out._data == 0).mean() - 0.3) < 0.01
    x = numnet.ones(2, 3, 4, 4)
    assert F.dropout2d(x, 0.5, training=False) is x and F.dropout2d(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0)._data, 0.0)


def test_channel_dropout_gradcheck():
    x = numnet.tensor(np.random.default_rng(0).standard_normal((3, 4, 2, 2)), requires_grad=True)

    def fn(a):
        numnet.manual_seed(5)
        return F.dropout2d(a, 0.5)

    gradcheck(fn, [x], name="dropout2d")


def test_alpha_dropout_moments_and_gradient():
    numnet.manual_seed(1)
    x_np = np.random.default_rng(0).standard_normal(200_000)
    x = numnet.tensor(x_np, requires_grad=True)
    out = F.alpha_dropout(x, 0.2, training=True)
    assert abs(out._data.mean()) < 0.01 and abs(out._data.std() - 1) < 0.01  # SELU's fixed point is kept
    # PyTorch's a and b: dropped units go to a·(−α')+b, kept ones to a·x + b
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha ** 2 * 0.2 + 1) * 0.8)
    dropped = np.random.default_rng(1).random(x_np.size) < 0.2  # numnet's generator, seeded above
    assert abs(dropped.mean() - 0.2) < 0.01
    np.testing.assert_allclose(out._data[dropped], a * alpha * 0.2 - alpha * a, rtol=1e-12)
    np.testing.assert_allclose(out._data[~dropped], a * x_np[~dropped] + a * alpha * 0.2, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(x.grad._data, np.where(dropped, 0.0, a), rtol=1e-12)
    y = numnet.ones(3)
    assert F.alpha_dropout(y, 0.5) is y  # training defaults to False, as PyTorch
    np.testing.assert_array_equal(F.alpha_dropout(y, 1.0, True)._data, 0.0)
    torch_a = TF.alpha_dropout(torch.ones(3), 0.5)
    assert torch.equal(torch_a, torch.ones(3))


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.elu(numnet.tensor([1, 2])), DTypeError, "elu: expected input to be a floating-point Tensor"),
    (lambda: F.elu([1.0]), DTypeError, "elu: expected input to be a numnet.Tensor, got list"),
    (lambda: F.elu(numnet.tensor([1.0]), "a"), DTypeError, "elu: expected alpha to be a finite number, got 'a'"),
    (lambda: F.celu(numnet.tensor([1.0]), 0.0), ArgumentError, "celu: expected alpha to be non-zero, got 0.0"),
    (lambda: F.softplus(numnet.tensor([1.0]), 0), ArgumentError, "softplus: expected beta to be non-zero, got 0"),
    (lambda: F.softplus(numnet.tensor([1.0]), 1, float("nan")), ArgumentError,
     "softplus: expected threshold to be a finite number, got nan"),
    (lambda: F.hardtanh(numnet.tensor([1.0]), 1.0, -1.0), ArgumentError,
     "hardtanh: expected max_val to be greater than min_val=1, got -1.0"),
    (lambda: F.relu6(numnet.tensor([1]), ), DTypeError, "relu6: expected input to be a floating-point Tensor"),
    (lambda: F.threshold(numnet.tensor([1.0]), None, 0.0), DTypeError,
     "threshold: expected threshold to be a finite number, got None"),
    (lambda: F.silu(numnet.tensor([True])), DTypeError, "silu: expected input to be a floating-point Tensor"),
    (lambda: F.prelu(numnet.tensor([1.0]), [0.25]), DTypeError, "prelu: expected weight to be a numnet.Tensor"),
    (lambda: F.prelu(numnet.ones(2, 3), numnet.ones(2)), ShapeError,
     "prelu: weight has 2 elements but input of shape (2, 3) has 3 channel(s) on axis 1"),
    (lambda: F.prelu(numnet.ones(3), numnet.ones(3)), ShapeError, "has 1 channel(s)"),
    (lambda: F.prelu(numnet.ones(2, 3), numnet.ones(1, 3)), ShapeError,
     "prelu: expected weight to be 0-d or 1-D, got shape (1, 3)"),
    (lambda: F.dropout2d(numnet.ones(3, 4)), ShapeError,
     "dropout2d: expected input of shape (N, C, H, W) or (N, C, L), got (3, 4)"),
    (lambda: F.dropout1d(numnet.ones(3)), ShapeError, "dropout1d: expected input of shape (N, C, L) or (C, L)"),
    (lambda: F.dropout3d(numnet.ones(2, 3, 4)), ShapeError, "dropout3d: expected input of shape"),
    (lambda: F.dropout2d(numnet.ones(1, 2, 3, 4), 1.5), ArgumentError,
     "dropout2d: expected p to be a number in [0, 1], got 1.5"),
    (lambda: F.dropout2d(numnet.tensor(np.ones((1, 2, 3, 4), np.int64))), DTypeError,
     "dropout2d: expected input to be a floating-point Tensor"),
    (lambda: F.alpha_dropout(numnet.ones(3), -0.1), ArgumentError,
     "alpha_dropout: expected p to be a number in [0, 1], got -0.1"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_inplace_is_accepted_and_input_left_as_is():
    x = numnet.tensor([-1.0, 2.0])
    for fn in (F.elu, F.selu, F.celu, F.silu, F.mish, F.hardtanh, F.relu6, F.hardsigmoid, F.hardswish):
        out = fn(x, inplace=True)
        assert out is not x
    np.testing.assert_array_equal(x._data, [-1.0, 2.0])
    assert F.threshold(x, 0.0, 5.0, inplace=True).tolist() == [5.0, 2.0]


def test_docstring_examples():
    result = doctest.testmod(sys.modules["numnet.functional.activation"])
    assert result.attempted > 0 and result.failed == 0
