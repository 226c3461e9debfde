"""The banded chwn convolution (numnet/ops/conv.py: _forward_bands, _backward_bands): bands of output rows whose
columns are filled, multiplied and folded back one at a time. numnet takes it by itself only when all the columns
would exceed ``_CHUNK_BYTES`` (16 MiB); here the budgets are shrunk so that small convolutions take it, with bands of
one row, of several rows with a shorter last band, and bands that read only padding. Forward and every gradient
must equal PyTorch's, with the compiled fill and fold (numba) and with the NumPy ones, and pass gradcheck."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numnet
import numnet.functional as F
from numnet.ops import conv as conv_ops
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch, torch_one_thread  # noqa: F401 (autouse fixture)

PATHS = ("auto", "numpy")  # the `compiled` setting: numba's fill and fold, or NumPy's im2col and col2im


@pytest.fixture(autouse=True, params=[1, 2, 3], ids=["one-thread", "two-threads", "three-threads"])
def band_threads(request, monkeypatch):
    """Every test with the bands on one thread and dealt to two and three (numnet.ops.parallel; with the compiled
    fill and fold only): the results must not depend on the deal."""
    from numnet.ops import parallel

    monkeypatch.setattr(parallel, "threads", lambda: request.param)
    return request.param


@pytest.fixture
def banded(monkeypatch):
    """Force the banded path for any size; returns a function that sets the band budget and a list recording each
    call of ``_forward_bands`` (to check the path was taken)."""
    calls = []
    real = conv_ops._forward_bands
    monkeypatch.setattr(conv_ops, "_CHUNK_BYTES", 0)
    monkeypatch.setattr(conv_ops, "_forward_bands", lambda *a: calls.append(a[2]) or real(*a))

    def set_band(nbytes: int) -> list:
        monkeypatch.setattr(conv_ops, "_BAND_BYTES", nbytes)
        return calls

    return set_band


def _run(x, w, b, kw, path, grad_out, fold=True):
    """numnet's output and gradients (x, w[, b]) under the chwn layout and the given compiled path."""
    ts = [numnet.tensor(a, requires_grad=True) for a in ((x, w) if b is None else (x, w, b))]
    with numnet.kernels.using(conv_layout="chwn", compiled=path, conv_fold_bias=fold):
        out = F.conv2d(*ts, **kw)
        out.backward(numnet.tensor(grad_out))
    return [out.detach().numpy()] + [t.grad.numpy() for t in ts]


def _torch(x, w, b, kw, grad_out):
    ts = [to_torch(a).requires_grad_() for a in ((x, w) if b is None else (x, w, b))]
    out = TF.conv2d(ts[0], ts[1], ts[2] if b is not None else None, **kw)
    out.backward(torch.from_numpy(grad_out))
    return [out.detach().numpy()] + [t.grad.numpy() for t in ts]


@st.composite
def _cases(draw):
    groups = draw(st.sampled_from([1, 1, 2]))
    c, o = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    if groups > 1 and c == o == groups:  # depthwise: the compiled depthwise kernel's case (test_compiled.py)
        o = 2 * groups
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 3)), draw(st.integers(0, 2)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 9))
    wd = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 8))
    n = draw(st.integers(1, 4))
    band = draw(st.sampled_from([1, 200, 1000, 5000]))  # bytes: one row per band up to one band
    return dict(shape=(n, c, h, wd), wshape=(o, c // groups, kh, kw), bias=draw(st.booleans()),
                fold=draw(st.booleans()), band=band, path=draw(st.sampled_from(PATHS)),
                kw=dict(stride=stride, padding=padding, dilation=dilation, groups=groups))


# the fixture only patches module constants, which every example sets again
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_cases(), seed=st.integers(0, 2**16))
def test_bands_match_torch_forward_and_gradients(banded, case, seed):
    calls = banded(case["band"])
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(case["shape"]), rng.standard_normal(case["wshape"])
    b = rng.standard_normal(case["wshape"][0]) if case["bias"] else None
    grad_out = rng.standard_normal(TF.conv2d(to_torch(x), to_torch(w), **case["kw"]).shape)
    ref = _torch(x, w, b, case["kw"], grad_out)
    calls.clear()
    ours = _run(x, w, b, case["kw"], case["path"], grad_out, case["fold"])
    assert calls, "the banded path was not taken"
    for name, a, r in zip(("output", "grad x", "grad w", "grad b"), ours, ref):
        assert_close(a, r, np.float64, f"banded conv {name} {case}")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("band", [1, 3000, 10**9])  # bytes: bands of one row, of several rows, one band
def test_bands_float32_and_the_real_sizes(banded, path, band):
    """float32, a ResNet-like layer (16 → 16 channels, 3×3, padding 1) and a stride-2 one, channels first and the
    batch innermost in memory as the chwn layout keeps them."""
    calls = banded(band)
    rng = np.random.default_rng(band)
    for kw, shape in ((dict(padding=1), (8, 16, 12, 12)), (dict(padding=1, stride=2), (8, 16, 11, 11))):
        x = rng.standard_normal(shape).astype(np.float32)
        w = (rng.standard_normal((16, 16, 3, 3)) * 0.1).astype(np.float32)
        b = rng.standard_normal(16).astype(np.float32)
        grad_out = rng.standard_normal(TF.conv2d(to_torch(x), to_torch(w), **kw).shape).astype(np.float32)
        calls.clear()
        ours, ref = _run(x, w, b, kw, path, grad_out), _torch(x, w, b, kw, grad_out)
        assert calls
        for name, a, r in zip(("output", "grad x", "grad w", "grad b"), ours, ref):
            assert_close(a, r, np.float32, f"float32 banded conv {name}")


@pytest.mark.parametrize("path", PATHS)
def test_bands_without_grad_match_torch(banded, path):
    calls = banded(2000)
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((5, 4, 9, 7)), rng.standard_normal((6, 4, 3, 3)), rng.standard_normal(6)
    with numnet.no_grad(), numnet.kernels.using(conv_layout="chwn", compiled=path):
        out = F.conv2d(numnet.tensor(x), numnet.tensor(w), numnet.tensor(b), padding=2, dilation=(2, 1))
    assert calls and out.grad_fn is None
    assert_close(out.numpy(), TF.conv2d(to_torch(x), to_torch(w), to_torch(b), padding=2, dilation=(2, 1)).numpy(),
                 np.float64, "banded inference")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=(2, 1), padding=(3, 1), dilation=(1, 2)),
                                dict(groups=2, padding=1)], ids=["same", "stride-pad-dilation", "groups"])
def test_bands_gradcheck(banded, path, kw):
    banded(500)
    rng = np.random.default_rng(4)
    x = numnet.tensor(rng.standard_normal((2, 4, 7, 6)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((4, 4 // kw.get("groups", 1), 3, 2)), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(4), requires_grad=True)
    with numnet.kernels.using(conv_layout="chwn", compiled=path):
        assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), [x, w, b], name=f"banded conv2d {kw}")


def test_bands_keep_no_columns_and_the_setting_turns_them_off(banded):
    """The point of the bands for memory: between forward and backward the op holds x, not the columns; and
    ``conv_bands=False`` gives back the stored-columns path."""
    calls = banded(1000)
    rng = np.random.default_rng(5)
    x = numnet.tensor(rng.standard_normal((4, 3, 8, 8)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((5, 3, 3, 3)), requires_grad=True)
    with numnet.kernels.using(conv_layout="chwn"):
        out = F.conv2d(x, w, padding=1)
    assert calls and out.grad_fn._ctx.cols is None and out.grad_fn._ctx.src is not None
    calls.clear()
    with numnet.kernels.using(conv_layout="chwn", conv_bands=False):
        out2 = F.conv2d(x, w, padding=1)
    assert not calls and out2.grad_fn._ctx.cols is not None
    np.testing.assert_allclose(out.detach().numpy(), out2.detach().numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("parallel", [True, False], ids=["both-cores", "one-core"])
@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=(2, 1), padding=(3, 1), dilation=(1, 2)),
                                dict(groups=2, padding=(0, 2))], ids=["same", "stride-pad-dilation", "groups"])
@pytest.mark.parametrize("bias", [True, False])
def test_compiled_whole_image_fill_and_fold_match_torch(monkeypatch, parallel, kw, bias):
    """Outside the bands, the chwn im2col and col2im of a whole image run compiled from 8 MiB of columns, over
    both cores from 4 MiB; both thresholds are dropped here so small convolutions take each kernel."""
    from numnet.ops import compiled

    monkeypatch.setattr(conv_ops, "_COMPILED_MIN_BYTES", 0)
    monkeypatch.setattr(compiled, "PARALLEL_BYTES", 0 if parallel else 1 << 62)
    used = []
    real = compiled.chwn_im2col
    monkeypatch.setattr(compiled, "chwn_im2col", lambda *a: used.append(a[3]) or real(*a))
    rng = np.random.default_rng(6)
    groups = kw.get("groups", 1)
    x, w = rng.standard_normal((3, 4, 9, 8)), rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6) if bias else None
    grad_out = rng.standard_normal(TF.conv2d(to_torch(x), to_torch(w), **kw).shape)
    for name, a, r in zip(("output", "grad x", "grad w", "grad b"), _run(x, w, b, kw, "auto", grad_out),
                          _torch(x, w, b, kw, grad_out)):
        assert_close(a, r, np.float64, f"compiled whole-image conv {name}")
    assert used, "the compiled fill was not used"
