"""F.pad's reflect / replicate / circular modes (numnet/ops/padding.py, numnet/functional/padding.py) and the padding
layers (numnet/nn/padding.py): PyTorch parity of forward and backward (float64, float32), gradcheck, errors."""

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
    ((2, 3, 5), (2, 4)),
    ((3, 5), (1, 0)),
    ((2, 2, 4, 5), (1, 2, 3, 0)),
    ((2, 4, 5), (4, 4, 3, 3)),
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 2)),
    ((2, 3, 3, 4), (0, 0, 0, 0)),
]
PARAMS = [(s, p, m) for s, p in CASES for m in ("reflect", "replicate", "circular")]
IDS = [f"{s}-{p}-{m}" for s, p, m in PARAMS]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,pad,mode", PARAMS, ids=IDS)
def test_matches_torch(shape, pad, mode, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    xt = to_torch(x, True)
    ref = TF.pad(xt, pad, mode=mode)
    g = rng.standard_normal(tuple(ref.shape)).astype(dtype)
    ref.backward(torch.from_numpy(g))
    xn = numnet.tensor(x, requires_grad=True)
    out = F.pad(xn, pad, mode=mode)
    assert out.dtype == dtype
    assert_close(out, ref, dtype, f"{mode} forward")
    out.backward(numnet.tensor(g))
    assert_close(xn.grad, xt.grad, dtype, f"{mode} grad")


@pytest.mark.parametrize("shape,pad,mode", PARAMS[::2], ids=IDS[::2])
def test_gradcheck(shape, pad, mode):
    x = numnet.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, pad, mode=mode), [x], name=f"pad[{mode}]")


def test_constant_mode_still_numnet_pad():
    x = numnet.tensor(np.arange(6.0).reshape(1, 2, 3))
    assert_close(F.pad(x, (1, 2, 0, 1), value=-2.0), TF.pad(torch.tensor(x._data), (1, 2, 0, 1), value=-2.0))


LAYERS = [
    (lambda m: m.ZeroPad2d(2), (2, 3, 4, 4)),
    (lambda m: m.ZeroPad2d((1, 0, 2, 3)), (3, 4, 4)),
    (lambda m: m.ConstantPad2d((0, 1, 1, 0), 3.5), (2, 3, 4, 4)),
    (lambda m: m.ConstantPad1d(2, -1.0), (2, 3, 4)),
    (lambda m: m.ZeroPad1d((0, 3)), (3, 4)),
    (lambda m: m.ReflectionPad2d(3), (2, 3, 4, 4)),
    (lambda m: m.ReflectionPad2d((1, 0, 2, 3)), (3, 4, 5)),
    (lambda m: m.ReflectionPad1d((3, 1)), (2, 3, 4)),
    (lambda m: m.ReplicationPad2d((5, 1, 0, 2)), (2, 3, 4, 4)),
    (lambda m: m.ReplicationPad1d(4), (3, 4)),
    (lambda m: m.CircularPad2d((2, 1, 4, 0)), (1, 2, 4, 4)),
    (lambda m: m.CircularPad1d(3), (2, 3, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS, ids=[str(i) for i in range(len(LAYERS))])
def test_layers_match_torch(make, shape):
    x = np.random.default_rng(2).standard_normal(shape)
    xt, xn = to_torch(x, True), numnet.tensor(x, requires_grad=True)
    ref, out = make(torch.nn)(xt), make(nn)(xn)
    assert_close(out, ref, np.float64, "forward")
    (ref * ref).sum().backward()
    (out * out).sum().backward()
    assert_close(xn.grad, xt.grad, np.float64, "grad")
    assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("call,err,msg", [
    (lambda: F.pad(numnet.zeros(1, 2, 3), (3, 0), mode="reflect"), ArgumentError,
     r"pad: reflect padding \(3, 0\) must be smaller than the size 3 of dim 2"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (0, 4), mode="circular"), ArgumentError, "circular padding"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (1, 1), mode="symmetric"), ArgumentError, r"pad: expected mode to be one of"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (1, 1), mode="reflect", value=2.0), ArgumentError,
     "doesn't take in a value"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (1, 1, 1), mode="replicate"), ArgumentError, "2, 4 or 6 ints"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (-1, 1), mode="replicate"), ArgumentError, "non-negative"),
    (lambda: F.pad(numnet.zeros(3), (1, 1), mode="replicate"), ShapeError, r"expects a 2-D or 3-D input, got 1-D"),
    (lambda: F.pad(numnet.zeros(1, 2, 3), (1.0, 1), mode="replicate"), DTypeError, "pad: expected pad"),
    (lambda: F.pad(numnet.zeros(1, 2, 3, dtype=numnet.long), (1, 1), mode="replicate"), DTypeError, "pad"),
    (lambda: nn.ZeroPad2d((1, 2)), ArgumentError, r"ZeroPad2d: expected padding to be an int >= 0 or 4 of them"),
    (lambda: nn.ReflectionPad1d(-1), ArgumentError, r"ReflectionPad1d: expected padding"),
    (lambda: nn.ConstantPad2d(1, "x"), DTypeError, r"ConstantPad2d: expected value"),
    (lambda: nn.ReflectionPad2d(1)(numnet.zeros(2, 2)), ShapeError, r"expected input \(N, C, H, W\) or \(C, H, W\)"),
])
def test_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()
