"""numnet.functional.linear / flatten against PyTorch, gradcheck, validation; the functional namespace's exports."""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.testing import gradcheck
from tests.ops.test_activation import compare

DTYPES = [np.float64, np.float32]
DT_IDS = ["f64", "f32"]


def _r(shape, dtype, seed=0):
    return (np.random.default_rng(seed).standard_normal(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("in_shape", [(5, 4), (2, 3, 4), (4,), (2, 1, 3, 4)], ids=str)
def test_linear_matches_torch(in_shape, bias, dtype):
    x = numnet.tensor(_r(in_shape, dtype), requires_grad=True)
    w = numnet.tensor(_r((3, 4), dtype, 1), requires_grad=True)
    b = numnet.tensor(_r((3,), dtype, 2), requires_grad=True) if bias else None
    out = compare(F.linear, TF.linear, [x, w, b], f"linear {in_shape} bias={bias}")
    assert out.shape == in_shape[:-1] + (3,)


def test_linear_one_dimensional_weight():
    x = numnet.tensor(_r((5, 4), np.float64), requires_grad=True)
    w = numnet.tensor(_r((4,), np.float64, 1), requires_grad=True)
    out = compare(F.linear, TF.linear, [x, w], "linear 1-d weight")
    assert out.shape == (5,)
    # numnet also takes a 0-d bias with a 1-d weight (PyTorch's addmm path refuses it)
    b = numnet.tensor(np.float64(0.5), requires_grad=True)
    out = F.linear(x, w, b)
    np.testing.assert_allclose(out._data, x._data @ w._data + 0.5, rtol=1e-12)
    out.sum().backward()
    assert b.grad.item() == 5.0


def test_linear_constant_weight_and_input():
    x = numnet.tensor(_r((5, 4), np.float32))
    w = numnet.tensor(_r((3, 4), np.float32, 1), requires_grad=True)
    compare(F.linear, TF.linear, [x, w, None], "linear, only weight requires grad")


def test_linear_gradcheck():
    x = numnet.tensor(_r((2, 3, 4), np.float64), requires_grad=True)
    w = numnet.tensor(_r((5, 4), np.float64, 1), requires_grad=True)
    b = numnet.tensor(_r((5,), np.float64, 2), requires_grad=True)
    gradcheck(F.linear, [x, w, b], name="linear")
    gradcheck(lambda a, ww: F.linear(a, ww), [x, w], name="linear without bias")


@pytest.mark.parametrize("shape,start,end", [
    ((2, 3, 4, 5), 0, -1), ((2, 3, 4, 5), 1, -1), ((2, 3, 4, 5), 1, 2), ((2, 3, 4, 5), -2, -1),
    ((2, 3, 4, 5), 2, 2), ((7,), 0, 0), ((3, 0, 2), 1, -1),
])
def test_flatten_matches_torch(shape, start, end):
    x = numnet.tensor(_r(shape, np.float64), requires_grad=True)
    compare(lambda a: F.flatten(a, start, end), lambda a: torch.flatten(a, start, end), [x], f"flatten {shape}")


def test_flatten_defaults_match_torch_and_keep_dtype():
    x = numnet.tensor(_r((2, 3, 4), np.float32), requires_grad=True)
    out = compare(F.flatten, torch.flatten, [x], "flatten defaults")
    assert out.shape == (24,) and out.dtype == np.float32 and x.grad.dtype == np.float32
    assert F.flatten(numnet.tensor(np.float64(2.0))).shape == tuple(torch.flatten(torch.tensor(2.0)).shape)
    assert F.flatten(numnet.tensor(np.zeros((2, 3), dtype=np.int64)), 0).dtype == np.int64


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.linear(numnet.tensor(np.zeros((5, 3))), numnet.tensor(np.zeros((2, 4)))), numnet.ShapeError,
     "linear: input has 3 features in its last dimension (input shape (5, 3)) but weight expects in_features=4 "
     "(weight shape (2, 4))"),
    (lambda: F.linear(numnet.tensor(np.zeros((5, 4))), numnet.tensor(np.zeros((2, 4))),
                      numnet.tensor(np.zeros(3))), numnet.ShapeError,
     "linear: bias must have shape (2,) (out_features), got (3,) (weight shape (2, 4))"),
    (lambda: F.linear(numnet.tensor(np.zeros((5, 4))), numnet.tensor(np.zeros((1, 2, 4)))), numnet.ShapeError,
     "linear: expected weight of shape (out_features, in_features), got (1, 2, 4)"),
    (lambda: F.linear(numnet.tensor(np.float64(1.0)), numnet.tensor(np.zeros((2, 1)))), numnet.ShapeError,
     "linear: expected input of shape (*, in_features), got a 0-d tensor"),
    (lambda: F.linear(numnet.tensor(np.zeros((5, 4), dtype=np.int64)), numnet.tensor(np.zeros((2, 4)))),
     numnet.DTypeError,
     "linear: expected input to be a floating-point Tensor, got dtype int64; convert it with .float()"),
    (lambda: F.linear(numnet.tensor(np.zeros((5, 4))), np.zeros((2, 4))), numnet.DTypeError,
     "linear: expected weight to be a numnet.Tensor, got numpy.ndarray; convert it with numnet.tensor(...)"),
    (lambda: F.linear(numnet.tensor(np.zeros((5, 4))), numnet.tensor(np.zeros((2, 4), dtype=np.float32))),
     numnet.DTypeError, "linear: input, weight and bias must share one dtype, got input float64, weight float32"),
    (lambda: F.linear(numnet.zeros(5, 4), numnet.zeros(2, 4), numnet.tensor([1, 2])), numnet.DTypeError,
     "linear: expected bias to be a floating-point Tensor, got dtype int64"),
    (lambda: F.flatten([1, 2]), numnet.DTypeError, "flatten: expected input to be a numnet.Tensor, got list"),
    (lambda: F.flatten(numnet.zeros(2, 3, 4), 2, 1), numnet.ArgumentError,
     "flatten: start_dim (2) must not come after end_dim (1)"),
    (lambda: F.flatten(numnet.zeros(2, 3), 3), numnet.ArgumentError, "flatten: dim 3 is out of range"),
    (lambda: F.flatten(numnet.zeros(2, 3), 0, -3), numnet.ArgumentError, "flatten: dim -3 is out of range"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_functional_namespace_exports_these_modules():
    for module in ("activation", "loss", "normalization", "linear"):
        mod = sys.modules[f"numnet.functional.{module}"]
        assert mod.__all__, module
        for name in mod.__all__:
            assert getattr(F, name) is getattr(mod, name), name
            assert callable(getattr(F, name)) and getattr(F, name).__doc__, name


def test_docstring_examples():
    result = doctest.testmod(sys.modules["numnet.functional.linear"])
    assert result.attempted > 0 and result.failed == 0
