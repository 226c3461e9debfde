"""Activations and dropout (numnet/ops/activation.py via numnet.functional) against PyTorch, gradcheck, edge cases."""

from __future__ import annotations

import doctest
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch

DTYPES = [np.float64, np.float32]


@pytest.fixture(autouse=True)
def _keep_global_rng():
    """Tests here seed numnet's default generator; give the next test file the state it would have had."""
    state = numnet.get_rng_state()
    yield
    numnet.set_rng_state(state)


def compare(fn, tfn, inputs, what: str, seed: int = 0):
    """Run ``fn`` on numnet inputs and ``tfn`` on their torch copies; compare outputs, dtypes and the gradients of
    every input that requires grad (backpropagating the same random cotangent). Returns numnet's output."""
    t_inputs = [to_torch(x, requires_grad=x.requires_grad) if isinstance(x, numnet.Tensor) else x for x in inputs]
    out = fn(*inputs)
    ref = tfn(*t_inputs)
    assert out.dtype == np.dtype(str(ref.dtype).replace("torch.", "")), f"{what}: dtype {out.dtype} vs {ref.dtype}"
    assert_close(out, ref, out.dtype, f"{what} forward")
    diff = [i for i, x in enumerate(inputs) if isinstance(x, numnet.Tensor) and x.requires_grad]
    if diff:
        cot = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
        (out * numnet.tensor(cot)).sum().backward()
        (ref * torch.tensor(cot)).sum().backward()
        for i in diff:
            g, tg = inputs[i].grad, t_inputs[i].grad
            assert g is not None, f"{what}: no gradient for input {i}"
            assert g.dtype == inputs[i].dtype, f"{what}: grad of input {i} has dtype {g.dtype}, not {inputs[i].dtype}"
            assert_close(g, tg, inputs[i].dtype, f"{what} grad of input {i}")
    return out


def _data(shape, dtype, seed=0, scale=3.0):
    """Normal samples with a few exact zeros and large values mixed in."""
    x = np.random.default_rng(seed).standard_normal(shape) * scale
    flat = x.reshape(-1)
    flat[::7] = 0.0
    flat[3::11] = 40.0
    flat[5::13] = -40.0
    return x.astype(dtype)


ELEMENTWISE = {
    "relu": (F.relu, TF.relu),
    "leaky_relu": (F.leaky_relu, TF.leaky_relu),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
}
SHAPES = [(7,), (4, 5), (2, 3, 4, 5)]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_elementwise_matches_torch(name, shape, dtype):
    fn, tfn = ELEMENTWISE[name]
    x = numnet.tensor(_data(shape, dtype), requires_grad=True)
    compare(fn, tfn, [x], f"{name} {shape} {dtype.__name__}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape,dim", [((7,), 0), ((4, 5), 1), ((4, 5), 0), ((2, 3, 4, 5), 1), ((2, 3, 4, 5), -1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_matches_torch(name, shape, dim, dtype):
    fn, tfn = getattr(F, name), getattr(TF, name)
    x = numnet.tensor(_data(shape, dtype, seed=1), requires_grad=True)
    out = compare(lambda a: fn(a, dim), lambda a: tfn(a, dim), [x], f"{name} {shape} dim={dim}")
    if name == "softmax":
        np.testing.assert_allclose(out._data.sum(axis=dim), 1.0, rtol=1e-6 if dtype == np.float32 else 1e-12)


def test_softmax_dtype_argument_casts_differentiably():
    x = numnet.tensor(_data((3, 4), np.float32), requires_grad=True)
    out = compare(lambda a: F.softmax(a, 1, dtype=np.float64), lambda a: TF.softmax(a, 1, dtype=torch.float64),
                  [x], "softmax dtype=float64")
    assert out.dtype == np.float64 and x.grad.dtype == np.float32


def test_softmax_of_0d_tensor_is_one():
    x = numnet.tensor(np.float64(3.0), requires_grad=True)
    compare(lambda a: F.softmax(a, 0), lambda a: TF.softmax(a, 0), [x], "softmax 0-d")
    x = numnet.tensor(np.float64(3.0), requires_grad=True)
    compare(lambda a: F.log_softmax(a, -1), lambda a: TF.log_softmax(a, -1), [x], "log_softmax 0-d")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_huge_logits_finite_and_exact(name, dtype):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4 + 1], [1e4, 1e4, -1e4]], dtype=dtype)
    x = numnet.tensor(logits, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a: getattr(F, name)(a, 1), lambda a: getattr(TF, name)(a, 1), [x], f"{name} ±1e4")
    assert np.all(np.isfinite(out._data)) and np.all(np.isfinite(x.grad._data))
    if name == "log_softmax":
        np.testing.assert_array_equal(out._data[0], np.array([0.0, -2e4, -1e4], dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_sigmoid_large_inputs_no_overflow(dtype):
    x = numnet.tensor(np.array([-1e4, -1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0, 1e4], dtype=dtype),
                      requires_grad=True)
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        out = compare(F.sigmoid, torch.sigmoid, [x], "sigmoid large |x|")
    assert out._data[0] == 0.0 and out._data[-1] == 1.0 and out._data[4] == 0.5
    assert np.all(np.isfinite(x.grad._data))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_extreme_inputs(approximate):
    x = numnet.tensor(np.array([-1e4, -40.0, -10.0, -1e-8, 0.0, 1e-8, 10.0, 40.0, 1e4]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare(lambda a: F.gelu(a, approximate=approximate), lambda a: TF.gelu(a, approximate=approximate), [x],
                f"gelu({approximate}) extreme")


def test_erfc_against_math():
    import math

    from numnet.ops.activation import erfc

    z = np.concatenate([np.linspace(-8, 8, 4001), [-40.0, -27.0, 27.0, 40.0, 1e-300, -1e-300]])
    ref = np.array([math.erfc(v) for v in z])
    np.testing.assert_allclose(erfc(z), ref, rtol=2e-15, atol=1e-300)
    z32 = z.astype(np.float32)
    ref32 = np.array([math.erfc(v) for v in z32.astype(np.float64)])
    out32 = erfc(z32)
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, ref32, rtol=1e-5, atol=1e-37)  # float32 rounding of y² in the far tail
    assert erfc(z.astype(np.float16)).dtype == np.float16


@pytest.mark.parametrize("name,fn", [
    ("relu", F.relu), ("leaky_relu", lambda x: F.leaky_relu(x, 0.3)), ("sigmoid", F.sigmoid), ("tanh", F.tanh),
    ("gelu", F.gelu), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh")),
    ("softmax", lambda x: F.softmax(x, 1)), ("log_softmax", lambda x: F.log_softmax(x, 0)),
])
def test_gradcheck(name, fn):
    x = np.random.default_rng(3).standard_normal((3, 4)) * 2
    x = x + np.sign(x) * 0.1  # keep relu's kink away from the finite-difference stencil
    gradcheck(fn, [numnet.tensor(x, requires_grad=True)], name=name)


def test_dropout_gradcheck():
    numnet.manual_seed(5)
    x = numnet.tensor(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)

    def fn(a):
        numnet.manual_seed(5)  # the same mask on every finite-difference evaluation
        return F.dropout(a, 0.3)

    gradcheck(fn, [x], name="dropout")


def test_relu_grad_at_zero_is_zero_and_leaky_is_slope():
    x = numnet.tensor([0.0, -0.0, 1.0, -1.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [0.0, 0.0, 1.0, 0.0])
    x = numnet.tensor(np.zeros(3), requires_grad=True)
    compare(lambda a: F.leaky_relu(a, 0.2), lambda a: TF.leaky_relu(a, 0.2), [x], "leaky_relu at 0")
    np.testing.assert_array_equal(x.grad._data != 0, True)


def test_relu_integer_and_nan():
    x = numnet.tensor(np.array([-3, 0, 5], dtype=np.int64))
    out = F.relu(x)
    assert out.dtype == np.int64 and out.tolist() == [0, 0, 5]
    y = F.relu(numnet.tensor([np.nan, -np.inf, np.inf]))
    assert np.isnan(y._data[0]) and y._data[1] == 0 and y._data[2] == np.inf


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_gradient_at_nan_zero_and_signed_zero_matches_torch(dtype):
    # ReLU keeps its output for backward: the gradient passes where z ≠ 0, which must be exactly torch's x > 0
    # with NaN passing (and -0.0 and 0 blocking)
    values = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, -1.5, 2.5, 1e-30, -1e-30], dtype=dtype)
    g = np.arange(1, values.size + 1, dtype=dtype)
    x = numnet.tensor(values, requires_grad=True)
    F.relu(x).backward(numnet.tensor(g))
    tx = torch.tensor(values, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g))
    np.testing.assert_array_equal(x.grad._data, tx.grad.numpy())
    assert x.grad.dtype == dtype


def test_relu_output_changed_in_place_is_refused_in_backward():
    from numnet.errors import InPlaceError

    x = numnet.tensor([-1.0, 2.0], requires_grad=True)
    y = F.relu(x)
    y.mul_(0)  # torch: "modified by an inplace operation" (it saves the result too)
    with pytest.raises(InPlaceError, match="Relu|ReLU"):
        y.sum().backward()


def test_tensor_methods_dispatch_here():
    x = numnet.tensor(_data((3, 4), np.float64), requires_grad=True)
    np.testing.assert_array_equal(x.relu()._data, F.relu(x)._data)
    np.testing.assert_array_equal(x.sigmoid()._data, F.sigmoid(x)._data)
    np.testing.assert_array_equal(x.tanh()._data, F.tanh(x)._data)
    np.testing.assert_array_equal(x.softmax(1)._data, F.softmax(x, 1)._data)
    np.testing.assert_array_equal(x.log_softmax(0)._data, F.log_softmax(x, 0)._data)


# ---------------------------------------------------------------------- dropout
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
def test_dropout_reproducible_scaled_and_masks_grad(dtype):
    p = 0.3
    x_np = np.random.default_rng(0).uniform(1, 2, size=(50, 40)).astype(dtype)
    numnet.manual_seed(123)
    x = numnet.tensor(x_np, requires_grad=True)
    out = F.dropout(x, p)
    numnet.manual_seed(123)
    again = F.dropout(numnet.tensor(x_np), p)
    numnet.manual_seed(124)
    other = F.dropout(numnet.tensor(x_np), p)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out._data, again._data)
    assert not np.array_equal(out._data, other._data)
    kept = out._data != 0
    np.testing.assert_allclose(out._data[kept], x_np[kept] / dtype(1 - p), rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.03
    g = np.random.default_rng(1).standard_normal(x_np.shape).astype(dtype)
    out.backward(numnet.tensor(g))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad._data, np.where(kept, g / dtype(1 - p), 0), rtol=1e-6)


def test_dropout_uses_numnet_default_generator():
    numnet.manual_seed(7)
    mask = F.dropout(numnet.ones(1000, dtype=np.float64), 0.5)._data != 0
    expected = np.random.default_rng(7).random(1000) >= 0.5
    np.testing.assert_array_equal(mask, expected)


def test_dropout_identity_cases_and_p_one():
    x = numnet.tensor(np.ones((3, 4)), requires_grad=True)
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.5, training=False) is x
    out = F.dropout(x, 1.0)
    np.testing.assert_array_equal(out._data, 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, 0.0)


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.relu([1.0, -1.0]), numnet.DTypeError,
     "relu: expected input to be a numnet.Tensor, got list; convert it with numnet.tensor(...)"),
    (lambda: F.relu(numnet.tensor([True])), numnet.DTypeError,
     "relu: expected input to be a numeric Tensor, got dtype bool"),
    (lambda: F.sigmoid(numnet.tensor([1, 2])), numnet.DTypeError, "sigmoid: expected input to be a floating-point"),
    (lambda: F.tanh(numnet.tensor([1, 2])), numnet.DTypeError, "tanh: expected input to be a floating-point"),
    (lambda: F.leaky_relu(numnet.tensor([1, 2])), numnet.DTypeError, "leaky_relu: expected input"),
    (lambda: F.leaky_relu(numnet.tensor([1.0]), "a"), numnet.DTypeError,
     "leaky_relu: expected negative_slope to be a finite number, got 'a'"),
    (lambda: F.gelu(numnet.tensor([1, 2])), numnet.DTypeError, "gelu: expected input"),
    (lambda: F.gelu(numnet.tensor([1.0]), approximate="fast"), numnet.ArgumentError,
     "gelu: expected approximate to be one of 'none', 'tanh', got 'fast'"),
    (lambda: F.softmax(numnet.tensor([[1.0]])), numnet.ArgumentError,
     "softmax: expected dim to be given, got None (numnet does not guess it"),
    (lambda: F.log_softmax(numnet.tensor([[1.0]])), numnet.ArgumentError,
     "log_softmax: expected dim to be given, got None"),
    (lambda: F.softmax(numnet.tensor([[1.0]]), 2), numnet.ArgumentError,
     "softmax: expected dim to be an int in [-2, 1], got 2"),
    (lambda: F.log_softmax(numnet.tensor([[1.0]]), -3), numnet.ArgumentError,
     "log_softmax: expected dim to be an int in [-2, 1], got -3"),
    (lambda: F.softmax(numnet.tensor([[1.0]]), 1.0), numnet.DTypeError,
     "softmax: expected dim to be an int in [-2, 1], got 1.0"),
    (lambda: F.softmax(numnet.tensor([[1, 2]]), 1), numnet.DTypeError, "softmax: expected input to be a floating"),
    (lambda: F.softmax(numnet.tensor([[1.0]]), 1, dtype=np.int64), numnet.DTypeError,
     "softmax: expected dtype to be a floating-point dtype, got int64"),
    (lambda: F.log_softmax([1.0], 0), numnet.DTypeError, "log_softmax: expected input to be a numnet.Tensor"),
    (lambda: F.dropout(numnet.tensor([1.0]), 1.5), numnet.ArgumentError,
     "dropout: expected p to be a number in [0, 1], got 1.5"),
    (lambda: F.dropout(numnet.tensor([1.0]), -0.1), numnet.ArgumentError,
     "dropout: expected p to be a number in [0, 1], got -0.1"),
    (lambda: F.dropout(numnet.tensor([1.0]), "half"), numnet.DTypeError,
     "dropout: expected p to be a number in [0, 1], got 'half'"),
    (lambda: F.dropout(numnet.tensor([1, 2])), numnet.DTypeError, "dropout: expected input to be a floating-point"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


def test_docstring_examples():
    result = doctest.testmod(sys.modules["numnet.functional.activation"])
    assert result.attempted > 0 and result.failed == 0
