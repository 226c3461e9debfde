"""F.interpolate / upsample* (numnet/ops/resize.py, numnet/functional/resize.py) and nn.Upsample /
UpsamplingNearest2d / UpsamplingBilinear2d: PyTorch parity of forward and backward (float64, float32) over sizes,
integer and non-integer scale factors, down- and upsampling, align_corners; gradcheck; errors."""

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
    ((2, 2, 3, 4), dict(scale_factor=2)),
    ((1, 2, 5, 3), dict(scale_factor=(1.5, 2.7))),
    ((1, 1, 7, 9), dict(scale_factor=0.5)),
    ((1, 2, 4, 5), dict(size=(7, 3))),
    ((2, 1, 6, 6), dict(size=4)),
    ((1, 1, 3, 3), dict(size=(3, 10))),
    ((1, 2, 5, 4), dict(scale_factor=(0.7, 1.3), recompute_scale_factor=True)),
    ((2, 3, 5), dict(scale_factor=2.5)),
    ((1, 2, 9), dict(size=4)),
    ((1, 1, 4), dict(size=1)),
]
MODES = {4: ["nearest", "nearest-exact", "bilinear", "bilinear-ac", "area"],
         3: ["nearest", "nearest-exact", "linear", "linear-ac", "area"]}
PARAMS = [(shape, kw, mode) for shape, kw in CASES for mode in MODES[len(shape)]]
IDS = [f"{shape}-{kw}-{mode}" for shape, kw, mode in PARAMS]


def _kw(kw, mode):
    kw = dict(kw)
    if mode.endswith("-ac"):
        kw.update(mode=mode[:-3], align_corners=True)
    elif mode in ("linear", "bilinear"):
        kw.update(mode=mode, align_corners=False)
    else:
        kw.update(mode=mode)
    return kw


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape,kw,mode", PARAMS, ids=IDS)
def test_matches_torch(shape, kw, mode, dtype):
    kw = _kw(kw, mode)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    xt = to_torch(x, True)
    ref = TF.interpolate(xt, **kw)
    g = rng.standard_normal(tuple(ref.shape)).astype(dtype)
    ref.backward(torch.from_numpy(g))
    xn = numnet.tensor(x, requires_grad=True)
    out = F.interpolate(xn, **kw)
    assert out.dtype == dtype
    assert_close(out, ref, dtype, f"{kw} forward")
    out.backward(numnet.tensor(g))
    assert_close(xn.grad, xt.grad, dtype, f"{kw} grad")


def test_nearest_index_rule_on_many_sizes():
    # the float32 index rule matters for awkward ratios: compare exact indices over many size pairs
    for n in range(1, 13):
        for m in range(1, 25):
            x = np.arange(float(n)).reshape(1, 1, n)
            for mode in ("nearest", "nearest-exact"):
                ours = F.interpolate(numnet.tensor(x), size=m, mode=mode)._data
                ref = TF.interpolate(torch.tensor(x), size=m, mode=mode).numpy()
                assert np.array_equal(ours, ref), (n, m, mode)
    for s in (0.3, 1.7, 2.2, 3.0, 0.999):
        x = np.arange(10.0).reshape(1, 1, 10)
        ours = F.interpolate(numnet.tensor(x), scale_factor=s)._data
        assert np.array_equal(ours, TF.interpolate(torch.tensor(x), scale_factor=s).numpy()), s


@pytest.mark.parametrize("shape,kw,mode", [p for p in PARAMS if p[2] != "area"][::3])
def test_gradcheck(shape, kw, mode):
    x = numnet.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda t: F.interpolate(t, **_kw(kw, mode)), [x], name=f"interpolate[{mode}]")


def test_upsample_aliases():
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 4))
    assert_close(F.upsample_bilinear(numnet.tensor(x), size=(5, 7)),
                 TF.interpolate(torch.tensor(x), size=(5, 7), mode="bilinear", align_corners=True))
    assert_close(F.upsample_nearest(numnet.tensor(x), scale_factor=3),
                 TF.interpolate(torch.tensor(x), scale_factor=3))
    assert_close(F.upsample(numnet.tensor(x), size=6, mode="bilinear"),
                 TF.interpolate(torch.tensor(x), size=6, mode="bilinear"))


@pytest.mark.parametrize("make", [
    lambda m: m.Upsample(scale_factor=2),
    lambda m: m.Upsample(size=(5, 3), mode="bilinear"),
    lambda m: m.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
    lambda m: m.UpsamplingNearest2d(scale_factor=2),
    lambda m: m.UpsamplingBilinear2d(size=(6, 7)),
    lambda m: m.UpsamplingBilinear2d(scale_factor=(2, 3)),
], ids=["nearest", "bilinear_size", "bilinear_ac", "nearest2d", "bilinear2d", "bilinear2d_scale"])
def test_layers_match_torch(make):
    x = np.random.default_rng(3).standard_normal((2, 2, 3, 4))
    xt, xn = to_torch(x, True), numnet.tensor(x, requires_grad=True)
    ref, out = make(torch.nn)(xt), make(nn)(xn)
    assert_close(out, ref, np.float64, "forward")
    ref.sum().backward()
    out.sum().backward()
    assert_close(xn.grad, xt.grad, np.float64, "grad")
    assert repr(make(nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("call,err,msg", [
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2)), ArgumentError, r"interpolate: expected exactly one of size"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=2, scale_factor=2), ArgumentError, "exactly one"),
    (lambda: F.interpolate(numnet.zeros(2, 2), size=2), ShapeError, r"interpolate: expected input of shape"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2), size=3, mode="bilinear"), ShapeError,
     r"interpolate: got 3-D input, but mode='bilinear' needs 4-D input"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=3, mode="linear"), ShapeError, "needs 3-D"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=3, mode="bicubic"), ArgumentError, "not implemented"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=3, mode="cubic"), ArgumentError,
     r"interpolate: expected mode to be one of"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=3, align_corners=True), ArgumentError,
     "align_corners can only be set with the linear modes"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=(3, 3, 3)), ArgumentError, "expected size to have 2 entries"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=0), ArgumentError, r"expected size to be an int >= 1"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=2.5), DTypeError, r"expected size to be an int >= 1"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), scale_factor=-1.0), ArgumentError, "scale_factor"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), scale_factor=0.2), ArgumentError, r"output size of \(0, 0\)"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), scale_factor="2"), DTypeError, "scale_factor"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2, dtype=numnet.long), size=3), DTypeError, "interpolate"),
    (lambda: F.interpolate(numnet.zeros(1, 1, 2, 2), size=3, antialias=True), ArgumentError, "antialias"),
    (lambda: nn.Upsample(), ArgumentError, r"Upsample: expected exactly one"),
    (lambda: nn.Upsample(size=2, mode="trilinear"), ArgumentError, r"Upsample: mode='trilinear' is not implemented"),
    (lambda: nn.Upsample(size=2, mode="bogus"), ArgumentError, r"Upsample: expected mode"),
])
def test_errors(call, err, msg):
    with pytest.raises(err, match=msg):
        call()
