"""2-D convolution (a cross-correlation, as in PyTorch): im2col + one GEMM forward, GEMM + col2im backward.

Notation (as in ``numnet/ops/im2col.py``): ``x`` ``(N, C, H, W)``; ``w`` ``(O, C/G, kH, kW)``; ``b`` ``(O,)``;
``K = C/G·kH·kW``; ``L = Ho·Wo``.

The plain path: columns ``(N, G, K, L)``, ``out = w_g @ cols`` as one batched matmul whose result ``(N, G, O/G, L)``
already is NCHW. Backward: ``∂L/∂w = Σ_n g_n · cols_nᵀ``, ``∂L/∂cols = wᵀ · g`` folded back by col2im,
``∂L/∂b = Σ_{n,h,w} g``.

Named variants beside it, each chosen where the choice is made (``numnet.kernels`` can force one, for tests):

* **chwn layout** (:data:`_CHWN`): batch-innermost memory. The input is read as ``(C, H, W, N)`` (free when it
  already is an NCHW view of such memory, else one transposing copy), the columns are ``(G, K, Ho·Wo·N)`` and one GEMM
  per group writes ``(O, Ho, Wo, N)`` memory, returned as an NCHW **view** (like PyTorch's ``channels_last``: the
  logical shape stays NCHW, only the strides differ). ReLU, pooling and the next conv keep that memory order
  (``numnet/ops/layout.py``), so a stack of convs never transposes its activations. Chosen by :func:`choose_layout`
  for all but image-like inputs (few input channels, many outputs), where the batched form wins.
* **bias folding** (:func:`_fold_bias`): with one group, the bias rides in the GEMM as a row of ones appended to the
  columns, so the forward needs no separate pass over the output and ``∂L/∂b`` falls out of the ``∂L/∂w`` GEMM.
* **bands of output rows** (:func:`_forward_bands`, :func:`_backward_bands`; setting ``conv_bands``): in the chwn
  layout, when all the columns would exceed :data:`_CHUNK_BYTES` (:data:`_SHARED_BANDS_BYTES` when the compiled
  kernels take the bands, shared between threads: :func:`_band_threshold`), they are never held at once. Each band
  of output rows gets its columns filled into one small scratch array that stays in cache, then its GEMM; backward
  fills them again for ``∂L/∂w`` and folds each band's column gradient back at once. Memory traffic and the step's
  peak memory both fall (the columns are not kept between forward and backward).
* **compiled fill and fold**: with numba (``numnet[fast]``), the chwn im2col and col2im, banded or whole, are
  compiled kernels running over both cores (ops/compiled.py); NumPy's copies run on one.
* **chunked inference** (:func:`_forward_chunked`): in the batched layout, without gradients nothing needs the
  columns afterwards, so a big batch is convolved in chunks whose columns stay in cache.
* **column-blocked GEMMs** (:func:`gemm`): few output channels times very wide columns run as a batch of narrower
  products, which BLAS does faster.

Why these choices: measured on the project's benchmark, see ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from numnet import kernels
from numnet.autograd import Function
from numnet.ops import compiled, parallel, workspace
from numnet.ops.im2col import ConvGeometry, col2im_batched, col2im_chwn, conv_geometry, im2col_batched, im2col_chwn
from numnet.ops.layout import batch_innermost, c_contiguous, is_batch_innermost

__all__ = ["Conv2dOp", "ConvTranspose2dOp", "ConvGeometry", "conv_geometry", "choose_layout", "gemm_operands", "gemm"]

# Groups with at most this many input channels AND more than this many outputs use the per-sample batched layout
# (measured faster on the benchmark's image-input layers, and slower for LeNet's 1→6 layer and the pooling after
# it; see benchmarks/RESULTS.md). Everything else uses chwn.
_BATCHED_MAX_CHANNELS = 3
_FEW_OUTPUTS = 8

# Without gradients to compute, a batch whose columns exceed this many bytes is convolved in chunks (inference);
# the size measured best for LeNet-5 inference on the benchmark (see benchmarks/RESULTS.md).
_CHUNK_BYTES = 16 * 1024 * 1024
# The chwn layout fills the columns of this many bytes of output rows at a time (one band; see _forward_bands),
# sized to stay in the L2 cache (measured on VGGSmall and ResNet-14, benchmarks/RESULTS.md).
_BAND_BYTES = 2 * 1024 * 1024
# With the compiled fill and fold and more than one thread, the bands (shared between the threads) beat keeping the
# columns from this many bytes on (LeNet-5's second conv at batch 256, ResNet-14's middle stage;
# benchmarks/RESULTS.md). Not lower: LeNet-5's first conv at batch 64 (5 MB, 25 rows of columns) was slower banded,
# and the demo would load numba for it.
_SHARED_BANDS_BYTES = 8 * 1024 * 1024
# Below this many bytes of columns NumPy's copies are about as fast, and the compiled ones cost waking threads (and
# loading numba, 1-2 s, in a process that needs no other kernel: LeNet-5 at batch 64, the demo).
_COMPILED_MIN_BYTES = 8 * 1024 * 1024


def choose_layout(in_per_group: int, out_per_group: int) -> str:
    """The column layout the forward uses under ``conv_layout="auto"`` (see the module docstring)."""
    return "batched" if in_per_group <= _BATCHED_MAX_CHANNELS and out_per_group > _FEW_OUTPUTS else "chwn"


# ---------------------------------------------------------------------------------------------------- GEMMs
def _blocks(o: int, length: int) -> int:
    """Column block for GEMMs with few output rows: OpenBLAS multiplies a ``(O, K)`` matrix by a very wide one
    faster as a batch of ``(O, K) @ (K, ~1024)`` products when ``O <= 8`` (measured on LeNet's first layer, no gain
    from 16 rows up; see benchmarks/RESULTS.md). Returns the block width (a divisor of ``length``), or 0 for one
    GEMM."""
    if o > _FEW_OUTPUTS or length < 4096:
        return 0
    for m in range(1024, 255, -1):
        if length % m == 0:
            return m
    return 0


def gemm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for ``a`` (G, O/G, K) and columns ``b`` (…, G, K, L), column-blocked when :func:`_blocks` says so."""
    m = _blocks(a.shape[1], b.shape[-1]) if a.shape[0] == 1 and b.ndim == 3 else 0
    if not m:
        return np.matmul(a, b)
    (_, o, k), length = a.shape, b.shape[-1]
    out = np.empty((1, o, length), dtype=np.result_type(a, b))
    blocks = length // m
    np.matmul(a[0], b[0].reshape(k, blocks, m).swapaxes(0, 1), out=out[0].reshape(o, blocks, m).swapaxes(0, 1))
    return out


def _gemm_nt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ bᵀ`` over the long last axis of both, ``a`` (G, O/G, L) and ``b`` (G, K, L): the weight gradient."""
    m = _blocks(a.shape[1], a.shape[-1]) if a.shape[0] == 1 else 0
    if not m:
        return np.matmul(b, a.swapaxes(-1, -2)).swapaxes(-1, -2)  # BLAS is faster with L inner in both operands
    (_, o, length), k = a.shape, b.shape[1]
    blocks = length // m
    per_block = np.matmul(a[0].reshape(o, blocks, m).swapaxes(0, 1), b[0].reshape(k, blocks, m).transpose(1, 2, 0))
    return per_block.sum(axis=0)[None]


# ---------------------------------------------------------------------------------------------------- the layouts
class _ColumnLayout(NamedTuple):
    """One column layout: how its columns are shaped and filled, and how gradients are read and folded back."""

    name: str
    source: Callable[[np.ndarray], np.ndarray]  # x (N, C, H, W) → what its im2col reads
    samples: Callable[[np.ndarray, int, int], np.ndarray]  # (source, n0, n1) → samples n0..n1 as NCHW (a view)
    lead: Callable[[ConvGeometry], tuple]  # the columns' leading axes, before (K, length)
    length: Callable[[ConvGeometry], int]  # the columns' last axis
    col_shape: Callable[[ConvGeometry], tuple]  # the columns as im2col writes them
    im2col: Callable[[np.ndarray, ConvGeometry, np.ndarray], np.ndarray]
    col2im: Callable[[np.ndarray, ConvGeometry], np.ndarray]
    as_nchw: Callable[[np.ndarray, ConvGeometry], np.ndarray]  # the GEMM result as the NCHW output
    grad_rows: Callable[[np.ndarray, ConvGeometry], np.ndarray]  # ∂L/∂out as the GEMM result's shape
    weight_grad: Callable[[np.ndarray, np.ndarray], np.ndarray]  # (g rows, cols) → (G, O/G, K [+ 1])
    bias_grad: Callable[[np.ndarray, np.ndarray, ConvGeometry], np.ndarray]  # (grad, g rows) → (O,)


_BATCHED = _ColumnLayout(
    name="batched",
    source=lambda x: x,
    samples=lambda src, n0, n1: src[n0:n1],
    lead=lambda g: (g.n, g.groups),
    length=lambda g: g.ho * g.wo,
    col_shape=lambda g: (g.n, g.c, g.kh, g.kw, g.ho, g.wo),
    im2col=im2col_batched,
    col2im=col2im_batched,
    as_nchw=lambda res, g: res.reshape(g.n, g.o, g.ho, g.wo),
    grad_rows=lambda grad, g: c_contiguous(grad).reshape(g.n, g.groups, g.og, g.ho * g.wo),
    weight_grad=lambda gr, cols: np.matmul(gr, cols.swapaxes(-1, -2)).sum(axis=0),
    bias_grad=lambda grad, gr, g: grad.sum(axis=(0, 2, 3)),
)

_CHWN = _ColumnLayout(
    name="chwn",
    source=batch_innermost,
    samples=lambda src, n0, n1: src[..., n0:n1].transpose(3, 0, 1, 2),  # slice N out of (C, H, W, N) memory
    lead=lambda g: (g.groups,),
    length=lambda g: g.ho * g.wo * g.n,
    col_shape=lambda g: (g.c, g.kh, g.kw, g.ho, g.wo, g.n),
    im2col=im2col_chwn,
    col2im=col2im_chwn,
    # (G, O/G, Ho·Wo·N) is (O, Ho, Wo, N) memory, returned as an NCHW view of it
    as_nchw=lambda res, g: res.reshape(g.o, g.ho, g.wo, g.n).transpose(3, 0, 1, 2),
    grad_rows=lambda grad, g: batch_innermost(grad).reshape(g.groups, g.og, g.ho * g.wo * g.n),
    weight_grad=_gemm_nt,
    bias_grad=lambda grad, gr, g: gr.sum(axis=-1).reshape(g.o),
)

_LAYOUTS = {"batched": _BATCHED, "chwn": _CHWN}


def _layout_for(g: ConvGeometry) -> _ColumnLayout:
    """The layout named by the ``conv_layout`` kernel setting; ``"auto"`` asks :func:`choose_layout`."""
    name = kernels.get("conv_layout")
    return _LAYOUTS[choose_layout(g.cg, g.og) if name == "auto" else name]


# ---------------------------------------------------------------------------------------------------- forward paths
def _weight_matrix(w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """The weight as the GEMM's left operand, ``(G, O/G, K)``."""
    return w.reshape(g.groups, g.og, g.k)


def _fold_bias(w: np.ndarray, b: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Bias folding (one group): ``[w | b]`` as ``(1, O, K + 1)``, to multiply columns that end in a row of ones."""
    return np.concatenate([w.reshape(g.o, g.k), b.reshape(g.o, 1)], axis=1).reshape(1, g.o, g.k + 1)


def _forward_im2col(x: np.ndarray, wmat: np.ndarray, g: ConvGeometry, lay: _ColumnLayout, folded: bool,
                    work: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """im2col then one (batched) GEMM: returns ``(wmat @ cols, cols)``, ``cols`` of shape ``lead + (K [+ 1], length)``
    with a last row of ones when the bias is ``folded`` into ``wmat``. The columns live in a buffer taken from
    :mod:`~numnet.ops.workspace` (owned by the caller from then on), or in the flat scratch ``work``."""
    k = g.k
    size = g.n * g.groups * (k + folded) * g.ho * g.wo
    buf = workspace.empty((size,), x.dtype) if work is None else work[:size]
    cols = buf.reshape(lay.lead(g) + (k + folded, lay.length(g)))
    src = lay.source(x)
    if folded:
        cols[..., k, :] = 1
    if lay is _CHWN and cols.nbytes >= _COMPILED_MIN_BYTES and _compiled_for(src):
        compiled.chwn_im2col(src, g, 0, g.ho, cols)
    elif folded:
        lay.im2col(src, g, cols[..., :k, :].reshape(lay.col_shape(g)))
    else:
        lay.im2col(src, g, cols.reshape(lay.col_shape(g)))
    return gemm(wmat, cols), cols


def _band_threshold(x: np.ndarray) -> int:
    """Bytes of columns above which a chwn convolution runs in bands: :data:`_CHUNK_BYTES`, or the lower
    :data:`_SHARED_BANDS_BYTES` when the compiled kernels take the bands and there are threads to share them."""
    if _compiled_dtype(x.dtype) and parallel.threads() > 1:
        return min(_CHUNK_BYTES, _SHARED_BANDS_BYTES)
    return _CHUNK_BYTES


def _compiled_dtype(dtype: np.dtype) -> bool:
    """Whether the compiled kernels (ops/compiled.py) are in use and compiled for ``dtype``."""
    return dtype in compiled.DTYPES and compiled.available()


def _compiled_for(a: np.ndarray) -> bool:
    """Whether the compiled chwn fill and fold (ops/compiled.py) take ``a``: numba present and chosen, a dtype it
    is compiled for, and C-contiguous ``(C, H, W, N)`` memory."""
    return a.flags.c_contiguous and _compiled_dtype(a.dtype)


def _forward_chunked(x: np.ndarray, wmat: np.ndarray, g: ConvGeometry, lay: _ColumnLayout, folded: bool,
                     sample_bytes: int) -> np.ndarray:
    """No-grad inference: the batch in chunks of at most :data:`_CHUNK_BYTES` of columns, each chunk's columns in
    one reused scratch array that stays in cache."""
    out = lay.as_nchw(np.empty(g.n * g.o * g.ho * g.wo, dtype=x.dtype), g)
    step = max(1, _CHUNK_BYTES // sample_bytes)
    work = np.empty(step * sample_bytes // x.dtype.itemsize, dtype=x.dtype)
    src = lay.source(x)
    for n0 in range(0, g.n, step):
        m = min(step, g.n - n0)
        part = lay.samples(src, n0, n0 + m)
        gm = g._replace(n=m)
        res, _ = _forward_im2col(part, wmat, gm, lay, folded, work)
        out[n0:n0 + m] = lay.as_nchw(res, gm)
    return out


def _row_block(g: ConvGeometry, y0: int, y1: int) -> tuple[int, int, ConvGeometry]:
    """Output rows ``[y0, y1)`` as a convolution of their own: the input rows ``[start, end)`` they read and the
    geometry of that band, whose padding is what falls outside the input (so its im2col is exactly the block's)."""
    s, d, pt = g.stride[0], g.dilation[0], g.padding[0]
    top = s * y0 - pt  # the first input row output row y0 reads (may lie in the padding)
    bottom = s * (y1 - 1) + d * (g.kh - 1) - pt + 1  # one past the last input row output row y1 - 1 reads
    start, end = max(0, top), min(g.h, bottom)
    if end <= start:  # the band reads only padding (see _fill_band)
        return start, start, g._replace(h=0, ho=y1 - y0)
    return start, end, g._replace(h=end - start, padding=(start - top, bottom - end) + g.padding[2:], ho=y1 - y0)


def _band_rows(g: ConvGeometry, k: int, itemsize: int) -> int:
    """Output rows per band: as many as keep one band's columns within :data:`_BAND_BYTES`."""
    return max(1, min(g.ho, _BAND_BYTES // (g.groups * k * g.wo * g.n * itemsize)))


def _bands(g: ConvGeometry, rows: int):
    """``(y0, y1, start, end, band geometry)`` for each band of ``rows`` output rows (see :func:`_row_block`)."""
    for y0 in range(0, g.ho, rows):
        y1 = min(g.ho, y0 + rows)
        yield (y0, y1) + _row_block(g, y0, y1)


def _band_columns(work: np.ndarray, g: ConvGeometry, k: int, y0: int, y1: int) -> np.ndarray:
    """The C-contiguous ``(G, k, (y1 − y0)·Wo·N)`` columns of one band, in the flat scratch ``work``."""
    return work[:g.groups * k * (y1 - y0) * g.wo * g.n].reshape(g.groups, k, -1)


def _fill_band(src: np.ndarray, g: ConvGeometry, y0: int, y1: int, start: int, end: int, band: ConvGeometry,
               cols: np.ndarray, folded: bool, fast: bool) -> np.ndarray:
    """Fill a band's columns ``cols`` ``(G, K [+ 1], rows·Wo·N)`` from x's ``(C, H, W, N)`` memory ``src``: one
    compiled pass (``fast``: ops/compiled.py) or the NumPy im2col of the band's own geometry; then the ones row if
    folded."""
    k = g.k
    if fast:
        compiled.chwn_im2col(src, g, y0, y1 - y0, cols)
    elif end == start:  # only padding
        cols[:, :k] = 0
    else:
        im2col_chwn(src[:, start:end], band, cols[:, :k].reshape(band.c, band.kh, band.kw, band.ho, band.wo, band.n))
    if folded:
        cols[:, k] = 1
    return cols


def _dealt_bands(g: ConvGeometry, rows: int, fast: bool) -> list[list]:
    """The bands of ``rows`` output rows dealt round-robin to the threads that run them side by side
    (:func:`numnet.ops.parallel.run`): with the compiled kernels (``fast``, they release the GIL) over BLAS's thread
    count, else all in one list. The deal depends only on the thread count, so results repeat run to run."""
    bands = list(_bands(g, rows))
    t = min(len(bands), parallel.threads()) if fast and len(bands) > 1 else 1
    return [bands[i::t] for i in range(t)]


def _forward_bands(src: np.ndarray, wmat: np.ndarray, g: ConvGeometry, folded: bool) -> np.ndarray:
    """The chwn forward in bands of output rows, from ``src`` = x's ``(C, H, W, N)`` memory: each band's columns
    (about :data:`_BAND_BYTES`) are filled into a reused scratch array that stays in cache, and its GEMM writes
    straight into the band of the ``(O, Ho, Wo, N)`` output. Nothing is kept: backward fills the columns again,
    which costs less than writing and reading all of them through main memory (benchmarks/RESULTS.md). With the
    compiled fill, the bands are shared between threads (each its own scratch; the bands of the output are
    disjoint)."""
    k, width = g.k + folded, g.wo * g.n
    rows = _band_rows(g, k, src.itemsize)
    out = np.empty((g.groups, g.og, g.ho * width), dtype=np.result_type(src, wmat))
    fast = _compiled_for(src)  # decided here: a worker thread has the default kernel settings

    def run(bands: list) -> None:
        work = np.empty(g.groups * k * rows * width, dtype=src.dtype)
        for y0, y1, start, end, band in bands:
            cols = _fill_band(src, g, y0, y1, start, end, band, _band_columns(work, g, k, y0, y1), folded, fast)
            if g.groups == 1 and _blocks(g.og, cols.shape[-1]):
                out[..., y0 * width:y1 * width] = gemm(wmat, cols)
            else:
                np.matmul(wmat, cols, out=out[..., y0 * width:y1 * width])

    parallel.run(run, _dealt_bands(g, rows, fast))
    return _CHWN.as_nchw(out, g)


def _backward_bands(gr: np.ndarray, src: np.ndarray, w: np.ndarray | None, g: ConvGeometry, folded: bool,
                    need_x: bool, need_w: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Backward of :func:`_forward_bands`, band by band: the band's columns are filled again for
    ``∂L/∂w += g_band · colsᵀ`` (with the bias column when ``folded``), and ``∂L/∂cols = wᵀ · g_band`` is folded by
    col2im into the band's input rows (neighbouring bands overlap by the kernel's reach, so they are added).
    ``gr`` is ∂L/∂out as ``(G, O/G, Ho·Wo·N)``. Returns ``(∂L/∂x as (C, H, W, N) memory, (G, O/G, K [+ 1]))``.
    Shared between threads like the forward, each thread sums into its own ∂L/∂x and ∂L/∂w (neighbouring bands
    overlap), added in a fixed order at the end."""
    k, width = g.k + folded, g.wo * g.n
    rows = _band_rows(g, k, gr.itemsize)
    wt = w.reshape(g.groups, g.og, g.k).swapaxes(1, 2) if need_x else None  # (G, K, O/G)
    fast_x = need_x and _compiled_dtype(gr.dtype)  # the fold into the C-contiguous dx made below
    fast_w = need_w and _compiled_for(src)

    def run(bands: list) -> tuple[np.ndarray | None, np.ndarray | None]:
        dx = np.zeros((g.c, g.h, g.w, g.n), dtype=gr.dtype) if need_x else None
        dwg = np.zeros((g.groups, g.og, k), dtype=gr.dtype) if need_w else None
        work = np.empty(g.groups * k * rows * width, dtype=src.dtype) if need_w else None
        dwork = np.empty(g.groups * g.k * rows * width, dtype=gr.dtype) if need_x else None
        for y0, y1, start, end, band in bands:
            g_band = gr[..., y0 * width:y1 * width]
            if need_w:
                cols = _fill_band(src, g, y0, y1, start, end, band, _band_columns(work, g, k, y0, y1), folded,
                                  fast_w)
                dwg += _gemm_nt(g_band, cols)
            if need_x and end > start:
                dcols = np.matmul(wt, g_band, out=_band_columns(dwork, g, g.k, y0, y1))
                if fast_x:
                    compiled.chwn_col2im_add(dcols, g, y0, y1 - y0, dx)
                else:
                    shape = (band.c, band.kh, band.kw, band.ho, band.wo, band.n)
                    dx[:, start:end] += col2im_chwn(dcols.reshape(shape), band).transpose(1, 2, 3, 0)
        return dx, dwg

    parts = parallel.run(run, _dealt_bands(g, rows, (fast_x or not need_x) and (fast_w or not need_w)))
    dx, dwg = parts[0]
    for more_dx, more_dw in parts[1:]:
        if need_x:
            dx += more_dx
        if need_w:
            dwg += more_dw
    return dx, dwg


class Conv2dOp(Function):
    """out[n, o] = b[o] + Σ_{c in group(o)} Σ_{i,j} w[o, c, i, j] · xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j].

    Arguments are already validated and normalised by ``numnet.functional.conv2d``: ``stride`` and ``dilation`` are
    pairs, ``padding`` is ``(top, bottom, left, right)``. The code path (column layout, bias folding) follows the
    ``numnet.kernels`` settings.
    """

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        g = conv_geometry(x.shape, w.shape, stride, padding, dilation, groups)
        if compiled.depthwise(g) and x.dtype in compiled.DTYPES and w.dtype == x.dtype and compiled.available():
            return self._forward_depthwise(x, w, b, g)
        lay = _layout_for(g)
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        need_b = b is not None and self.needs_input_grad[2]
        folded = groups == 1 and b is not None and kernels.get("conv_fold_bias")
        wmat = _fold_bias(w, b, g) if folded else _weight_matrix(w, g)
        keep_cols = need_w or (folded and need_b)
        sample_bytes = (g.k + folded) * groups * g.ho * g.wo * x.dtype.itemsize  # columns of one sample
        # columns too big to keep: bands of output rows, whose columns backward fills again from x
        self.banded = lay is _CHWN and g.n * sample_bytes > _band_threshold(x) and kernels.get("conv_bands")
        self.src = None
        if self.banded:
            src = batch_innermost(x)
            cols, out = None, _forward_bands(src, wmat, g, folded)
            self.src = src if keep_cols else None
            keep_cols = False
        elif keep_cols or g.n * sample_bytes <= _CHUNK_BYTES:
            res, cols = _forward_im2col(x, wmat, g, lay, folded)
            out = lay.as_nchw(res, g)
        else:
            cols, out = None, _forward_chunked(x, wmat, g, lay, folded, sample_bytes)
        if b is not None and not folded:
            out += b.reshape(1, g.o, 1, 1)
        # This op is the columns' only owner: they never leave it (results are new arrays), and `_release` gives
        # them back to the workspace once the graph is done with them.
        self.cols = cols if keep_cols else None
        self.w = w if need_x else None
        self.geom, self.layout, self.folded = g, lay, folded
        # ∂L/∂x comes back in x's memory layout (as in PyTorch), so the elementwise backward of whatever made x
        # (ReLU, batch norm) meets its gradient in the order of its own saved arrays.
        self.x_chwn = need_x and lay is _CHWN and is_batch_innermost(x)
        return out

    def _forward_depthwise(self, x, w, b, g):
        """The compiled direct path for depthwise convolutions (ops/compiled.py); the same result as im2col."""
        out = compiled.depthwise_forward(x, w, g)
        if b is not None:
            out += b.reshape(1, g.o, 1, 1).astype(out.dtype, copy=False)
        self.geom, self.depthwise = g, True
        self.x = x if self.needs_input_grad[1] else None
        self.w = w if self.needs_input_grad[0] else None
        return out

    def backward(self, grad):
        if self.__dict__.get("depthwise"):
            g = self.geom
            dx, dw = compiled.depthwise_backward(grad, self.x, self.w, g, self.needs_input_grad[0],
                                                 self.needs_input_grad[1])
            if dw is not None:
                dw = dw.astype(grad.dtype, copy=False)
            if len(self.needs_input_grad) > 2:
                return dx, dw, grad.sum(axis=(0, 2, 3)) if self.needs_input_grad[2] else None
            return dx, dw
        g, lay, folded = self.geom, self.layout, self.folded
        k = g.k
        has_b = len(self.needs_input_grad) > 2
        need_b = has_b and self.needs_input_grad[2]
        gr = lay.grad_rows(grad, g)
        dx = dw = db = None
        need_dw = self.needs_input_grad[1] or (folded and need_b)
        dwg = None
        if self.banded:
            dx_mem, dwg = _backward_bands(gr, self.src, self.w, g, folded, self.needs_input_grad[0], need_dw)
            if dx_mem is not None:
                dx = dx_mem.transpose(3, 0, 1, 2) if self.x_chwn else c_contiguous(dx_mem.transpose(3, 0, 1, 2))
        else:
            if self.needs_input_grad[0]:
                wt = self.w.reshape(g.groups, g.og, k).swapaxes(1, 2)  # (G, K, O/G)
                dcols = np.matmul(wt, gr, out=workspace.empty(gr.shape[:-3] + (g.groups, k, gr.shape[-1]), gr.dtype))
                if lay is _CHWN and dcols.nbytes >= _COMPILED_MIN_BYTES and _compiled_for(dcols):
                    dx_mem = np.zeros((g.c, g.h, g.w, g.n), dtype=dcols.dtype)
                    compiled.chwn_col2im_add(dcols, g, 0, g.ho, dx_mem)
                    dx = dx_mem.transpose(3, 0, 1, 2)
                else:
                    dx = lay.col2im(dcols.reshape(lay.col_shape(g)), g)  # a new array: dcols does not escape
                workspace.give_back(dcols)
                del dcols
                if lay is _CHWN and not self.x_chwn:
                    dx = c_contiguous(dx)
            if need_dw:
                dwg = lay.weight_grad(gr, self.cols)  # (G, O/G, K [+ 1])
        if dwg is not None:
            if self.needs_input_grad[1]:
                dw = np.ascontiguousarray(dwg[..., :k]).reshape(g.o, g.cg, g.kh, g.kw)
            if folded and need_b:
                db = np.ascontiguousarray(dwg[0, :, k])
        if need_b and db is None:
            db = lay.bias_grad(grad, gr, g)
        if has_b:
            return dx, dw, db
        return dx, dw

    def _release(self) -> None:
        workspace.give_back(self.__dict__.get("cols"))  # the graph is done with them: reuse the columns' memory
        super()._release()


def gemm_operands(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, g: ConvGeometry,
                  layout: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The two operands of the forward GEMM exactly as :class:`Conv2d` builds them (bias folded when there is one
    and one group), ``(wmat, cols)``: ``gemm(wmat, cols)`` is the convolution. ``layout``: ``"batched"``,
    ``"chwn"``, or ``None`` for the ``numnet.kernels`` setting. For benchmarks; the columns belong to the caller."""
    lay = _LAYOUTS[layout] if layout is not None else _layout_for(g)
    folded = g.groups == 1 and b is not None
    wmat = _fold_bias(w, b, g) if folded else _weight_matrix(w, g)
    _, cols = _forward_im2col(x, wmat, g, lay, folded)
    return wmat, cols


# ---------------------------------------------------------------------------------------------------- transposed
def _fit(a: np.ndarray, h: int, w: int) -> np.ndarray:
    """``a`` ``(N, C, H', W')`` cropped or zero-extended at the bottom/right to ``(N, C, h, w)``."""
    if a.shape[2:] == (h, w):
        return a
    out = np.zeros(a.shape[:2] + (h, w), dtype=a.dtype)
    hh, ww = min(h, a.shape[2]), min(w, a.shape[3])
    out[:, :, :hh, :ww] = a[:, :, :hh, :ww]
    return out


class ConvTranspose2dOp(Function):
    """The transposed convolution: the input-gradient of a conv2d, run forward.

    ``w`` ``(C_in, C_out/G, kH, kW)`` is read as the weight of a conv2d ``g`` from ``C_out`` to ``C_in`` channels over
    a canvas ``(N, C_out, H_c, W_c)`` padded by ``p`` on top/left only, ``H_c = s·(H − 1) + d·(kH − 1) − p + 1`` (the
    last row any tap reaches), so that its output is exactly x's ``H × W``. Then::

        canvas = col2im(w_gᵀ · x):  canvas[n, o, s·y + d·i − p, s·x + d·j − p] += Σ_c x[n, c, y, x] · w[c, o, i, j]

    and the output is the canvas cropped (or zero-extended: rows no tap reaches) to ``out_hw``, which is how
    ``output_padding`` and the bottom/right padding act. Backward is the conv2d ``g`` itself:
    ``∂L/∂x = w_g · im2col(ĝ)``, ``∂L/∂w = Σ_n x_n · im2col(ĝ)_nᵀ`` with ``ĝ`` the gradient fitted back to the
    canvas; ``∂L/∂b = Σ_{n,h,w} g``. Plain batched layout (no speed variants).

    Arguments are normalised by ``numnet.functional.conv_transpose2d``: ``stride``, ``padding``, ``dilation`` pairs
    and ``out_hw`` the output's ``(H_out, W_out)``.
    """

    def forward(self, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, out_hw=(1, 1)):
        n, _, h, wd = x.shape
        c_out, kh, kw = w.shape[1] * groups, w.shape[2], w.shape[3]
        hc = stride[0] * (h - 1) + dilation[0] * (kh - 1) - padding[0] + 1
        wc = stride[1] * (wd - 1) + dilation[1] * (kw - 1) - padding[1] + 1
        g = conv_geometry((n, c_out, hc, wc), w.shape, stride, (padding[0], 0, padding[1], 0), dilation, groups)
        # g maps the (N, C_out, H_c, W_c) canvas to x's (N, C_in, H, W): g.o = C_in, g.k = C_out/G·kH·kW
        wt = w.reshape(groups, g.og, g.k).swapaxes(1, 2)  # (G, K, C_in/G)
        rows = np.ascontiguousarray(x).reshape(n, groups, g.og, g.ho * g.wo)
        dcols = np.matmul(wt, rows)  # (N, G, K, H·W)
        out = _fit(col2im_batched(dcols.reshape(n, g.c, g.kh, g.kw, g.ho, g.wo), g), *out_hw)
        if b is not None:
            out += b.reshape(1, c_out, 1, 1)
        self.geom = g
        self.x = x if self.needs_input_grad[1] else None
        self.w = w if self.needs_input_grad[0] else None
        return out

    def backward(self, grad):
        g = self.geom
        has_b = len(self.needs_input_grad) > 2
        dx = dw = db = None
        if self.needs_input_grad[0] or self.needs_input_grad[1]:
            cols = np.empty((g.n, g.c, g.kh, g.kw, g.ho, g.wo), dtype=grad.dtype)
            im2col_batched(np.ascontiguousarray(_fit(grad, g.h, g.w)), g, cols)
            cols = cols.reshape(g.n, g.groups, g.k, g.ho * g.wo)
            if self.needs_input_grad[0]:
                dx = np.matmul(self.w.reshape(g.groups, g.og, g.k), cols).reshape(g.n, g.o, g.ho, g.wo)
            if self.needs_input_grad[1]:
                xr = np.ascontiguousarray(self.x).reshape(g.n, g.groups, g.og, g.ho * g.wo)
                dw = np.matmul(xr, cols.swapaxes(-1, -2)).sum(axis=0).reshape(g.o, g.cg, g.kh, g.kw)
        if has_b and self.needs_input_grad[2]:
            db = grad.sum(axis=(0, 2, 3))
        return (dx, dw, db) if has_b else (dx, dw)
