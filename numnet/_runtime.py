"""Process-level settings that make NumPy training steps fast: OpenBLAS's idle threads and the glibc allocator
thresholds.

**OpenBLAS's idle threads.** After each multi-threaded call OpenBLAS's worker threads spin, waiting for the next,
for about 2^28 cycles (its ``OPENBLAS_THREAD_TIMEOUT`` of 28; a tenth of a second) before they sleep. Between two
GEMMs numnet runs work of its own on the cores: the compiled kernels' threads and the bands of a convolution
shared between threads (``numnet.ops.parallel``). A spinning worker takes a core from them, and measured, the
work ran up to twice as slow (benchmarks/RESULTS.md). numnet sets ``OPENBLAS_THREAD_TIMEOUT=20`` (2^20 cycles,
under a millisecond: the workers stay awake between the close GEMMs of a small network and sleep soon after the
last) when it is imported before NumPy and the variable is not set; set it yourself to keep OpenBLAS's default (28)
or any other value. Measured: bigger networks (VGGSmall, ResNet-14) train a tenth to a quarter faster with it and
the conv bands on two threads; LeNet-5 at batch 64 about 5-10 % slower (it wakes the workers more often).
Imported after NumPy, numnet cannot change it (OpenBLAS reads it once, at load), and then shares no work between
threads of its own unless the variable was set short (at most 22) before NumPy was imported.

**The allocator.**

A training step allocates the same large temporaries (im2col columns, activations, gradients) again and again. glibc
serves blocks above ``M_MMAP_THRESHOLD`` with fresh ``mmap`` pages and gives freed heap tops back to the OS above
``M_TRIM_THRESHOLD``, so every step page-faults its temporaries back in.
Raising both thresholds once keeps those blocks in the heap for reuse, so a step stops paying for those faults
(the README's "Performance" lists it among what makes numnet fast; benchmarks/RESULTS.md records whether it was on).

numnet applies it at import on Linux/glibc. Turn it off with the environment variable ``NUMNET_MALLOPT=0`` (set it
before importing numnet). The setting is process-wide: it also helps (or changes) any other library in the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# mallopt parameter numbers from <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc caps the mmap threshold at 4 MiB·sizeof(long) = 32 MiB on 64-bit; larger values are refused.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 1024 * 1024 * 1024

allocator_configured = False


# OpenBLAS's spin before its idle threads sleep, as a power of two of cycles (it clamps the value to 4..30)
BLAS_THREAD_TIMEOUT = "20"
blas_threads_configured = False


# Whether OpenBLAS's idle workers sleep soon enough (a timeout of at most 2^22 cycles) for numnet's own threads to
# pay: read once, at import; numnet.ops.parallel shares nothing between threads otherwise (measured: with the
# default spin, two threads of conv bands were slower than one).
blas_idle_short = False


def configure_blas_threads(timeout: str = BLAS_THREAD_TIMEOUT) -> bool:
    """Set ``OPENBLAS_THREAD_TIMEOUT`` for this process (see the module docstring); True when set, False when the
    variable is already set or NumPy (hence OpenBLAS) is already loaded. Records in :data:`blas_idle_short` whether
    the timeout in force is short."""
    global blas_threads_configured, blas_idle_short
    if "OPENBLAS_THREAD_TIMEOUT" not in os.environ and "numpy" not in sys.modules:
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = timeout
        blas_threads_configured = True
    try:
        blas_idle_short = int(os.environ.get("OPENBLAS_THREAD_TIMEOUT", "28")) <= 22
    except ValueError:
        blas_idle_short = False
    return blas_threads_configured


def configure_allocator(mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Raise glibc's mmap and trim thresholds; returns True when applied (False off glibc or when disabled)."""
    global allocator_configured
    if os.environ.get("NUMNET_MALLOPT", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = bool(mallopt(_M_MMAP_THRESHOLD, int(mmap_threshold))) and bool(mallopt(_M_TRIM_THRESHOLD, int(trim_threshold)))
    allocator_configured = ok
    return ok


def in_notebook() -> bool:
    """True when running inside a Jupyter (IPython) kernel: the progress bar becomes a widget and figures
    display inline exactly once.

    Checked without importing IPython: a kernel has already imported it, and its shell has a ``kernel``.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 - a broken IPython install must not break training
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None
