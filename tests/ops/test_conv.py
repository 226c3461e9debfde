"""conv2d (numnet/ops/conv.py, numnet/functional/conv.py): PyTorch parity (forward and all gradients, float64 and
float32) over random configurations, gradcheck per option, both column layouts, unbatched input, 'same' padding."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import numnet
import numnet.functional as F
from numnet.ops.conv import Conv2dOp
from numnet.ops.layout import is_batch_innermost
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch, torch_one_thread  # noqa: F401 (autouse fixture)


DTYPES = (np.float64, np.float32)
PARITY_EXAMPLES = 250
_count = {"conv2d": 0}


# Every combination of the conv's kernel settings (numnet.kernels); {} is the default ("auto" layout, bias folded).
KERNEL_SETTINGS = [{}] + [dict(conv_layout=layout, conv_fold_bias=fold, compiled=path)
                          for layout in ("auto", "batched", "chwn") for fold in (True, False)
                          for path in ("auto", "numpy")]  # numba's chwn fill and fold, or NumPy's


def _maybe_pair(draw, lo, hi):
    """An int, or a pair of ints when the two draws differ (both spellings get exercised)."""
    a, b = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
    as_pair = draw(st.booleans())
    return (a, b) if as_pair or a != b else a


def _pair(v):
    return (v, v) if isinstance(v, int) else v


@st.composite
def conv_configs(draw):
    groups = draw(st.integers(1, 3))
    cfg = dict(
        n=draw(st.integers(1, 3)),
        groups=groups,
        c_in=groups * draw(st.integers(1, 5)),  # 1–3 per group → batched layout, 4–5 → chwn layout
        c_out=groups * draw(st.integers(1, 3)),
        k=(draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        dilation=_maybe_pair(draw, 1, 3),
        bias=draw(st.booleans()),
        grads=draw(st.sampled_from(["all", "input", "weight"])),
        seed=draw(st.integers(0, 2**31 - 1)),
        kernels=draw(st.sampled_from(KERNEL_SETTINGS)),  # every code path meets random geometries
    )
    mode = draw(st.sampled_from(["int", "pair", "valid", "same"]))
    cfg["stride"] = 1 if mode == "same" else _maybe_pair(draw, 1, 3)
    cfg["padding"] = {"int": draw(st.integers(0, 2)), "pair": (draw(st.integers(0, 2)), draw(st.integers(0, 3))),
                      "valid": "valid", "same": "same"}[mode]
    d, pad = _pair(cfg["dilation"]), cfg["padding"]
    pads = (0, 0) if isinstance(pad, str) else _pair(pad)
    size = []
    for axis in (0, 1):
        eff = d[axis] * (cfg["k"][axis] - 1) + 1
        smallest = 1 if pad == "same" else max(1, eff - 2 * pads[axis])
        size.append(draw(st.integers(smallest, smallest + 6)))
    cfg["hw"] = tuple(size)
    return cfg


def _run_ours(x, w, b, cfg, g):
    xs = numnet.tensor(x, requires_grad=cfg["grads"] in ("all", "input"))
    ws = numnet.tensor(w, requires_grad=cfg["grads"] in ("all", "weight"))
    bs = None if b is None else numnet.tensor(b, requires_grad=cfg["grads"] == "all")
    with numnet.kernels.using(**cfg["kernels"]):
        out = F.conv2d(xs, ws, bs, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                       groups=cfg["groups"])
    out.backward(g)
    return out, xs, ws, bs


def _torch_forward(x, w, b, cfg):
    xt, wt = to_torch(x, True), to_torch(w, True)
    bt = None if b is None else to_torch(b, True)
    out = TF.conv2d(xt, wt, bt, stride=cfg["stride"], padding=cfg["padding"], dilation=cfg["dilation"],
                    groups=cfg["groups"])
    return out, xt, wt, bt


@settings(max_examples=PARITY_EXAMPLES, deadline=None)
@given(cfg=conv_configs())
def _conv2d_parity(cfg):
    _count["conv2d"] += 1
    rng = np.random.default_rng(cfg["seed"])
    kh, kw = cfg["k"]
    x64 = rng.standard_normal((cfg["n"], cfg["c_in"]) + cfg["hw"])
    w64 = rng.standard_normal((cfg["c_out"], cfg["c_in"] // cfg["groups"], kh, kw))
    b64 = rng.standard_normal(cfg["c_out"]) if cfg["bias"] else None
    g64 = None
    for dtype in DTYPES:
        x, w = x64.astype(dtype), w64.astype(dtype)
        b = None if b64 is None else b64.astype(dtype)
        ref, xt, wt, bt = _torch_forward(x, w, b, cfg)
        if g64 is None:
            g64 = rng.standard_normal(tuple(ref.shape))
        g = g64.astype(dtype)
        ref.backward(torch.from_numpy(g))
        out, xs, ws, bs = _run_ours(x, w, b, cfg, g)
        what = f"conv2d {cfg} {np.dtype(dtype).name}"
        assert out.dtype == dtype
        assert_close(out, ref, dtype, what + " forward")
        if xs.requires_grad:
            assert xs.grad.dtype == dtype
            assert_close(xs.grad, xt.grad, dtype, what + " input grad")
        else:
            assert xs.grad is None
        if ws.requires_grad:
            assert ws.grad.dtype == dtype
            assert_close(ws.grad, wt.grad, dtype, what + " weight grad")
        else:
            assert ws.grad is None
        if bs is not None and bs.requires_grad:
            assert_close(bs.grad, bt.grad, dtype, what + " bias grad")


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d_matches_torch_on_random_configurations():
    _count["conv2d"] = 0
    _conv2d_parity()
    assert _count["conv2d"] >= 200, _count


# ---------------------------------------------------------------------------------------------------- gradcheck
GRADCHECK_CASES = {
    "plain": dict(),
    "stride": dict(stride=2),
    "stride_pair": dict(stride=(1, 2)),
    "padding_int": dict(padding=1),
    "padding_pair": dict(padding=(2, 0)),
    "padding_valid": dict(padding="valid"),
    "padding_same": dict(padding="same"),
    "padding_same_stride2": dict(padding="same", stride=2),
    "dilation": dict(dilation=2, padding=1),
    "dilation_pair": dict(dilation=(1, 2)),
    "groups": dict(groups=2),
    "everything": dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2),
}


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_conv2d_gradcheck(name, bias):
    kw = GRADCHECK_CASES[name]
    groups = kw.get("groups", 1)
    rng = np.random.default_rng(1)
    x = numnet.tensor(rng.standard_normal((2, 2 * groups, 6, 5)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((2 * groups, 2, 3, 2)), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(2 * groups), requires_grad=True) if bias else None
    inputs = [x, w] + ([b] if bias else [])

    def fn(x, w, b=None):
        return F.conv2d(x, w, b, **kw)

    assert gradcheck(fn, inputs, name=f"conv2d[{name}]")


def test_conv2d_gradcheck_unbatched():
    rng = np.random.default_rng(2)
    x = numnet.tensor(rng.standard_normal((3, 5, 5)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((2, 3, 3, 3)), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1), [x, w, b], name="conv2d[unbatched]")


# ---------------------------------------------------------------------------------------------------- layouts
@pytest.mark.parametrize("layout", ["batched", "chwn"])
@pytest.mark.parametrize("c_in,groups", [(1, 1), (3, 1), (6, 1), (6, 3), (8, 2)])
def test_both_column_layouts_match_torch(layout, c_in, groups):
    rng = np.random.default_rng(3)
    stride, pads, dilation = (2, 1), (1, 2, 0, 1), (1, 2)
    x = rng.standard_normal((2, c_in, 9, 8))
    w = rng.standard_normal((2 * groups, c_in // groups, 3, 3))
    b = rng.standard_normal(2 * groups)
    xs, ws, bs = (numnet.tensor(a, requires_grad=True) for a in (x, w, b))
    with numnet.kernels.using(conv_layout=layout):
        out = Conv2dOp.apply(xs, ws, bs, stride=stride, padding=pads, dilation=dilation, groups=groups)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    xt, wt, bt = (to_torch(a, True) for a in (x, w, b))
    ref = TF.conv2d(TF.pad(xt, (pads[2], pads[3], pads[0], pads[1])), wt, bt, stride=stride, dilation=dilation,
                    groups=groups)
    ref.backward(torch.from_numpy(g))
    assert_close(out, ref, np.float64, f"{layout} forward")
    assert_close(xs.grad, xt.grad, np.float64, f"{layout} input grad")
    assert_close(ws.grad, wt.grad, np.float64, f"{layout} weight grad")
    assert_close(bs.grad, bt.grad, np.float64, f"{layout} bias grad")


def test_float32_stays_float32_everywhere():
    rng = np.random.default_rng(4)
    for c_in in (1, 8):  # both layouts
        x = numnet.tensor(rng.standard_normal((2, c_in, 6, 6)).astype(np.float32), requires_grad=True)
        w = numnet.tensor(rng.standard_normal((3, c_in, 3, 3)).astype(np.float32), requires_grad=True)
        b = numnet.tensor(np.zeros(3, np.float32), requires_grad=True)
        out = F.conv2d(x, w, b, padding="same")
        out.sum().backward()
        assert out.dtype == x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


# ---------------------------------------------------------------------------------------------------- unbatched
def test_unbatched_input_gives_unbatched_output_and_same_gradients():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 7, 6))
    w = rng.standard_normal((4, 3, 3, 2))
    b = rng.standard_normal(4)
    xs, ws, bs = (numnet.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(xs, ws, bs, stride=2, padding=1)
    assert out.shape == (4, 4, 4)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    xt, wt, bt = (to_torch(a, True) for a in (x, w, b))
    ref = TF.conv2d(xt, wt, bt, stride=2, padding=1)
    ref.backward(torch.from_numpy(g))
    assert_close(out, ref, np.float64, "unbatched forward")
    assert_close(xs.grad, xt.grad, np.float64, "unbatched input grad")
    assert_close(ws.grad, wt.grad, np.float64, "unbatched weight grad")
    assert_close(bs.grad, bt.grad, np.float64, "unbatched bias grad")


# ---------------------------------------------------------------------------------------------------- 'same'
@pytest.mark.parametrize("size,k,s,d", [(7, 3, 2, 1), (8, 3, 2, 1), (9, 4, 3, 1), (5, 2, 2, 2), (6, 5, 3, 1),
                                        (4, 1, 3, 1), (10, 3, 4, 2), (3, 3, 2, 1)])
def test_same_padding_with_stride_equals_explicit_asymmetric_pad(size, k, s, d):
    rng = np.random.default_rng(size * 100 + k * 10 + s)
    x = numnet.tensor(rng.standard_normal((2, 2, size, size + 1)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((3, 2, k, k)), requires_grad=True)
    out = F.conv2d(x, w, stride=s, dilation=d, padding="same")
    assert out.shape[2:] == (math.ceil(size / s), math.ceil((size + 1) / s))
    pads = []
    for n in (size + 1, size):  # F.pad order: (left, right, top, bottom)
        total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
        pads += [total // 2, total - total // 2]
    x2 = numnet.tensor(x._data, requires_grad=True)
    w2 = numnet.tensor(w._data, requires_grad=True)
    ref = F.conv2d(F.pad(x2, pads), w2, stride=s, dilation=d)
    np.testing.assert_allclose(out._data, ref._data, rtol=0, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(g)
    np.testing.assert_allclose(x.grad._data, x2.grad._data, rtol=0, atol=1e-12)
    np.testing.assert_allclose(w.grad._data, w2.grad._data, rtol=0, atol=1e-12)


def test_same_padding_stride1_puts_the_extra_pixel_bottom_right_like_torch():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 1, 5, 6))
    w = rng.standard_normal((1, 1, 4, 2))  # even kernels: odd total padding
    out = F.conv2d(numnet.tensor(x), numnet.tensor(w), padding="same")
    assert out.shape == (1, 1, 5, 6)
    assert_close(out, TF.conv2d(to_torch(x), to_torch(w), padding="same"), np.float64, "same even kernel")
    left = F.conv2d(F.pad(numnet.tensor(x), (0, 1, 1, 2)), numnet.tensor(w))
    np.testing.assert_allclose(out._data, left._data, rtol=0, atol=1e-12)


def test_docstring_example_values():
    out = F.conv2d(numnet.ones(1, 1, 4, 4), numnet.ones(1, 1, 3, 3), padding=1)
    np.testing.assert_array_equal(out._data[0, 0], [[4, 6, 6, 4], [6, 9, 9, 6], [6, 9, 9, 6], [4, 6, 6, 4]])


# ---------------------------------------------------------------------------------------------------- fast paths
# The flat-shift im2col/col2im (stride 1, output rows as wide as input rows), the clipped strided path, the
# centre-tap assignment in col2im, and the bias folded into the GEMM (batched layout, one group): each against
# torch, and the folded bias against the unfolded one.
@pytest.mark.parametrize("layout", ["batched", "chwn"])
@pytest.mark.parametrize("geometry", [
    ((1, 1), (1, 1, 1, 1), (1, 1), (3, 3)),  # 'same' 3×3: flat, centre tap assigned
    ((1, 1), (2, 2, 2, 2), (1, 1), (5, 5)),  # LeNet's first layer
    ((1, 1), (0, 3, 2, 2), (1, 2), (3, 3)),  # flat, dilated, rows of different count (Ho ≠ H)
    ((1, 1), (2, 1, 1, 0), (1, 1), (2, 2)),  # even kernel, asymmetric 'same'
    ((1, 1), (1, 1, 0, 0), (1, 1), (3, 1)),  # flat, 3×1 kernel
    ((1, 1), (0, 0, 0, 0), (1, 1), (3, 3)),  # valid: not flat (Wo ≠ W)
    ((2, 2), (1, 1, 1, 1), (1, 1), (3, 3)),  # strided: clipped windows
    ((1, 2), (3, 0, 1, 2), (2, 1), (3, 2)),  # padding wider than some offsets reach
])
def test_fast_paths_match_torch(layout, geometry):
    stride, pads, dilation, (kh, kw) = geometry
    rng = np.random.default_rng([kh, kw, sum(pads), stride[1]])
    c_in = 2 if layout == "batched" else 5
    x = rng.standard_normal((3, c_in, 7, 6))
    w = rng.standard_normal((4, c_in, kh, kw))
    b = rng.standard_normal(4)
    xt, wt, bt = (to_torch(a, True) for a in (x, w, b))
    ref = TF.conv2d(TF.pad(xt, (pads[2], pads[3], pads[0], pads[1])), wt, bt, stride=stride, dilation=dilation)
    g = rng.standard_normal(tuple(ref.shape))
    ref.backward(torch.from_numpy(g))
    grads = []
    for fold in (True, False):
        xs, ws, bs = (numnet.tensor(a, requires_grad=True) for a in (x, w, b))
        with numnet.kernels.using(conv_layout=layout, conv_fold_bias=fold):
            out = Conv2dOp.apply(xs, ws, bs, stride=stride, padding=pads, dilation=dilation)
        out.backward(g, retain_graph=True)
        out.backward(g)  # twice: backward must not consume what it saved
        for ours, theirs, what in ((out, ref, "forward"), (xs.grad._data / 2, xt.grad, "input grad"),
                                   (ws.grad._data / 2, wt.grad, "weight grad"), (bs.grad._data / 2, bt.grad, "bias grad")):
            assert_close(ours, theirs, np.float64, f"{layout} {geometry} fold={fold} {what}")
        grads.append((out._data, xs.grad._data, ws.grad._data, bs.grad._data))
    for a, b_ in zip(*grads):
        np.testing.assert_allclose(a, b_, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("needs", [(True, False, True), (False, True, False), (False, False, True), (True, True, False)])
def test_folded_bias_with_partial_requires_grad_float32(needs):
    rng = np.random.default_rng(21)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 1, 9, 9), (6, 1, 5, 5), (6,)))
    ts = [numnet.tensor(a, requires_grad=r) for a, r in zip((x, w, b), needs)]
    out = F.conv2d(*ts, padding=2)
    assert out.dtype == np.float32
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    xt, wt, bt = (to_torch(a, r) for a, r in zip((x, w, b), needs))
    ref = TF.conv2d(xt, wt, bt, padding=2)
    ref.backward(torch.from_numpy(g))
    assert_close(out, ref, np.float32, "forward")
    for t, r, req in zip(ts, (xt, wt, bt), needs):
        if req:
            assert t.grad.dtype == np.float32
            assert_close(t.grad, r.grad, np.float32, "grad")
        else:
            assert t.grad is None


# ---------------------------------------------------------------------------------------------------- memory layout
@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1)])
def test_chwn_output_is_a_batch_innermost_view_and_chains_into_the_next_conv(stride, padding):
    """The "chwn" layout returns an NCHW view of (C, H, W, N) memory; a second conv reads that memory without a
    transposing copy. Values and all gradients of the chain equal torch's, whether the first input is C-contiguous
    or itself batch-innermost."""
    rng = np.random.default_rng(stride + 3 * padding)
    x = rng.standard_normal((5, 4, 9, 8))
    w1, b1 = rng.standard_normal((6, 4, 3, 3)), rng.standard_normal(6)
    w2, b2 = rng.standard_normal((3, 6, 2, 2)), rng.standard_normal(3)
    xt, w1t, b1t, w2t, b2t = (to_torch(a, True) for a in (x, w1, b1, w2, b2))
    ref = TF.conv2d(TF.conv2d(xt, w1t, b1t, stride=stride, padding=padding), w2t, b2t)
    g = rng.standard_normal(tuple(ref.shape))
    ref.backward(torch.from_numpy(g))
    for first in (x, np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)):
        xs, w1s, b1s, w2s, b2s = (numnet.tensor(a, requires_grad=True) for a in (first, w1, b1, w2, b2))
        hidden = F.conv2d(xs, w1s, b1s, stride=stride, padding=padding)
        assert is_batch_innermost(hidden._data)  # (C, H, W, N) memory behind (N, C, H, W)
        out = F.conv2d(hidden, w2s, b2s)
        out.backward(g)
        assert_close(out, ref, np.float64, "forward")
        for ours, theirs in ((xs, xt), (w1s, w1t), (b1s, b1t), (w2s, w2t), (b2s, b2t)):
            assert_close(ours.grad, theirs.grad, np.float64, "gradient")


@pytest.mark.parametrize("c_in,groups,fold", [(1, 1, True), (2, 1, False), (6, 1, True), (6, 3, True), (5, 1, False)])
def test_inference_in_chunks_equals_torch(monkeypatch, c_in, groups, fold):
    """Under no_grad the columns are not kept, so in the batched layout a large batch is convolved in chunks (here
    forced by a tiny chunk budget: chunks of 2 samples and a last one of 1) and must give torch's output. (The chwn
    layout goes to bands of output rows instead: tests/ops/test_conv_bands.py.)"""
    from numnet.ops import conv as conv_ops

    rng = np.random.default_rng(c_in + groups)
    x = rng.standard_normal((7, c_in, 6, 5))
    w = rng.standard_normal((2 * groups, c_in // groups, 3, 2))
    b = rng.standard_normal(2 * groups)
    ref = TF.conv2d(to_torch(x), to_torch(w), to_torch(b), stride=(1, 2), padding=1, groups=groups).numpy()
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 2 * (c_in // groups * 6 + fold) * groups * 6 * 3 * 8)
    calls = []
    real = conv_ops._forward_im2col
    monkeypatch.setattr(conv_ops, "_forward_im2col", lambda x, *a: calls.append(x.shape[0]) or real(x, *a))
    for layout in ("batched",):
        calls.clear()
        with numnet.no_grad(), numnet.kernels.using(conv_layout=layout, conv_fold_bias=fold):
            out = Conv2dOp.apply(*(numnet.tensor(a, requires_grad=True) for a in (x, w, b)), stride=(1, 2),
                               padding=(1, 1, 1, 1), groups=groups)
        assert calls == [2, 2, 2, 1] and out.grad_fn is None
        assert_close(out, ref, np.float64, f"{layout} chunked forward")


@pytest.mark.parametrize("shape,kernel,blocked", [((16, 2, 16, 16), (3, 3), True),   # Ho·Wo·N = 4096: 4 blocks
                                                  ((5, 2, 9, 100), (3, 1), True),    # 4500: 5 blocks of 900
                                                  ((1, 5, 1, 4099), (1, 1), False)])  # a prime width: one GEMM
def test_column_blocked_gemms_for_few_outputs_match_torch(monkeypatch, shape, kernel, blocked):
    """With few output channels the chwn GEMMs run as a batch of column blocks; forward and all gradients equal
    torch's, and a width with no suitable divisor falls back to one GEMM."""
    from numnet.ops import conv as conv_ops

    widths = []
    real = conv_ops._blocks
    monkeypatch.setattr(conv_ops, "_blocks", lambda o, length: widths.append(real(o, length)) or widths[-1])
    rng = np.random.default_rng(shape[-1])
    x, w, b = rng.standard_normal(shape), rng.standard_normal((4, shape[1]) + kernel), rng.standard_normal(4)
    pad = (kernel[0] // 2, kernel[0] // 2, kernel[1] // 2, kernel[1] // 2)
    xs, ws, bs = (numnet.tensor(a, requires_grad=True) for a in (x, w, b))
    with numnet.kernels.using(conv_layout="chwn"):
        out = Conv2dOp.apply(xs, ws, bs, padding=pad)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    assert (min(widths) > 0) == blocked and len(set(widths)) == 1
    xt, wt, bt = (to_torch(a, True) for a in (x, w, b))
    ref = TF.conv2d(xt, wt, bt, padding=(pad[0], pad[2]))
    ref.backward(torch.from_numpy(g))
    assert_close(out, ref, np.float64, "forward")
    for ours, theirs in ((xs, xt), (ws, wt), (bs, bt)):
        assert_close(ours.grad, theirs.grad, np.float64, "gradient")
