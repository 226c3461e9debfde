"""Kernel choices as a scoped, thread-local setting (like Chainer's ``using_config``).

The conv and pooling ops pick their fastest code path by themselves; these settings force one path, so tests (and
curious users) can run the same public call under each and compare. Op signatures keep only the math arguments; the
choice is read where it is made.

==================  ==========================================  =======================================================
setting             values (default first)                      read by
==================  ==========================================  =======================================================
``conv_layout``     ``"auto"``, ``"batched"``, ``"chwn"``       ``numnet.ops.conv.Conv2d`` (the im2col column layout)
``conv_fold_bias``  ``True``, ``False``                         ``numnet.ops.conv.Conv2d`` (bias as a GEMM row of ones)
``conv_bands``      ``True``, ``False``                         ``numnet.ops.conv.Conv2d`` (chwn: bands of output rows)
``conv_threads``    ``"auto"``, ``1``                           ``numnet.ops.parallel`` (bands on BLAS's thread count)
``compiled``        ``"auto"``, ``"numpy"``                     ``numnet.ops.compiled`` (numba kernels when installed)
``pool_fast_path``  ``True``, ``False``                         ``numnet.ops.pool`` (the 2×2 stride-2 max/avg paths)
``fuse_relu_pool``  ``True``, ``False``                         ``numnet.nn.Sequential`` (``numnet.nn.fusion``)
==================  ==========================================  =======================================================

Every setting changes only the speed, never the math: each path is tested against PyTorch.

>>> import numnet
>>> with numnet.kernels.using(conv_layout="chwn"):
...     numnet.kernels.get("conv_layout")
'chwn'
>>> numnet.kernels.get("conv_layout")
'auto'
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator

from numnet.errors import ArgumentError

__all__ = ["using", "get", "settings", "DEFAULTS", "CHOICES"]

CHOICES: dict[str, tuple[Any, ...]] = {
    "conv_layout": ("auto", "batched", "chwn"),
    "conv_fold_bias": (True, False),
    "conv_bands": (True, False),
    "conv_threads": ("auto", 1),  # ops/parallel.py: compiled bands split over BLAS's thread count, or one thread
    "pool_fast_path": (True, False),
    "fuse_relu_pool": (True, False),
    "compiled": ("auto", "numpy"),  # ops/compiled.py: numba kernels when numba is installed ("auto"), or NumPy
}
DEFAULTS: dict[str, Any] = {name: values[0] for name, values in CHOICES.items()}


class _State(threading.local):
    """Per thread: the current settings (every new thread starts from the defaults)."""

    def __init__(self) -> None:
        self.values = dict(DEFAULTS)


_state = _State()


def _check(name: str, value: Any) -> None:
    if name not in CHOICES:
        raise ArgumentError(f"kernels: expected a setting among {sorted(CHOICES)}, got {name!r}")
    allowed = CHOICES[name]
    # ``type(value) is type(v)``: 1 and 1.0 equal True, but only a real bool is a valid switch
    if not any(value == v and type(value) is type(v) for v in allowed):
        raise ArgumentError(f"kernels: expected {name} in {allowed}, got {value!r}")


def get(name: str) -> Any:
    """The current value of setting ``name`` in this thread."""
    try:
        return _state.values[name]
    except KeyError:
        _check(name, None)  # raises the ArgumentError naming the known settings
        raise


def settings() -> dict[str, Any]:
    """A copy of every current setting in this thread."""
    return dict(_state.values)


@contextlib.contextmanager
def using(**changes: Any) -> Iterator[None]:
    """Within the ``with`` block (in this thread only), run the kernels with ``changes`` applied.

    Raises:
        ArgumentError: an unknown setting or a value it does not take (checked before anything changes).
    """
    for name, value in changes.items():
        _check(name, value)
    values = _state.values
    saved = dict(values)
    values.update(changes)
    try:
        yield
    finally:
        values.clear()
        values.update(saved)
