"""layer_norm, group_norm, instance_norm (fused ops in numnet/ops/normalization.py) and embedding, one_hot
(numnet/ops/embedding.py): PyTorch forward and backward, float64 gradcheck, errors."""

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


def compare(fn, tfn, arrays, what):
    ours = [None if a is None else numnet.tensor(a, requires_grad=True) for a in arrays]
    theirs = [None if a is None else to_torch(a, requires_grad=True) for a in arrays]
    out, ref = fn(*ours), tfn(*theirs)
    assert out.dtype == arrays[0].dtype
    assert_close(out, ref, out.dtype, f"{what} forward")
    cot = np.random.default_rng(7).standard_normal(out.shape).astype(out.dtype)
    (out * numnet.tensor(cot)).sum().backward()
    (ref * torch.tensor(cot)).sum().backward()
    for i, (a, t) in enumerate(zip(ours, theirs)):
        if a is not None:
            assert a.grad.dtype == a.dtype
            assert_close(a.grad, t.grad, a.dtype, f"{what} grad {i}")


def _rand(shape, dtype, seed):
    return (np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape,norm,affine", [((4, 6), (6,), "wb"), ((2, 3, 5), 5, "w"), ((2, 3, 4, 5), (4, 5), "wb"),
                                               ((2, 3, 4), (2, 3, 4), ""), ((3, 5), [5], "b")])
def test_layer_norm_matches_torch(shape, norm, affine, dtype):
    ns = (norm,) if isinstance(norm, int) else tuple(norm)
    w = _rand(ns, dtype, 1) if "w" in affine else None
    b = _rand(ns, dtype, 2) if "b" in affine else None
    compare(lambda x, w, b: F.layer_norm(x, norm, w, b, 1e-3), lambda x, w, b: TF.layer_norm(x, ns, w, b, 1e-3),
            [_rand(shape, dtype, 0), w, b], f"layer_norm {shape} {norm}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape,groups,affine", [((4, 6), 3, "wb"), ((2, 6, 5), 2, "wb"), ((2, 4, 3, 3), 4, "w"),
                                                 ((2, 4, 3, 3), 1, ""), ((3, 6, 2, 2, 2), 3, "wb")])
def test_group_norm_matches_torch(shape, groups, affine, dtype):
    c = shape[1]
    w = _rand((c,), dtype, 1) if "w" in affine else None
    b = _rand((c,), dtype, 2) if "b" in affine else None
    compare(lambda x, w, b: F.group_norm(x, groups, w, b), lambda x, w, b: TF.group_norm(x, groups, w, b),
            [_rand(shape, dtype, 0), w, b], f"group_norm {shape} G={groups}")


@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 4)], ids=str)
def test_instance_norm_matches_torch(shape, dtype):
    c = shape[1]
    compare(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
            [_rand(shape, dtype, 0), _rand((c,), dtype, 1), _rand((c,), dtype, 2)], f"instance_norm {shape}")


def test_norm_gradcheck():
    x = numnet.tensor(_rand((2, 4, 3), np.float64, 0), requires_grad=True)
    w = numnet.tensor(_rand((4, 3), np.float64, 1), requires_grad=True)
    b = numnet.tensor(_rand((4, 3), np.float64, 2), requires_grad=True)
    gradcheck(lambda x, w, b: F.layer_norm(x, (4, 3), w, b), [x, w, b], name="layer_norm")
    gradcheck(lambda x: F.layer_norm(x, 3), [x], name="layer_norm plain")
    wc = numnet.tensor(_rand((4,), np.float64, 3), requires_grad=True)
    bc = numnet.tensor(_rand((4,), np.float64, 4), requires_grad=True)
    gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, wc, bc], name="group_norm")
    gradcheck(lambda x, w: F.instance_norm(x, weight=w), [x, wc], name="instance_norm")


def test_layer_norm_output_is_normalised():
    out = F.layer_norm(numnet.tensor(_rand((5, 8), np.float64, 0) * 10), 8, eps=0.0)
    np.testing.assert_allclose(out._data.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out._data.std(axis=1), 1, rtol=1e-12)


# ---------------------------------------------------------------------- embedding, one_hot
@pytest.mark.parametrize("dtype", DTYPES, ids=["f64", "f32"])
@pytest.mark.parametrize("idx_shape,padding_idx", [((5,), None), ((3, 4), 2), ((2, 3, 4), -1), ((), None)])
def test_embedding_matches_torch(idx_shape, padding_idx, dtype):
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 6, size=idx_shape)
    w = rng.standard_normal((6, 3)).astype(dtype)
    a, t = numnet.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding(numnet.tensor(idx), a, padding_idx=padding_idx)
    ref = TF.embedding(torch.tensor(idx), t, padding_idx=padding_idx)
    assert out.dtype == dtype and out.shape == idx_shape + (3,)
    assert_close(out, ref, dtype, "embedding")
    g = rng.standard_normal(out.shape).astype(dtype)
    out.backward(numnet.tensor(g))
    ref.backward(torch.tensor(g))
    assert_close(a.grad, t.grad, dtype, "embedding grad")
    if padding_idx is not None:
        np.testing.assert_array_equal(a.grad._data[padding_idx], 0.0)


def test_embedding_repeated_indices_accumulate_and_int32_indices():
    w = numnet.tensor(np.zeros((3, 2)), requires_grad=True)
    out = F.embedding(numnet.tensor(np.array([1, 1, 1, 0], dtype=np.int32)), w)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad._data, [[1, 1], [3, 3], [0, 0]])
    idx = numnet.tensor(np.array([[0, 2], [2, 2]]))
    gradcheck(lambda w: F.embedding(idx, w), [numnet.tensor(_rand((3, 4), np.float64, 0), requires_grad=True)],
              name="embedding")


@pytest.mark.parametrize("shape,k", [((5,), -1), ((2, 3), 7), ((), 4), ((0,), 3)])
def test_one_hot_matches_torch(shape, k):
    idx = np.random.default_rng(0).integers(0, 4, size=shape)
    out = F.one_hot(numnet.tensor(idx), k)
    ref = TF.one_hot(torch.tensor(idx), k)
    assert out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out._data, ref.numpy())


@pytest.mark.parametrize("call,exc,msg", [
    (lambda: F.layer_norm(numnet.ones(2, 3), 4), ShapeError,
     "layer_norm: expected input of shape (*, 4) (ending with normalized_shape), got (2, 3)"),
    (lambda: F.layer_norm(numnet.ones(3), (2, 3)), ShapeError, "layer_norm: expected input of shape (*, 2, 3)"),
    (lambda: F.layer_norm(numnet.ones(2, 3), 0), ArgumentError,
     "layer_norm: expected normalized_shape to be an int >= 1 or a non-empty sequence of them, got 0"),
    (lambda: F.layer_norm(numnet.ones(2, 3), 3.0), DTypeError, "layer_norm: expected normalized_shape"),
    (lambda: F.layer_norm(numnet.ones(2, 3), 3, numnet.ones(2)), ShapeError,
     "layer_norm: expected weight of shape (3,) (normalized_shape), got (2,)"),
    (lambda: F.layer_norm(numnet.ones(2, 3), 3, eps=-1.0), ArgumentError, "layer_norm: expected eps"),
    (lambda: F.group_norm(numnet.ones(2, 6), 4), ArgumentError,
     "group_norm: expected num_groups to be a divisor of the 6 input channels, got 4"),
    (lambda: F.group_norm(numnet.ones(6), 2), ShapeError, "group_norm: expected input of shape (N, C, *)"),
    (lambda: F.group_norm(numnet.ones(2, 6), 0), ArgumentError, "group_norm: expected num_groups to be an int >= 1"),
    (lambda: F.group_norm(numnet.ones(2, 6), 3, bias=numnet.ones(3)), ShapeError,
     "group_norm: expected bias of shape (6,) (one value per channel), got (3,)"),
    (lambda: F.instance_norm(numnet.ones(2, 3)), ShapeError, "instance_norm: expected input of shape (N, C, *)"),
    (lambda: F.instance_norm(numnet.ones(2, 3, 4), numnet.zeros(3), numnet.ones(3)), ArgumentError,
     "instance_norm: running statistics are not supported"),
    (lambda: F.embedding(numnet.tensor([3]), numnet.ones(3, 2)), ArgumentError,
     "embedding: expected every index in input to be in [0, 2] (num_embeddings=3), got 3"),
    (lambda: F.embedding(numnet.tensor([-1]), numnet.ones(3, 2)), ArgumentError, "got -1"),
    (lambda: F.embedding(numnet.tensor([1.0]), numnet.ones(3, 2)), DTypeError,
     "embedding: expected input to be an integer Tensor of indices, got dtype float32; convert it with .long()"),
    (lambda: F.embedding(numnet.tensor([1]), numnet.ones(3)), ShapeError,
     "embedding: expected weight of shape (num_embeddings, embedding_dim), got (3,)"),
    (lambda: F.embedding(numnet.tensor([1]), numnet.ones(3, 2), padding_idx=3), ArgumentError,
     "embedding: expected padding_idx to be None or an int in [-3, 2], got 3"),
    (lambda: F.embedding(numnet.tensor([1]), numnet.ones(3, 2), max_norm=1.0), ArgumentError, "not supported"),
    (lambda: F.one_hot(numnet.tensor([0, 3]), 3), ArgumentError,
     "one_hot: expected every value of tensor to be smaller than num_classes=3, got 3"),
    (lambda: F.one_hot(numnet.tensor([-1, 1])), ArgumentError,
     "one_hot: expected every value of tensor to be non-negative, got -1"),
    (lambda: F.one_hot(numnet.tensor(np.zeros(0, np.int64))), ArgumentError, "cannot infer num_classes"),
    (lambda: F.one_hot(numnet.tensor([1.0])), DTypeError, "one_hot: expected tensor to be an integer Tensor"),
    (lambda: F.one_hot(numnet.tensor([1]), 2.0), DTypeError, "one_hot: expected num_classes to be an int >= -1"),
])
def test_bad_input_messages(call, exc, msg):
    with pytest.raises(exc) as info:
        call()
    assert msg in str(info.value)


@pytest.mark.parametrize("module", ["numnet.functional.normalization", "numnet.functional.embedding"])
def test_docstring_examples(module):
    result = doctest.testmod(sys.modules[module])
    assert result.attempted > 0 and result.failed == 0
