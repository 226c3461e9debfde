"""Memory layouts (numnet/ops/layout.py): the tiled copy out of batch-innermost memory equals NumPy's copy, and
gradients come back in the memory layout of the tensor they belong to."""

from __future__ import annotations

import numpy as np
import pytest

import numnet
import numnet.functional as F
from numnet.ops.layout import batch_innermost, c_contiguous, is_batch_innermost


def _chwn(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


@pytest.mark.parametrize("shape", [(64, 32, 28, 28), (256, 6, 28, 28), (7, 5, 61, 37), (300, 1, 15, 15),
                                   (2, 3, 4, 5)])
def test_c_contiguous_copies_batch_innermost_memory_exactly(shape):
    a = np.random.default_rng(sum(shape)).standard_normal(shape).astype(np.float32)
    v = _chwn(a)
    out = c_contiguous(v)
    assert out.flags.c_contiguous and out.shape == shape
    np.testing.assert_array_equal(out, a)
    assert c_contiguous(a) is a
    odd = a[:, :, ::2]  # any other non-contiguous view: NumPy's copy
    np.testing.assert_array_equal(c_contiguous(odd), odd)


def test_batch_innermost_is_free_for_its_own_memory():
    a = np.random.default_rng(0).standard_normal((3, 4, 5, 6))
    v = _chwn(a)
    assert np.shares_memory(batch_innermost(v), v)
    t = batch_innermost(a)
    assert t.flags.c_contiguous and t.shape == (4, 5, 6, 3)
    np.testing.assert_array_equal(t.transpose(3, 0, 1, 2), a)


@pytest.mark.parametrize("memory", ["nchw", "chwn"])
def test_conv_input_gradient_comes_back_in_the_input_layout(memory):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5, 6, 6))
    x = _chwn(x) if memory == "chwn" else x
    xs = numnet.tensor(x, requires_grad=True)
    w = numnet.tensor(rng.standard_normal((7, 5, 3, 3)))
    F.conv2d(xs, w, padding=1).sum().backward()
    g = xs.grad._data
    assert g.flags.c_contiguous if memory == "nchw" else is_batch_innermost(g)


def test_reshape_of_batch_innermost_memory_is_a_view_when_possible_else_a_copy():
    a = np.random.default_rng(2).standard_normal((3, 4, 5, 6))
    v = numnet.tensor(_chwn(a), requires_grad=True)
    merged = v.reshape(3, -1)  # C, H, W merge without a copy in (C, H, W, N) memory (a Flatten)
    assert np.shares_memory(merged._data, v._data)
    rows = v.reshape(12, 30)  # N and C do not: a copy, C-contiguous
    assert rows._data.flags.c_contiguous and not np.shares_memory(rows._data, v._data)
    np.testing.assert_array_equal(rows._data, a.reshape(12, 30))
    np.testing.assert_array_equal(merged._data, a.reshape(3, -1))
    (rows.sum() + merged.sum()).backward()
    np.testing.assert_array_equal(v.grad._data, np.full(a.shape, 2.0))


def test_same_layout_copies_into_the_other_arrays_memory_order():
    from numnet.ops.layout import same_layout

    a = np.arange(24.0).reshape(2, 3, 2, 2)
    like = _chwn(np.zeros((2, 3, 2, 2), np.float32))
    out = same_layout(a, like)
    assert out.strides == tuple(s * 2 for s in like.strides) and out.dtype == a.dtype  # float64: twice the bytes
    np.testing.assert_array_equal(out, a)


def test_is_batch_innermost_is_the_one_predicate():
    a = np.zeros((3, 4, 5, 6))
    assert not is_batch_innermost(a) and is_batch_innermost(_chwn(a))
    assert is_batch_innermost(np.zeros((1, 4, 5, 6)))  # one sample: NCHW memory is both
    assert is_batch_innermost(np.ascontiguousarray(np.zeros((3, 4, 5)).transpose(1, 2, 0)).transpose(2, 0, 1))
    assert not is_batch_innermost(np.zeros((3, 4))) and not is_batch_innermost(_chwn(a)[:, :, ::2])


# Every op the layout module's docstring lists: run on a batch-innermost input, with the cotangent in the output's
# own memory order (as it arrives in a chain), the op equals the plain-NCHW run, and its output and input gradient
# keep the layout ("keep") or come back C-contiguous ("nchw"): (output layout, input-gradient layout).
def _layout_cases():
    from numnet import nn

    rng = np.random.default_rng(7)
    w = numnet.tensor(rng.standard_normal((5, 4, 3, 3)))
    return {
        "conv2d (chwn path)": (lambda x: F.conv2d(x, w, padding=1), ("keep", "keep")),
        "relu": (F.relu, ("keep", "keep")),
        "elementwise add": (lambda x: x * 2.0 + 1.0, ("keep", "keep")),
        "max_pool2d 2x2": (lambda x: F.max_pool2d(x, 2), ("keep", "keep")),
        "max_pool2d general": (lambda x: F.max_pool2d(x, 3, 1, 1), ("nchw", "nchw")),
        "avg_pool2d 2x2": (lambda x: F.avg_pool2d(x, 2), ("keep", "nchw")),
        "global average pool": (lambda x: F.adaptive_avg_pool2d(x, 1), ("keep", "keep")),
        "batch_norm": (nn.BatchNorm2d(4), ("keep", "keep")),
        "batch_norm (no affine)": (nn.BatchNorm2d(4, affine=False), ("keep", "keep")),
        "flatten": (lambda x: x.flatten(1), ("view", "keep")),  # a view of the (C·H·W, N) memory, no copy
        "reshape (N and C merged)": (lambda x: x.reshape(12, 36), ("nchw", "nchw")),
    }


@pytest.mark.parametrize("name", list(_layout_cases()))
def test_ops_keep_or_convert_the_batch_innermost_layout(name):
    fn, (out_layout, grad_layout) = _layout_cases()[name]
    a = np.random.default_rng(8).standard_normal((3, 4, 6, 6))
    results = []
    for memory in (a, _chwn(a)):
        x = numnet.tensor(memory, requires_grad=True)
        out = fn(x)
        g = np.empty_like(out._data)  # the cotangent in the output's memory order
        g[...] = np.arange(out._data.size, dtype=np.float64).reshape(out.shape) % 7 - 3
        out.backward(g)
        results.append((out._data, x.grad._data, x._data))
    (out0, grad0, _), (out1, grad1, source) = results
    np.testing.assert_allclose(out1, out0, rtol=1e-13, atol=1e-13)  # equal to the plain-NCHW run
    np.testing.assert_allclose(grad1, grad0, rtol=1e-13, atol=1e-13)
    layout = {"keep": is_batch_innermost, "nchw": lambda v: v.flags.c_contiguous,
              "view": lambda v: np.shares_memory(v, source)}
    assert layout[out_layout](out1), f"{name}: output is not {out_layout}"
    assert layout[grad_layout](grad1), f"{name}: input gradient is not {grad_layout}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_match_layout_converts_both_ways_exactly(dtype):
    from numnet.ops.layout import match_layout

    a = np.random.default_rng(9).standard_normal((8, 16, 20, 20)).astype(dtype)  # 51,200 values: tiled copies
    v = _chwn(a)
    to_nchw = match_layout(v, a)
    assert to_nchw.flags.c_contiguous and to_nchw.dtype == dtype
    to_chwn = match_layout(a, v)
    assert is_batch_innermost(to_chwn) and not to_chwn.flags.c_contiguous
    np.testing.assert_array_equal(to_nchw, a)
    np.testing.assert_array_equal(to_chwn, a)
    assert match_layout(a, a) is a


# A residual Add where one operand is NCHW (a few-channel conv's output) and the other batch-innermost: the op runs
# in one memory order (the batch-innermost one, which the next conv reads), equals the plain-NCHW result, and each
# input's gradient comes back in that input's own layout, so the backward of whatever made it stays in one order.
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("chwn_side", [0, 1])
@pytest.mark.parametrize("shape", [(8, 16, 24, 24), (2, 3, 4, 5)])  # above and below the size that converts
def test_mixed_layout_binary_ops_equal_nchw_and_return_gradients_in_each_inputs_layout(op, chwn_side, shape):
    rng = np.random.default_rng(10)
    a0, b0 = rng.standard_normal(shape), rng.standard_normal(shape)
    g0 = rng.standard_normal(shape)
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
    ref_a, ref_b = numnet.tensor(a0, requires_grad=True), numnet.tensor(b0, requires_grad=True)
    ref = fn(ref_a, ref_b)
    ref.backward(g0)
    mem = [a0, b0]
    mem[chwn_side] = _chwn(mem[chwn_side])
    a, b = numnet.tensor(mem[0], requires_grad=True), numnet.tensor(mem[1], requires_grad=True)
    out = fn(a, b)
    out.backward(np.ascontiguousarray(g0) if out._data.flags.c_contiguous else _chwn(g0))
    np.testing.assert_array_equal(out._data, ref._data)
    np.testing.assert_array_equal(a.grad._data, ref_a.grad._data)
    np.testing.assert_array_equal(b.grad._data, ref_b.grad._data)
    if np.prod(shape) >= 65536:  # below it the op runs as NumPy does, gradients in the output's order
        assert is_batch_innermost(out._data), "the output is not batch-innermost"
        for t, m in ((a, mem[0]), (b, mem[1])):
            assert t.grad._data.strides == m.strides, "a gradient is not in its input's layout"


def test_relu_gradient_arriving_in_the_other_layout_comes_back_in_the_inputs():
    # e.g. an NCHW gradient from a Flatten reaching a ReLU of batch-innermost conv output
    a = np.random.default_rng(11).standard_normal((8, 16, 24, 24))
    g = np.random.default_rng(12).standard_normal(a.shape)
    ref = numnet.tensor(a, requires_grad=True)
    F.relu(ref).backward(g)
    x = numnet.tensor(_chwn(a), requires_grad=True)
    F.relu(x).backward(g)  # C-contiguous cotangent, batch-innermost output
    np.testing.assert_array_equal(x.grad._data, ref.grad._data)
    assert is_batch_innermost(x.grad._data) and not x.grad._data.flags.c_contiguous
