"""Selection and sorting (numnet/ops/select.py via numnet/_tensor_select.py and numnet.einsum/where) against
PyTorch: values, indices, gradients, ties, in-place rules, errors; float64 gradcheck of every differentiable op."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet.errors import ArgumentError, DTypeError, InPlaceError, ShapeError
from numnet.testing import gradcheck
from tests.ops.test_elementwise import DTYPES, compare


def _x(shape=(2, 3, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _ties(shape, seed=0, levels=3):
    """Values from a few levels only: many ties."""
    return np.random.default_rng(seed).integers(0, levels, shape).astype(np.float64)


def _idx(a):
    return numnet.tensor(np.asarray(a, dtype=np.int64)), torch.tensor(np.asarray(a, dtype=np.int64))


def _g64(a):
    return numnet.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


# ---------------------------------------------------------------------- sort, argsort, msort
SORT_CASES = [((7,), 0), ((7,), -1), ((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1), ((2, 3, 4), 1), ((2, 3, 4), -3)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape,dim", SORT_CASES, ids=str)
def test_sort_values_indices_and_grads_match_torch_stable_with_ties(shape, dim, descending, dtype):
    x = _ties(shape, seed=len(shape) + dim)
    what = f"sort{shape} dim={dim} descending={descending}"
    compare(lambda t: t.sort(dim, descending)[0], lambda t: t.sort(dim=dim, descending=descending, stable=True)[0],
            [x], dtype, what=what)
    ours = numnet.tensor(x).sort(dim=dim, descending=descending, stable=True)
    ref = torch.tensor(x).sort(dim=dim, descending=descending, stable=True)
    assert ours.indices.dtype == np.int64 and ours.indices.tolist() == ref.indices.tolist(), what
    values, _ = ours
    assert values.shape == tuple(ref.values.shape)
    assert numnet.argsort(numnet.tensor(x), dim, descending).tolist() == ref.indices.tolist()


@pytest.mark.parametrize("n", [5, 16, 40])
def test_sort_is_stable_on_long_rows_and_matches_torch_default_up_to_16(n):
    x = _ties((6, n), seed=n)
    for descending in (False, True):
        ours = numnet.tensor(x).sort(dim=1, descending=descending)  # stable=False: numnet is stable anyway
        ref = torch.tensor(x).sort(dim=1, descending=descending, stable=True)
        assert ours.indices.tolist() == ref.indices.tolist()
        if n <= 16:
            assert ours.indices.tolist() == torch.tensor(x).sort(dim=1, descending=descending).indices.tolist()


def test_sort_puts_nan_last_ascending_and_first_descending_like_torch():
    x = np.array([np.nan, 1.0, np.nan, -2.0, 1.0])
    for descending in (False, True):
        ours = numnet.tensor(x).sort(descending=descending)
        ref = torch.tensor(x).sort(descending=descending, stable=True)
        assert ours.indices.tolist() == ref.indices.tolist()
        np.testing.assert_array_equal(ours.values._data, ref.values.numpy())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.bool_])
def test_sort_of_integer_and_bool_tensors_matches_torch(dtype):
    x = np.random.default_rng(1).integers(0, 4, (3, 6)).astype(dtype)
    for descending in (False, True):
        ours = numnet.tensor(x).sort(dim=1, descending=descending)
        ref = torch.tensor(x).sort(dim=1, descending=descending, stable=True)
        assert ours.values.dtype == x.dtype
        assert ours.values.tolist() == ref.values.tolist() and ours.indices.tolist() == ref.indices.tolist()


def test_sort_argsort_topk_of_a_0d_tensor_like_torch():
    for ours, ref in ((numnet.tensor(3.0).sort(), torch.tensor(3.0).sort()),
                      (numnet.tensor(3.0).topk(1), torch.tensor(3.0).topk(1))):
        assert ours.values.shape == () == tuple(ref.values.shape) and ours.indices.shape == ()
        assert ours.values.item() == 3.0 and ours.indices.item() == 0
    assert numnet.tensor(3.0).argsort().shape == ()


def test_msort_is_sort_along_dim_0():
    x = _ties((5, 3))
    compare(lambda t: t.msort(), lambda t: torch.msort(t), [x], what="msort")
    assert numnet.msort(numnet.tensor(x)).tolist() == torch.msort(torch.tensor(x)).tolist()


# ---------------------------------------------------------------------- topk
TOPK_CASES = [((9,), 3, -1), ((9,), 9, 0), ((4, 6), 2, 1), ((4, 6), 1, 0), ((2, 3, 5), 4, -1), ((2, 5, 3), 0, 1)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape,k,dim", TOPK_CASES, ids=str)
def test_topk_without_ties_matches_torch(shape, k, dim, largest, dtype):
    x = _x(shape, seed=k)
    compare(lambda t: t.topk(k, dim, largest)[0], lambda t: t.topk(k, dim, largest)[0], [x], dtype,
            what=f"topk{shape} k={k} dim={dim}")
    ours, ref = numnet.tensor(x).topk(k, dim=dim, largest=largest), torch.tensor(x).topk(k, dim=dim, largest=largest)
    assert ours.indices.dtype == np.int64 and ours.indices.tolist() == ref.indices.tolist()


@pytest.mark.parametrize("largest", [True, False])
def test_topk_with_ties_takes_the_first_tied_entries_and_agrees_with_torch_on_values(largest):
    x = _ties((5, 12), seed=4)
    k = 4
    ours, ref = numnet.tensor(x).topk(k, 1, largest), torch.tensor(x).topk(k, 1, largest)
    assert ours.values.tolist() == ref.values.tolist()
    stable = torch.tensor(x).sort(dim=1, descending=largest, stable=True).indices[:, :k]
    assert ours.indices.tolist() == stable.tolist()  # numnet's rule: the stable order's first k
    np.testing.assert_array_equal(np.take_along_axis(x, ours.indices._data, 1), ours.values._data)
    for row in range(x.shape[0]):  # torch's choice among ties is unspecified: same set when no tie at the cut
        srt = np.sort(x[row])[::-1] if largest else np.sort(x[row])
        if srt[k - 1] != srt[k]:
            assert set(ours.indices[row].tolist()) == set(ref.indices[row].tolist())


def test_topk_sends_the_gradient_to_the_selected_entries():
    x = numnet.tensor([[1.0, 5.0, 3.0, 5.0]], requires_grad=True)
    values, indices = numnet.topk(x, 2)
    values.sum().backward()
    assert indices.tolist() == [[1, 3]] and x.grad.tolist() == [[0, 1, 0, 1]]


def test_topk_on_a_flattened_tensor_like_the_devices_script():
    x = numnet.arange(12, dtype=numnet.float32).reshape(3, 4)
    top = numnet.topk(x.flatten(), 3)
    assert top.values.tolist() == [11, 10, 9] and top.indices.tolist() == [11, 10, 9]
    assert numnet.topk(x, 2, sorted=False).values.shape == (3, 2)


# ---------------------------------------------------------------------- gather, index_select, take_along_dim
GATHER_CASES = [
    ((5,), 0, [3, 0, 3, 1]),
    ((3, 4), 1, [[0, 3], [1, 1], [2, 0]]),
    ((3, 4), 0, [[2, 0, 1, 2], [0, 0, 0, 0]]),
    ((3, 4), -1, [[0], [3]]),  # smaller than the input outside dim
    ((2, 3, 4), -2, [[[0, 1, 2, 0], [2, 2, 2, 2]], [[1, 0, 1, 0], [0, 0, 0, 0]]]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,index", GATHER_CASES, ids=str)
def test_gather_matches_torch_with_repeated_indices(shape, dim, index, dtype):
    ni, ti = _idx(index)
    compare(lambda t: t.gather(dim, ni), lambda t: t.gather(dim, ti), [_x(shape)], dtype, what=f"gather{shape}")
    compare(lambda t: numnet.gather(t, dim, ni), lambda t: torch.gather(t, dim, ti), [_x(shape)], dtype,
            what="numnet.gather")


def test_gather_of_integers_and_with_an_int32_index():
    x = np.arange(12).reshape(3, 4)
    idx = np.array([[0, 2], [3, 3], [1, 0]])
    ours = numnet.tensor(x).gather(1, numnet.tensor(idx.astype(np.int32)))
    assert ours.dtype == np.int64 and ours.tolist() == torch.tensor(x).gather(1, torch.tensor(idx)).tolist()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,index", [((5,), 0, [4, 0, 4]), ((3, 4), 1, [3, 0, 0, 2, 1]),
                                             ((3, 4), -2, [2]), ((2, 3, 4), 2, [1, 1])], ids=str)
def test_index_select_matches_torch(shape, dim, index, dtype):
    ni, ti = _idx(index)
    compare(lambda t: t.index_select(dim, ni), lambda t: t.index_select(dim, ti), [_x(shape)], dtype,
            what=f"index_select{shape}")
    compare(lambda t: numnet.index_select(t, dim, ni), lambda t: torch.index_select(t, dim, ti), [_x(shape)],
            dtype, what="numnet.index_select")


def test_index_select_takes_an_int32_or_0d_index():
    x = _x((3, 4))
    ours = numnet.tensor(x).index_select(0, numnet.tensor(np.array([2, 0], dtype=np.int32)))
    np.testing.assert_array_equal(ours._data, x[[2, 0]])
    np.testing.assert_array_equal(numnet.tensor(x).index_select(1, numnet.tensor(1))._data,
                                  torch.tensor(x).index_select(1, torch.tensor(1)).numpy())


@pytest.mark.parametrize("shape,ishape,dim", [((3, 4), (3, 2), 1), ((3, 4), (1, 4), 0), ((2, 1, 4), (2, 3, 2), 2),
                                              ((3, 4), (5,), None)], ids=str)
def test_take_along_dim_matches_torch(shape, ishape, dim):
    x = _x(shape)
    axis_size = int(np.prod(shape)) if dim is None else shape[dim]
    ni, ti = _idx(np.random.default_rng(1).integers(0, axis_size, ishape))
    compare(lambda t: t.take_along_dim(ni, dim), lambda t: t.take_along_dim(ti, dim), [x], what=f"take{shape}")
    compare(lambda t: numnet.take_along_dim(t, ni, dim), lambda t: torch.take_along_dim(t, ti, dim), [x],
            what="numnet.take_along_dim")


def test_take_along_dim_with_argsort_sorts():
    x = numnet.tensor(_x((3, 5)))
    np.testing.assert_array_equal(x.take_along_dim(x.argsort(dim=1), dim=1)._data, np.sort(x._data, axis=1))


# ---------------------------------------------------------------------- scatter, scatter_add
def _scatter_index(shape, dim, seed=0, sub=None):
    """An index without a repeated destination: a slice of a permutation along ``dim`` per position."""
    rng = np.random.default_rng(seed)
    sub = sub or shape
    perm = np.argsort(rng.random(shape), axis=dim)
    return perm[tuple(slice(0, m) for m in sub)]


SCATTER_CASES = [((6,), 0, (4,), (5,)), ((3, 4), 1, (3, 2), (3, 3)), ((3, 4), 0, (2, 4), (2, 4)),
                 ((2, 3, 4), -1, (2, 2, 3), (2, 3, 4)), ((3, 4), -2, (3, 1), (4, 2))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,ishape,sshape", SCATTER_CASES, ids=str)
def test_scatter_with_src_matches_torch_forward_and_both_gradients(shape, dim, ishape, sshape, dtype):
    ni, ti = _idx(_scatter_index(shape, dim, sub=ishape))
    what = f"scatter{shape} dim={dim}"
    used = tuple(slice(0, m) for m in ishape)  # torch's backward cannot give a src larger than index its gradient,
    # so the reference reads the used block of src (a slice, whose backward pads the rest with zeros)
    compare(lambda t, s: t.scatter(dim, ni, s), lambda t, s: t.scatter(dim, ti, s[used]), [_x(shape), _x(sshape, 1)],
            dtype, what=what)
    compare(lambda t, s: numnet.scatter(t, dim, ni, s), lambda t, s: torch.scatter(t, dim, ti, s[used]),
            [_x(shape), _x(sshape, 1)], dtype, what="numnet." + what)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_with_a_value_matches_torch(dtype):
    ni, ti = _idx([[0, 3], [1, 1], [2, 0]])
    compare(lambda t: t.scatter(1, ni, 2.5), lambda t: t.scatter(1, ti, 2.5), [_x((3, 4))], dtype, what="value")
    compare(lambda t: t.scatter(1, ni, value=-1), lambda t: t.scatter(1, ti, value=-1), [_x((3, 4))], dtype,
            what="value=")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,ishape,sshape", SCATTER_CASES, ids=str)
def test_scatter_add_matches_torch_with_repeated_indices(shape, dim, ishape, sshape, dtype):
    index = np.random.default_rng(2).integers(0, shape[dim], ishape)
    ni, ti = _idx(index)
    used = tuple(slice(0, m) for m in ishape)  # see the scatter test
    compare(lambda t, s: t.scatter_add(dim, ni, s), lambda t, s: t.scatter_add(dim, ti, s[used]),
            [_x(shape), _x(sshape, 1)], dtype, what=f"scatter_add{shape}")
    compare(lambda t, s: numnet.scatter_add(t, dim, ni, s), lambda t, s: torch.scatter_add(t, dim, ti, s[used]),
            [_x(shape), _x(sshape, 1)], dtype, what="numnet.scatter_add")


def test_scatter_add_of_integers_counts_like_torch():
    idx = np.array([0, 2, 2, 1, 2])
    ours = numnet.zeros(3, dtype=numnet.int64).scatter_add(0, numnet.tensor(idx), numnet.ones(5, dtype=numnet.int64))
    assert ours.dtype == np.int64 and ours.tolist() == [1, 1, 3]


@pytest.mark.parametrize("op", ["scatter_", "scatter_add_"])
def test_in_place_scatter_follows_the_in_place_rules(op):
    ni, ti = _idx([[0, 2], [1, 0]])
    src = _x((2, 2), 1)
    # untracked: writes, bumps the version, returns self
    x = numnet.tensor(_x((2, 3)))
    v = x._version
    out = getattr(x, op)(1, ni, numnet.tensor(src))
    ref = getattr(torch.tensor(_x((2, 3))), op)(1, ti, torch.tensor(src))
    assert out is x and x._version == v + 1
    np.testing.assert_allclose(x._data, ref.numpy())
    # a leaf that requires grad is refused outside no_grad, allowed inside
    leaf = numnet.tensor(_x((2, 3)), requires_grad=True)
    with pytest.raises(InPlaceError, match=op):
        getattr(leaf, op)(1, ni, numnet.tensor(src))
    with numnet.no_grad():
        getattr(leaf, op)(1, ni, numnet.tensor(src))
    # tracked on a non-leaf: gradients to the input and to src as torch
    a, s = _g64(_x((2, 3))), _g64(src)
    ta, ts = (torch.tensor(_x((2, 3)), requires_grad=True), torch.tensor(src, requires_grad=True))
    y = a * 2
    getattr(y, op)(1, ni, s)
    ty = ta * 2
    getattr(ty, op)(1, ti, ts)
    cot = _x((2, 3), 5)
    (y * numnet.tensor(cot)).sum().backward()
    (ty * torch.tensor(cot)).sum().backward()
    np.testing.assert_allclose(y._data, ty.detach().numpy())
    np.testing.assert_allclose(a.grad._data, ta.grad.numpy())
    np.testing.assert_allclose(s.grad._data, ts.grad.numpy())


def test_scatter_in_place_with_a_value():
    x = numnet.zeros(2, 3)
    x.scatter_(1, numnet.tensor([[2], [0]]), 7.0)
    assert x.tolist() == [[0, 0, 7], [7, 0, 0]]


# ---------------------------------------------------------------------- masked_fill, masked_select
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,mshape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)), ((4,), (2, 4))],
                         ids=str)
def test_masked_fill_matches_torch_with_broadcast_masks(shape, mshape, dtype):
    mask = np.random.default_rng(3).random(mshape) > 0.5
    nm, tm = numnet.tensor(mask), torch.tensor(mask)
    compare(lambda t: t.masked_fill(nm, -1.5), lambda t: t.masked_fill(tm, -1.5), [_x(shape)], dtype,
            what=f"masked_fill{shape}/{mshape}")
    compare(lambda t: numnet.masked_fill(t, nm, 2), lambda t: torch.masked_fill(t, tm, 2), [_x(shape)], dtype,
            what="numnet.masked_fill")


def test_masked_fill_with_a_0d_tensor_value_gives_it_the_gradient_like_torch():
    mask = np.array([[True, False, True], [False, False, True]])
    compare(lambda t, v: t.masked_fill(numnet.tensor(mask), v), lambda t, v: t.masked_fill(torch.tensor(mask), v),
            [_x((2, 3)), np.array(4.0)], what="masked_fill(value tensor)")


def test_masked_fill_of_integers_and_the_devices_script_form():
    x = numnet.arange(12, dtype=numnet.float32).reshape(3, 4)
    assert x.masked_fill(x < 3, -1.0).sum().item() == torch.arange(12.0).reshape(3, 4).masked_fill(
        torch.arange(12.0).reshape(3, 4) < 3, -1.0).sum().item()
    i = numnet.tensor([1, 2, 3])
    out = i.masked_fill(i > 1, 0)
    assert out.dtype == np.int64 and out.tolist() == [1, 0, 0]


def test_masked_fill_in_place_follows_the_in_place_rules():
    mask = numnet.tensor([True, False, True])
    x = numnet.tensor([1.0, 2.0, 3.0])
    v = x._version
    assert x.masked_fill_(mask, 0.0) is x and x.tolist() == [0, 2, 0] and x._version == v + 1
    leaf = numnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(InPlaceError, match="masked_fill_"):
        leaf.masked_fill_(mask, 0.0)
    y = leaf * 3
    y.masked_fill_(mask, 5.0)
    y.sum().backward()
    assert y.tolist() == [5, 6, 5] and leaf.grad.tolist() == [0, 3, 0]
    with pytest.raises(ShapeError, match="masked_fill_"):
        numnet.zeros(3).masked_fill_(numnet.tensor([[True], [False]]), 1.0)  # the result would grow


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,mshape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (2, 4)), ((2, 3), (2, 1))],
                         ids=str)
def test_masked_select_matches_torch(shape, mshape, dtype):
    mask = np.random.default_rng(4).random(mshape) > 0.4
    nm, tm = numnet.tensor(mask), torch.tensor(mask)
    out = compare(lambda t: t.masked_select(nm), lambda t: t.masked_select(tm), [_x(shape)], dtype,
                  what=f"masked_select{shape}/{mshape}")
    assert out.ndim == 1
    compare(lambda t: numnet.masked_select(t, nm), lambda t: torch.masked_select(t, tm), [_x(shape)], dtype,
            what="numnet.masked_select")


# ---------------------------------------------------------------------- nonzero, argwhere, count_nonzero, where
@pytest.mark.parametrize("x", [np.array([[0, 1.5, 0], [2, 0, -1]]), np.array([0, 3, 0, 4]), np.zeros((2, 2)),
                               np.array(5.0), np.array(0), np.array([[True, False], [True, True]])], ids=str)
def test_nonzero_argwhere_and_where_match_torch(x):
    ours, ref = numnet.tensor(x), torch.tensor(x)
    nz = ours.nonzero()
    assert nz.dtype == np.int64 and nz.shape == tuple(ref.nonzero().shape) and nz.tolist() == ref.nonzero().tolist()
    assert numnet.argwhere(ours).tolist() == torch.argwhere(ref).tolist()
    assert numnet.argwhere(ours).shape == tuple(torch.argwhere(ref).shape)
    for got, want in ((numnet.nonzero(ours, as_tuple=True), torch.nonzero(ref, as_tuple=True)),
                      (numnet.where(ours), torch.where(ref))):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == np.int64 and g.ndim == 1 and g.tolist() == w.tolist()


def test_the_devices_script_nonzero():
    x = numnet.arange(12, dtype=numnet.float32).reshape(3, 4)
    assert numnet.nonzero(x > 9).shape[0] == 2


@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (2, 0)], ids=str)
def test_count_nonzero_matches_torch(dim):
    x = np.round(_x((2, 3, 4), 6))
    ours = numnet.count_nonzero(numnet.tensor(x), dim)
    ref = torch.count_nonzero(torch.tensor(x), dim)
    assert ours.dtype == np.int64 and ours.shape == tuple(ref.shape) and ours.tolist() == ref.tolist()


def test_where_method_matches_torch_and_sends_gradients_to_both_sides():
    cond = np.array([[True, False, True], [False, True, False]])
    compare(lambda a, b: a.where(numnet.tensor(cond), b), lambda a, b: a.where(torch.tensor(cond), b),
            [_x((2, 3)), _x((3,), 1)], what="x.where(c, y)")
    assert numnet.tensor([1.0, 2.0]).where(numnet.tensor([True, False]), 0.0).tolist() == [1, 0]


def test_where_with_only_input_or_only_other_is_an_argument_error():
    with pytest.raises(ArgumentError, match="where: expected both input and other"):
        numnet.where(numnet.tensor([True]), numnet.tensor([1.0]))


# ---------------------------------------------------------------------- norm
NORM_PS = ["fro", 2, 1, 3, 0.5, 1.5, float("inf"), -float("inf"), -1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2)], ids=str)
@pytest.mark.parametrize("p", NORM_PS, ids=str)
def test_norm_matches_torch_forward_and_backward(p, dim, keepdim, dtype):
    x = _x((2, 3, 4), 7)
    x[0, 1, 2] = 0.0  # a zero entry (p < 1 masks its gradient)
    x[1, 0, 0] = -x[1, 0, 1]  # a tie of |x| (inf-norms share)
    if dim is None and keepdim:
        dim = (0, 1, 2)
    tp = 2 if p == "fro" and isinstance(dim, tuple) and len(dim) != 2 else p  # torch: 'fro' over 2 dims at most
    compare(lambda t: t.norm(p, dim, keepdim), lambda t: t.norm(tp, dim, keepdim), [x], dtype,
            what=f"norm(p={p}, dim={dim}, keepdim={keepdim})")


def test_norm_0_counts_non_zeros_and_has_zero_gradient():
    x = numnet.tensor([0.0, 2.0, -1.0, 0.0], requires_grad=True)
    n = numnet.norm(x, 0)
    assert n.item() == torch.tensor([0.0, 2.0, -1.0, 0.0]).norm(0).item() == 2
    n.backward()
    assert x.grad.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("p", ["fro", 1, 3, float("inf"), 0.5])
def test_norm_of_a_zero_vector_has_gradient_0_like_torch(p):
    compare(lambda t: t.norm(p), lambda t: t.norm(p), [np.zeros(4)], what=f"norm(p={p}) at 0")
    compare(lambda t: t.norm(p, dim=1), lambda t: t.norm(p, dim=1), [np.array([[0.0, 0.0], [3.0, -4.0]])],
            what=f"norm(p={p}, dim=1) with a zero row")


@pytest.mark.parametrize("ord,dim", [(2, None), (1, 1), (float("inf"), (0, 1)), (0.5, -1)], ids=str)
def test_linalg_vector_norm_matches_torch(ord, dim):
    compare(lambda t: numnet.linalg.vector_norm(t, ord, dim), lambda t: torch.linalg.vector_norm(t, ord, dim),
            [_x((3, 4), 2)], what=f"vector_norm(ord={ord}, dim={dim})")
    with pytest.raises(DTypeError, match="vector_norm: expected ord to be"):
        numnet.linalg.vector_norm(numnet.ones(2), "fro")


def test_norm_of_the_devices_script_and_dtype_argument():
    x = numnet.arange(12, dtype=numnet.float32).reshape(3, 4)
    assert abs(x.norm().item() - torch.arange(12.0).norm().item()) < 1e-5
    assert x.norm(dtype=numnet.float64).dtype == np.float64


# ---------------------------------------------------------------------- cumprod, cummax, cummin
CUMPROD_INPUTS = {
    "no zeros": _x((3, 5), 8),
    "one zero": np.array([[2.0, 0.0, 3.0, -1.5, 2.0], [1.5, 2.0, -0.5, 3.0, 0.0]]),
    "two zeros": np.array([[0.0, 2.0, 0.0, 3.0, 4.0], [1.0, 0.0, 0.0, 2.0, 5.0]]),
    "all zeros": np.zeros((2, 5)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [1, 0, -1])
@pytest.mark.parametrize("case", list(CUMPROD_INPUTS))
def test_cumprod_matches_torch_including_zeros(case, dim, dtype):
    compare(lambda t: t.cumprod(dim), lambda t: t.cumprod(dim), [CUMPROD_INPUTS[case]], dtype,
            what=f"cumprod {case} dim={dim}")
    compare(lambda t: numnet.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [CUMPROD_INPUTS[case]], dtype,
            what="numnet.cumprod")


def test_cumprod_of_3d_and_integer_tensors():
    compare(lambda t: t.cumprod(-2), lambda t: t.cumprod(-2), [np.round(_x((2, 3, 4), 9))], what="cumprod 3-D")
    ours = numnet.tensor(np.array([1, 2, 3], dtype=np.int32)).cumprod(0)
    assert ours.dtype == np.int64 and ours.tolist() == [1, 2, 6]
    assert numnet.tensor([1, 2]).cumprod(0, dtype=numnet.float64).dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_match_torch_with_ties(op, dim, dtype):
    x = _ties((4, 6), seed=dim + 3)
    compare(lambda t: getattr(t, op)(dim)[0], lambda t: getattr(t, op)(dim)[0], [x], dtype, what=f"{op} {dim}")
    ours, ref = getattr(numnet, op)(numnet.tensor(x), dim), getattr(torch, op)(torch.tensor(x), dim)
    assert ours.indices.dtype == np.int64 and ours.indices.tolist() == ref.indices.tolist()


def test_cummax_with_nan_matches_torch():
    x = np.array([1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan])
    ours, ref = numnet.tensor(x).cummax(0), torch.tensor(x).cummax(0)
    assert ours.indices.tolist() == ref.indices.tolist()
    np.testing.assert_array_equal(ours.values._data, ref.values.numpy())


# ---------------------------------------------------------------------- einsum, trace
EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,kj->ik", [(3, 4), (2, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(5,), (5,)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ji", [(3, 4)]),  # implicit output: alphabetical, a transpose
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij,ij->ij", [(3, 4), (1, 4)]),  # a size-1 dim broadcasts
    ("ij,j->i", [(2, 3), (1,)]),
    ("i,i,i->i", [(4,), (4,), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk", [(2, 1, 3, 4), (3, 4, 2)]),  # broadcast batch dims
    ("b...,b->...", [(2, 3, 4), (2,)]),
    ("...,...->...", [(3, 1), (4,)]),
    ("Ab,bA->A", [(3, 2), (2, 3)]),
    ("i j , j -> i", [(2, 3), (3,)]),  # spaces
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("equation,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_matches_torch_forward_and_every_gradient(equation, shapes, dtype):
    arrays = [_x(s, i) for i, s in enumerate(shapes)]
    compare(lambda *ts: numnet.einsum(equation, *ts), lambda *ts: torch.einsum(equation, *ts), arrays, dtype,
            what=f"einsum {equation!r}")


def test_einsum_takes_the_operands_as_one_list_and_matches_matmul():
    a, b = numnet.tensor(_x((3, 4))), numnet.tensor(_x((4, 2), 1))
    np.testing.assert_allclose(numnet.einsum("ij,jk->ik", [a, b])._data, (a @ b)._data)
    np.testing.assert_allclose(numnet.einsum("ij,jk->ik", (a, b))._data, (a @ b)._data)


def test_einsum_of_the_devices_script_and_integers():
    x = numnet.arange(12, dtype=numnet.float32).reshape(3, 4)
    tx = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    assert numnet.einsum("ij,kj->ik", x, x).trace().item() == torch.einsum("ij,kj->ik", tx, tx).trace().item()
    i = numnet.tensor([[1, 2], [3, 4]])
    assert numnet.einsum("ij,jk->ik", i, i).tolist() == [[7, 10], [15, 22]]


def test_einsum_result_does_not_share_memory_with_its_input():
    x = numnet.tensor(_x((3, 3)))
    y = numnet.einsum("ij->ji", x)
    y.add_(1.0)  # must not change x (nor raise on a read-only view)
    np.testing.assert_allclose(x._data, _x((3, 3)))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_trace_matches_torch(shape):
    compare(lambda t: t.trace(), lambda t: t.trace(), [_x(shape)], what=f"trace{shape}")
    assert numnet.trace(numnet.tensor(np.arange(9).reshape(3, 3))).item() == 12


# ---------------------------------------------------------------------- float64 gradcheck of every op
def _gc(fn, *shapes, seed=0, name=""):
    inputs = [_g64(_x(s, seed + i)) for i, s in enumerate(shapes)]
    assert gradcheck(fn, inputs, name=name)


def test_gradcheck_every_differentiable_select_op():
    i34 = numnet.tensor([[0, 3, 3], [1, 1, 0], [2, 0, 1]])
    perm = numnet.tensor(_scatter_index((3, 4), 1, sub=(3, 2)))
    mask = numnet.tensor(np.array([[True, False, True, False], [False, False, True, True], [True] * 4]))
    _gc(lambda t: t.sort(1, True).values, (3, 4), name="sort")
    _gc(lambda t: t.topk(2, 0).values, (3, 4), name="topk")
    _gc(lambda t: t.gather(1, i34), (3, 4), name="gather")
    _gc(lambda t, s: t.scatter(1, perm, s), (3, 4), (3, 3), name="scatter")
    _gc(lambda t, s: t.scatter_add(1, i34, s), (3, 4), (3, 3), name="scatter_add")
    _gc(lambda t: t.index_select(1, numnet.tensor([3, 0, 3])), (3, 4), name="index_select")
    _gc(lambda t: t.take_along_dim(i34, 1), (3, 4), name="take_along_dim")
    _gc(lambda t: t.masked_fill(mask, 0.5), (3, 4), name="masked_fill")
    _gc(lambda t, v: t.masked_fill(mask, v), (3, 4), (), name="masked_fill(value tensor)")
    _gc(lambda t: t.masked_select(mask[0]), (3, 4), name="masked_select")
    for p in ("fro", 1, 3, 0.5, float("inf"), -float("inf")):
        _gc(lambda t, p=p: t.norm(p, dim=1), (3, 4), name=f"norm p={p}")
    _gc(lambda t: t.cumprod(1), (3, 4), name="cumprod")
    zeros = _g64(CUMPROD_INPUTS["two zeros"])
    assert gradcheck(lambda t: t.cumprod(1), [zeros], name="cumprod with zeros")
    _gc(lambda t: t.cummax(0).values, (3, 4), name="cummax")
    _gc(lambda t: t.cummin(1).values, (3, 4), name="cummin")
    _gc(lambda a, b: numnet.einsum("bij,jk->bik", a, b), (2, 3, 4), (4, 2), name="einsum matmul")
    _gc(lambda a, b: numnet.einsum("ii,ij->j", a, b), (3, 3), (3, 2), name="einsum diagonal")
    _gc(lambda a, b: numnet.einsum("...i,i->...", a, b), (2, 3, 4), (4,), name="einsum ellipsis")
    _gc(lambda t: t.trace(), (3, 4), name="trace")


# ---------------------------------------------------------------------- errors: numnet's own, naming the function
ERRORS = [
    (lambda x: x.gather(1, numnet.tensor([[0.0]])), DTypeError, r"gather: expected index to be an integer .*float32"),
    (lambda x: x.gather(1, numnet.tensor([[True]])), DTypeError, r"gather: expected index to be an integer .*bool"),
    (lambda x: x.gather(1, [[0]]), DTypeError, r"gather: expected index to be an integer .*list"),
    (lambda x: x.gather(1, numnet.tensor([[4]])), ArgumentError, r"gather: expected index values to be in \[0, 4\)"),
    (lambda x: x.gather(1, numnet.tensor([[-1]])), ArgumentError, r"gather: .*got -1"),
    (lambda x: x.gather(1, numnet.tensor([0])), ShapeError, r"gather: expected index to have as many dims"),
    (lambda x: x.gather(1, numnet.tensor([[0]] * 4)), ShapeError, r"gather: expected index.size\(d\) <= input"),
    (lambda x: x.gather(2, numnet.tensor([[0]])), ArgumentError, r"gather: dim 2 is out of range"),
    (lambda x: x.index_select(0, numnet.tensor([3])), ArgumentError, r"index_select: expected index values"),
    (lambda x: x.index_select(0, numnet.tensor([[0]])), ShapeError, r"index_select: expected index to be 1-D"),
    (lambda x: x.index_select(0, numnet.tensor([0.5])), DTypeError, r"index_select: expected index"),
    (lambda x: x.scatter(1, numnet.tensor([[0, 1]]), numnet.ones(1, 1, dtype=numnet.float64)), ShapeError,
     r"scatter: expected index.size\(d\) <= src.size\(d\)"),
    (lambda x: x.scatter(1, numnet.tensor([[0]]), numnet.ones(1, 1)), DTypeError,
     r"scatter: expected src to have the input's dtype float64, got float32"),
    (lambda x: x.scatter(1, numnet.tensor([[0]]), "a"), DTypeError, r"scatter: expected src to be a Tensor or"),
    (lambda x: x.scatter(1, numnet.tensor([[5]]), 1.0), ArgumentError, r"scatter: expected index values"),
    (lambda x: x.scatter(1, numnet.tensor([[0]]), 1.0, reduce="add"), ArgumentError, r"scatter: reduce='add'"),
    (lambda x: x.scatter_add(1, numnet.tensor([[0]]), 1.0), DTypeError, r"scatter_add: expected src to be a numnet"),
    (lambda x: x.masked_fill(numnet.tensor([1, 0, 1, 0]), 0.0), DTypeError,
     r"masked_fill: expected mask to be a bool Tensor, got dtype int64"),
    (lambda x: x.masked_fill(numnet.tensor([True, False]), 0.0), ShapeError, r"masked_fill: shapes \(3, 4\) and \(2,\)"),
    (lambda x: x.masked_fill(numnet.tensor([True] * 4), numnet.ones(2)), ShapeError,
     r"masked_fill: expected value to be a number or a 0-d tensor"),
    (lambda x: x.masked_fill(numnet.tensor([True] * 4), "z"), DTypeError, r"masked_fill: expected value"),
    (lambda x: x.masked_select(np.ones(4, dtype=bool)), DTypeError, r"masked_select: expected mask to be a bool"),
    (lambda x: x.masked_select(numnet.tensor([True] * 3)), ShapeError, r"masked_select: shapes"),
    (lambda x: x.topk(5), ArgumentError, r"topk: expected k to be at most the size of dim -1 \(4\), got 5"),
    (lambda x: x.topk(-1), ArgumentError, r"topk: expected k to be an int >= 0, got -1"),
    (lambda x: x.topk(1.0), DTypeError, r"topk: expected k to be an int"),
    (lambda x: x.topk(1, dim=3), ArgumentError, r"topk: dim 3 is out of range"),
    (lambda x: x.sort(dim=-3), ArgumentError, r"sort: dim -3 is out of range"),
    (lambda x: x.sort(descending=1), DTypeError, r"sort: expected descending to be True or False"),
    (lambda x: x.argsort(stable="yes"), DTypeError, r"argsort: expected stable to be True or False"),
    (lambda x: x.norm(p="nuc"), ArgumentError, r"norm: p='nuc'"),
    (lambda x: x.norm(p="max"), ArgumentError, r"norm: expected p to be 'fro' or a number"),
    (lambda x: x.norm(p=None), DTypeError, r"norm: expected p to be"),
    (lambda x: numnet.zeros(0, 3).norm(float("-inf"), dim=0), ShapeError, r"norm: the p=-inf norm of an empty"),
    (lambda x: x.long().norm(), DTypeError, r"norm: expected input to be a floating-point Tensor, got dtype int64"),
    (lambda x: x.norm(dim=(0, 0)), ArgumentError, r"norm: dim \(0, 0\) names an axis more than once"),
    (lambda x: x.cumprod(2), ArgumentError, r"cumprod: dim 2 is out of range"),
    (lambda x: x.cummax(-3), ArgumentError, r"cummax: dim -3 is out of range"),
    (lambda x: x.trace().trace(), ShapeError, r"trace: expected input to be a 2-D tensor"),
    (lambda x: x.take_along_dim(numnet.tensor([[0, 1]]), 1).take_along_dim(numnet.tensor([0]), 0), ShapeError,
     r"take_along_dim: expected indices to have as many dims"),
    (lambda x: x.take_along_dim(numnet.tensor([[0], [1]]), 1), ShapeError, r"take_along_dim: .* do not broadcast"),
    (lambda x: x.count_nonzero(dim=5), ArgumentError, r"count_nonzero: dim 5 is out of range"),
    (lambda x: x.nonzero(as_tuple=1), DTypeError, r"nonzero: expected as_tuple to be True or False"),
    (lambda x: numnet.einsum("ij,jk->ik", x), ArgumentError, r"einsum: the equation 'ij,jk->ik' has 2 operand"),
    (lambda x: numnet.einsum("ij,jk->ik", x, x), ShapeError, r"einsum: subscript 'j' has size 4 in operand 0 but 3"),
    (lambda x: numnet.einsum("ijk->i", x), ShapeError, r"einsum: operand 0 has shape \(3, 4\) \(2 dims\)"),
    (lambda x: numnet.einsum("ii->i", x), ShapeError, r"einsum: subscript 'i' is repeated in operand 0"),
    (lambda x: numnet.einsum("i1->i", x), ArgumentError, r"einsum: expected each subscript to be letters"),
    (lambda x: numnet.einsum("ij->k", x), ArgumentError, r"einsum: output subscript 'k' .* is in no input"),
    (lambda x: numnet.einsum("ij->ii", x), ArgumentError, r"einsum: the output subscripts .* repeat a letter"),
    (lambda x: numnet.einsum("ij->i->j", x), ArgumentError, r"einsum: expected at most one '->'"),
    (lambda x: numnet.einsum("ij,jk", x, x.float().t()), DTypeError, r"einsum: expected all operands to have the same"),
    (lambda x: numnet.einsum(x, [0, 1]), DTypeError, r"einsum: expected equation to be a string"),
    (lambda x: numnet.einsum("ij", x.numpy()), DTypeError, r"einsum: expected operands\[0\] to be a numnet.Tensor"),
    (lambda x: numnet.einsum("ij"), ArgumentError, r"einsum: expected at least one operand"),
    (lambda x: numnet.topk(x.numpy(), 1), DTypeError, r"topk: expected input to be a numnet.Tensor"),
]


@pytest.mark.parametrize("fn,error,message", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_bad_arguments_raise_numnet_errors_naming_the_function(fn, error, message):
    x = numnet.tensor(_x((3, 4)))
    with pytest.raises(error, match=message):
        fn(x)


def test_in_place_masked_fill_and_scatter_refuse_a_shape_change_or_dtype_widening():
    x = numnet.zeros(3, dtype=numnet.int64)
    with pytest.raises(DTypeError, match="scatter_add_: expected src to have the input's dtype"):
        x.scatter_add_(0, numnet.tensor([0]), numnet.ones(1))


def test_free_functions_are_the_methods():
    x = numnet.tensor(_ties((3, 5)))
    assert numnet.sort(x, 1, True).indices.tolist() == x.sort(1, True).indices.tolist()
    assert numnet.topk(x, 2, 0).indices.tolist() == x.topk(2, 0).indices.tolist()
    assert numnet.norm(x, 1).item() == x.norm(1).item()
    for name in ("topk", "sort", "argsort", "gather", "scatter", "scatter_add", "index_select", "take_along_dim",
                 "masked_fill", "masked_select", "nonzero", "argwhere", "count_nonzero", "norm", "cumprod", "cummax",
                 "cummin", "msort", "trace", "einsum", "where"):
        assert name in numnet.__all__ and callable(getattr(numnet, name))
