"""Shape ops (numnet/ops/shape.py via Tensor methods, cat, stack, pad) against PyTorch, gradcheck, indexing, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
from numnet.testing import gradcheck
from tests.ops.test_elementwise import DTYPES, compare


def _x(shape=(2, 3, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


UNARY = {
    "reshape": (lambda t: t.reshape(4, -1), lambda t: t.reshape(4, -1)),
    "reshape_tuple": (lambda t: t.reshape((6, 4)), lambda t: t.reshape((6, 4))),
    "view": (lambda t: t.view(-1), lambda t: t.view(-1)),
    "transpose": (lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    "transpose_neg": (lambda t: t.transpose(-1, -2), lambda t: t.transpose(-1, -2)),
    "T_then_reshape": (lambda t: t.transpose(1, 2).reshape(2, 12), lambda t: t.transpose(1, 2).reshape(2, 12)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda t: t.permute(2, 0, 1)),
    "permute_list": (lambda t: t.permute([1, 2, 0]), lambda t: t.permute([1, 2, 0])),
    "flatten": (lambda t: t.flatten(), lambda t: t.flatten()),
    "flatten_1": (lambda t: t.flatten(1), lambda t: t.flatten(1)),
    "flatten_0_1": (lambda t: t.flatten(0, 1), lambda t: t.flatten(0, 1)),
    "unsqueeze_0": (lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0)),
    "unsqueeze_-1": (lambda t: t.unsqueeze(-1), lambda t: t.unsqueeze(-1)),
    "unsqueeze_squeeze": (lambda t: t.unsqueeze(1).squeeze(1), lambda t: t.unsqueeze(1).squeeze(1)),
    "squeeze_all": (lambda t: t.unsqueeze(0).unsqueeze(-1).squeeze(), lambda t: t.unsqueeze(0).unsqueeze(-1).squeeze()),
    "squeeze_non_one": (lambda t: t.squeeze(0), lambda t: t.squeeze(0)),
    "squeeze_tuple": (lambda t: t.unsqueeze(0).unsqueeze(2).squeeze((0, 2, 3)),
                      lambda t: t.unsqueeze(0).unsqueeze(2).squeeze((0, 2, 3))),
    "expand": (lambda t: t[:, :1].expand(2, 5, 4), lambda t: t[:, :1].expand(2, 5, 4)),
    "expand_new_dims": (lambda t: t.expand(3, -1, -1, -1), lambda t: t.expand(3, -1, -1, -1)),
    "pad_last": (lambda t: numnet.pad(t, (1, 2)), lambda t: TF.pad(t, (1, 2))),
    "pad_two_value": (lambda t: numnet.pad(t, (1, 0, 2, 1), value=-3.0), lambda t: TF.pad(t, (1, 0, 2, 1), value=-3.0)),
    "pad_mode": (lambda t: numnet.pad(t, (0, 1, 0, 0, 1, 1), "constant", 0.5),
                 lambda t: TF.pad(t, (0, 1, 0, 0, 1, 1), "constant", 0.5)),
    "slice": (lambda t: t[1:, ::2, -1], lambda t: t[1:, ::2, -1]),
    "slice_ellipsis_none": (lambda t: t[..., None, 1:3], lambda t: t[..., None, 1:3]),
    "int_index": (lambda t: t[1], lambda t: t[1]),
    "int_array_repeated": (lambda t: t[[0, 1, 0, 0]], lambda t: t[[0, 1, 0, 0]]),
    "int_array_on_dim1": (lambda t: t[:, [2, 2, 0]], lambda t: t[:, [2, 2, 0]]),
    "two_int_arrays": (lambda t: t[[0, 1, 1], [2, 2, 2]], lambda t: t[[0, 1, 1], [2, 2, 2]]),
    "tensor_index": (lambda t: t[numnet.tensor([1, 1, 0])], lambda t: t[torch.tensor([1, 1, 0])]),
    "bool_mask": (lambda t: t[numnet.tensor(_x() > 0)], lambda t: t[torch.tensor(_x() > 0)]),
    "negative_array": (lambda t: t[:, [-1, 0, -1], 1:], lambda t: t[:, [-1, 0, -1], 1:]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_shape_ops_match_torch(name, dtype):
    fn, tfn = UNARY[name]
    compare(fn, tfn, [_x()], dtype, what=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_torch(dim, dtype):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 3, 4)]
    shapes = [tuple(n + i if d == dim % 3 else n for d, n in enumerate(s)) for i, s in enumerate(shapes)]
    arrays = [_x(s, i) for i, s in enumerate(shapes)]
    compare(lambda *ts: numnet.cat(ts, dim), lambda *ts: torch.cat(ts, dim), arrays, dtype, what=f"cat dim {dim}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, 3, -1, -4])
def test_stack_matches_torch(dim, dtype):
    arrays = [_x((2, 3, 4), i) for i in range(3)]
    compare(lambda *ts: numnet.stack(ts, dim), lambda *ts: torch.stack(ts, dim), arrays, dtype, what=f"stack {dim}")


def test_cat_and_stack_with_partial_grads_and_reuse():
    compare(lambda a, b: numnet.cat([a, b, a], 1), lambda a, b: torch.cat([a, b, a], 1),
            [_x((2, 2)), _x((2, 3), 1)], np.float64, grad=[True, False])
    compare(lambda a, b: numnet.stack([a, b, a]), lambda a, b: torch.stack([a, b, a]),
            [_x((2, 2)), _x((2, 2), 1)], np.float64, grad=[False, True])


def test_cat_promotes_dtypes_like_torch():
    compare(lambda a, b: numnet.cat([a, b.double()]), lambda a, b: torch.cat([a, b.double()]),
            [_x((2,)), _x((3,), 1)], np.float32)


def test_repeated_integer_indices_add_up_in_backward():
    x = numnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3, 0, 1]


def test_basic_index_returns_a_view_and_setitem_works_under_no_grad():
    x = numnet.zeros(2, 3, requires_grad=True)
    with numnet.no_grad():
        x[0, 1] = 5.0
        x[1] = numnet.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [[0, 5, 0], [1, 2, 3]]
    with pytest.raises(RuntimeError, match="setitem: in-place assignment into a tensor that requires grad"):
        x[0, 0] = 1.0


def test_iteration_and_len():
    x = numnet.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert len(x) == 2 and [r.tolist() for r in x] == [[1, 2], [3, 4]]


def test_transpose_and_permute_keep_values():
    x = numnet.tensor(_x())
    assert np.array_equal(x.permute(2, 0, 1)._data, np.transpose(x._data, (2, 0, 1)))
    assert x.T.shape == (4, 3, 2)


GRADCHECK = {
    "reshape": lambda t: t.reshape(3, 8) * numnet.tensor(np.arange(24.0).reshape(3, 8)),
    "permute": lambda t: t.permute(1, 2, 0) * numnet.tensor(np.arange(24.0).reshape(3, 4, 2)),
    "transpose": lambda t: t.transpose(0, 1),
    "flatten": lambda t: t.flatten(1),
    "squeeze_unsqueeze": lambda t: t.unsqueeze(1).squeeze(),
    "expand": lambda t: t[:, :, :1].expand(2, 3, 5) * numnet.tensor(np.arange(30.0).reshape(2, 3, 5)),
    "getitem_slices": lambda t: t[:, 1:, ::2],
    "getitem_repeated": lambda t: t[[1, 1, 0], :, [3, 3, 0]],
    "pad": lambda t: numnet.pad(t, (1, 2, 0, 1)),
    "cat": lambda t: numnet.cat([t, t * 2, t[:, :1]], dim=1),
    "stack": lambda t: numnet.stack([t, t.exp()], dim=2),
}


@pytest.mark.parametrize("name", GRADCHECK)
def test_gradcheck(name):
    gradcheck(GRADCHECK[name], [numnet.tensor(_x(seed=4), requires_grad=True)], name=name)


def test_gradcheck_cat_of_two_inputs():
    a = numnet.tensor(_x((2, 3)), requires_grad=True)
    b = numnet.tensor(_x((2, 1), 1), requires_grad=True)
    gradcheck(lambda x, y: numnet.cat([x, y], dim=-1), [a, b], name="cat")


# ---------------------------------------------------------------------- errors
def test_reshape_error_names_shapes():
    with pytest.raises(numnet.ShapeError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) "
                                                r"into \(4, 2\)"):
        numnet.zeros(2, 3).reshape(4, 2)
    with pytest.raises(numnet.ShapeError, match=r"reshape: .* into \(-1, -1\)"):
        numnet.zeros(2, 3).view(-1, -1)
    with pytest.raises(numnet.ShapeError, match=r"reshape: .* into \(4, -1\)"):
        numnet.zeros(2, 3).reshape(4, -1)


def test_expand_errors_name_dim_expected_and_got():
    with pytest.raises(numnet.ShapeError, match=r"expand: shape \(2, 3\) cannot be expanded to \(3, 3\): "
                                                r"dim 0 expected 2 or -1, got 3"):
        numnet.zeros(2, 3).expand(3, 3)
    with pytest.raises(numnet.ShapeError, match=r"expand: the target \(3,\) has fewer dims than the tensor of shape"):
        numnet.zeros(2, 3).expand(3)
    with pytest.raises(numnet.ShapeError, match=r"dim 0 expected a size >= 0, got -1"):
        numnet.zeros(3).expand(-1, 3)


def test_cat_errors():
    with pytest.raises(numnet.ShapeError, match=r"cat: tensor 1 has shape \(2, 4\), but tensor 0 has shape \(2, 3\): "
                                                r"expected the same sizes in every dim except dim 0"):
        numnet.cat([numnet.zeros(2, 3), numnet.zeros(2, 4)])
    with pytest.raises(numnet.ShapeError, match=r"cat: tensor 1 has shape \(6,\)"):
        numnet.cat([numnet.zeros(2, 3), numnet.zeros(6)], dim=1)
    with pytest.raises(numnet.ArgumentError, match="cat: expected a non-empty sequence"):
        numnet.cat([])
    with pytest.raises(numnet.ShapeError, match=r"cat: tensor 0 is 0-d"):
        numnet.cat([numnet.tensor(1.0)])
    with pytest.raises(numnet.ArgumentError, match=r"cat: dim 2 is out of range"):
        numnet.cat([numnet.zeros(2, 3)], dim=2)


def test_stack_errors():
    with pytest.raises(numnet.ShapeError, match=r"stack: tensor 2 has shape \(3, 2\) but tensor 0 has shape \(2, 3\)"):
        numnet.stack([numnet.zeros(2, 3), numnet.zeros(2, 3), numnet.zeros(3, 2)])
    with pytest.raises(numnet.ArgumentError, match="stack: expected a non-empty sequence"):
        numnet.stack([])
    with pytest.raises(numnet.ArgumentError, match=r"stack: dim 4 is out of range for a tensor with 3 dimension"):
        numnet.stack([numnet.zeros(2, 3)], dim=4)


def test_permute_transpose_squeeze_unsqueeze_flatten_bad_dims():
    x = numnet.zeros(2, 3)
    with pytest.raises(numnet.ArgumentError, match=r"permute: expected a permutation of the 2 dims of shape \(2, 3\), "
                                                   r"got \(0, 0\)"):
        x.permute(0, 0)
    with pytest.raises(numnet.ArgumentError, match=r"permute: dim 2 is out of range"):
        x.permute(0, 2)
    with pytest.raises(numnet.ArgumentError, match=r"transpose: dim -3 is out of range"):
        x.transpose(0, -3)
    with pytest.raises(numnet.ArgumentError, match=r"unsqueeze: dim 3 is out of range for a tensor with 3"):
        x.unsqueeze(3)
    with pytest.raises(numnet.ArgumentError, match=r"squeeze: dim 2 is out of range"):
        x.squeeze(2)
    with pytest.raises(numnet.ArgumentError, match=r"flatten: start_dim \(1\) must not come after end_dim \(0\)"):
        x.flatten(1, 0)
    with pytest.raises(numnet.ArgumentError, match=r"size: dim 2 is out of range"):
        x.size(2)


def test_pad_errors():
    with pytest.raises(numnet.ArgumentError,
                       match=r"pad: expected an even number of values, at most 2×2 .* got \(1,\)"):
        numnet.pad(numnet.zeros(2, 3), (1,))
    with pytest.raises(numnet.ArgumentError, match=r"pad: expected non-negative padding, got \(1, -1\)"):
        numnet.pad(numnet.zeros(2, 3), (1, -1))
    with pytest.raises(numnet.ArgumentError, match="pad: only mode='constant' is supported, got mode='reflect'"):
        numnet.pad(numnet.zeros(2, 3), (1, 1), mode="reflect")


def test_index_out_of_range_names_shape():
    with pytest.raises(IndexError, match=r"index: .*out of bounds.*\(tensor shape \(2, 3\)\)"):
        numnet.zeros(2, 3)[5]
