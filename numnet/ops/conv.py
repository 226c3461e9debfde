"""2-D convolution (a cross-correlation, as in PyTorch): im2col + one batched GEMM forward, GEMM + col2im backward.

Notation: ``x`` input ``(N, C, H, W)``; ``w`` weight ``(O, C/G, kH, kW)``; ``b`` bias ``(O,)``; ``G`` groups;
``s`` stride, ``d`` dilation, ``(pt, pb, pl, pr)`` zero padding (top, bottom, left, right — asymmetric padding is
needed for ``padding='same'``); ``K = C/G·kH·kW`` the length of one patch; ``L = Ho·Wo`` output pixels per sample.

im2col copies, for each kernel offset ``(i, j)``, the strided slice
``xp[:, :, i·d_h : i·d_h + s_h·(Ho−1) + 1 : s_h, j·d_w : … : s_w]`` of the padded input into the columns — a loop over
kernel offsets only, each copy slicing the whole batch. Two column layouts are used (see
``/work/shared/PERFORMANCE-NOTES.md``):

* ``"batched"``: columns ``(N, G, K, L)``; ``out = w_g @ cols`` is a batched matmul whose result ``(N, G, O/G, L)`` is
  already NCHW (no output transpose). Used when a group has few input channels (``C/G <= 3``).
* ``"gemm"``: columns ``(G, K, N·L)``; one large GEMM per group, then one transpose of the output to NCHW.

Backward: ``∂L/∂w = Σ_n g_n · cols_nᵀ`` (GEMM), ``∂L/∂cols = wᵀ · g`` (GEMM) folded back by col2im (``kH·kW`` strided
slice-adds into a zero padded buffer, then the padding is cropped), ``∂L/∂b = Σ_{n,h,w} g``.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function

# Groups with at most this many input channels use the per-sample batched layout.
_BATCHED_MAX_CHANNELS = 3


def _out_size(size: int, pad_lo: int, pad_hi: int, k: int, s: int, d: int) -> int:
    """Output length of a strided, dilated window sweep: ⌊(n + p_lo + p_hi − d·(k−1) − 1)/s⌋ + 1."""
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def _window_slices(i: int, j: int, ho: int, wo: int, stride, dilation) -> tuple[slice, slice]:
    """Rows and columns of the padded input that kernel offset ``(i, j)`` sees at every output pixel."""
    sh, sw = stride
    dh, dw = dilation
    return (slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))


def _pad_nchw(x: np.ndarray, padding: tuple[int, int, int, int], value: float = 0.0) -> np.ndarray:
    pt, pb, pl, pr = padding
    if not (pt or pb or pl or pr):
        return x
    return np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), mode="constant", constant_values=value)


def im2col(xp: np.ndarray, kh: int, kw: int, ho: int, wo: int, stride, dilation, layout: str) -> np.ndarray:
    """Columns of the (already padded) input: ``(N, C, kH, kW, Ho, Wo)`` for ``"batched"``,
    ``(C, kH, kW, N, Ho, Wo)`` for ``"gemm"``. One strided copy per kernel offset."""
    n, c = xp.shape[:2]
    if layout == "batched":
        cols = np.empty((n, c, kh, kw, ho, wo), dtype=xp.dtype)
        src = xp
    else:
        cols = np.empty((c, kh, kw, n, ho, wo), dtype=xp.dtype)
        src = xp.transpose(1, 0, 2, 3)
    for i in range(kh):
        for j in range(kw):
            rows, cs = _window_slices(i, j, ho, wo, stride, dilation)
            if layout == "batched":
                cols[:, :, i, j] = src[:, :, rows, cs]
            else:
                cols[:, i, j] = src[:, :, rows, cs]
    return cols


def col2im(dcols: np.ndarray, padded_shape: tuple[int, ...], stride, dilation, layout: str) -> np.ndarray:
    """Fold column gradients back onto the padded input: ``kH·kW`` strided slice-adds (overlaps accumulate)."""
    if layout == "batched":
        _, _, kh, kw, ho, wo = dcols.shape
    else:
        _, kh, kw, _, ho, wo = dcols.shape
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    dst = dxp if layout == "batched" else dxp.transpose(1, 0, 2, 3)
    for i in range(kh):
        for j in range(kw):
            rows, cs = _window_slices(i, j, ho, wo, stride, dilation)
            if layout == "batched":
                dst[:, :, rows, cs] += dcols[:, :, i, j]
            else:
                dst[:, :, rows, cs] += dcols[:, i, j]
    return dxp


def _crop(dxp: np.ndarray, padding: tuple[int, int, int, int], h: int, w: int) -> np.ndarray:
    pt, _, pl, _ = padding
    if dxp.shape[2:] == (h, w):
        return dxp
    return np.ascontiguousarray(dxp[:, :, pt:pt + h, pl:pl + w])


class Conv2d(Function):
    """out[n, o] = b[o] + Σ_{c in group(o)} Σ_{i,j} w[o, c, i, j] · xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j].

    Arguments are already validated and normalised by ``numnet.functional.conv2d``: ``stride`` and ``dilation`` are
    pairs, ``padding`` is ``(top, bottom, left, right)``.
    """

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1, layout=None):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        g = groups
        pt, pb, pl, pr = padding
        ho = _out_size(h, pt, pb, kh, stride[0], dilation[0])
        wo = _out_size(wd, pl, pr, kw, stride[1], dilation[1])
        if layout is None:
            layout = "batched" if cg <= _BATCHED_MAX_CHANNELS else "gemm"
        xp = _pad_nchw(x, padding)
        cols = im2col(xp, kh, kw, ho, wo, stride, dilation, layout)
        k = cg * kh * kw
        wg = w.reshape(g, o // g, k)
        if layout == "batched":
            cols = cols.reshape(n, g, k, ho * wo)
            out = np.matmul(wg, cols).reshape(n, o, ho, wo)  # (N, G, O/G, L) is already NCHW
        else:
            cols = cols.reshape(g, k, n * ho * wo)
            out = np.matmul(wg, cols).reshape(o, n, ho, wo).transpose(1, 0, 2, 3)
            out = np.ascontiguousarray(out)
        if b is not None:
            out += b.reshape(1, o, 1, 1)
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        self.cols = cols if need_w else None
        self.w = w if need_x else None
        self.geom = (x.shape, xp.shape, w.shape, stride, padding, dilation, g, layout)
        return out

    def backward(self, grad):
        x_shape, xp_shape, w_shape, stride, padding, dilation, g, layout = self.geom
        n, c, h, wd = x_shape
        o, cg, kh, kw = w_shape
        ho, wo = grad.shape[2:]
        k = cg * kh * kw
        if layout == "batched":
            gr = grad.reshape(n, g, o // g, ho * wo)  # a view
        else:
            gr = np.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(g, o // g, n * ho * wo)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            wt = self.w.reshape(g, o // g, k).swapaxes(1, 2)  # (G, K, O/G)
            dcols = np.matmul(wt, gr)
            if layout == "batched":
                dcols = dcols.reshape(n, c, kh, kw, ho, wo)
            else:
                dcols = dcols.reshape(c, kh, kw, n, ho, wo)
            dxp = col2im(dcols, xp_shape, stride, dilation, layout)
            dx = _crop(dxp, padding, h, wd)
        if self.needs_input_grad[1]:
            colst = self.cols.swapaxes(-1, -2)
            dwg = np.matmul(gr, colst)  # (N, G, O/G, K) or (G, O/G, K)
            if layout == "batched":
                dwg = dwg.sum(axis=0)
            dw = dwg.reshape(w_shape)
        if len(self.needs_input_grad) > 2 and self.needs_input_grad[2]:
            db = grad.sum(axis=(0, 2, 3))
        if len(self.needs_input_grad) > 2:
            return dx, dw, db
        return dx, dw
