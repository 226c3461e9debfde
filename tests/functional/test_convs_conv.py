"""conv1d, conv_transpose2d, conv_transpose1d (numnet/ops/conv.py ConvTranspose2dOp, numnet/functional/conv.py) and
the layers nn.Conv1d / nn.ConvTranspose2d / nn.ConvTranspose1d: PyTorch parity of forward and every gradient (float64
and float32) over shapes and options, float64 gradcheck, and the argument / shape errors."""

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

# (name, batch+input shape, weight shape, bias, kwargs); transposed weights are (C_in, C_out/groups, k...)
CT2D = [
    ("plain", (2, 3, 4, 5), (3, 2, 3, 3), True, {}),
    ("stride", (2, 2, 3, 4), (2, 3, 3, 2), True, dict(stride=2)),
    ("stride_pad_outpad", (1, 4, 4, 3), (4, 2, 3, 3), False, dict(stride=(2, 3), padding=(1, 2), output_padding=(1, 2))),
    ("groups", (2, 4, 3, 3), (4, 3, 2, 2), True, dict(groups=2, stride=2)),
    ("dilation_outpad", (1, 2, 3, 3), (2, 2, 3, 2), True, dict(dilation=2, output_padding=1, padding=(2, 1))),
    ("big_pad", (1, 1, 5, 5), (1, 1, 3, 3), True, dict(padding=2)),
    ("unbatched", (3, 4, 4), (3, 2, 2, 2), True, dict(stride=2, padding=1, output_padding=1)),
]
CT1D = [
    ("plain", (2, 3, 5), (3, 2, 3), True, {}),
    ("stride_pad", (1, 2, 4), (2, 3, 4), True, dict(stride=2, padding=1, output_padding=1)),
    ("groups_dilation", (2, 4, 3), (4, 1, 2), False, dict(groups=2, dilation=3)),
    ("unbatched", (2, 6), (2, 2, 3), True, dict(stride=3)),
]
C1D = [
    ("plain", (2, 3, 7), (4, 3, 3), True, {}),
    ("stride_pad", (1, 2, 8), (3, 2, 4), True, dict(stride=2, padding=2)),
    ("dilation_groups", (2, 4, 9), (6, 2, 3), False, dict(dilation=2, groups=2)),
    ("same", (2, 2, 6), (3, 2, 4), True, dict(padding="same", dilation=2)),
    ("valid", (1, 2, 5), (2, 2, 5), True, dict(padding="valid")),
    ("unbatched", (3, 6), (2, 3, 2), True, dict(stride=(2,), padding=(1,))),
]
FUNCS = {"conv_transpose2d": (F.conv_transpose2d, TF.conv_transpose2d, CT2D),
         "conv_transpose1d": (F.conv_transpose1d, TF.conv_transpose1d, CT1D),
         "conv1d": (F.conv1d, TF.conv1d, C1D)}
CASES = [(f, *case) for f, (_, _, cases) in FUNCS.items() for case in cases]
IDS = [f"{c[0]}-{c[1]}" for c in CASES]





@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("func,name,xs,ws,bias,kw", CASES, ids=IDS)
def test_matches_torch_forward_and_backward(func, name, xs, ws, bias, kw, dtype):
    ours_f, torch_f, _ = FUNCS[func]
    rng = np.random.default_rng(len(name))
    x, w = rng.standard_normal(xs).astype(dtype), rng.standard_normal(ws).astype(dtype)
    groups = kw.get("groups", 1)
    c_out = ws[1] * groups if "transpose" in func else ws[0]
    b = rng.standard_normal(c_out).astype(dtype) if bias else None
    xt, wt = to_torch(x, True), to_torch(w, True)
    bt = None if b is None else to_torch(b, True)
    ref = torch_f(xt, wt, bt, **kw)
    g = rng.standard_normal(tuple(ref.shape)).astype(dtype)
    ref.backward(torch.from_numpy(g))
    xn, wn = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
    bn = None if b is None else numnet.tensor(b, requires_grad=True)
    out = ours_f(xn, wn, bn, **kw)
    assert out.dtype == dtype
    assert_close(out, ref, dtype, f"{func} {name} forward")
    out.backward(numnet.tensor(g))
    assert_close(xn.grad, xt.grad, dtype, f"{func} {name} input grad")
    assert_close(wn.grad, wt.grad, dtype, f"{func} {name} weight grad")
    if b is not None:
        assert_close(bn.grad, bt.grad, dtype, f"{func} {name} bias grad")


@pytest.mark.parametrize("func,name,xs,ws,bias,kw", CASES, ids=IDS)
def test_gradcheck(func, name, xs, ws, bias, kw):
    ours_f = FUNCS[func][0]
    rng = np.random.default_rng(1)
    groups = kw.get("groups", 1)
    c_out = ws[1] * groups if "transpose" in func else ws[0]
    inputs = [numnet.tensor(rng.standard_normal(xs), requires_grad=True),
              numnet.tensor(rng.standard_normal(ws), requires_grad=True)]
    if bias:
        inputs.append(numnet.tensor(rng.standard_normal(c_out), requires_grad=True))
    assert gradcheck(lambda *a: ours_f(*a, **kw), inputs, name=f"{func}[{name}]")


def test_input_only_and_weight_only_gradients():
    rng = np.random.default_rng(3)
    x = numnet.tensor(rng.standard_normal((1, 2, 3, 3)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((2, 2, 2, 2)))
    F.conv_transpose2d(x, w, stride=2).sum().backward()
    assert x.grad is not None and w.grad is None
    x2 = numnet.tensor(x._data)
    w2 = numnet.tensor(w._data, requires_grad=True)
    F.conv_transpose2d(x2, w2, stride=2).sum().backward()
    assert x2.grad is None and w2.grad is not None


# ---------------------------------------------------------------------------------------------------- layers
def _copy_params(ours, ref):
    ours.weight._data[...] = ref.weight.detach().numpy()
    if ref.bias is not None:
        ours.bias._data[...] = ref.bias.detach().numpy()


@pytest.mark.parametrize("make", [
    lambda m: m.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
    lambda m: m.ConvTranspose2d(2, 3, (2, 3), stride=(2, 1), bias=False),
    lambda m: m.ConvTranspose1d(3, 2, 4, stride=2, padding=1),
    lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, groups=2),
    lambda m: m.Conv1d(2, 3, 3, padding="same", dilation=2, bias=False),
], ids=["ct2d", "ct2d_nobias", "ct1d", "c1d", "c1d_same"])
def test_layers_match_torch(make):
    torch.manual_seed(0)
    ref = make(torch.nn).double()
    ours = make(nn)
    ours.weight = nn.Parameter(ref.weight.detach().numpy().copy())
    if ref.bias is not None:
        ours.bias = nn.Parameter(ref.bias.detach().numpy().copy())
    assert tuple(ours.weight.shape) == tuple(ref.weight.shape)
    shape = (2, ref.in_channels) + (5,) * (ref.weight.ndim - 2)
    x = np.random.default_rng(0).standard_normal(shape)
    xt = to_torch(x, True)
    r = ref(xt)
    r.sum().backward()
    xn = numnet.tensor(x, requires_grad=True)
    o = ours(xn)
    o.sum().backward()
    assert_close(o, r, np.float64, "forward")
    assert_close(xn.grad, xt.grad, np.float64, "input grad")
    assert_close(ours.weight.grad, ref.weight.grad, np.float64, "weight grad")
    assert repr(ours).split("(")[0] == repr(ref).split("(")[0]


@pytest.mark.parametrize("cls,args", [(nn.ConvTranspose2d, (6, 4, 3)), (nn.ConvTranspose1d, (6, 4, 3)),
                                      (nn.Conv1d, (6, 4, 3))])
def test_default_init_bounds_are_torchs(cls, args):
    m = cls(*args, groups=2)
    fan_in = int(np.prod(m.weight.shape[1:]))
    bound = 1 / np.sqrt(fan_in)
    assert m.weight.dtype == np.float32
    assert np.abs(m.weight._data).max() <= bound and np.abs(m.weight._data).max() > 0.5 * bound
    assert np.abs(m.bias._data).max() <= bound


@pytest.mark.parametrize("size", [(9, 9), (10, 10), (2, 4, 10, 9), (10, 9)])
def test_conv_transpose2d_output_size(size):
    up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1)
    ref = torch.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1).double()
    up.weight = nn.Parameter(ref.weight.detach().numpy().copy())
    up.bias = nn.Parameter(ref.bias.detach().numpy().copy())
    x = np.random.default_rng(0).standard_normal((2, 8, 5, 5))
    assert_close(up(numnet.tensor(x), output_size=size), ref(to_torch(x), output_size=size), np.float64, str(size))


def test_conv_transpose_output_size_out_of_range():
    up = nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1)
    with pytest.raises(ArgumentError, match=r"ConvTranspose2d: requested an output size of \(11, 9\)"):
        up(numnet.zeros(1, 1, 5, 5), output_size=(11, 9))
    with pytest.raises(ArgumentError, match="output_size"):
        up(numnet.zeros(1, 1, 5, 5), output_size=(1, 2, 3))
    ct1 = nn.ConvTranspose1d(1, 1, 3, stride=3)
    assert ct1(numnet.zeros(1, 1, 4), output_size=[14]).shape == (1, 1, 14)


# ---------------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,err,msg", [
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(3, 1, 2, 2)), ShapeError,
     r"conv_transpose2d: input has 2 channels but weight expects 3"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 1, 2)), ShapeError,
     r"conv_transpose2d: expected weight of shape \(C_in, C_out/groups, kH, kW\)"),
    (lambda: F.conv_transpose2d(numnet.zeros(3, 3), numnet.zeros(2, 1, 2, 2)), ShapeError,
     r"conv_transpose2d: expected input of shape"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 1, 2, 2), output_padding=1), ArgumentError,
     r"conv_transpose2d: expected output_padding to be smaller than either stride or dilation"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 1, 1, 1), numnet.zeros(1, 1, 1, 1), padding=1), ShapeError,
     r"conv_transpose2d: .*output height of -1"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 3, 3, 3), numnet.zeros(3, 1, 2, 2), groups=2), ArgumentError,
     r"conv_transpose2d: groups=2 must divide the input channels"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 1, 2, 2), numnet.zeros(2)), ShapeError,
     r"conv_transpose2d: bias must have shape \(1,\)"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 1, 2, 2, dtype=numnet.double)),
     DTypeError, r"conv_transpose2d: input dtype float32 and weight dtype float64 differ"),
    (lambda: F.conv_transpose2d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 1, 2, 2), stride=0), ArgumentError,
     r"conv_transpose2d: expected stride to be an int >= 1"),
    (lambda: F.conv1d(numnet.zeros(1, 2, 3, 3), numnet.zeros(2, 2, 2)), ShapeError,
     r"conv1d: expected input of shape \(N, C, L\) or \(C, L\)"),
    (lambda: F.conv1d(numnet.zeros(1, 2, 3), numnet.zeros(2, 2, 5)), ShapeError,
     r"conv1d: kernel size 5 .* larger than the padded input 3"),
    (lambda: F.conv1d(numnet.zeros(1, 2, 3), numnet.zeros(2, 2, 2), stride=(1, 1)), ArgumentError,
     r"conv1d: expected stride to be an int >= 1 or a 1-tuple of one, got \(1, 1\)"),
    (lambda: F.conv1d(numnet.zeros(1, 2, 3), numnet.zeros(2, 2, 2), padding="full"), ArgumentError,
     r"conv1d: expected padding"),
    (lambda: F.conv1d(numnet.zeros(1, 2, 3), numnet.zeros(2, 2, 2), stride=1.5), DTypeError,
     r"conv1d: expected stride to be an int >= 1"),
    (lambda: F.conv_transpose1d(numnet.zeros(1, 2, 3), numnet.zeros(3, 2, 2)), ShapeError,
     r"conv_transpose1d: input has 2 channels but weight expects 3"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, groups=2), ArgumentError, r"ConvTranspose2d: expected in_channels"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, output_padding=1), ArgumentError, r"ConvTranspose2d: expected output_padding"),
    (lambda: nn.ConvTranspose1d(2, 2, (3, 3)), ArgumentError, r"ConvTranspose1d: expected kernel_size"),
    (lambda: nn.Conv1d(2, 2, 3, padding_mode="reflect"), ArgumentError, r"Conv1d: expected padding_mode"),
    (lambda: nn.Conv1d(2, 2, 0), ArgumentError, r"Conv1d: expected kernel_size to be an int >= 1"),
], ids=lambda v: None)
def test_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_layer_checks_input_channels():
    with pytest.raises(ShapeError, match=r"expected input \(N, 2, L\), got \(1, 3, 4\)"):
        nn.Conv1d(2, 2, 3)(numnet.zeros(1, 3, 4))
    with pytest.raises(ShapeError, match=r"expected input \(N, 2, H, W\)"):
        nn.ConvTranspose2d(2, 2, 3)(numnet.zeros(1, 3, 4, 4))
