"""Convolution geometry and the column helpers (im2col, col2im) of ``numnet/ops/conv.py``, one small function per
column layout.

Notation: ``x`` input ``(N, C, H, W)``; weight ``(O, C/G, kH, kW)``; ``G`` groups; ``s`` stride, ``d`` dilation,
``(pt, pb, pl, pr)`` zero padding (top, bottom, left, right — asymmetric padding is needed for ``padding='same'``);
``K = C/G·kH·kW`` the length of one patch; ``L = Ho·Wo`` output pixels per sample.

im2col copies, for each kernel offset ``(i, j)``, the input pixels that offset reads, straight from the UNPADDED
input (no padded copy): the strided window ``x[:, :, s_h·y + d_h·i − pt, s_w·x + d_w·j − pl]`` clipped to the input,
with only the parts that fall in the padding zeroed — a loop over kernel offsets only, each copy slicing the whole
batch. Small inputs (batch-1 inference) instead take one zero-padded copy and one strided copy of all windows
(:func:`_copy_strided`), whose fixed cost is lower than the loop's. col2im is its transpose: ``kH·kW`` clipped
slice-adds into the unpadded input gradient (overlaps accumulate; what falls in the padding is dropped).

Column layouts (see ``numnet/ops/conv.py`` for when each is used):

* batched: columns ``(N, C, kH, kW, Ho, Wo)`` (= ``(N, G, K, L)``), read from an NCHW input.
* chwn: columns ``(C, kH, kW, Ho, Wo, N)`` (= ``(G, K, L·N)``), read from batch-innermost ``(C, H, W, N)`` memory, so
  each copy runs over ``Wo·N`` contiguous values instead of ``Wo``.

Both share one offset loop: the layout functions hand it ``(kH, kW, A, B, Ho, Wo)`` views of their columns, with
``(A, B)`` = ``(N, C)`` or ``(C, N)``, so the loop never asks which layout it is in.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np


class ConvGeometry(NamedTuple):
    """Every size a convolution needs, computed once from the (already validated) arguments."""

    n: int  #: batch
    c: int  #: input channels
    h: int
    w: int
    o: int  #: output channels
    cg: int  #: input channels per group (C/G)
    kh: int
    kw: int
    groups: int
    stride: tuple[int, int]
    padding: tuple[int, int, int, int]  #: (top, bottom, left, right)
    dilation: tuple[int, int]
    ho: int
    wo: int
    k: int  #: length of one patch, C/G·kH·kW
    og: int  #: output channels per group, O/G


def _out_size(size: int, pad_lo: int, pad_hi: int, k: int, s: int, d: int) -> int:
    """Output length of a strided, dilated window sweep: ⌊(n + p_lo + p_hi − d·(k−1) − 1)/s⌋ + 1."""
    return (size + pad_lo + pad_hi - d * (k - 1) - 1) // s + 1


def conv_geometry(x_shape: tuple[int, ...], w_shape: tuple[int, ...], stride: tuple[int, int] = (1, 1),
                  padding: tuple[int, int, int, int] = (0, 0, 0, 0), dilation: tuple[int, int] = (1, 1),
                  groups: int = 1) -> ConvGeometry:
    """The :class:`ConvGeometry` of ``x`` ``(N, C, H, W)`` convolved with a weight ``(O, C/G, kH, kW)``."""
    n, c, h, w = x_shape
    o, cg, kh, kw = w_shape
    pt, pb, pl, pr = padding
    ho = _out_size(h, pt, pb, kh, stride[0], dilation[0])
    wo = _out_size(w, pl, pr, kw, stride[1], dilation[1])
    return ConvGeometry(n, c, h, w, o, cg, kh, kw, groups, tuple(stride), tuple(padding), tuple(dilation), ho, wo,
                        cg * kh * kw, o // groups)


class Offset(NamedTuple):
    """What kernel offset ``(i, j)`` reads: the valid output window ``[y0, y1) × [x0, x1)``, the matching strided
    input slices ``rows``, ``cols`` of the unpadded input, and the flat shift ``(d_h·i − p_t)·W + (d_w·j − p_l)``."""

    i: int
    j: int
    y0: int
    y1: int
    x0: int
    x1: int
    rows: slice
    cols: slice
    shift: int


def _valid_range(i: int, size: int, pad_lo: int, out: int, s: int, d: int) -> tuple[int, int, int]:
    """Output positions ``[lo, hi)`` at which kernel offset ``i`` reads inside the unpadded input (input position
    ``s·y + d·i − pad_lo`` in ``[0, size)``), and the input position read at ``lo``."""
    lo = min(out, max(0, -((d * i - pad_lo) // s)))
    hi = min(out, max(lo, (size - 1 + pad_lo - d * i) // s + 1))
    return lo, hi, s * lo + d * i - pad_lo


@functools.lru_cache(maxsize=256)
def _offset_plan(kh, kw, h, w, ho, wo, stride, padding, dilation) -> tuple[Offset, ...]:
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
            plan.append(Offset(i, j, y0, y1, x0, x1, rows, cols, (dh * i - pt) * w + (dw * j - pl)))
    return tuple(plan)


def offsets(g: ConvGeometry) -> tuple[Offset, ...]:
    """One :class:`Offset` per kernel offset, row-major (cached: independent of batch and channels)."""
    return _offset_plan(g.kh, g.kw, g.h, g.w, g.ho, g.wo, g.stride, g.padding, g.dilation)


def _is_flat(g: ConvGeometry) -> bool:
    """Stride 1 with output rows as wide as input rows: kernel offset ``(i, j)`` is then ONE flat shift of each
    ``H·W`` plane (output pixel ``q`` reads input pixel ``q + shift``), so copies run over whole planes instead of
    rows; the pixels a shift wraps into the neighbouring row are the padding columns, zeroed separately."""
    return g.stride == (1, 1) and g.w == g.wo


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


# ---------------------------------------------------------------------------------------------------- im2col
def _copy_windows(src: np.ndarray, dst: np.ndarray, g: ConvGeometry) -> None:
    """The plain im2col loop: ``src`` ``(A, B, H, W)``, ``dst`` ``(kH, kW, A, B, Ho, Wo)`` views. Per offset, copy
    the clipped strided window and zero what falls in the padding."""
    ho = g.ho
    for i, j, y0, y1, x0, x1, rows, cols, _ in offsets(g):  # unpacked: this loop is per-call overhead
        d = dst[i, j]
        if y0 > 0:
            d[:, :, :y0] = 0
        if y1 < ho:
            d[:, :, y1:] = 0
        d[:, :, y0:y1, x0:x1] = src[:, :, rows, cols]
        _zero_columns(d[:, :, y0:y1], x0, x1)


def _copy_flat_shifts(src: np.ndarray, dst: np.ndarray, g: ConvGeometry) -> None:
    """im2col when :func:`_is_flat`: per offset one copy of a whole shifted ``H·W`` plane, then the columns that
    wrapped in from the neighbouring row are zeroed. ``src`` ``(A, B, H, W)``, ``dst`` ``(kH, kW, A, B, Ho, Wo)``."""
    a, b = src.shape[:2]
    hw, length = g.h * g.w, g.ho * g.wo
    flat_src = src.reshape(a, b, hw)
    for i, j, _, _, x0, x1, _, _, shift in offsets(g):
        d = dst[i, j]
        df = d.reshape(a, b, length)
        lo, hi = _flat_range(shift, length, hw)
        df[:, :, :lo] = 0
        df[:, :, hi:] = 0
        df[:, :, lo:hi] = flat_src[:, :, lo + shift:hi + shift]
        _zero_columns(d, x0, x1)  # what wrapped in from the neighbouring row


# Columns of at most this many values are filled by :func:`_copy_strided` (one padded copy, one strided copy) instead
# of the per-offset loop: for small inputs (batch-1 inference) the loop's kH·kW slicing steps cost more than the data
# they move, while for large ones the loop's contiguous copies win (measured on the LeNet-5 and VGGSmall layers
# at batch 1 and at larger batches).
_STRIDED_MAX = 1 << 16


def _copy_strided(src: np.ndarray, dst: np.ndarray, g: ConvGeometry) -> None:
    """im2col for small inputs: the input zero-padded once, then every window read through one strided view
    ``(kH, kW, A, B, Ho, Wo)`` and copied in one step. ``src`` ``(A, B, H, W)``, ``dst`` like ``src``'s columns.
    The same values as :func:`_copy_windows` (a copy of the input or a zero of the padding)."""
    pt, pb, pl, pr = g.padding
    a, b, h, w = src.shape
    if pt or pb or pl or pr:
        xp = np.zeros((a, b, h + pt + pb, w + pl + pr), dtype=dst.dtype)
        xp[:, :, pt:pt + h, pl:pl + w] = src
    else:
        xp = src
    s0, s1, s2, s3 = xp.strides
    (sh, sw), (dh, dw) = g.stride, g.dilation
    shape, strides = (g.kh, g.kw, a, b, g.ho, g.wo), (dh * s2, dw * s3, s0, s1, sh * s2, sw * s3)
    if xp.flags.c_contiguous:  # the view straight on its memory: as_strided's generic route costs more
        windows = np.ndarray(shape, dtype=xp.dtype, buffer=xp, strides=strides)
    else:
        windows = np.lib.stride_tricks.as_strided(xp, shape=shape, strides=strides, writeable=False)
    np.copyto(dst, windows)


def _small(g: ConvGeometry) -> bool:
    """Whether :func:`_copy_strided` fills these columns (see :data:`_STRIDED_MAX`)."""
    return g.n * g.c * g.kh * g.kw * g.ho * g.wo <= _STRIDED_MAX


def im2col_batched(x: np.ndarray, g: ConvGeometry, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` ``(N, C, kH, kW, Ho, Wo)`` with the columns of the NCHW input ``x``; returns ``out``."""
    dst = out.transpose(2, 3, 0, 1, 4, 5)
    (_copy_strided if _small(g) else _copy_flat_shifts if _is_flat(g) else _copy_windows)(x, dst, g)
    return out


def im2col_chwn(x_chwn: np.ndarray, g: ConvGeometry, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` ``(C, kH, kW, Ho, Wo, N)`` with the columns of ``x_chwn``, C-contiguous ``(C, H, W, N)``
    memory; each copy runs over ``Wo·N`` contiguous values. Returns ``out``."""
    # (C, N, H, W) and (kH, kW, C, N, Ho, Wo) views of batch-innermost memory
    (_copy_strided if _small(g) else _copy_windows)(x_chwn.transpose(0, 3, 1, 2), out.transpose(1, 2, 0, 5, 3, 4), g)
    return out


# ---------------------------------------------------------------------------------------------------- col2im
def _add_windows(acc: np.ndarray, view: np.ndarray, parts: np.ndarray, g: ConvGeometry, flat: bool) -> None:
    """The col2im loop: slice-add every offset's ``parts[i, j]`` ``(A, B, Ho, Wo)`` into ``view`` ``(A, B, H, W)``
    (a view of the accumulator ``acc``). An offset covering the whole input (the centre tap of a stride-1 'same'
    conv) is assigned first instead of zero filling. ``flat``: add whole shifted planes after zeroing the padding
    columns of the part (``parts`` is scratch, overwritten; ``view`` is then ``acc`` itself)."""
    a, b = view.shape[:2]
    hw, length = g.h * g.w, g.ho * g.wo
    plan = list(offsets(g))
    full = [p for p in plan if p.rows == slice(0, g.h, 1) and p.cols == slice(0, g.w, 1)]
    if full:
        plan.remove(full[0])
        plan.insert(0, full[0])
    else:
        acc[...] = 0
    acc_flat = acc.reshape(a, b, hw) if flat else None
    for n, (i, j, y0, y1, x0, x1, rows, cols, shift) in enumerate(plan):
        part = parts[i, j]
        if n == 0 and full:
            view[...] = part[:, :, y0:y1, x0:x1]
        elif flat:
            _zero_columns(part, x0, x1)
            lo, hi = _flat_range(shift, length, hw)
            acc_flat[:, :, lo + shift:hi + shift] += part.reshape(a, b, length)[:, :, lo:hi]
        elif y1 > y0 and x1 > x0:
            view[:, :, rows, cols] += part[:, :, y0:y1, x0:x1]


def col2im_batched(dcols: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Fold column gradients ``(N, C, kH, kW, Ho, Wo)`` (scratch, overwritten) into a new ``(N, C, H, W)`` array."""
    acc = np.empty((g.n, g.c, g.h, g.w), dtype=dcols.dtype)
    _add_windows(acc, acc, dcols.transpose(2, 3, 0, 1, 4, 5), g, _is_flat(g))
    return acc


def col2im_chwn(dcols: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Fold column gradients ``(C, kH, kW, Ho, Wo, N)`` into batch-innermost ``(C, H, W, N)`` memory, returned as
    its ``(N, C, H, W)`` view."""
    acc = np.empty((g.c, g.h, g.w, g.n), dtype=dcols.dtype)
    _add_windows(acc, acc.transpose(0, 3, 1, 2), dcols.transpose(1, 2, 0, 5, 3, 4), g, False)
    return acc.transpose(3, 0, 1, 2)
