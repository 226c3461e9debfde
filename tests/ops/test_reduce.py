"""Reductions (numnet/ops/reduce.py via Tensor methods) against PyTorch: values, indices, gradients, ties, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet.testing import gradcheck
from tests.ops.test_elementwise import DTYPES, compare

SHAPE = (2, 3, 4)
DIMS = [None, 0, -1, 1, (0, 2), (-1, 0, 1)]


def _x(shape=SHAPE, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean", "var"])
def test_sum_mean_var_match_torch(op, dim, keepdim, dtype):
    if dim is None and keepdim:
        fn = lambda t: getattr(t, op)(dim=tuple(range(t.ndim)), keepdim=True)  # noqa: E731
    else:
        fn = lambda t: getattr(t, op)(dim=dim, keepdim=keepdim) if dim is not None else getattr(t, op)()  # noqa: E731
    compare(fn, fn, [_x()], dtype, what=f"{op}(dim={dim}, keepdim={keepdim})")


@pytest.mark.parametrize("kwargs", [{"unbiased": False}, {"correction": 0}, {"correction": 2}, {"unbiased": True}])
def test_var_correction_matches_torch(kwargs):
    compare(lambda t: t.var(dim=1, **kwargs), lambda t: t.var(dim=1, **kwargs), [_x()], np.float64, what=str(kwargs))


def test_var_of_one_element_is_nan_like_torch():
    with pytest.warns(UserWarning):  # torch warns about degrees of freedom
        ref = torch.tensor([[1.5]], dtype=torch.float64).var(dim=1)
    ours = numnet.tensor(np.array([[1.5]])).var(dim=1)
    assert np.isnan(ours._data).all() and np.isnan(ref.numpy()).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_values_indices_and_grads_match_torch(op, dim, keepdim, dtype):
    x = np.round(_x(seed=2) * 2) / 2  # many ties
    compare(lambda t: getattr(t, op)(dim, keepdim)[0], lambda t: getattr(t, op)(dim, keepdim)[0], [x], dtype,
            what=f"{op}(dim={dim})")
    ours = getattr(numnet.tensor(x), op)(dim=dim, keepdim=keepdim)
    ref = getattr(torch.tensor(x), op)(dim=dim, keepdim=keepdim)
    assert ours.indices.dtype == np.int64
    assert ours.indices.tolist() == ref.indices.tolist()
    values, indices = ours  # unpacks like torch's (values, indices)
    assert values.shape == tuple(ref.values.shape) and indices.shape == tuple(ref.indices.shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_over_all_split_ties_evenly_like_torch(op, dtype):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]])
    out = compare(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(), [x], dtype, what=op)
    assert out.shape == ()


def test_max_over_all_gives_each_of_two_ties_half():
    x = numnet.tensor([1.0, 5.0, 5.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0, 0.5, 0.5]


def test_max_dim_gives_the_gradient_to_the_first_maximum_like_torch():
    x = numnet.tensor([[1.0, 3.0, 3.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    assert indices.tolist() == [1] and x.grad.tolist() == [[0, 1, 0, 0]]


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (2, True), (-2, False)])
def test_argmax_argmin_match_torch_with_ties(op, dim, keepdim):
    x = np.round(_x(seed=3))
    kw = {} if dim is None else {"dim": dim, "keepdim": keepdim}
    ours = getattr(numnet.tensor(x), op)(**kw)
    ref = getattr(torch.tensor(x), op)(**kw)
    assert ours.dtype == np.int64 and ours.shape == tuple(ref.shape) and ours.tolist() == ref.tolist()


def test_max_with_a_tensor_is_maximum():
    a, b = numnet.tensor([1.0, 4.0]), numnet.tensor([2.0, 3.0])
    assert a.max(b).tolist() == [2, 4] and a.min(b).tolist() == [1, 3]


def test_reductions_of_0d_tensors_accept_dim_0_like_torch():
    x = numnet.tensor(3.0, requires_grad=True)
    values, indices = x.max(0)
    assert values.item() == 3 and indices.item() == 0
    assert x.sum(0).item() == 3 and x.mean(-1).item() == 3 and x.argmax(0).item() == 0
    x.sum(0).backward()
    assert x.grad.item() == 1


def test_sum_of_int_and_bool_tensors_is_int64_like_torch():
    assert numnet.tensor(np.array([1, 2], dtype=np.int32)).sum().dtype == np.int64
    assert numnet.tensor([True, True, False]).sum().item() == 2
    assert numnet.tensor(np.array([200, 100], dtype=np.uint8)).sum().item() == 300


def test_float32_reductions_keep_float32():
    x = numnet.tensor(_x().astype(np.float32), requires_grad=True)
    for out in (x.sum(), x.mean(1), x.var(), x.max(), x.min(2).values):
        assert out.dtype == np.float32
    (x.sum() + x.mean(1).sum() + x.var() + x.max() + x.min(2).values.sum()).backward()
    assert x.grad.dtype == np.float32


GRADCHECK = {
    "sum": lambda t: t.sum(dim=1),
    "sum_all": lambda t: t.sum(),
    "sum_keepdim": lambda t: t.sum(dim=(0, 2), keepdim=True),
    "mean": lambda t: t.mean(dim=-1),
    "mean_all": lambda t: t.mean(),
    "var": lambda t: t.var(dim=1),
    "var_all_biased": lambda t: t.var(unbiased=False),
    "max_all": lambda t: t.max(),
    "min_all": lambda t: t.min(),
    "max_dim": lambda t: t.max(dim=2),  # (values, indices): only values are checked
    "min_dim_keepdim": lambda t: t.min(dim=0, keepdim=True),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    gradcheck(GRADCHECK[name], [numnet.tensor(_x(seed=5), requires_grad=True)], name=name)


# ---------------------------------------------------------------------- errors
def test_bad_dim_names_op_and_range():
    with pytest.raises(numnet.ArgumentError, match=r"sum: dim 3 is out of range for a tensor with 3 dimension\(s\) "
                                                   r"\(expected -3 <= dim < 3\)"):
        numnet.zeros(*SHAPE).sum(dim=3)
    with pytest.raises(numnet.ArgumentError, match=r"max: dim -4 is out of range"):
        numnet.zeros(*SHAPE).max(dim=-4)
    with pytest.raises(numnet.ArgumentError, match=r"argmax: dim 5 is out of range"):
        numnet.zeros(*SHAPE).argmax(dim=5)
    with pytest.raises(numnet.ArgumentError, match=r"mean: dim must be an int, got float"):
        numnet.zeros(*SHAPE).mean(dim=1.0)


def test_repeated_dim_raises():
    with pytest.raises(numnet.ArgumentError, match=r"var: dim \(1, -2\) names an axis more than once"):
        numnet.zeros(*SHAPE).var(dim=(1, -2))


def test_mean_and_var_of_int_tensor_raise_dtype_error():
    with pytest.raises(numnet.DTypeError, match="mean: needs a floating-point tensor, got dtype int64"):
        numnet.tensor([1, 2]).mean()
    with pytest.raises(numnet.DTypeError, match="var: needs a floating-point tensor, got dtype int64"):
        numnet.tensor([1, 2]).var()


def test_var_with_unbiased_and_correction_raises():
    with pytest.raises(numnet.ArgumentError, match="var: give either unbiased or correction"):
        numnet.ones(3).var(unbiased=True, correction=1)


def test_max_of_empty_raises():
    with pytest.raises(numnet.ShapeError, match=r"max: cannot reduce an empty tensor of shape \(0, 3\)"):
        numnet.zeros(0, 3).max()
    with pytest.raises(numnet.ShapeError, match=r"min: cannot reduce over dim 0 of size 0"):
        numnet.zeros(0, 3).min(dim=0)
    with pytest.raises(numnet.ShapeError, match=r"argmin: cannot reduce an empty tensor"):
        numnet.zeros(0).argmin()
    values, indices = numnet.zeros(0, 3).max(dim=1)  # torch allows reducing a non-empty dim of an empty tensor
    assert values.shape == (0,) and indices.shape == (0,)
