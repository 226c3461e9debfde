"""Memory layouts of 4-D activations: C-contiguous NCHW, and the batch-innermost ``(C, H, W, N)`` memory that
many-channel convolutions return behind an NCHW view (see ``numnet/ops/conv.py``). Both functions return arrays with
the same logical shape and values; only the strides differ.
"""

from __future__ import annotations

import numpy as np

# Tile size for the blocked transpose: the rows of one tile (``rows·W·N`` values) stay in the 48 KiB L1 cache.
_TILE_BYTES = 32 * 1024


def batch_innermost(a: np.ndarray) -> np.ndarray:
    """``a`` (N, C, H, W) as C-contiguous ``(C, H, W, N)`` memory: free when ``a`` already is an NCHW view of such
    memory, else one transposing copy (N last is the cheap direction to copy into)."""
    t = a.transpose(1, 2, 3, 0)
    return t if t.flags.c_contiguous else np.ascontiguousarray(t)


def same_layout(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A copy of ``a`` in the memory layout (axis order) of ``like``, so elementwise work on both runs in one order."""
    out = np.empty_like(like, dtype=a.dtype)
    np.copyto(out, a)
    return out


def c_contiguous(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous array. A large NCHW view of ``(C, H, W, N)`` memory is copied in tiles of a few
    ``(W, N)`` rows: NumPy's one-pass copy writes with stride N from such memory and measured 5–9× slower
    (e.g. 9.7 ms instead of 0.9 ms for a 64×32×28×28 float32 batch)."""
    if a.flags.c_contiguous:
        return a
    if a.ndim != 4 or a.size < 65536 or not a.transpose(1, 2, 3, 0).flags.c_contiguous:
        return np.ascontiguousarray(a)
    n, c, h, w = a.shape
    out = np.empty(a.shape, dtype=a.dtype)
    src = a.transpose(1, 2, 3, 0).reshape(c * h, w, n)
    dst = out.reshape(n, c * h, w)
    rows = max(1, _TILE_BYTES // (w * n * a.itemsize))
    for r in range(0, c * h, rows):  # a loop over tiles of channel rows, each copy a whole (rows, W, N) block
        dst[:, r:r + rows] = src[r:r + rows].transpose(2, 0, 1)
    return out
