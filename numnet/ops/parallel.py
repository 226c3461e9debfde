"""Independent pieces of one kernel on several cores, with Python threads.

NumPy's BLAS calls and the serial compiled kernels (``ops/compiled.py``, ``nogil``) release the GIL, so Python
threads can run them side by side. Each thread then runs its BLAS calls on one thread: BLAS is held to one thread
while the pieces run and given its own count back after, or the cores would be oversubscribed. The number of threads
is BLAS's own (``OPENBLAS_NUM_THREADS``, ``threadpoolctl.threadpool_limits``), so a user who limits BLAS limits
this too; the ``conv_threads`` kernel setting forces one. When OpenBLAS's idle workers spin for long after each call
(``numnet/_runtime.py``), they hold a core, and the threads here would only fight them: then one thread.

Used by the banded convolution (``ops/conv.py``): a band's fill and GEMM take about the same time, the fill runs on
one core, and BLAS shares a band's small GEMM poorly between two; two threads with a band each are faster than
either alone (benchmarks/RESULTS.md). BLAS's thread count is read and set through threadpoolctl, part of the
``numnet[fast]`` extra; without it everything runs on the calling thread.

Each piece must not read kernel settings: they are per thread, and a worker thread has the defaults. The caller
decides the path and hands the pieces everything they need.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

from numnet import _runtime, kernels

_BLAS: Any = None  # threadpoolctl's BLAS controllers once looked up; False when there are none
_POOL: ThreadPoolExecutor | None = None
_POOL_PID: int | None = None
_POOL_SIZE = 0
# Callers may run split kernels from several threads at once (a threaded server): BLAS is held to one thread from
# the first entry to the last exit, and given back the count it had before the first
_LOCK = threading.Lock()
_ACTIVE = 0
_SAVED: list = []


def _blas() -> list | None:
    global _BLAS
    if _BLAS is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS = False
        else:
            _BLAS = ThreadpoolController().select(user_api="blas").lib_controllers or False
    return _BLAS or None


def threads() -> int:
    """How many threads a split kernel uses: 1 under ``conv_threads=1``, without threadpoolctl, off the main thread,
    or when OpenBLAS's idle workers spin long (``numnet._runtime``: numnet imported after NumPy without
    ``OPENBLAS_THREAD_TIMEOUT`` set), else BLAS's own thread count."""
    if kernels.get("conv_threads") == 1 or not _runtime.blas_idle_short:
        return 1
    if threading.current_thread() is not threading.main_thread():
        # OpenBLAS's thread count set from another thread was seen not to reach the workers' BLAS calls: they would
        # run two BLAS threads each, on two cores
        return 1
    libs = _blas()
    if libs is None:
        return 1
    return max(1, min(lib.num_threads for lib in libs))


def _pool(workers: int) -> ThreadPoolExecutor:
    """The shared pool of worker threads, made again in a forked child (a parent's threads do not survive a fork).
    Called under ``_LOCK``."""
    global _POOL, _POOL_PID, _POOL_SIZE
    if _POOL is None or _POOL_PID != os.getpid() or _POOL_SIZE < workers:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="numnet")
        _POOL_PID, _POOL_SIZE = os.getpid(), workers
    return _POOL


def _enter(workers: int) -> ThreadPoolExecutor:
    global _ACTIVE, _SAVED
    with _LOCK:
        if _ACTIVE == 0:
            libs = _blas() or []
            _SAVED = [(lib, lib.num_threads) for lib in libs]
            for lib in libs:
                lib.set_num_threads(1)
        _ACTIVE += 1
        return _pool(workers)


def _exit() -> None:
    global _ACTIVE
    with _LOCK:
        _ACTIVE -= 1
        if _ACTIVE == 0:
            for lib, n in _SAVED:
                lib.set_num_threads(n)


def run(fn: Callable[[Any], Any], parts: Sequence[Any]) -> list:
    """``[fn(part) for part in parts]``, the first part on this thread and the others on the pool at the same time,
    BLAS at one thread each meanwhile. An exception in any part is raised here, after all have finished."""
    if len(parts) == 1:
        return [fn(parts[0])]
    pool = _enter(len(parts) - 1)
    try:
        futures = [pool.submit(fn, p) for p in parts[1:]]
        try:
            first = fn(parts[0])
        finally:
            rest = [f.exception() for f in futures]  # wait for every part before BLAS gets its threads back
    finally:
        _exit()
    for err in rest:
        if err is not None:
            raise err
    return [first] + [f.result() for f in futures]
