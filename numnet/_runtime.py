"""Process-level settings that make NumPy training steps fast: the glibc allocator thresholds.

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
