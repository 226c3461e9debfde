"""Reusable scratch buffers for the arrays too large for the allocator to keep.

glibc serves blocks above its mmap threshold (at most 32 MiB, see ``numnet/_runtime.py``) with fresh pages from the
kernel and unmaps them when freed, so a conv's im2col columns or column gradients of, say, 55 MiB (VGGSmall's second
layer at batch 64) are zero-filled page by page in every training step: measured 13.5 ms for an im2col that takes
4.5 ms into a reused buffer. :func:`empty` hands out a cached buffer of the same size when one was given back with
:func:`give_back`; everything below the threshold goes straight to ``np.empty``.

Only code that owns a buffer gives it back, and drops its own reference right after (the conv op: its columns once
the graph is released, its column gradients once folded back).
"""

from __future__ import annotations

import sys
import threading

import numpy as np

LARGE = 32 * 1024 * 1024  # bytes; smaller blocks are reused by the allocator itself
MAX_CACHED = 512 * 1024 * 1024  # bytes kept at most

_lock = threading.Lock()
_free: dict[tuple[int, str], list[np.ndarray]] = {}
_cached_bytes = 0


def empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``, from the cache when the array is large and a buffer of its size is free."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    if nbytes >= LARGE:
        global _cached_bytes
        with _lock:
            bucket = _free.get((nbytes, dtype.str))
            if bucket:
                _cached_bytes -= nbytes
                return bucket.pop().reshape(shape)
    return np.empty(shape, dtype=dtype)


def give_back(array: np.ndarray | None) -> None:
    """Offer ``array`` (or the buffer it is a view of) for reuse by :func:`empty`. Kept only when it is large, owns
    its memory, the cache has room, and nothing else refers to it any more."""
    global _cached_bytes
    if array is None:
        return
    base = array if array.base is None else array.base
    if not isinstance(base, np.ndarray) or base.base is not None or base.nbytes < LARGE:
        return
    del array
    # The references allowed: ``base`` here, getrefcount's argument, and the caller's own (a variable or attribute
    # it drops right after this call); any more means someone else still uses the buffer.
    if sys.getrefcount(base) > 3:
        return
    with _lock:
        if _cached_bytes + base.nbytes > MAX_CACHED:
            return
        _free.setdefault((base.nbytes, base.dtype.str), []).append(base.reshape(-1))
        _cached_bytes += base.nbytes


def clear() -> None:
    """Drop every cached buffer (they are freed when nothing else holds them)."""
    global _cached_bytes
    with _lock:
        _free.clear()
        _cached_bytes = 0
