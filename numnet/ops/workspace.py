"""Reusable scratch buffers for the arrays too large for the allocator to keep.

glibc serves blocks above its mmap threshold (at most 32 MiB, see ``numnet/_runtime.py``) with fresh pages from the
kernel and unmaps them when freed, so a conv's im2col columns or column gradients of, say, 55 MiB (VGGSmall's second
layer at batch 64) are zero-filled page by page in every training step, far slower than an im2col into a reused buffer
(see benchmarks/RESULTS.md). :func:`empty` hands out a cached buffer of the same size when one was given back with
:func:`give_back`; everything below the threshold goes straight to ``np.empty``.

The rule that makes reuse safe is explicit ownership, not reference counting: the code that takes a buffer from
:func:`empty` is its only owner; it lets no reference escape (its results are new arrays, never views of the buffer)
and gives the buffer back exactly once, when it is done with it (the conv op: its columns once the graph is released,
its column gradients once folded back). The workspace accepts back only buffers it lent and has not had back since, so
a second ``give_back`` of the same buffer, or of an array it never lent, is ignored. It remembers its loans weakly: a
buffer whose owner drops it without giving it back (a graph discarded before backward) is simply freed.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np

LARGE = 32 * 1024 * 1024  # bytes; smaller blocks are reused by the allocator itself
MAX_CACHED = 512 * 1024 * 1024  # bytes kept at most

_lock = threading.Lock()
_free: dict[tuple[int, str], list[np.ndarray]] = {}
_cached_bytes = 0
# Buffers handed out and not given back yet, by id; weak, so a dropped buffer is freed as usual.
_lent: "weakref.WeakValueDictionary[int, np.ndarray]" = weakref.WeakValueDictionary()


def empty(shape: tuple[int, ...], dtype) -> np.ndarray:
    """``np.empty(shape, dtype)``, from the cache when the array is large and a buffer of its size is free. The
    caller owns a large buffer until it hands it to :func:`give_back`."""
    dtype = np.dtype(dtype)
    count = math.prod(shape)  # the shape of an array about to exist: no overflow, and no NumPy round trip
    nbytes = count * dtype.itemsize
    if nbytes < LARGE:
        return np.empty(shape, dtype=dtype)
    global _cached_bytes
    with _lock:
        bucket = _free.get((nbytes, dtype.str))
        if bucket:
            _cached_bytes -= nbytes
            base = bucket.pop()
        else:
            base = np.empty(count, dtype=dtype)
        _lent[id(base)] = base
    return base.reshape(shape)


def give_back(array: np.ndarray | None) -> None:
    """Return a buffer taken from :func:`empty` (``array`` is it, or any view of it) for reuse. The caller declares
    that nothing refers to the buffer any more. Ignored for None, for arrays the workspace did not lend (or already
    has back), and when the cache is full."""
    global _cached_bytes
    if array is None:
        return
    base = array if array.base is None else array.base
    if not isinstance(base, np.ndarray) or base.nbytes < LARGE:  # never lent (empty() passes these to np.empty)
        return
    with _lock:
        if _lent.get(id(base)) is not base:
            return
        del _lent[id(base)]
        if _cached_bytes + base.nbytes > MAX_CACHED:
            return
        _free.setdefault((base.nbytes, base.dtype.str), []).append(base)
        _cached_bytes += base.nbytes


def clear() -> None:
    """Drop every cached buffer (they are freed when nothing else holds them)."""
    global _cached_bytes
    with _lock:
        _free.clear()
        _cached_bytes = 0
