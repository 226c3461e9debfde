"""The math, reduction, comparison and shape methods added for ``import numnet as torch`` (numnet/_tensor_math.py,
_tensor_reduce.py, _tensor_shape.py, functions.py): PyTorch parity forward and backward, float64 gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.testing import gradcheck
from tests.ops.test_elementwise import compare


def _x(shape, seed=0, low=None):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) if low == "pos" else rng.standard_normal(shape)


UNARY = {
    "sin": "any", "cos": "any", "tan": "any", "log1p": "pos", "expm1": "any", "rsqrt": "pos",
    "reciprocal": "pos", "square": "any", "neg": "any", "exp": "any", "log": "pos", "sqrt": "pos", "abs": "any",
    "sign": "any", "floor": "any", "ceil": "any", "round": "any", "sigmoid": "any", "tanh": "any",
    "erf": "any",
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", [(), (2, 3)])
def test_unary_matches_torch_as_method_and_function(name, shape):
    x = _x(shape, low=UNARY[name])
    compare(lambda a: getattr(a, name)(), lambda a: getattr(a, name)(), [x], what=name)
    compare(lambda a: getattr(numnet, name)(a), lambda a: getattr(torch, name)(a), [x], what=name)
    gradcheck(lambda a: getattr(a, name)(), [numnet.tensor(x, requires_grad=True)], name=name)


def test_round_decimals_and_int_dtypes():
    x = np.array([1.2345, -2.5, 0.5, 3.14159])
    compare(lambda a: a.round(decimals=2), lambda a: a.round(decimals=2), [x])
    ints = numnet.tensor([1, 2, 3])
    assert ints.sin().dtype == np.float32 and ints.square().dtype == np.int64
    assert torch.tensor([1, 2, 3]).sin().dtype == torch.float32


BINARY = {
    "add": (lambda a, b: a.add(b, alpha=2), lambda a, b: a.add(b, alpha=2)),
    "sub": (lambda a, b: numnet.sub(a, b, alpha=0.5), lambda a, b: torch.sub(a, b, alpha=0.5)),
    "mul": (numnet.mul, torch.mul),
    "div": (numnet.div, torch.div),
    "true_divide": (numnet.true_divide, torch.true_divide),
    "remainder": (numnet.remainder, torch.remainder),
    "fmod": (lambda a, b: a.fmod(b), lambda a, b: a.fmod(b)),
    "mod": (lambda a, b: a % b, lambda a, b: a % b),
    "pow": (numnet.pow, torch.pow),
    "pow_method": (lambda a, b: a.pow(b), lambda a, b: a.pow(b)),
    "div_floor": (lambda a, b: a.div(b, rounding_mode="floor"), lambda a, b: a.div(b, rounding_mode="floor")),
    "div_trunc": (lambda a, b: a.div(b, rounding_mode="trunc"), lambda a, b: a.div(b, rounding_mode="trunc")),
    "maximum": (numnet.maximum, torch.maximum),
    "minimum": (numnet.minimum, torch.minimum),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((2, 3), (3,)), ((), (2, 1)), ((2, 1, 3), (4, 1))])
def test_binary_matches_torch_with_broadcasting(name, shapes):
    ours, ref = BINARY[name]
    a = _x(shapes[0], 1, "pos") * 3
    b = _x(shapes[1], 2, "pos") * (1 if name.startswith("pow") else 1.3)
    compare(ours, ref, [a, b], what=name)
    if name not in ("div_floor", "div_trunc", "remainder", "fmod", "mod"):  # piecewise: kinks at integers
        gradcheck(ours, [numnet.tensor(a, requires_grad=True), numnet.tensor(b, requires_grad=True)], name=name)


def test_integer_division_semantics_as_torch():
    a, b = [7, -7, 7, -7], [2, 2, -2, -2]
    for fn in (lambda x, y: x / y, lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x.fmod(y),
               lambda x, y: x.div(y, rounding_mode="trunc"), lambda x, y: torch.floor_divide(x, y)
               if isinstance(x, torch.Tensor) else numnet.floor_divide(x, y)):
        ours, ref = fn(numnet.tensor(a), numnet.tensor(b)), fn(torch.tensor(a), torch.tensor(b))
        assert str(ours.dtype) == str(ref.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours._data, ref.numpy())
    with pytest.raises(ArgumentError, match="floor_divide|div"):
        numnet.tensor([1]) // numnet.tensor([0])
    with pytest.raises(ArgumentError, match="rounding_mode"):
        numnet.tensor([1.0]).div(2, rounding_mode="up")


def test_clamp_min_max_and_clip():
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    compare(lambda a: a.clamp_min(-1.0), lambda a: a.clamp_min(-1.0), [x])
    compare(lambda a: numnet.clamp_max(a, 1.0), lambda a: torch.clamp_max(a, 1.0), [x])
    compare(lambda a: numnet.clip(a, -1.0, 1.0), lambda a: torch.clip(a, -1.0, 1.0), [x])
    with pytest.raises(DTypeError, match="clamp"):
        numnet.tensor(x).clamp(min="a")


REDUCE = {
    "std": (lambda a: a.std(), lambda a: a.std()),
    "std_dim": (lambda a: a.std(-1, keepdim=True), lambda a: a.std(-1, keepdim=True)),
    "std_biased": (lambda a: numnet.std(a, 0, False), lambda a: torch.std(a, 0, False)),
    "std_corr": (lambda a: a.std(0, correction=0), lambda a: a.std(0, correction=0)),
    "var_unbiased": (lambda a: a.var(0, True), lambda a: a.var(0, True)),
    "prod": (lambda a: a.prod(), lambda a: a.prod()),
    "prod_dim": (lambda a: numnet.prod(a, -1, keepdim=True), lambda a: torch.prod(a, -1, keepdim=True)),
    "cumsum": (lambda a: a.cumsum(0), lambda a: a.cumsum(0)),
    "cumsum_neg": (lambda a: numnet.cumsum(a, -1), lambda a: torch.cumsum(a, -1)),
    "logsumexp": (lambda a: a.logsumexp(-1), lambda a: a.logsumexp(-1)),
    "logsumexp_tuple": (lambda a: numnet.logsumexp(a, (0, 1), keepdim=True),
                        lambda a: torch.logsumexp(a, (0, 1), keepdim=True)),
    "amax": (lambda a: a.amax(), lambda a: a.amax()),
    "amax_dim": (lambda a: numnet.amax(a, -1, True), lambda a: torch.amax(a, -1, True)),
    "amin_dim": (lambda a: a.amin((0, 1)), lambda a: a.amin((0, 1))),
}


@pytest.mark.parametrize("name", sorted(REDUCE))
@pytest.mark.parametrize("shape", [(3, 4), (2, 1, 4)])
def test_reductions_match_torch(name, shape):
    ours, ref = REDUCE[name]
    x = _x(shape, 3)
    compare(ours, ref, [x], what=name)
    gradcheck(ours, [numnet.tensor(x, requires_grad=True)], name=name)


def test_prod_gradient_with_zeros_and_amax_ties():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 4.0]])
    compare(lambda a: a.prod(1), lambda a: a.prod(1), [x])
    compare(lambda a: a.prod(), lambda a: a.prod(), [x])
    t = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    compare(lambda a: a.amax(1), lambda a: a.amax(1), [t])
    compare(lambda a: a.amin(), lambda a: a.amin(), [t])


def test_comparisons_tests_any_all():
    a, b = np.array([[1.0, 2.0], [np.nan, np.inf]]), np.array([1.0, 3.0])
    ta, tb, ra, rb = numnet.tensor(a), numnet.tensor(b), torch.tensor(a), torch.tensor(b)
    for name in ("eq", "ne", "lt", "le", "gt", "ge", "greater", "less_equal", "isclose"):
        np.testing.assert_array_equal(getattr(ta, name)(tb)._data, getattr(ra, name)(rb).numpy())
        np.testing.assert_array_equal(getattr(numnet, name)(ta, tb)._data, getattr(torch, name)(ra, rb).numpy())
    np.testing.assert_array_equal(ta.eq(2.0)._data, ra.eq(2.0).numpy())
    for name in ("isnan", "isinf", "isfinite"):
        np.testing.assert_array_equal(getattr(numnet, name)(ta)._data, getattr(torch, name)(ra).numpy())
    assert numnet.equal(ta, ta) is False and torch.equal(ra, ra) is False  # NaN != NaN
    assert numnet.equal(tb, tb) is True and numnet.allclose(tb, tb + 1e-9) is True
    z = numnet.tensor([[0, 1], [0, 0]])
    for dim in (None, 0, -1, (0, 1)):
        kw = {} if dim is None else {"dim": dim}
        np.testing.assert_array_equal(z.any(**kw)._data, torch.tensor([[0, 1], [0, 0]]).bool().any(**kw).numpy())
        np.testing.assert_array_equal(z.all(**kw)._data, torch.tensor([[0, 1], [0, 0]]).bool().all(**kw).numpy())
    with pytest.raises(ShapeError, match="lt"):
        ta < numnet.tensor([1.0, 2.0, 3.0])


def test_products_dot_mm_bmm_outer():
    v, w = _x((3,), 1), _x((3,), 2)
    compare(numnet.dot, torch.dot, [v, w])
    compare(lambda a, b: a.outer(b), lambda a, b: a.outer(b), [v, _x((4,), 3)])
    compare(numnet.mm, torch.mm, [_x((2, 3)), _x((3, 4))])
    compare(lambda a, b: a.bmm(b), lambda a, b: a.bmm(b), [_x((2, 2, 3)), _x((2, 3, 4))])
    gradcheck(numnet.outer, [numnet.tensor(v, requires_grad=True), numnet.tensor(w, requires_grad=True)])
    with pytest.raises(ShapeError, match="mm: expected input to be 2-D"):
        numnet.mm(numnet.tensor(v), numnet.tensor(v))
    with pytest.raises(DTypeError, match="dot"):
        numnet.dot(numnet.tensor(v), numnet.tensor(v).float())


SHAPE = {
    "flip": (lambda a: a.flip(0, -1), lambda a: a.flip(0, -1)),
    "roll": (lambda a: a.roll(1, -1), lambda a: a.roll(1, -1)),
    "roll_flat": (lambda a: numnet.roll(a, 2), lambda a: torch.roll(a, 2)),
    "roll_multi": (lambda a: a.roll((1, -2), (0, 1)), lambda a: a.roll((1, -2), (0, 1))),
    "repeat": (lambda a: a.repeat(2, 1, 3), lambda a: a.repeat(2, 1, 3)),
    "tile": (lambda a: numnet.tile(a, (2,)), lambda a: torch.tile(a, (2,))),
    "movedim": (lambda a: a.movedim(0, -1), lambda a: a.movedim(0, -1)),
    "mT": (lambda a: a.mT, lambda a: a.mT),
    "t": (lambda a: a.t(), lambda a: a.t()),
    "swapaxes": (lambda a: numnet.swapaxes(a, 0, 1), lambda a: torch.swapaxes(a, 0, 1)),
    "narrow": (lambda a: a.narrow(1, -3, 2), lambda a: a.narrow(1, -3, 2)),
    "unflatten": (lambda a: a.unflatten(1, (2, -1)), lambda a: a.unflatten(1, (2, -1))),
    "contiguous": (lambda a: a.t().contiguous(), lambda a: a.t().contiguous()),
    "split_int": (lambda a: numnet.split(a, 3, 1)[1], lambda a: torch.split(a, 3, 1)[1]),
    "split_list": (lambda a: a.split([1, 3], -1)[1], lambda a: a.split([1, 3], -1)[1]),
    "chunk": (lambda a: numnet.chunk(a, 3, 1)[-1], lambda a: torch.chunk(a, 3, 1)[-1]),
    "unbind": (lambda a: a.unbind(1)[2], lambda a: a.unbind(1)[2]),
    "view_as": (lambda a: a.view_as(a.t()), lambda a: a.view_as(a.t())),
    "expand_as": (lambda a: a[:1].expand_as(a), lambda a: a[:1].expand_as(a)),
}


@pytest.mark.parametrize("name", sorted(SHAPE))
def test_shape_ops_match_torch(name):
    ours, ref = SHAPE[name]
    x = _x((3, 4), 5)
    compare(ours, ref, [x], what=name)
    gradcheck(ours, [numnet.tensor(x, requires_grad=True)], name=name)


def test_split_chunk_counts_and_errors():
    x, r = numnet.zeros(5, 2), torch.zeros(5, 2)
    assert [p.shape for p in x.chunk(3)] == [tuple(p.shape) for p in r.chunk(3)]
    assert [p.shape for p in x.split(2)] == [tuple(p.shape) for p in r.split(2)]
    assert x.is_contiguous() and not x.t().is_contiguous()
    with pytest.raises(ArgumentError, match="split"):
        x.split([1, 1])
    with pytest.raises(ArgumentError, match="narrow"):
        x.narrow(0, 4, 3)
    with pytest.raises(ShapeError, match="t:"):
        numnet.zeros(1, 2, 3).t()
    with pytest.raises(DTypeError, match="flatten"):
        numnet.flatten(np.zeros(3))


def test_free_functions_are_exported():
    for name in ("sin", "max", "split", "pow", "where", "logsumexp", "allclose", "flatten", "chunk"):
        assert name in numnet.__all__ and callable(getattr(numnet, name))
    values, indices = numnet.max(numnet.tensor([[1.0, 3.0, 3.0]]), 1)
    assert values.tolist() == [3.0] and indices.tolist() == [1]
