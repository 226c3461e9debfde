"""1-D pooling (F.max_pool1d / avg_pool1d / adaptive_avg_pool1d / adaptive_max_pool1d and their layers) and
nn.AdaptiveMaxPool2d: PyTorch parity of forward, indices and gradients (float64, float32), gradcheck, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import numnet
import numnet.functional as F
from numnet import nn
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch, torch_one_thread  # noqa: F401 (autouse fixture)

CASES = [
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3)),
    ("max_pool1d", (1, 2, 10), dict(kernel_size=4, stride=2, padding=2, dilation=1, ceil_mode=True)),
    ("max_pool1d", (2, 2, 11), dict(kernel_size=2, stride=3, dilation=3)),
    ("max_pool1d", (3, 8), dict(kernel_size=(2,), stride=(1,))),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=3)),
    ("avg_pool1d", (1, 2, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ("avg_pool1d", (2, 2, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("avg_pool1d", (3, 8), dict(kernel_size=2)),
    ("adaptive_avg_pool1d", (2, 3, 10), dict(output_size=3)),
    ("adaptive_avg_pool1d", (1, 2, 5), dict(output_size=7)),
    ("adaptive_avg_pool1d", (3, 6), dict(output_size=(1,))),
    ("adaptive_max_pool1d", (2, 3, 10), dict(output_size=3)),
    ("adaptive_max_pool1d", (1, 2, 5), dict(output_size=7)),
    ("adaptive_max_pool1d", (3, 6), dict(output_size=4)),
    ("adaptive_max_pool2d", (2, 2, 7, 5), dict(output_size=(3, None))),
    ("adaptive_max_pool2d", (1, 3, 5, 6), dict(output_size=4)),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]


def _data(shape, dtype, seed=0):
    # distinct values (no ties) so every argmax is unambiguous
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape).astype(dtype) / 7 - 3


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,shape,kw", CASES, ids=IDS)
def test_matches_torch(name, shape, kw, dtype):
    x = _data(shape, dtype)
    xt = to_torch(x, True)
    ref = getattr(TF, name)(xt, **kw)
    g = np.random.default_rng(1).standard_normal(tuple(ref.shape)).astype(dtype)
    ref.backward(torch.from_numpy(g))
    xn = numnet.tensor(x, requires_grad=True)
    out = getattr(F, name)(xn, **kw)
    assert out.dtype == dtype
    assert_close(out, ref, dtype, f"{name} forward")
    out.backward(numnet.tensor(g))
    assert_close(xn.grad, xt.grad, dtype, f"{name} grad")
    if "max" in name:
        _, idx = getattr(F, name)(numnet.tensor(x), **kw, return_indices=True)
        _, idx_t = getattr(TF, name)(to_torch(x), **kw, return_indices=True)
        assert idx.dtype == np.int64 and np.array_equal(idx._data, idx_t.numpy())


@pytest.mark.parametrize("name,shape,kw", CASES, ids=IDS)
def test_gradcheck(name, shape, kw):
    x = numnet.tensor(_data(shape, np.float64, 2), requires_grad=True)
    assert gradcheck(lambda t: getattr(F, name)(t, **kw), [x], name=name)


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.MaxPool1d(3, stride=2, padding=1), (2, 3, 8)),
    (lambda m: m.MaxPool1d(2, return_indices=True), (2, 3, 8)),
    (lambda m: m.AvgPool1d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True), (2, 3, 8)),
    (lambda m: m.AdaptiveAvgPool1d(3), (2, 3, 8)),
    (lambda m: m.AdaptiveMaxPool1d(5, return_indices=True), (2, 3, 8)),
    (lambda m: m.AdaptiveMaxPool2d((2, None)), (2, 3, 5, 4)),
    (lambda m: m.AdaptiveMaxPool2d(3, return_indices=True), (3, 7, 5)),
], ids=["max1d", "max1d_idx", "avg1d", "aavg1d", "amax1d_idx", "amax2d_none", "amax2d_idx_unbatched"])
def test_layers_match_torch(make, shape):
    x = _data(shape, np.float64, 4)
    ours, ref = make(nn)(numnet.tensor(x)), make(torch.nn)(to_torch(x))
    if isinstance(ref, tuple):
        assert_close(ours[0], ref[0], np.float64, "values")
        assert np.array_equal(ours[1]._data, ref[1].numpy())
    else:
        assert_close(ours, ref, np.float64, "values")
    assert repr(make(nn)).split("(")[0] == repr(make(torch.nn)).split("(")[0]


@pytest.mark.parametrize("call,err,msg", [
    (lambda: F.max_pool1d(numnet.zeros(1, 2, 3, 4), 2), ShapeError, r"max_pool1d: expected input of shape \(N, C, L\)"),
    (lambda: F.max_pool1d(numnet.zeros(1, 2, 4), 2, padding=2), ArgumentError,
     r"max_pool1d: expected padding to be at most half of kernel_size=2, got 2"),
    (lambda: F.max_pool1d(numnet.zeros(1, 2, 2), 3), ShapeError, r"max_pool1d: input of length 2 is too small"),
    (lambda: F.avg_pool1d(numnet.zeros(1, 2, 4), (2, 2)), ArgumentError, r"avg_pool1d: expected kernel_size"),
    (lambda: F.avg_pool1d(numnet.zeros(1, 2, 4, dtype=numnet.long), 2), DTypeError, r"avg_pool1d"),
    (lambda: F.adaptive_avg_pool1d(numnet.zeros(1, 2, 4), 0), ArgumentError,
     r"adaptive_avg_pool1d: expected output_size to be an int >= 1, got 0"),
    (lambda: F.adaptive_max_pool1d(numnet.zeros(1, 2, 4), (2, 2)), ArgumentError, r"adaptive_max_pool1d: expected"),
    (lambda: nn.AdaptiveMaxPool2d((1, 2, 3)), ArgumentError, r"AdaptiveMaxPool2d: expected output_size"),
    (lambda: nn.MaxPool1d(0), ArgumentError, r"MaxPool1d: expected kernel_size"),
    (lambda: nn.AvgPool1d(2, padding=3), ArgumentError, r"AvgPool1d: expected padding"),
    (lambda: nn.AdaptiveAvgPool1d(-1), ArgumentError, r"AdaptiveAvgPool1d: expected output_size"),
])
def test_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()
