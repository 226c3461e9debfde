"""Elementwise ops (numnet/ops/elementwise.py via Tensor operators) against PyTorch, gradcheck, ties and dtypes.

``compare`` here is the shared forward+backward check used by the other core op tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import numnet
from numnet.ops.elementwise import unbroadcast
from numnet.testing import gradcheck
from tests.reference import assert_close

DTYPES = [np.float64, np.float32]


def assert_close_nonfinite(ours, ref, dtype, what: str = "") -> None:
    """``assert_close``, but NaN and ±inf must sit at the same places in both (tests/reference.py would see
    ``inf - inf`` as a NaN difference)."""
    a = ours._data if isinstance(ours, numnet.Tensor) else np.asarray(ours)
    b = ref.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} != reference {b.shape}"
    finite = np.isfinite(b)
    assert np.array_equal(np.isnan(a), np.isnan(b)), f"{what}: NaN at different places: {a} vs {b}"
    assert np.array_equal(a[~finite & ~np.isnan(b)], b[~finite & ~np.isnan(b)]), f"{what}: inf differs: {a} vs {b}"
    assert_close(a[finite], b[finite], dtype, what)


def compare(fn, tfn, arrays, dtype=np.float64, *, what: str = "", seed: int = 0, grad=True):
    """Run ``fn`` on numnet tensors made from ``arrays`` (cast to ``dtype``) and ``tfn`` on torch copies.

    Compares output values and dtype, then backpropagates one random cotangent through both and compares every
    input's gradient and its dtype. ``grad`` may be a list of booleans (which inputs require grad). Returns the output.
    """
    needs = [grad] * len(arrays) if isinstance(grad, bool) else list(grad)
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    ours = [numnet.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    refs = [torch.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    out = fn(*ours)
    ref = tfn(*refs)
    assert str(out.dtype) == str(ref.dtype).replace("torch.", ""), f"{what}: dtype {out.dtype} vs torch {ref.dtype}"
    assert_close_nonfinite(out, ref, dtype, f"{what} forward")
    if any(needs):
        cot = np.random.default_rng(seed).standard_normal(ref.shape).astype(dtype)
        out.backward(numnet.tensor(cot))
        ref.backward(torch.tensor(cot))
        for i, (x, r) in enumerate(zip(ours, refs)):
            if not needs[i]:
                assert x.grad is None
                continue
            assert x.grad is not None, f"{what}: no gradient for input {i}"
            assert x.grad.dtype == np.dtype(dtype), f"{what}: grad {i} has dtype {x.grad.dtype}, not {dtype}"
            assert_close_nonfinite(x.grad, r.grad, dtype, f"{what} grad of input {i}")
    return out


def _normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _positive(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.5, 2.0, shape)


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b),
    "maximum": (numnet.maximum, torch.maximum),
    "minimum": (numnet.minimum, torch.minimum),
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 1, 4), (3, 1)), ((5,), ())]


def _binary_inputs(name, sa, sb, seed=0):
    a = _positive(sa, seed) if name == "pow" else _normal(sa, seed)
    b = _positive(sb, seed + 1) if name in ("pow", "div") else _normal(sb, seed + 1)
    if name == "div":
        b = b * np.where(_normal(sb, seed + 2) > 0, 1, -1)
    return a, b


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_matches_torch(name, shapes, dtype):
    fn, tfn = BINARY[name]
    compare(fn, tfn, _binary_inputs(name, *shapes), dtype, what=f"{name}{shapes}")


@settings(max_examples=15)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 100))
def test_binary_broadcasting_hypothesis(shapes, name, seed):
    fn, tfn = BINARY[name]
    sa, sb = shapes.input_shapes
    compare(fn, tfn, _binary_inputs(name, sa, sb, seed), np.float64, what=f"{name}{sa},{sb}")


SCALAR_CASES = {
    "add": (lambda a: a + 2.5, lambda a: a + 2.5),
    "radd": (lambda a: 2.5 + a, lambda a: 2.5 + a),
    "sub": (lambda a: a - 1.5, lambda a: a - 1.5),
    "rsub": (lambda a: 1.5 - a, lambda a: 1.5 - a),
    "mul": (lambda a: a * -3, lambda a: a * -3),
    "rmul": (lambda a: 0.5 * a, lambda a: 0.5 * a),
    "div": (lambda a: a / 4.0, lambda a: a / 4.0),
    "rdiv": (lambda a: 2.0 / a, lambda a: 2.0 / a),
    "pow2": (lambda a: a ** 2, lambda a: a ** 2),
    "pow_half": (lambda a: a.abs() ** 0.5, lambda a: a.abs() ** 0.5),
    "rpow": (lambda a: 2.0 ** a, lambda a: 2.0 ** a),
    "neg": (lambda a: -a, lambda a: -a),
    "exp": (lambda a: a.exp(), torch.exp),
    "log": (lambda a: a.abs().log(), lambda a: a.abs().log()),
    "sqrt": (lambda a: a.abs().sqrt(), lambda a: a.abs().sqrt()),
    "abs": (lambda a: a.abs(), torch.abs),
    "clamp": (lambda a: a.clamp(-0.5, 0.7), lambda a: a.clamp(-0.5, 0.7)),
    "clamp_min": (lambda a: a.clamp(min=0.1), lambda a: a.clamp(min=0.1)),
    "clamp_max": (lambda a: a.clamp(max=0.1), lambda a: a.clamp(max=0.1)),
    "where": (lambda a: numnet.where(a > 0, a, a * 2), lambda a: torch.where(a > 0, a, a * 2)),
    "where_scalar": (lambda a: numnet.where(a > 0, a, 0.0), lambda a: torch.where(a > 0, a, 0.0)),
    "maximum_scalar": (lambda a: a.maximum(0.2), lambda a: torch.clamp_min(a, 0.2)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 3, 5)], ids=str)
@pytest.mark.parametrize("name", SCALAR_CASES)
def test_unary_and_scalar_ops_match_torch(name, shape, dtype):
    fn, tfn = SCALAR_CASES[name]
    x = _normal(shape, 3)
    if x.ndim and name in ("maximum_scalar",):
        x.reshape(-1)[0] = 0.3  # away from the tie, which torch.clamp_min treats differently (no split)
    compare(fn, tfn, [x], dtype, what=f"{name}{shape}")


def test_where_broadcasts_condition_and_both_sides():
    cond = _normal((3, 1)) > 0
    compare(lambda a, b: numnet.where(numnet.tensor(cond), a, b),
            lambda a, b: torch.where(torch.tensor(cond), a, b), [_normal((1, 4)), _normal((3, 4), 1)], np.float32)


GRADCHECK = {
    "add": (lambda a, b: a + b, (2, 3), (3,)),
    "sub": (lambda a, b: a - b, (2, 3), (2, 1)),
    "mul": (lambda a, b: a * b, (2, 3), (1, 3)),
    "div": (lambda a, b: a / b, (2, 3), (3,)),
    "pow": (lambda a, b: a ** b, (2, 3), (3,)),
    "maximum": (numnet.maximum, (2, 3), (3,)),
    "minimum": (numnet.minimum, (2, 3), (2, 3)),
    "where": (lambda a, b: numnet.where(numnet.tensor([True, False, True]), a, b), (2, 3), (3,)),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck_binary(name):
    fn, sa, sb = GRADCHECK[name]
    a, b = _binary_inputs(name, sa, sb, 7)
    if name in ("maximum", "minimum"):
        b = b + 0.1  # keep away from ties
    gradcheck(fn, [numnet.tensor(a, requires_grad=True), numnet.tensor(b, requires_grad=True)], name=name)


UNARY_GRADCHECK = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "abs": lambda a: (a - 1.25).abs(),
    "clamp": lambda a: a.clamp(0.8, 1.6),
    "pow_scalar": lambda a: a ** 3,
    "rpow": lambda a: 3.0 ** a,
    "rdiv": lambda a: 1.0 / a,
}


@pytest.mark.parametrize("name", UNARY_GRADCHECK)
def test_gradcheck_unary(name):
    x = numnet.tensor(_positive((3, 4), 11), requires_grad=True)
    gradcheck(UNARY_GRADCHECK[name], [x], name=name)


def test_gradcheck_large_input_uses_random_directions():
    x = numnet.tensor(_normal((10, 20), 4), requires_grad=True)
    assert gradcheck(lambda a: (a * a).exp(), [x], name="exp_square")


# ---------------------------------------------------------------------- tie rules and special points
def test_maximum_and_minimum_ties_split_like_torch():
    a = np.array([1.0, 2.0, 3.0, -1.0])
    b = np.array([1.0, 1.0, 3.0, 0.0])
    for fn, tfn in ((numnet.maximum, torch.maximum), (numnet.minimum, torch.minimum)):
        compare(fn, tfn, [a, b], np.float64, what=fn.__name__)


def test_maximum_tie_gives_half_to_each_side():
    a = numnet.tensor([2.0], requires_grad=True)
    b = numnet.tensor([2.0], requires_grad=True)
    a.maximum(b).sum().backward()
    assert a.grad.tolist() == [0.5] and b.grad.tolist() == [0.5]


def test_clamp_passes_gradient_at_the_bounds():
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0])
    out = compare(lambda t: t.clamp(0, 2), lambda t: t.clamp(0, 2), [x], np.float32)
    assert out.tolist() == [0, 0, 1, 2, 2]


def test_clamp_with_min_above_max_gives_max_like_torch():
    compare(lambda t: t.clamp(1.0, 0.0), lambda t: t.clamp(1.0, 0.0), [_normal((5,))], np.float64)


def test_abs_gradient_is_zero_at_zero():
    out = compare(lambda t: t.abs(), torch.abs, [np.array([-2.0, 0.0, 3.0])], np.float64)
    assert out.tolist() == [2, 0, 3]


def test_pow_special_points_match_torch():
    base = np.array([0.0, 0.0, 2.0, 0.0, 1.5])
    expo = np.array([0.0, 2.0, 0.0, 0.5, 1.0])
    compare(lambda a, b: a ** b, lambda a, b: a ** b, [base, expo], np.float64)
    compare(lambda a: a ** 0, lambda a: a ** 0, [base], np.float64)


def test_nan_and_inf_pass_through_without_errors():
    x = numnet.tensor([np.nan, np.inf, -np.inf, 1.0])
    with np.errstate(invalid="ignore"):
        y = (x * 2).clamp(-1, 1)
    assert np.isnan(y._data[0]) and y._data[1:].tolist() == [1, -1, 1]


# ---------------------------------------------------------------------- dtypes of results and gradients
@pytest.mark.parametrize("name", sorted(BINARY))
def test_float32_stays_float32_with_python_scalars(name):
    fn = BINARY[name][0]
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    out = fn(x, 2) if name in ("maximum", "minimum") else fn(x, numnet.tensor(2.0, dtype=np.float64))
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_with_float64_vector_promotes_like_torch_and_grads_keep_their_dtype():
    compare(lambda a, b: a * b, lambda a, b: a * b, [_normal(3), _normal(3, 1)], np.float32)
    a = numnet.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = numnet.tensor(np.full(3, 2.0), requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert a.grad.tolist() == [2, 2, 2] and b.grad.tolist() == [1, 1, 1]


@pytest.mark.parametrize("expr", ["x + 0.5", "x * 1.5", "x / 2", "x / 2.0", "x ** 0.5", "2.5 - x", "x.exp()",
                                  "x.sqrt()", "x.log()", "x.clamp(0.5)", "numnet.where(x > 1, x, 0.5)"])
def test_int_tensor_with_float_scalar_gives_float32_like_torch(expr):
    x = numnet.tensor([1, 2, 3])
    tx = torch.tensor([1, 2, 3])
    ours = eval(expr, {"x": x, "numnet": numnet})
    ref = eval(expr.replace("numnet.", "torch."), {"x": tx, "torch": torch})
    assert str(ours.dtype) == str(ref.dtype).replace("torch.", "") == "float32"
    assert_close(ours, ref, np.float32, expr)


@pytest.mark.parametrize("expr", ["x + 1", "x * 2", "x - y", "x ** 2", "b + 1", "b * True", "x + y64",
                                  "y64 * z", "x.abs()", "-x"])
def test_integer_and_bool_result_dtypes_match_torch(expr):
    env = {"x": np.array([1, 2, 3], dtype=np.int32), "y": np.array([3, 1, 2], dtype=np.int32),
           "b": np.array([True, False, True]), "y64": np.array([1, 2, 3], dtype=np.int64),
           "z": np.array(2.5, dtype=np.float64)}
    ours = eval(expr, {k: numnet.tensor(v) for k, v in env.items()})
    ref = eval(expr, {k: torch.tensor(v) for k, v in env.items()})
    assert str(ours.dtype) == str(ref.dtype).replace("torch.", ""), expr
    assert ours.tolist() == ref.tolist()


def test_zero_dim_float64_does_not_promote_a_float32_vector():
    x = numnet.tensor([1.0, 2.0])
    assert (x + numnet.tensor(np.float64(1.0))).dtype == np.float32
    assert (numnet.tensor([1, 2]) + numnet.tensor(np.float64(1.5))).dtype == np.float64  # higher kind wins


def test_numpy_operands_on_either_side():
    x = numnet.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x + np.float64(1.0)
    assert isinstance(y, numnet.Tensor) and y.dtype == np.float32 and y.tolist() == [4, 9]
    y.sum().backward()
    assert x.grad.tolist() == [3, 4]


# ---------------------------------------------------------------------- unbroadcast and errors
def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    assert unbroadcast(g, (3, 1)).tolist() == g.sum(axis=(0, 2)).reshape(3, 1).tolist()
    assert unbroadcast(g, ()).tolist() == g.sum()
    assert unbroadcast(g, (2, 3, 4)) is g


def test_binary_op_with_incompatible_shapes_names_op_and_shapes():
    with pytest.raises(numnet.ShapeError, match=r"add: shapes \(2, 3\) and \(4,\) cannot be broadcast"):
        numnet.ones(2, 3) + numnet.ones(4)
    with pytest.raises(numnet.ShapeError, match=r"mul: shapes \(2,\) and \(3,\)"):
        numnet.ones(2) * np.ones(3)


def test_where_with_incompatible_shapes_raises():
    with pytest.raises(numnet.ShapeError, match=r"where: shapes \(2,\) and \(3,\) and \(3,\) cannot be broadcast"):
        numnet.where(numnet.tensor([True, False]), numnet.ones(3), numnet.zeros(3))


def test_clamp_errors():
    with pytest.raises(numnet.ArgumentError, match="clamp: at least one of min and max"):
        numnet.ones(2).clamp()
    with pytest.raises(numnet.ArgumentError, match="clamp: a bound that requires grad"):
        numnet.ones(2).clamp(min=numnet.zeros(2, requires_grad=True))


def test_clamp_with_constant_tensor_bounds():
    lo = np.array([0.0, 0.5, -1.0])
    compare(lambda t: t.clamp(min=numnet.tensor(lo)), lambda t: t.clamp(min=torch.tensor(lo)),
            [np.array([0.2, 0.2, 0.2])], np.float64)


def test_neg_of_bool_tensor_raises():
    with pytest.raises(numnet.DTypeError, match="neg: negation of a bool tensor"):
        -numnet.tensor([True])


def test_combining_with_a_string_raises():
    with pytest.raises(numnet.DTypeError, match="add: expected other to be a number or a Tensor"):
        numnet.ones(2) + "a"
