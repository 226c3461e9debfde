"""Memory layouts of activations. This module owns the batch-innermost layout; no other module tests strides.

Two layouts hold the same logical ``(N, C, H, W)`` array (same shape, same values; only the strides differ):

* **NCHW**: C-contiguous, the default.
* **batch-innermost** ("chwn"): C-contiguous ``(C, H, W, N)`` memory behind an NCHW view, like PyTorch's
  ``channels_last`` with the batch as the innermost axis. Many-channel convolutions return it (``numnet/ops/conv.py``):
  their im2col copies and GEMMs then run over ``Wo·N`` contiguous values, and a stack of convs never transposes its
  activations — as long as every op between them keeps the layout.

Ops that must keep (or correctly convert) the layout, each tested in ``tests/ops/test_layout.py`` against the
plain-NCHW result:

* ``Conv2d`` (``numnet/ops/conv.py``): reads batch-innermost input without a copy, returns batch-innermost output
  in its chwn path, and gives ``∂L/∂x`` back in the input's layout.
* ReLU and the other elementwise ops (``numnet/ops/activation.py``, ``elementwise.py``): NumPy's ufuncs keep the
  memory order of their input (``order='K'``), so output and gradient stay batch-innermost. A gradient reaching
  ReLU in the other layout is first copied into its output's (:func:`match_layout`).
* ``AdaptiveAvgPool2d`` to 1×1 (global average pooling): the gradient comes back in the input's layout.
* ``Add`` / ``Sub`` / ``Mul`` of one NCHW and one batch-innermost operand (a residual block whose shortcut comes
  from a few-channel conv): :func:`common_layout` copies the NCHW one to batch-innermost first, and backward gives
  each input its gradient in its own layout (:func:`match_layout`).
* ``MaxPool2d`` / ``AvgPool2d`` (``numnet/ops/pool.py``): strided slices of batch-innermost memory, so the 2×2 fast
  paths return batch-innermost output; the max-pool backward meets an NCHW gradient (after a Flatten) by copying it
  into the layout of its saved arrays (:func:`match_layout`).
* ``BatchNorm`` (``numnet/ops/normalization.py``): elementwise, so the layout is kept; its per-channel sums read both
  arrays as ``(C, L·N)`` rows when both are batch-innermost (:func:`channel_rows`).
* ``Reshape`` / ``flatten`` (``numnet/ops/shape.py``): a view when the strides allow one (merging C, H, W), else the
  fast tiled copy to NCHW (:func:`reshape`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["is_batch_innermost", "batch_innermost", "c_contiguous", "same_layout", "match_layout", "common_layout",
           "channel_rows", "reshape"]

# Tile size for the blocked transpose: the rows of one tile (``rows·W·N`` values) stay in the L1 cache.
_TILE_BYTES = 32 * 1024


def is_batch_innermost(a: np.ndarray) -> bool:
    """Whether ``a`` (N, C, *spatial) is a view of C-contiguous ``(C, *spatial, N)`` memory (with ``N == 1`` an NCHW
    array is both)."""
    if a.ndim == 4:
        return a.transpose(1, 2, 3, 0).flags.c_contiguous
    return a.ndim > 2 and a.transpose(tuple(range(1, a.ndim)) + (0,)).flags.c_contiguous


def batch_innermost(a: np.ndarray) -> np.ndarray:
    """``a`` (N, C, H, W) as C-contiguous ``(C, H, W, N)`` memory: free when ``a`` already is an NCHW view of such
    memory, else one transposing copy (N last is the cheap direction to copy into)."""
    t = a.transpose(1, 2, 3, 0)
    return t if t.flags.c_contiguous else np.ascontiguousarray(t)


def channel_rows(a: np.ndarray) -> np.ndarray:
    """A batch-innermost ``a`` (N, C, *spatial) as its ``(C, ∏spatial·N)`` memory (a view; see
    :func:`is_batch_innermost`)."""
    return a.transpose((1,) + tuple(range(2, a.ndim)) + (0,)).reshape(a.shape[1], -1)


def same_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A copy of ``a`` in the memory layout (axis order) of ``like``, so elementwise work on both runs in one order."""
    out = np.empty_like(like, dtype=a.dtype)
    np.copyto(out, a)
    return out


def match_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a`` itself when it has ``like``'s strides, else a copy in ``like``'s layout (e.g. an NCHW gradient from a
    Flatten meeting an op that saved batch-innermost arrays). Between NCHW and batch-innermost each direction takes
    its fast copy: into batch-innermost NumPy's own, out of it the tiled :func:`c_contiguous` (NumPy's copy in that
    direction writes with stride N and is several times slower)."""
    if a.strides == like.strides:
        return a
    if a.ndim == 4 and a.shape == like.shape and a.dtype == like.dtype:
        if like.flags.c_contiguous and is_batch_innermost(a):
            return c_contiguous(a)
        if a.flags.c_contiguous and is_batch_innermost(like):
            return batch_innermost(a).transpose(3, 0, 1, 2)
    return same_layout(a, like)


# Below this many values a loop over two memory orders costs little; above it NumPy's elementwise loop gathers one
# operand with a large stride, many times slower than copying it into the other's layout first (RESULTS.md).
_MIXED_MIN_VALUES = 65536


def common_layout(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(a, b, changed)``: when ``a`` and ``b`` are same-shaped 4-D arrays, one NCHW and one batch-innermost, the
    NCHW one copied to batch-innermost (the fast direction, and the layout the next convolution reads), so an
    elementwise op on them runs in one memory order; else both as they are. A residual ``Add`` meets this where a
    few-channel convolution (NCHW output) feeds the identity shortcut of a many-channel block."""
    if a.ndim != 4 or a.shape != b.shape or a.strides == b.strides or a.size < _MIXED_MIN_VALUES:
        return a, b, False
    if is_batch_innermost(a) and b.flags.c_contiguous:
        return a, match_layout(b, a), True
    if is_batch_innermost(b) and a.flags.c_contiguous:
        return match_layout(a, b), b, True
    return a, b, False


def c_contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous array. A large batch-innermost array is copied in tiles of a few ``(W, N)`` rows:
    NumPy's one-pass copy writes with stride N from such memory and measured several times slower (see
    benchmarks/RESULTS.md)."""
    if a.flags.c_contiguous:
        return a
    if a.ndim != 4 or a.size < 65536 or not is_batch_innermost(a):
        return np.ascontiguousarray(a)
    n, c, h, w = a.shape
    out = np.empty(a.shape, dtype=a.dtype)
    src = a.transpose(1, 2, 3, 0).reshape(c * h, w, n)
    dst = out.reshape(n, c * h, w)
    rows = max(1, _TILE_BYTES // (w * n * a.itemsize))
    for r in range(0, c * h, rows):  # a loop over tiles of channel rows, each copy a whole (rows, W, N) block
        dst[:, r:r + rows] = src[r:r + rows].transpose(2, 0, 1)
    return out


def reshape(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a.reshape(shape)``, keeping a view of batch-innermost memory when the strides allow one (a Flatten merging
    C, H, W), else copying with the fast tiled :func:`c_contiguous`."""
    if a.flags.c_contiguous or a.ndim != 4:
        return a.reshape(shape)
    view = a.view()
    try:
        view.shape = shape  # a view when the strides allow one
        return view
    except AttributeError:  # else a copy; from batch-innermost conv memory, the fast tiled one
        return c_contiguous(a).reshape(shape)
