"""The compiled kernels (numnet/ops/compiled.py, numba) against the NumPy reference path they replace, and both
against PyTorch: depthwise convolution and training BatchNorm, forward and backward, float32 and float64, both
memory layouts; float64 gradchecks on the compiled path; the setting and the fallback without numba."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
import numnet.functional as F
from numnet import kernels
from numnet.ops import compiled
from numnet.testing import gradcheck



def test_available():
    import numba  # noqa: F401  (the test extra installs it; a missing numba fails here, loudly)

    assert compiled.available()
    with kernels.using(compiled="numpy"):
        assert not compiled.available()


def _run_conv(x, w, b, path, **kw):
    with kernels.using(compiled=path):
        xt, wt = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
        bt = None if b is None else numnet.tensor(b, requires_grad=True)
        y = F.conv2d(xt, wt, bt, **kw)
        g = np.random.default_rng(9).standard_normal(y.shape).astype(x.dtype)
        y.backward(g)
        return [y.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()] + ([] if b is None else [bt.grad.numpy()]), g


CONV_CASES = [dict(padding=1), dict(padding=0, stride=2), dict(padding=(2, 1), dilation=2), dict(padding="same"),
              dict(padding=1, stride=(2, 1)), dict(padding=(0, 2), dilation=(1, 2))]  # stride 1: the flat kernels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("kw", CONV_CASES)
def test_depthwise_matches_numpy_and_torch(kw, bias, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 9, 8)).astype(dtype)
    w = rng.standard_normal((5, 1, 3, 3)).astype(dtype)
    b = rng.standard_normal(5).astype(dtype) if bias else None
    fast, g = _run_conv(x, w, b, "auto", groups=5, **kw)
    ref, _ = _run_conv(x, w, b, "numpy", groups=5, **kw)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for a, r in zip(fast, ref):
        np.testing.assert_allclose(a, r, **tol)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, tb, groups=5, **kw)
    ty.backward(torch.from_numpy(g))
    for a, r in zip(fast, [ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()] + ([] if b is None else
                                                                                      [tb.grad.numpy()])):
        np.testing.assert_allclose(a, r, **tol)


def test_depthwise_gradcheck_on_the_compiled_path():
    rng = np.random.default_rng(1)
    x = numnet.tensor(rng.standard_normal((2, 3, 6, 5)), requires_grad=True)
    w = numnet.tensor(rng.standard_normal((3, 1, 3, 2)), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(3), requires_grad=True)
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1, stride=(1, 2), groups=3), [x, w, b], name="depthwise")
    gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=(2, 1), dilation=(2, 1), groups=3), [x, w, b],
              name="depthwise, stride 1 (flat kernels)")


def _chwn(a):
    """``a`` in batch-innermost ``(C, H, W, N)`` memory, same logical NCHW array."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def _run_bn(x, path, affine, chwn, g_chwn=False):
    with kernels.using(compiled=path):
        bn = numnet.nn.BatchNorm2d(x.shape[1], affine=affine).to(x.dtype)
        if affine:
            bn.weight._data[...] = np.linspace(0.5, 1.5, x.shape[1])
        arr = x
        if chwn:  # batch-innermost memory, as numnet's conv leaves it
            arr = _chwn(x)
        xt = numnet.tensor(arr, requires_grad=True)
        y = bn(xt)
        g = np.random.default_rng(2).standard_normal(x.shape).astype(x.dtype)
        if g_chwn:  # the cotangent in the other layout: converted into x's before the kernel reads it
            g = _chwn(g)
        y.backward(g)
        out = [y.detach().numpy(), xt.grad.numpy(), bn.running_mean.numpy(), bn.running_var.numpy()]
        if affine:
            out += [bn.weight.grad.numpy(), bn.bias.grad.numpy()]
        return out, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("chwn", [False, True])
@pytest.mark.parametrize("g_chwn", [False, True])
def test_batchnorm_training_matches_numpy(dtype, affine, chwn, g_chwn):
    x = (np.random.default_rng(3).standard_normal((6, 4, 5, 3)) * 3 + 1).astype(dtype)
    fast, y = _run_bn(x, "auto", affine, chwn, g_chwn)
    ref, _ = _run_bn(x, "numpy", affine, chwn, g_chwn)
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for a, r in zip(fast, ref):
        np.testing.assert_allclose(a, r, **tol)
    if chwn:  # the output keeps the input's memory layout
        assert y._data.transpose(1, 2, 3, 0).flags.c_contiguous


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("chwn", [False, True])
def test_batchnorm_evaluation_matches_numpy_and_torch(monkeypatch, dtype, affine, chwn):
    """Evaluation BatchNorm as one compiled scale-and-shift pass (from 4 MiB; the threshold dropped here), against
    the NumPy path and torch, with ∂L/∂x (which needs only the scale), in both memory layouts."""
    monkeypatch.setattr(compiled, "PARALLEL_BYTES", 0)
    used = []
    real = compiled.scale_shift
    monkeypatch.setattr(compiled, "scale_shift", lambda *a: used.append(1) or real(*a))
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((6, 4, 5, 3)) * 3 + 1).astype(dtype)
    arr = _chwn(x) if chwn else x
    g = rng.standard_normal(x.shape).astype(dtype)
    tb = torch.nn.BatchNorm2d(4, affine=affine).double()
    with torch.no_grad():
        tb.running_mean.copy_(torch.from_numpy(rng.standard_normal(4)))
        tb.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2.0, 4)))
        if affine:
            tb.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, 4)))
            tb.bias.copy_(torch.from_numpy(rng.standard_normal(4)))
    tb.eval()
    tx = torch.tensor(x.astype(np.float64), requires_grad=True)
    tb(tx).backward(torch.from_numpy(g.astype(np.float64)))
    results = {}
    for path in ("auto", "numpy"):
        bn = numnet.nn.BatchNorm2d(4, affine=affine).to(dtype)
        bn.load_state_dict({k: numnet.tensor(v.numpy().astype(dtype) if v.is_floating_point() else v.numpy())
                            for k, v in tb.state_dict().items()})
        bn.eval()
        if affine:  # only ∂L/∂x: the path without x̂
            bn.weight.requires_grad = bn.bias.requires_grad = False
        xt = numnet.tensor(arr, requires_grad=True)
        with kernels.using(compiled=path):
            y = bn(xt)
            y.backward(g)
        results[path] = (y.detach().numpy(), xt.grad.numpy())
        assert len(used) == 1, path  # the compiled pass on "auto" only
        if chwn:
            assert y._data.transpose(1, 2, 3, 0).flags.c_contiguous
    tol = dict(rtol=2e-5, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for a, r, t in zip(results["auto"], results["numpy"], (tb(tx).detach().numpy(), tx.grad.numpy())):
        np.testing.assert_allclose(a, r, **tol)
        np.testing.assert_allclose(a, t, **tol)


def test_batchnorm_gradcheck_on_the_compiled_path():
    rng = np.random.default_rng(4)
    x = numnet.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    w = numnet.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(3), requires_grad=True)
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, True, 0.1, 1e-5), [x, w, b], name="batch_norm")


def test_without_numba_the_numpy_path_runs(monkeypatch):
    monkeypatch.setattr(compiled, "_NUMBA", False)
    assert not compiled.available()
    x = numnet.randn(4, 3, 5, 5)
    y = numnet.nn.BatchNorm2d(3)(x)
    assert y.shape == (4, 3, 5, 5)
