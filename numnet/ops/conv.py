"""2-D convolution (a cross-correlation, as in PyTorch): im2col + one batched GEMM forward, GEMM + col2im backward.

Notation: ``x`` input ``(N, C, H, W)``; ``w`` weight ``(O, C/G, kH, kW)``; ``b`` bias ``(O,)``; ``G`` groups;
``s`` stride, ``d`` dilation, ``(pt, pb, pl, pr)`` zero padding (top, bottom, left, right — asymmetric padding is
needed for ``padding='same'``); ``K = C/G·kH·kW`` the length of one patch; ``L = Ho·Wo`` output pixels per sample.

im2col copies, for each kernel offset ``(i, j)``, the input pixels that offset reads, straight from the UNPADDED
input (no padded copy): the strided window ``x[:, :, s_h·y + d_h·i − pt, s_w·x + d_w·j − pl]`` clipped to the input,
with only the parts that fall in the padding zeroed — a loop over kernel offsets only, each copy slicing the whole
batch. When the stride is 1 and output rows are as wide as input rows (e.g. ``padding='same'``), an offset is a single
flat shift of every ``H·W`` plane, so each copy runs over whole planes; the pixels the shift wraps in from the
neighbouring row are the padding columns, zeroed afterwards. Two column layouts are used (see
``/work/shared/PERFORMANCE-NOTES.md`` and ``benchmarks/RESULTS.md``):

* ``"batched"``: columns ``(N, G, K, L)``; ``out = w_g @ cols`` is a batched matmul whose result ``(N, G, O/G, L)`` is
  already NCHW (no output transpose). Used when a group has few input channels (``C/G <= 3``, e.g. an image) and
  more than 8 outputs, where the per-sample GEMMs beat one wide GEMM with a short inner dimension.
* ``"chwn"``: batch-innermost memory. The input is read as ``(C, H, W, N)`` (free when it already is an NCHW view of
  such memory, else one transposing copy), the columns are ``(G, K, Ho·Wo·N)`` — each im2col/col2im copy then runs
  over ``Wo·N`` contiguous values instead of ``Wo`` — and one GEMM per group writes ``(O, Ho, Wo, N)`` memory, returned
  as an NCHW **view** (like PyTorch's ``channels_last``, the logical shape stays NCHW; only the strides differ).
  ReLU, pooling and the next conv keep that memory order, so a stack of convs never transposes its activations.

With one group and a bias, the bias is folded into the GEMM (a row of ones appended to the columns), which also
yields ``∂L/∂b`` from the ``∂L/∂w`` GEMM.

Backward: ``∂L/∂w = Σ_n g_n · cols_nᵀ`` (GEMM; computed as ``(cols · gᵀ)ᵀ`` in the chwn layout), ``∂L/∂cols = wᵀ · g``
(GEMM) folded back by col2im (``kH·kW`` clipped slice-adds straight into the unpadded input gradient, which in the
chwn layout is again a batch-innermost view), ``∂L/∂b = Σ_{n,h,w} g``.
"""

from __future__ import annotations

import functools

import numpy as np

from numnet.autograd import Function
from numnet.ops import workspace
from numnet.ops.layout import batch_innermost, c_contiguous

# Groups with at most this many input channels AND more than this many outputs use the per-sample batched layout
# (measured: 3→16 channels at 32×32 is 1.4× faster batched; 1→6 at 28×28 is faster in chwn, also for the pooling
# after it). Everything else uses chwn.
_BATCHED_MAX_CHANNELS = 3
_FEW_OUTPUTS = 8


def choose_layout(in_per_group: int, out_per_group: int) -> str:
    """The column layout the forward uses by default (see the module docstring)."""
    return "batched" if in_per_group <= _BATCHED_MAX_CHANNELS and out_per_group > _FEW_OUTPUTS else "chwn"


def _out_size(size: int, pad_lo: int, pad_hi: int, k: int, s: int, d: int) -> int:
    """Output length of a strided, dilated window sweep: ⌊(n + p_lo + p_hi − d·(k−1) − 1)/s⌋ + 1."""
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def _valid_range(i: int, size: int, pad_lo: int, out: int, s: int, d: int) -> tuple[int, int, int]:
    """Output positions ``[lo, hi)`` at which kernel offset ``i`` reads inside the unpadded input (input position
    ``s·y + d·i − pad_lo`` in ``[0, size)``), and the input position read at ``lo``."""
    lo = min(out, max(0, -((d * i - pad_lo) // s)))
    hi = min(out, max(lo, (size - 1 + pad_lo - d * i) // s + 1))
    return lo, hi, s * lo + d * i - pad_lo


@functools.lru_cache(maxsize=256)
def _offset_plan(kh, kw, h, w, ho, wo, stride, padding, dilation) -> tuple[tuple, ...]:
    """Per kernel offset ``(i, j)``: the valid output window ``(y0, y1, x0, x1)``, the matching strided input slices
    (rows, cols) of the unpadded input, and the flat shift ``(d_h·i − p_t)·W + (d_w·j − p_l)`` used by the flat path."""
    sh, sw = stride
    dh, dw = dilation
    pt, _, pl, _ = padding
    plan = []
    for i in range(kh):
        y0, y1, r0 = _valid_range(i, h, pt, ho, sh, dh)
        for j in range(kw):
            x0, x1, c0 = _valid_range(j, w, pl, wo, sw, dw)
            rows = slice(r0, r0 + sh * (y1 - y0 - 1) + 1, sh) if y1 > y0 else slice(0, 0)
            cols = slice(c0, c0 + sw * (x1 - x0 - 1) + 1, sw) if x1 > x0 else slice(0, 0)
            plan.append((i, j, y0, y1, x0, x1, rows, cols, (dh * i - pt) * w + (dw * j - pl)))
    return tuple(plan)


def _is_flat(stride, w: int, wo: int) -> bool:
    """Stride 1 with output rows as wide as input rows: kernel offset ``(i, j)`` is then ONE flat shift of each
    ``H·W`` plane (output pixel ``q`` reads input pixel ``q + shift``), so copies run over whole planes instead of
    rows; the pixels a shift wraps into the neighbouring row are the padding columns, zeroed separately."""
    return tuple(stride) == (1, 1) and w == wo


def _flat_range(shift: int, out_len: int, in_len: int) -> tuple[int, int]:
    """Flat output positions ``[lo, hi)`` whose shifted input position lies in ``[0, in_len)``."""
    lo = min(out_len, max(0, -shift))
    return lo, max(lo, min(out_len, in_len - shift))


def _zero_columns(plane: np.ndarray, x0: int, x1: int) -> None:
    """Zero the output columns outside ``[x0, x1)`` of ``(A, B, Ho, Wo)`` planes (the padding columns)."""
    if x0 > 0:
        plane[:, :, :, :x0] = 0
    if x1 < plane.shape[3]:
        plane[:, :, :, x1:] = 0


def im2col(x, kh, kw, ho, wo, stride, padding, dilation, layout, out=None):
    """Columns of the unpadded input, ``(N, C, kH, kW, Ho, Wo)`` for ``"batched"`` or ``(C, kH, kW, Ho, Wo, N)``
    for ``"chwn"``: per kernel offset one copy of the valid region (a flat shift of whole planes when
    :func:`_is_flat`, "batched" only, else a strided window); only the parts that fall in the zero padding are
    zeroed — no padded copy of the input is made. ``out``: an array of that shape to fill instead of a new one."""
    n, c, h, w = x.shape
    shape = (n, c, kh, kw, ho, wo) if layout == "batched" else (c, kh, kw, ho, wo, n)
    cols = np.empty(shape, dtype=x.dtype) if out is None else out
    if layout == "batched":
        src, view = x, cols
    else:  # (C, N, H, W) and (C, kH, kW, N, Ho, Wo) views of batch-innermost memory: copies run over Wo·N
        src, view = batch_innermost(x).transpose(0, 3, 1, 2), cols.transpose(0, 1, 2, 5, 3, 4)
    flat = layout == "batched" and _is_flat(stride, w, wo)
    if flat:
        src = src.reshape(n, c, h * w)
    for i, j, y0, y1, x0, x1, rows, cs, shift in _offset_plan(kh, kw, h, w, ho, wo, stride, padding, dilation):
        dst = view[:, :, i, j] if layout == "batched" else view[:, i, j]
        if flat:
            d = dst.reshape(n, c, ho * wo)
            lo, hi = _flat_range(shift, ho * wo, h * w)
            d[:, :, :lo] = 0
            d[:, :, hi:] = 0
            d[:, :, lo:hi] = src[:, :, lo + shift:hi + shift]
            _zero_columns(dst, x0, x1)  # what wrapped in from the neighbouring row
            continue
        if y0 > 0:
            dst[:, :, :y0] = 0
        if y1 < ho:
            dst[:, :, y1:] = 0
        dst[:, :, y0:y1, x0:x1] = src[:, :, rows, cs]
        _zero_columns(dst[:, :, y0:y1], x0, x1)
    return cols


def col2im(dcols, x_shape, stride, padding, dilation, layout):
    """Fold column gradients back onto the unpadded input: ``kH·kW`` slice-adds of the valid regions (overlaps
    accumulate; what falls in the padding is dropped). The flat path ("batched" layout) adds whole shifted planes
    after zeroing the padding columns of ``dcols`` (a scratch array, overwritten). The "chwn" layout accumulates in
    batch-innermost ``(C, H, W, N)`` memory and returns an ``(N, C, H, W)`` view of it. An offset covering the whole
    input (the centre tap of a stride-1 'same' conv) is assigned first instead of zero filling."""
    n, c, h, w = x_shape
    if layout == "batched":
        _, _, kh, kw, ho, wo = dcols.shape
        acc = np.empty((n, c, h, w), dtype=dcols.dtype)
        view, parts = acc, dcols
    else:
        _, kh, kw, ho, wo, _ = dcols.shape
        acc = np.empty((c, h, w, n), dtype=dcols.dtype)
        view, parts = acc.transpose(0, 3, 1, 2), dcols.transpose(0, 1, 2, 5, 3, 4)
    flat = layout == "batched" and _is_flat(stride, w, wo)
    accf = acc.reshape(n, c, h * w) if flat else None
    plan = list(_offset_plan(kh, kw, h, w, ho, wo, stride, padding, dilation))
    full = [p for p in plan if p[6] == slice(0, h, 1) and p[7] == slice(0, w, 1)]
    if full:
        plan.remove(full[0])
        plan.insert(0, full[0])
    else:
        acc[...] = 0
    for k, (i, j, y0, y1, x0, x1, rows, cs, shift) in enumerate(plan):
        part = parts[:, :, i, j] if layout == "batched" else parts[:, i, j]
        if k == 0 and full:
            view[...] = part[:, :, y0:y1, x0:x1]
        elif flat:
            _zero_columns(part, x0, x1)
            lo, hi = _flat_range(shift, ho * wo, h * w)
            accf[:, :, lo + shift:hi + shift] += part.reshape(n, c, ho * wo)[:, :, lo:hi]
        elif y1 > y0 and x1 > x0:
            view[:, :, rows, cs] += part[:, :, y0:y1, x0:x1]
    return acc if layout == "batched" else acc.transpose(3, 0, 1, 2)


# Without gradients to compute, a batch whose columns exceed this many bytes is convolved in chunks (inference).
# 16 MiB measured best for LeNet-5 inference at B=1000 (2, 4, 8, 16, 32 MiB and no chunking tried).
_CHUNK_BYTES = 16 * 1024 * 1024


def _im2col_gemm(x, wmat, geom, folded, work=None):
    """The convolution as one (batched) GEMM: returns ``(wmat @ cols, cols)``. ``cols`` is ``(N, G, K, L)`` for
    "batched" or ``(G, K, Ho·Wo·N)`` for "chwn", with a last row of ones when the bias is ``folded`` into ``wmat``.
    ``work``: a flat scratch array to hold the columns instead of a new one."""
    kh, kw, ho, wo, stride, padding, dilation, layout = geom
    n, c = x.shape[:2]
    g, k = wmat.shape[0], wmat.shape[2] - folded
    lead = (n, g) if layout == "batched" else (g,)
    length = ho * wo if layout == "batched" else ho * wo * n
    size = n * g * (k + folded) * ho * wo
    buf = (workspace.empty((size,), x.dtype) if work is None else work[:size]).reshape(lead + (k + folded, length))
    col_shape = (n, c, kh, kw, ho, wo) if layout == "batched" else (c, kh, kw, ho, wo, n)
    if folded:
        buf[..., k, :] = 1
        im2col(x, kh, kw, ho, wo, stride, padding, dilation, layout, out=buf[..., :k, :].reshape(col_shape))
    else:
        im2col(x, kh, kw, ho, wo, stride, padding, dilation, layout, out=buf.reshape(col_shape))
    return _gemm(wmat, buf), buf


def _blocks(o: int, length: int) -> int:
    """Column block for GEMMs with few output rows: OpenBLAS multiplies a ``(O, K)`` matrix by a very wide one 2–3×
    faster as a batch of ``(O, K) @ (K, ~1024)`` products when ``O <= 8`` (measured: 23 → 62 GFLOP/s for LeNet's
    first layer; no gain from 16 rows up). Returns the block width (a divisor of ``length``), or 0 for one GEMM."""
    if o > _FEW_OUTPUTS or length < 4096:
        return 0
    for m in range(1024, 255, -1):
        if length % m == 0:
            return m
    return 0


def _gemm(a, b):
    """``a @ b`` for ``a`` (G, O/G, K) and columns ``b`` (…, G, K, L), column-blocked when :func:`_blocks` says so."""
    m = _blocks(a.shape[1], b.shape[-1]) if a.shape[0] == 1 and b.ndim == 3 else 0
    if not m:
        return np.matmul(a, b)
    (_, o, k), length = a.shape, b.shape[-1]
    out = np.empty((1, o, length), dtype=np.result_type(a, b))
    blocks = length // m
    np.matmul(a[0], b[0].reshape(k, blocks, m).swapaxes(0, 1), out=out[0].reshape(o, blocks, m).swapaxes(0, 1))
    return out


def _gemm_nt(a, b):
    """``a @ bᵀ`` over the long last axis of both, ``a`` (G, O/G, L) and ``b`` (G, K, L): the weight gradient."""
    m = _blocks(a.shape[1], a.shape[-1]) if a.shape[0] == 1 else 0
    if not m:
        return np.matmul(b, a.swapaxes(-1, -2)).swapaxes(-1, -2)  # BLAS is faster with L inner in both operands
    (_, o, length), k = a.shape, b.shape[1]
    blocks = length // m
    per_block = np.matmul(a[0].reshape(o, blocks, m).swapaxes(0, 1), b[0].reshape(k, blocks, m).transpose(1, 2, 0))
    return per_block.sum(axis=0)[None]


def _as_nchw(res, layout, n, o, ho, wo):
    """The GEMM result as the NCHW output: ``(N, G, O/G, L)`` already is; ``(G, O/G, Ho·Wo·N)`` is ``(O, Ho, Wo, N)``
    memory, returned as an NCHW view of it."""
    if layout == "batched":
        return res.reshape(n, o, ho, wo)
    return res.reshape(o, ho, wo, n).transpose(3, 0, 1, 2)


class Conv2d(Function):
    """out[n, o] = b[o] + Σ_{c in group(o)} Σ_{i,j} w[o, c, i, j] · xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j].

    Arguments are already validated and normalised by ``numnet.functional.conv2d``: ``stride`` and ``dilation`` are
    pairs, ``padding`` is ``(top, bottom, left, right)``. ``layout`` forces ``"batched"`` or ``"chwn"`` columns and
    ``fold_bias=False`` keeps the bias out of the GEMM (both for tests; the defaults pick the faster path).
    """

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1, layout=None,
                fold_bias=True):
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        g = groups
        pt, pb, pl, pr = padding
        ho = _out_size(h, pt, pb, kh, stride[0], dilation[0])
        wo = _out_size(wd, pl, pr, kw, stride[1], dilation[1])
        if layout is None:
            layout = choose_layout(cg, o // g)
        k = cg * kh * kw
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = b is not None and self.needs_input_grad[2]
        # One group: the bias rides in the GEMM as an extra row of ones in the columns (and an extra weight column),
        # so the forward needs no separate pass over the output and ∂L/∂b falls out of the ∂L/∂w GEMM.
        folded = fold_bias and g == 1 and b is not None
        wmat = (np.concatenate([w.reshape(o, k), b.reshape(o, 1)], axis=1).reshape(1, o, k + 1) if folded
                else w.reshape(g, o // g, k))
        geom = (kh, kw, ho, wo, stride, padding, dilation, layout)
        keep_cols = need_w or (folded and need_b)
        sample_bytes = (k + folded) * g * ho * wo * x.dtype.itemsize  # columns of one sample
        if keep_cols or n * sample_bytes <= _CHUNK_BYTES:
            res, cols = _im2col_gemm(x, wmat, geom, folded)
            out = _as_nchw(res, layout, n, o, ho, wo)
        else:  # nothing to keep for backward: run the batch in chunks whose columns stay in cache
            cols, out = None, _as_nchw(np.empty(n * o * ho * wo, dtype=x.dtype), layout, n, o, ho, wo)
            step = max(1, _CHUNK_BYTES // sample_bytes)
            work = np.empty(step * sample_bytes // x.dtype.itemsize, dtype=x.dtype)
            src = x if layout == "batched" else batch_innermost(x)
            for n0 in range(0, n, step):
                m = min(step, n - n0)
                part = src[n0:n0 + m] if layout == "batched" else src[..., n0:n0 + m].transpose(3, 0, 1, 2)
                res, _ = _im2col_gemm(part, wmat, geom, folded, work)
                out[n0:n0 + m] = _as_nchw(res, layout, m, o, ho, wo)
        if b is not None and not folded:
            out += b.reshape(1, o, 1, 1)
        self.cols = cols if keep_cols else None
        self.w = w if need_x else None
        self.geom = (x.shape, w.shape, stride, padding, dilation, g, layout, folded)
        # ∂L/∂x comes back in x's memory layout (as in PyTorch), so the elementwise backward of whatever made x
        # (ReLU, batch norm) meets its gradient in the order of its own saved arrays.
        self.x_chwn = need_x and layout == "chwn" and x.transpose(1, 2, 3, 0).flags.c_contiguous
        return out

    def backward(self, grad):
        x_shape, w_shape, stride, padding, dilation, g, layout, folded = self.geom
        n, c, h, wd = x_shape
        o, cg, kh, kw = w_shape
        ho, wo = grad.shape[2:]
        k = cg * kh * kw
        has_b = len(self.needs_input_grad) > 2
        need_b = has_b and self.needs_input_grad[2]
        if layout == "batched":
            gr = c_contiguous(grad).reshape(n, g, o // g, ho * wo)
        else:
            gr = batch_innermost(grad).reshape(g, o // g, ho * wo * n)
        dx = dw = db = None
        if self.needs_input_grad[0]:
            wt = self.w.reshape(g, o // g, k).swapaxes(1, 2)  # (G, K, O/G)
            dcols = np.matmul(wt, gr, out=workspace.empty(gr.shape[:-3] + (g, k, gr.shape[-1]), gr.dtype))
            col_shape = (n, c, kh, kw, ho, wo) if layout == "batched" else (c, kh, kw, ho, wo, n)
            dx = col2im(dcols.reshape(col_shape), x_shape, stride, padding, dilation, layout)
            workspace.give_back(dcols)
            del dcols
            if layout == "chwn" and not self.x_chwn:
                dx = c_contiguous(dx)
        if self.needs_input_grad[1] or (folded and need_b):
            if layout == "batched":
                dwg = np.matmul(gr, self.cols.swapaxes(-1, -2)).sum(axis=0)  # (G, O/G, K [+ 1])
            else:
                dwg = _gemm_nt(gr, self.cols)
            if self.needs_input_grad[1]:
                dw = np.ascontiguousarray(dwg[..., :k]).reshape(w_shape)
            if folded and need_b:
                db = np.ascontiguousarray(dwg[0, :, k])
        if need_b and db is None:
            db = gr.sum(axis=-1).reshape(o) if layout == "chwn" else grad.sum(axis=(0, 2, 3))
        if has_b:
            return dx, dw, db
        return dx, dw

    def _release(self) -> None:
        workspace.give_back(self.__dict__.get("cols"))  # the graph is done with them: reuse the columns' memory
        super()._release()
