"""Pooling (numnet/ops/pool.py, numnet/functional/pool.py): PyTorch parity (values, indices, input gradients in
float64 and float32) over random configurations including ties, gradcheck per option, the 2×2 fast path against the
general path, NaN/−inf windows, unbatched input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import numnet
import numnet.functional as F
from numnet.ops.pool import pool_out_size
from numnet.testing import gradcheck
from tests.reference import assert_close, to_torch, torch_one_thread  # noqa: F401 (autouse fixture)


DTYPES = (np.float64, np.float32)
PARITY_EXAMPLES = 250
_count: dict[str, int] = {}


def _int_or_pair(draw, lo, hi):
    a, b = draw(st.integers(lo, hi)), draw(st.integers(lo, hi))
    return (a, b) if a != b or draw(st.booleans()) else a


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _input(rng, shape, ties):
    """Integer-valued inputs (0, 1, 2) make ties common, as after a ReLU; otherwise Gaussian."""
    return rng.integers(0, 3, shape).astype(np.float64) if ties else rng.standard_normal(shape)


def _compare(what, ours, theirs, x64, rng, with_indices=False):
    """Run ``ours`` (numnet) and ``theirs`` (torch) on ``x64`` in float64 and float32 and compare the output, the
    indices and the input gradient for one random cotangent."""
    g64 = None
    for dtype in DTYPES:
        x = x64.astype(dtype)
        xt = to_torch(x, True)
        ref = theirs(xt)
        ref_out, ref_idx = ref if with_indices else (ref, None)
        if g64 is None:
            g64 = rng.standard_normal(tuple(ref_out.shape))
        g = g64.astype(dtype)
        ref_out.backward(torch.from_numpy(g))
        xs = numnet.tensor(x, requires_grad=True)
        res = ours(xs)
        out, idx = res if with_indices else (res, None)
        out.backward(g)
        label = f"{what} {np.dtype(dtype).name}"
        assert out.dtype == dtype and xs.grad.dtype == dtype, label
        _assert_close_inf(out, ref_out, dtype, label + " forward")
        assert_close(xs.grad, xt.grad, dtype, label + " input grad")
        if with_indices:
            assert idx.dtype == np.int64
            np.testing.assert_array_equal(idx._data, ref_idx.numpy(), err_msg=label + " indices")


def _assert_close_inf(ours, ref, dtype, what):
    """assert_close, but ±inf (a max-pool window lying wholly in the padding gives −inf, as in PyTorch) must sit at
    the same places with the same sign."""
    a, b = ours._data, ref.detach().numpy()
    finite = np.isfinite(b)
    np.testing.assert_array_equal(np.where(finite, 0, a), np.where(finite, 0, b), err_msg=what)
    assert_close(np.where(finite, a, 0), np.where(finite, b, 0), dtype, what)


def _run_counted(name, fn):
    _count[name] = 0
    fn()
    assert _count[name] >= 200, _count


# ---------------------------------------------------------------------------------------------------- max_pool2d
@st.composite
def max_pool_configs(draw):
    k = _int_or_pair(draw, 1, 4)
    d = _int_or_pair(draw, 1, 3)
    kk, dd = _pair(k), _pair(d)
    eff = [dd[a] * (kk[a] - 1) + 1 for a in (0, 1)]
    p = (draw(st.integers(0, kk[0] // 2)), draw(st.integers(0, kk[1] // 2)))
    pad = p[0] if p[0] == p[1] and draw(st.booleans()) else p
    hw = tuple(draw(st.integers(max(1, eff[a] - 2 * p[a]), max(1, eff[a] - 2 * p[a]) + 6)) for a in (0, 1))
    stride = draw(st.one_of(st.none(), _int_strategy(1, 3)))
    ceil_mode = draw(st.booleans())
    ss = kk if stride is None else _pair(stride)
    # A dilated window lying wholly in the padding gives −inf in both libraries, but PyTorch then returns an index
    # outside the plane and writes its gradient into the next channel's memory; see test_window_inside_padding.
    assume(all(_windows_touch_input(hw[a], kk[a], ss[a], p[a], dd[a], ceil_mode) for a in (0, 1)))
    return dict(
        n=draw(st.integers(1, 3)), c=draw(st.integers(1, 3)), hw=hw,
        kwargs=dict(kernel_size=k, stride=stride, padding=pad, dilation=d, ceil_mode=ceil_mode),
        return_indices=draw(st.booleans()), ties=draw(st.booleans()), seed=draw(st.integers(0, 2**31 - 1)),
        fast_path=draw(st.booleans()),  # numnet.kernels' pool_fast_path: both paths meet random geometries
    )


def _windows_touch_input(size, k, s, p, d, ceil_mode):
    starts = np.arange(pool_out_size(size, k, s, p, d, ceil_mode)) * s - p
    taps = starts[:, None] + d * np.arange(k)[None, :]
    return bool(np.all(((taps >= 0) & (taps < size)).any(axis=1)))


@settings(max_examples=PARITY_EXAMPLES, deadline=None)
@given(cfg=max_pool_configs())
def _max_pool_parity(cfg):
    _count["max_pool2d"] += 1
    rng = np.random.default_rng(cfg["seed"])
    x = _input(rng, (cfg["n"], cfg["c"]) + cfg["hw"], cfg["ties"])
    kw, ri = cfg["kwargs"], cfg["return_indices"]
    with numnet.kernels.using(pool_fast_path=cfg["fast_path"]):
        _compare(f"max_pool2d {cfg}", lambda t: F.max_pool2d(t, **kw, return_indices=ri),
                 lambda t: TF.max_pool2d(t, **kw, return_indices=ri), x, rng, with_indices=ri)


def test_max_pool2d_matches_torch_on_random_configurations():
    _run_counted("max_pool2d", _max_pool_parity)


# ---------------------------------------------------------------------------------------------------- avg_pool2d
@st.composite
def avg_pool_configs(draw):
    k = _int_or_pair(draw, 1, 4)
    kk = _pair(k)
    p = (draw(st.integers(0, kk[0] // 2)), draw(st.integers(0, kk[1] // 2)))
    pad = p[0] if p[0] == p[1] and draw(st.booleans()) else p
    hw = tuple(draw(st.integers(max(1, kk[a] - 2 * p[a]), max(1, kk[a] - 2 * p[a]) + 6)) for a in (0, 1))
    return dict(
        n=draw(st.integers(1, 3)), c=draw(st.integers(1, 3)), hw=hw,
        kwargs=dict(kernel_size=k, stride=draw(st.one_of(st.none(), _int_strategy(1, 3))), padding=pad,
                    ceil_mode=draw(st.booleans()), count_include_pad=draw(st.booleans()),
                    divisor_override=draw(st.one_of(st.none(), st.none(), st.integers(1, 5)))),
        seed=draw(st.integers(0, 2**31 - 1)), fast_path=draw(st.booleans()),
    )


def _int_strategy(lo, hi):
    return st.one_of(st.integers(lo, hi), st.tuples(st.integers(lo, hi), st.integers(lo, hi)))


@settings(max_examples=PARITY_EXAMPLES, deadline=None)
@given(cfg=avg_pool_configs())
def _avg_pool_parity(cfg):
    _count["avg_pool2d"] += 1
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c"]) + cfg["hw"])
    kw = cfg["kwargs"]
    with numnet.kernels.using(pool_fast_path=cfg["fast_path"]):
        _compare(f"avg_pool2d {cfg}", lambda t: F.avg_pool2d(t, **kw), lambda t: TF.avg_pool2d(t, **kw), x, rng)


def test_avg_pool2d_matches_torch_on_random_configurations():
    _run_counted("avg_pool2d", _avg_pool_parity)


# ---------------------------------------------------------------------------------------------------- adaptive
@st.composite
def adaptive_configs(draw):
    hw = (draw(st.integers(1, 10)), draw(st.integers(1, 10)))
    size = draw(st.one_of(st.integers(1, 12), st.tuples(st.one_of(st.none(), st.integers(1, 12)),
                                                        st.one_of(st.none(), st.integers(1, 12)))))
    return dict(n=draw(st.integers(1, 3)), c=draw(st.integers(1, 3)), hw=hw, output_size=size,
                return_indices=draw(st.booleans()), ties=draw(st.booleans()), seed=draw(st.integers(0, 2**31 - 1)))


@settings(max_examples=PARITY_EXAMPLES, deadline=None)
@given(cfg=adaptive_configs())
def _adaptive_avg_parity(cfg):
    _count["adaptive_avg_pool2d"] += 1
    rng = np.random.default_rng(cfg["seed"])
    x = rng.standard_normal((cfg["n"], cfg["c"]) + cfg["hw"])
    size = cfg["output_size"]
    _compare(f"adaptive_avg_pool2d {cfg}", lambda t: F.adaptive_avg_pool2d(t, size),
             lambda t: TF.adaptive_avg_pool2d(t, size), x, rng)


def test_adaptive_avg_pool2d_matches_torch_on_random_configurations():
    _run_counted("adaptive_avg_pool2d", _adaptive_avg_parity)


@settings(max_examples=PARITY_EXAMPLES, deadline=None)
@given(cfg=adaptive_configs())
def _adaptive_max_parity(cfg):
    _count["adaptive_max_pool2d"] += 1
    rng = np.random.default_rng(cfg["seed"])
    x = _input(rng, (cfg["n"], cfg["c"]) + cfg["hw"], cfg["ties"])
    size, ri = cfg["output_size"], cfg["return_indices"]
    _compare(f"adaptive_max_pool2d {cfg}", lambda t: F.adaptive_max_pool2d(t, size, return_indices=ri),
             lambda t: TF.adaptive_max_pool2d(t, size, return_indices=ri), x, rng, with_indices=ri)


def test_adaptive_max_pool2d_matches_torch_on_random_configurations():
    _run_counted("adaptive_max_pool2d", _adaptive_max_parity)


# ---------------------------------------------------------------------------------------------------- gradcheck
MAX_CASES = {
    "plain": dict(kernel_size=2),
    "overlap": dict(kernel_size=3, stride=1),
    "stride_pair": dict(kernel_size=(2, 3), stride=(1, 2)),
    "padding": dict(kernel_size=3, stride=2, padding=1),
    "dilation": dict(kernel_size=2, dilation=2, stride=1),
    "ceil_mode": dict(kernel_size=3, stride=2, ceil_mode=True),
    "everything": dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1), ceil_mode=True),
}
AVG_CASES = {
    "plain": dict(kernel_size=2),
    "overlap": dict(kernel_size=3, stride=1),
    "padding": dict(kernel_size=3, stride=2, padding=1),
    "no_pad_count": dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    "ceil_mode": dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    "divisor_override": dict(kernel_size=(2, 3), stride=1, divisor_override=4),
}


@pytest.mark.parametrize("name", list(MAX_CASES))
def test_max_pool2d_gradcheck(name):
    x = numnet.tensor(np.random.default_rng(7).standard_normal((2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, **MAX_CASES[name]), [x], name=f"max_pool2d[{name}]")


@pytest.mark.parametrize("name", list(AVG_CASES))
def test_avg_pool2d_gradcheck(name):
    x = numnet.tensor(np.random.default_rng(8).standard_normal((2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.avg_pool2d(t, **AVG_CASES[name]), [x], name=f"avg_pool2d[{name}]")


@pytest.mark.parametrize("size", [1, 3, (2, 4), (None, 2), 9])
def test_adaptive_pools_gradcheck(size):
    x = numnet.tensor(np.random.default_rng(9).standard_normal((2, 2, 7, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, size), [x], name=f"adaptive_avg_pool2d[{size}]")
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, size), [x], name=f"adaptive_max_pool2d[{size}]")


def test_pools_gradcheck_unbatched():
    x = numnet.tensor(np.random.default_rng(10).standard_normal((2, 5, 5)), requires_grad=True)
    assert gradcheck(lambda t: F.max_pool2d(t, 3, 2, 1), [x], name="max_pool2d[unbatched]")
    assert gradcheck(lambda t: F.avg_pool2d(t, 3, 2, 1), [x], name="avg_pool2d[unbatched]")
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, 2), [x], name="adaptive_avg_pool2d[unbatched]")


# ---------------------------------------------------------------------------------------------------- fast path
@pytest.mark.parametrize("hw", [(4, 4), (5, 7), (6, 3), (2, 2), (8, 9)])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("values", ["ties", "gaussian", "nan_inf"])
@pytest.mark.parametrize("memory", ["nchw", "chwn"])
def test_fast_2x2_path_equals_general_path(hw, ceil_mode, values, memory):
    """``memory="chwn"``: the input is an NCHW view of batch-innermost memory (what a many-channel conv returns)
    while the incoming gradient is C-contiguous, as after a Flatten."""
    rng = np.random.default_rng([hw[0], hw[1], int(ceil_mode), len(values)])
    shape = (3, 2) + hw
    x = rng.integers(0, 2, shape).astype(np.float64) if values == "ties" else rng.standard_normal(shape)
    if values == "nan_inf":
        x[rng.random(shape) < 0.2] = np.nan
        x[rng.random(shape) < 0.2] = -np.inf
    for dtype in DTYPES:
        results = []
        for fast_path in (True, False):
            xa = x.astype(dtype)
            if memory == "chwn":
                xa = np.ascontiguousarray(xa.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
                assert not xa.flags.c_contiguous
            xs = numnet.tensor(xa, requires_grad=True)
            with numnet.kernels.using(pool_fast_path=fast_path):
                out, idx = F.max_pool2d(xs, 2, return_indices=True, ceil_mode=ceil_mode)
            out.backward(np.arange(out._data.size, dtype=dtype).reshape(out.shape) + 1)  # a distinct grad per output
            results.append((out._data, idx._data, xs.grad._data))
        for a, b in zip(*results):
            np.testing.assert_array_equal(a, b)
        # and both agree with torch (ties go to one element, the first maximum; NaN to the last NaN)
        xt = to_torch(x.astype(dtype), True)
        ref, ref_idx = TF.max_pool2d(xt, 2, return_indices=True, ceil_mode=ceil_mode)
        ref.backward(torch.arange(ref.numel(), dtype=ref.dtype).reshape(ref.shape) + 1)
        np.testing.assert_array_equal(results[0][0], ref.detach().numpy())
        np.testing.assert_array_equal(results[0][1], ref_idx.numpy())
        np.testing.assert_array_equal(results[0][2], xt.grad.numpy())


@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize("fast_path", [True, False])
def test_max_pool2d_backward_twice_with_retain_graph(fast_path, return_indices):
    x = numnet.tensor(np.random.default_rng(14).standard_normal((2, 2, 4, 5)), requires_grad=True)
    with numnet.kernels.using(pool_fast_path=fast_path):
        res = F.max_pool2d(x, 2, return_indices=return_indices)
    out = res[0] if return_indices else res
    g = np.ones(out.shape)
    out.backward(g, retain_graph=True)
    once = x.grad._data.copy()
    out.backward(g)
    np.testing.assert_array_equal(x.grad._data, 2 * once)
    assert once.sum() == out._data.size


def test_fast_path_is_taken_only_for_2x2_stride2_unpadded():
    x = numnet.tensor(np.random.default_rng(11).standard_normal((1, 1, 6, 6)), requires_grad=True)
    assert F.max_pool2d(x, 2)._ctx.arg is None  # fast path: the arg-max is left for backward
    with numnet.kernels.using(pool_fast_path=False):
        assert F.max_pool2d(x, 2)._ctx.arg is not None
    assert F.max_pool2d(x, 2, padding=1)._ctx.arg is not None
    assert F.max_pool2d(x, 2, stride=1)._ctx.arg is not None


# ---------------------------------------------------------------------------------------------------- edge cases
def test_max_pool2d_nan_and_all_neg_inf_windows_follow_torch():
    nan, inf = np.nan, np.inf
    x = np.array([[[[1, nan, 2, nan], [nan, 3, 4, 5], [-inf, -inf, 1, 1], [-inf, -inf, 1, 1]]]])
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, padding=1)):
        xs = numnet.tensor(x, requires_grad=True)
        out, idx = F.max_pool2d(xs, return_indices=True, **kw)
        g = np.arange(out._data.size, dtype=float).reshape(out.shape) + 1
        out.backward(g)
        xt = to_torch(x, True)
        ref, ref_idx = TF.max_pool2d(xt, return_indices=True, **kw)
        ref.backward(torch.from_numpy(g))
        np.testing.assert_array_equal(out._data, ref.detach().numpy())
        np.testing.assert_array_equal(idx._data, ref_idx.numpy())
        np.testing.assert_array_equal(xs.grad._data, xt.grad.numpy())


def test_window_inside_padding_gives_neg_inf_and_no_gradient():
    # W = 2, kernel 2 dilated by 3, padding 1: the only window reads columns −1 and 2, both padding. PyTorch returns
    # −inf with index 2 (outside the 1×2 plane) and adds the gradient to the NEXT channel's first element; numnet
    # returns the same −inf and index but drops the gradient.
    x = numnet.tensor(np.array([[[[1.0, 2.0]], [[3.0, 4.0]]]]), requires_grad=True)
    out, idx = F.max_pool2d(x, (1, 2), padding=(0, 1), dilation=(1, 3), return_indices=True)
    assert out._data.tolist() == [[[[-np.inf]], [[-np.inf]]]]
    assert idx._data.ravel().tolist() == [2, 2]
    out.backward(np.ones(out.shape))
    np.testing.assert_array_equal(x.grad._data, np.zeros(x.shape))


def test_padding_never_wins_in_max_pool():
    x = numnet.tensor(-np.ones((1, 1, 3, 3)) - np.arange(9.0).reshape(1, 1, 3, 3))  # all negative
    out = F.max_pool2d(x, 3, stride=1, padding=1)
    assert np.all(out._data < 0)
    np.testing.assert_array_equal(out._data[0, 0], [[-1, -1, -2], [-1, -1, -2], [-4, -4, -5]])


def test_unbatched_pools_return_unbatched_results():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, 7, 6))
    cases = [
        (lambda t: F.max_pool2d(t, 3, 2, 1), lambda t: TF.max_pool2d(t, 3, 2, 1)),
        (lambda t: F.avg_pool2d(t, 2, ceil_mode=True), lambda t: TF.avg_pool2d(t, 2, ceil_mode=True)),
        (lambda t: F.adaptive_avg_pool2d(t, (3, None)), lambda t: TF.adaptive_avg_pool2d(t, (3, None))),
        (lambda t: F.adaptive_max_pool2d(t, 4), lambda t: TF.adaptive_max_pool2d(t, 4)),
    ]
    for ours, theirs in cases:
        _compare("unbatched", ours, theirs, x, rng)
        assert ours(numnet.tensor(x)).ndim == 3
    out, idx = F.max_pool2d(numnet.tensor(x), 2, return_indices=True)
    ref, ref_idx = TF.max_pool2d(to_torch(x), 2, return_indices=True)
    assert out.shape == idx.shape == (3, 3, 3)
    np.testing.assert_array_equal(idx._data, ref_idx.numpy())
    out, idx = F.adaptive_max_pool2d(numnet.tensor(x), 2, return_indices=True)
    np.testing.assert_array_equal(idx._data, TF.adaptive_max_pool2d(to_torch(x), 2, return_indices=True)[1].numpy())


def test_return_indices_without_grad_builds_no_graph():
    x = numnet.tensor(np.random.default_rng(13).standard_normal((1, 2, 4, 4)))
    out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert not out.requires_grad and out._ctx is None
    x.requires_grad = True
    with numnet.no_grad():
        out, idx = F.max_pool2d(x, 2, return_indices=True)
    assert not out.requires_grad
    np.testing.assert_array_equal(idx._data, TF.max_pool2d(to_torch(x), 2, return_indices=True)[1].numpy())


def test_avg_pool2d_ceil_mode_divisor_counts_only_the_padded_input():
    # H = 5, k = 2, s = 2, ceil_mode: the last window covers row 4 and a row past the input; PyTorch divides by 2
    # (window cells inside the padded input), not by 4.
    x = numnet.ones(1, 1, 5, 5)
    out = F.avg_pool2d(x, 2, ceil_mode=True)
    np.testing.assert_array_equal(out._data, np.ones((1, 1, 3, 3), np.float32))
    out = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
    ref = TF.avg_pool2d(to_torch(x), 3, stride=2, padding=1, ceil_mode=True)
    assert_close(out, ref, np.float32, "ceil divisor")


def test_docstring_examples():
    x = numnet.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(F.max_pool2d(x, 2)._data, [[[[5, 7], [13, 15]]]])
    np.testing.assert_array_equal(F.avg_pool2d(x, 2)._data, [[[[2.5, 4.5], [10.5, 12.5]]]])
    np.testing.assert_array_equal(F.adaptive_avg_pool2d(numnet.arange(9.0).reshape(1, 1, 3, 3), 1)._data, [[[[4]]]])
    np.testing.assert_array_equal(F.adaptive_max_pool2d(numnet.arange(9.0).reshape(1, 1, 3, 3), 2)._data,
                                  [[[[4, 5], [7, 8]]]])


# ---------------------------------------------------------------------------------------------------- avg fast path
@pytest.mark.parametrize("hw", [(4, 4), (5, 7), (6, 3), (2, 2), (9, 8)])
@pytest.mark.parametrize("ceil_mode", [False, True])
@pytest.mark.parametrize("divisor_override", [None, 3])
def test_avg_pool_2x2_fast_path_equals_general_path_and_torch(hw, ceil_mode, divisor_override):
    from numnet.ops.pool import AvgPool2dOp

    rng = np.random.default_rng([hw[0], hw[1], int(ceil_mode), divisor_override or 0])
    x = rng.standard_normal((3, 2) + hw)
    for dtype in DTYPES:
        results = []
        for fast_path in (True, False):
            xs = numnet.tensor(x.astype(dtype), requires_grad=True)
            with numnet.kernels.using(pool_fast_path=fast_path):
                out = AvgPool2dOp.apply(xs, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=ceil_mode,
                                      count_include_pad=True, divisor_override=divisor_override)
            fast = out._ctx.fast  # read before backward releases the context
            out.backward(np.arange(out._data.size, dtype=dtype).reshape(out.shape) + 1)  # a distinct grad per output
            assert out.dtype == dtype and xs.grad.dtype == dtype
            results.append((out._data, xs.grad._data, fast))
        assert results[0][2] is (not ceil_mode or hw[0] % 2 == 0 and hw[1] % 2 == 0) and results[1][2] is False
        np.testing.assert_array_equal(results[0][0], results[1][0])  # the same sums in the same order
        np.testing.assert_array_equal(results[0][1], results[1][1])
        xt = to_torch(x.astype(dtype), True)
        ref = TF.avg_pool2d(xt, 2, ceil_mode=ceil_mode, divisor_override=divisor_override)
        ref.backward(torch.arange(ref.numel(), dtype=ref.dtype).reshape(ref.shape) + 1)
        assert_close(results[0][0], ref, dtype, "avg_pool2d fast forward")
        assert_close(results[0][1], xt.grad, dtype, "avg_pool2d fast input grad")
