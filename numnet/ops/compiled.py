"""Compiled kernels for hot paths where NumPy needs many passes over memory (the ``numnet[fast]`` extra: numba).

The NumPy code in ``ops/`` stays the readable reference and the default when numba is not installed. The
``compiled`` kernel setting chooses (``numnet.kernels.using(compiled="numpy")`` forces the reference;
``"auto"``, the default, uses these kernels when numba imports). Both paths pass the same parity and gradcheck
tests (tests/ops/test_compiled.py). Kernels compile on first use, in parallel over channels (``prange``), and are
cached on disk (``cache=True``), so later processes skip the compilation; benchmarks/RESULTS.md gives the cost.

- **Depthwise convolution** (groups = in = out channels): a direct loop over each output pixel's window; im2col
  would write and read k·k copies of the input. At stride 1 each tap is one flat shift of the padded plane, so the
  loops run over whole planes.
- **chwn im2col / col2im** (the banded convolution of ``ops/conv.py``): one pass per tap along the batch, where
  NumPy's strided slice copies pay per row.
- **BatchNorm in evaluation**: one pass, ``x·s + t`` per channel, for tensors big enough to share between cores.
- Inner loops index slices that start at the offset, never ``a[s + t]``: numba must test a possibly negative index
  for wrap-around, which keeps LLVM from vectorising the loop. Sums may be reassociated (``reduce``) so they
  vectorise too.
- **BatchNorm in training**: one pass for the mean, one for the variance, one that writes the output; backward one
  pass for Σg and Σg·x̂ and one for ∂L/∂x, with x̂ recomputed from x instead of stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet import kernels
from numnet.ops.layout import match_layout

_NUMBA: Any = None  # the compiled kernels once built; False when numba is not installed
# Waking numba's threads costs tens of µs, varying from call to call: the chwn fill and fold of fewer bytes than
# this run on one core (benchmarks/RESULTS.md)
PARALLEL_BYTES = 4 * 1024 * 1024
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))  # what the kernels are compiled for (float16: NumPy path)


def available() -> bool:
    """Whether the compiled path is in use: the ``compiled`` setting and numba's presence."""
    choice = kernels.get("compiled")
    if choice == "numpy":
        return False
    return _kernels() is not None


def _kernels() -> Any:
    global _NUMBA
    if _NUMBA is None:
        try:
            import numba  # noqa: F401
        except ImportError:
            _NUMBA = False
        else:
            _NUMBA = _build()
    return _NUMBA or None


def _build() -> Any:
    from types import SimpleNamespace

    import os

    import numba
    from numba import prange

    # numba's OpenMP layer, sharing the cores with OpenBLAS's own threads, ran these kernels several times slower
    # than its workqueue layer on the benchmark machine unless OMP_NUM_THREADS was set (benchmarks/RESULTS.md):
    # use workqueue unless the user chose a layer
    if "NUMBA_THREADING_LAYER" not in os.environ:
        numba.config.THREADING_LAYER = "workqueue"
    jit = numba.njit(parallel=True, cache=True, fastmath=False)
    # prange runs as range; without the GIL, so threads can run bands side by side (ops/parallel.py)
    serial = numba.njit(parallel=False, cache=True, fastmath=False, nogil=True)
    # Sums may be reassociated (and multiply-adds fused), so LLVM vectorises them; without it each running sum is
    # one long chain of dependent adds. No other fast-math licence: NaN and inf propagate as in NumPy. Each sum
    # stays within one thread, so results are the same run to run.
    reduce = numba.njit(parallel=True, cache=True, fastmath={"reassoc", "contract"})

    # depthwise kernels read a zero-padded input xp, so the inner loops have no bounds checks and run along
    # the output row (contiguous when the stride is 1)
    @jit
    def dw_forward(xp, w, sh, sw, dh, dw_, ho, wo):
        n, c = xp.shape[0], xp.shape[1]
        kh, kw = w.shape[2], w.shape[3]
        out = np.zeros((n, c, ho, wo), dtype=xp.dtype)
        for nc in prange(n * c):
            b, ch = nc // c, nc % c
            for i in range(kh):
                for j in range(kw):
                    wv = w[ch, 0, i, j]
                    o = j * dw_
                    for y in range(ho):
                        orow, xrow = out[b, ch, y], xp[b, ch, y * sh + i * dh]
                        if sw == 1:  # unit stride: a loop LLVM vectorises
                            for xx in range(wo):
                                orow[xx] += wv * xrow[o + xx]
                        else:
                            for xx in range(wo):
                                orow[xx] += wv * xrow[xx * sw + o]
        return out

    @jit
    def dw_backward_x(g, w, hp, wp, sh, sw, dh, dw_):
        n, c, ho, wo = g.shape
        kh, kw = w.shape[2], w.shape[3]
        dxp = np.zeros((n, c, hp, wp), dtype=g.dtype)
        for nc in prange(n * c):
            b, ch = nc // c, nc % c
            for i in range(kh):
                for j in range(kw):
                    wv = w[ch, 0, i, j]
                    o = j * dw_
                    for y in range(ho):
                        drow, grow = dxp[b, ch, y * sh + i * dh], g[b, ch, y]
                        if sw == 1:
                            for xx in range(wo):
                                drow[o + xx] += wv * grow[xx]
                        else:
                            for xx in range(wo):
                                drow[xx * sw + o] += wv * grow[xx]
        return dxp

    @reduce
    def dw_backward_w(g, xp, kh, kw, sh, sw, dh, dw_):
        n, c, ho, wo = g.shape
        dwt = np.zeros((c, 1, kh, kw), dtype=np.float64)
        for ch in prange(c):
            for i in range(kh):
                for j in range(kw):
                    acc = 0.0
                    o = j * dw_
                    for b in range(n):
                        for y in range(ho):
                            grow, xrow = g[b, ch, y], xp[b, ch, y * sh + i * dh]
                            if sw == 1:
                                for xx in range(wo):
                                    acc += grow[xx] * xrow[o + xx]
                            else:
                                for xx in range(wo):
                                    acc += grow[xx] * xrow[xx * sw + o]
                    dwt[ch, 0, i, j] = acc
        return dwt

    # stride 1: each tap is one flat shift s = i·dh·Wp + j·dw of the padded plane, so output rows are computed as
    # wide as the padded ones and every loop runs over a whole plane (rows of a few pixels cost more in loop
    # overhead than in arithmetic); the extra columns are cropped, and gradients widened with zero columns
    @jit
    def dw_forward_flat(xpf, w, wp, dh, dw_, length, width):
        n, c = xpf.shape[0], xpf.shape[1]
        kh, kw = w.shape[2], w.shape[3]
        outw = np.zeros((n, c, width), dtype=xpf.dtype)
        for nc in prange(n * c):
            b, ch = nc // c, nc % c
            orow, xrow = outw[b, ch], xpf[b, ch]
            for i in range(kh):
                for j in range(kw):
                    wv, xs = w[ch, 0, i, j], xrow[i * dh * wp + j * dw_:]
                    for t in range(length):  # indices known >= 0: no wrap-around test, so LLVM vectorises
                        orow[t] += wv * xs[t]
        return outw

    @jit
    def dw_backward_x_flat(gw, w, wp, dh, dw_, length, padded):
        n, c = gw.shape[0], gw.shape[1]
        kh, kw = w.shape[2], w.shape[3]
        dxpf = np.zeros((n, c, padded), dtype=gw.dtype)
        for nc in prange(n * c):
            b, ch = nc // c, nc % c
            drow, grow = dxpf[b, ch], gw[b, ch]
            for i in range(kh):
                for j in range(kw):
                    wv, ds = w[ch, 0, i, j], drow[i * dh * wp + j * dw_:]
                    for t in range(length):
                        ds[t] += wv * grow[t]
        return dxpf

    @reduce
    def dw_backward_w_flat(gw, xpf, kh, kw, wp, dh, dw_, length):
        n, c = gw.shape[0], gw.shape[1]
        dwt = np.zeros((c, 1, kh, kw), dtype=np.float64)
        for ch in prange(c):
            for i in range(kh):
                for j in range(kw):
                    sft = i * dh * wp + j * dw_
                    acc = 0.0
                    for b in range(n):
                        grow, xs = gw[b, ch], xpf[b, ch, sft:]
                        for t in range(length):
                            acc += grow[t] * xs[t]
                    dwt[ch, 0, i, j] = acc
        return dwt

    @reduce
    def bn_forward(a, weight, bias, eps, out, mean_out, var_out, invstd_out):
        # a, out: (P, C, Q) views, Q the innermost; statistics per channel c over P and Q
        p, c, q = a.shape
        m = p * q
        for ch in prange(c):
            s = 0.0
            for i in range(p):
                for j in range(q):
                    s += a[i, ch, j]
            mu = s / m
            v = 0.0
            for i in range(p):
                for j in range(q):
                    d = a[i, ch, j] - mu
                    v += d * d
            var = v / m
            inv = 1.0 / np.sqrt(var + eps)
            scale = inv * weight[ch]
            shift = bias[ch] - mu * scale
            for i in range(p):
                for j in range(q):
                    out[i, ch, j] = a[i, ch, j] * scale + shift
            mean_out[ch] = mu
            var_out[ch] = var
            invstd_out[ch] = inv

    @jit
    def scale_shift(a, scale, shift, out):
        # out = a·scale[c] + shift[c], a and out (P, C, Q) views: evaluation BatchNorm in one pass
        p, c, q = a.shape
        for ch in prange(c):
            s, t = scale[ch], shift[ch]
            for i in range(p):
                for j in range(q):
                    out[i, ch, j] = a[i, ch, j] * s + t

    @reduce
    def bn_backward(a, g, mean, invstd, weight, dx, sums):
        # sums[0, c] = Σg, sums[1, c] = Σ g·x̂; dx = γ·invstd·(g − Σg/M − x̂·Σgx̂/M)
        p, c, q = a.shape
        m = p * q
        for ch in prange(c):
            sg = 0.0
            sgx = 0.0
            mu, inv = mean[ch], invstd[ch]
            for i in range(p):
                for j in range(q):
                    gv = g[i, ch, j]
                    sg += gv
                    sgx += gv * (a[i, ch, j] - mu) * inv
            sums[0, ch] = sg
            sums[1, ch] = sgx
            if dx.shape[0] > 0:
                k = weight[ch] * inv
                mg, mgx = sg / m, sgx / m
                for i in range(p):
                    for j in range(q):
                        xh = (a[i, ch, j] - mu) * inv
                        dx[i, ch, j] = k * (g[i, ch, j] - mg - xh * mgx)

    # chwn columns of the output rows [y0, y0 + rows): x (C, H, W, N) memory (C-contiguous), cols (G, K', rows·Wo·N)
    # with K' >= C/G·kH·kW (a bias row of ones may follow); every copy is a contiguous run along (W, N). One channel
    # per call of these helpers; the kernels below loop over channels in parallel (a whole image) or not (a band).
    @serial
    def im2col_channel(xf, cols, ci, cg, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w, n):
        gi, k0 = ci // cg, (ci % cg) * kh * kw
        for i in range(kh):
            for j in range(kw):
                row = k0 + i * kw + j
                # the output columns [x0, x1) whose tap lies inside the input row
                x0 = min(wo, max(0, -((j * dw_ - pl) // sw)))
                x1 = min(wo, max(x0, (w - 1 + pl - j * dw_) // sw + 1))
                for y in range(rows):
                    r = (y0 + y) * sh + i * dh - pt
                    line = y * wo * n
                    if r < 0 or r >= h:
                        cols[gi, row, line:line + wo * n] = 0.0
                        continue
                    cols[gi, row, line:line + x0 * n] = 0.0
                    cols[gi, row, line + x1 * n:line + wo * n] = 0.0
                    if sw == 1:  # one contiguous run of (x1 - x0)·N values
                        q0 = (x0 + j * dw_ - pl) * n
                        cols[gi, row, line + x0 * n:line + x1 * n] = xf[ci, r, q0:q0 + (x1 - x0) * n]
                    else:
                        for xx in range(x0, x1):
                            q = (xx * sw + j * dw_ - pl) * n
                            cols[gi, row, line + xx * n:line + xx * n + n] = xf[ci, r, q:q + n]

    @serial
    def col2im_channel(dcols, dxf, ci, cg, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w, n):
        gi, k0 = ci // cg, (ci % cg) * kh * kw
        for i in range(kh):
            for j in range(kw):
                row = k0 + i * kw + j
                x0 = min(wo, max(0, -((j * dw_ - pl) // sw)))
                x1 = min(wo, max(x0, (w - 1 + pl - j * dw_) // sw + 1))
                for y in range(rows):
                    r = (y0 + y) * sh + i * dh - pt
                    if r < 0 or r >= h:
                        continue
                    line = y * wo * n
                    if sw == 1:
                        q0 = (x0 + j * dw_ - pl) * n
                        dxf[ci, r, q0:q0 + (x1 - x0) * n] += dcols[gi, row, line + x0 * n:line + x1 * n]
                    else:
                        for xx in range(x0, x1):
                            q = (xx * sw + j * dw_ - pl) * n
                            dxf[ci, r, q:q + n] += dcols[gi, row, line + xx * n:line + xx * n + n]

    @jit
    def chwn_im2col(x, cols, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_):
        c, h, w, n = x.shape
        xf = x.reshape(c, h, w * n)
        for ci in prange(c):
            im2col_channel(xf, cols, ci, c // cols.shape[0], y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w, n)

    @serial
    def chwn_im2col_band(x, cols, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_):
        c, h, w, n = x.shape
        xf = x.reshape(c, h, w * n)
        for ci in range(c):
            im2col_channel(xf, cols, ci, c // cols.shape[0], y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w, n)

    @jit
    def chwn_col2im(dcols, dx, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_):
        c, h, w, n = dx.shape
        dxf = dx.reshape(c, h, w * n)
        for ci in prange(c):
            col2im_channel(dcols, dxf, ci, c // dcols.shape[0], y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w,
                           n)

    @serial
    def chwn_col2im_band(dcols, dx, y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_):
        c, h, w, n = dx.shape
        dxf = dx.reshape(c, h, w * n)
        for ci in range(c):
            col2im_channel(dcols, dxf, ci, c // dcols.shape[0], y0, rows, wo, kh, kw, sh, sw, pt, pl, dh, dw_, h, w,
                           n)

    return SimpleNamespace(dw_forward=dw_forward, dw_backward_x=dw_backward_x, dw_backward_w=dw_backward_w,
                           dw_forward_flat=dw_forward_flat, dw_backward_x_flat=dw_backward_x_flat,
                           dw_backward_w_flat=dw_backward_w_flat,
                           bn_forward=bn_forward, bn_backward=bn_backward, scale_shift=scale_shift,
                           # the fill and fold twice: over both cores for a whole image, and on one core for a band,
                           # whose few-MiB copy costs less than starting the threads (benchmarks/RESULTS.md)
                           chwn_im2col=chwn_im2col, chwn_col2im=chwn_col2im, chwn_im2col_band=chwn_im2col_band,
                           chwn_col2im_band=chwn_col2im_band)


# ------------------------------------------------------------------------------------------------ depthwise
def depthwise(g: Any) -> bool:
    """Whether a conv geometry is depthwise with one filter per channel (what the compiled kernel computes)."""
    return g.groups == g.c == g.o and g.groups > 1


def _pads(g: Any) -> tuple:
    """(stride h, stride w, pad top, pad left, dilation h, dilation w)."""
    return (g.stride[0], g.stride[1], g.padding[0], g.padding[2], g.dilation[0], g.dilation[1])


def _padded(x: np.ndarray, g: Any) -> np.ndarray:
    top, bottom, left, right = g.padding
    if not (top or bottom or left or right):
        return np.ascontiguousarray(x)
    n, c, h, w = x.shape
    xp = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)  # faster than np.pad
    xp[:, :, top:top + h, left:left + w] = x
    return xp


def _flat(g: Any) -> tuple[int, int, int] | None:
    """For stride 1, ``(padded width Wp, padded height Hp, flat length (Ho − 1)·Wp + Wo)`` of the flat-shift
    kernels; None otherwise."""
    if g.stride != (1, 1):
        return None
    top, bottom, left, right = g.padding
    wp = g.w + left + right
    return wp, g.h + top + bottom, (g.ho - 1) * wp + g.wo


def depthwise_forward(x: np.ndarray, w: np.ndarray, g: Any) -> np.ndarray:
    sh, sw, _, _, dh, dw = _pads(g)
    k, w = _kernels(), np.ascontiguousarray(w.astype(x.dtype, copy=False))
    flat = _flat(g)
    if flat is None:
        return k.dw_forward(_padded(x, g), w, sh, sw, dh, dw, g.ho, g.wo)
    wp, hp, length = flat
    xpf = _padded(x, g).reshape(g.n, g.c, hp * wp)
    outw = k.dw_forward_flat(xpf, w, wp, dh, dw, length, g.ho * wp)
    return np.ascontiguousarray(outw.reshape(g.n, g.c, g.ho, wp)[..., :g.wo])


def _widened(grad: np.ndarray, wp: int) -> np.ndarray:
    """``grad`` (N, C, Ho, Wo) with zero columns up to the padded width, flattened to (N, C, Ho·Wp)."""
    n, c, ho, wo = grad.shape
    gw = np.zeros((n, c, ho, wp), dtype=grad.dtype)
    gw[..., :wo] = grad
    return gw.reshape(n, c, ho * wp)


def depthwise_backward(grad: np.ndarray, x: np.ndarray | None, w: np.ndarray | None, g: Any,
                       need_x: bool, need_w: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    k = _kernels()
    sh, sw, _, _, dh, dw = _pads(g)
    top, bottom, left, right = g.padding
    grad = np.ascontiguousarray(grad)
    dx = dwt = None
    flat = _flat(g)
    if flat is not None:
        wp, hp, length = flat
        gw = _widened(grad, wp)
        if need_x:
            dxpf = k.dw_backward_x_flat(gw, np.ascontiguousarray(w.astype(grad.dtype, copy=False)), wp, dh, dw,
                                        length, hp * wp)
            dx = np.ascontiguousarray(dxpf.reshape(g.n, g.c, hp, wp)[:, :, top:top + g.h, left:left + g.w])
        if need_w:
            xpf = _padded(x, g).reshape(g.n, g.c, hp * wp)
            dwt = k.dw_backward_w_flat(gw, xpf, g.kh, g.kw, wp, dh, dw, length).astype(grad.dtype)
        return dx, dwt
    if need_x:
        dxp = k.dw_backward_x(grad, np.ascontiguousarray(w.astype(grad.dtype, copy=False)), g.h + top + bottom,
                              g.w + left + right, sh, sw, dh, dw)
        dx = np.ascontiguousarray(dxp[:, :, top:top + g.h, left:left + g.w])
    if need_w:
        dwt = k.dw_backward_w(grad, _padded(x, g), g.kh, g.kw, sh, sw, dh, dw).astype(grad.dtype)
    return dx, dwt


# ------------------------------------------------------------------------------------------------ chwn columns
def chwn_im2col(x_chwn: np.ndarray, g: Any, y0: int, rows: int, cols: np.ndarray) -> None:
    """The chwn columns of output rows ``[y0, y0 + rows)`` in one compiled pass (``numnet.ops.im2col.im2col_chwn``
    of that band): ``cols`` ``(G, K', rows·Wo·N)`` C-contiguous, its first ``C/G·kH·kW`` rows filled from
    ``(C, H, W, N)`` memory, zeros where a tap reads the padding."""
    sh, sw, pt, pl, dh, dw = _pads(g)
    k = _kernels()
    kernel = k.chwn_im2col if rows == g.ho and cols.nbytes >= PARALLEL_BYTES else k.chwn_im2col_band
    kernel(x_chwn, cols, y0, rows, g.wo, g.kh, g.kw, sh, sw, pt, pl, dh, dw)


def chwn_col2im_add(dcols: np.ndarray, g: Any, y0: int, rows: int, dx_chwn: np.ndarray) -> None:
    """The transpose of :func:`chwn_im2col`, added into ``dx_chwn`` ``(C, H, W, N)``: taps in the padding are
    dropped, overlapping taps accumulate."""
    sh, sw, pt, pl, dh, dw = _pads(g)
    k = _kernels()
    kernel = k.chwn_col2im if rows == g.ho and dcols.nbytes >= PARALLEL_BYTES else k.chwn_col2im_band
    kernel(dcols, dx_chwn, y0, rows, g.wo, g.kh, g.kw, sh, sw, pt, pl, dh, dw)


# ------------------------------------------------------------------------------------------------ batch norm
def _channel_view(a: np.ndarray) -> np.ndarray | None:
    """``a`` (N, C, *) as a (P, C, Q) view with Q contiguous: (N, C, S) for NCHW memory, (1, C, S·N) for
    batch-innermost (C, *, N) memory; None for any other layout."""
    n, c = a.shape[:2]
    if a.flags.c_contiguous:
        return a.reshape(n, c, -1)
    t = np.moveaxis(a, 0, -1)
    if t.flags.c_contiguous:
        return t.reshape(1, c, -1)
    return None


def bn_train_forward(x: np.ndarray, weight: np.ndarray | None, bias: np.ndarray | None,
                     eps: float) -> tuple | None:
    """``(out, mean, biased var, invstd, view of x)`` of training BatchNorm (statistics in float64), or None when
    x's layout has no channel view."""
    a = _channel_view(x)
    if a is None:
        return None
    c = x.shape[1]
    out = np.empty_like(x)  # the same memory layout as x
    view = _channel_view(out)
    w = np.ones(c, x.dtype) if weight is None else weight.reshape(c).astype(x.dtype, copy=False)
    b = np.zeros(c, x.dtype) if bias is None else bias.reshape(c).astype(x.dtype, copy=False)
    mean, var, invstd = np.empty(c, np.float64), np.empty(c, np.float64), np.empty(c, np.float64)
    _kernels().bn_forward(a, w, b, float(eps), view, mean, var, invstd)
    return out, mean, var, invstd, a


def scale_shift(x: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray | None:
    """``x·scale + shift`` per channel (evaluation BatchNorm) in one pass over both cores, in x's memory layout;
    None when x's layout has no channel view or it is too small to pay for waking the threads."""
    a = _channel_view(x)
    if a is None or x.nbytes < PARALLEL_BYTES:
        return None
    c = x.shape[1]
    out = np.empty_like(x)
    _kernels().scale_shift(a, scale.reshape(c).astype(x.dtype), shift.reshape(c).astype(x.dtype), _channel_view(out))
    return out


def bn_train_backward(a: np.ndarray, grad: np.ndarray, mean: np.ndarray, invstd: np.ndarray,
                      weight: np.ndarray | None, need_x: bool, x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """``(∂L/∂x or None, sums)`` with ``sums[0] = Σg``, ``sums[1] = Σg·x̂`` per channel (``a`` is x's channel
    view; a gradient in another memory layout is copied into x's first)."""
    gv = _channel_view(grad)
    if gv is None or gv.shape != a.shape or gv.strides != a.strides:
        grad = match_layout(grad.astype(x.dtype, copy=False), x)
        gv = _channel_view(grad)
    c = a.shape[1]
    w = np.ones(c, a.dtype) if weight is None else weight.reshape(c).astype(a.dtype, copy=False)
    dx = np.empty_like(grad) if need_x else np.empty((0,) + grad.shape[1:], grad.dtype)
    dview = _channel_view(dx) if need_x else np.empty((0, c, 0), grad.dtype)
    sums = np.empty((2, c), np.float64)
    _kernels().bn_backward(a, gv, mean, invstd, w, dview, sums)
    return (dx if need_x else None), sums
