"""Grad modes: whether operations are recorded for differentiation (per thread), and the context managers and
decorators that switch it — ``no_grad``, ``enable_grad``, ``set_grad_enabled`` — with PyTorch's semantics.
Re-exported by :mod:`numnet.autograd` and the ``numnet`` namespace."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

_state = threading.local()
F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for differentiation."""
    return getattr(_state, "enabled", True)


def _set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets gradient recording to ``self.mode`` and restores it afterwards.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``; the previous mode comes back in every case,
    also when the block raises. One instance may be entered several times (nested or recursive use).
    """

    mode = True

    def __new__(cls, *args: Any, **kwargs: Any):
        self = super().__new__(cls)
        if len(args) == 1 and callable(args[0]) and not kwargs and cls.__init__ is _GradMode.__init__:
            return self(args[0])  # bare ``@no_grad`` on a function
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(is_grad_enabled())
        _set_grad_enabled(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_grad_enabled(self._prev.pop())

    def _clone(self) -> "_GradMode":
        return self.__class__()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable gradient recording inside a ``with`` block or a decorated function (like ``torch.no_grad``).

    >>> import numnet
    >>> x = numnet.tensor([1.0], requires_grad=True)
    >>> with numnet.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Re-enable gradient recording inside a ``no_grad`` region."""

    mode = True


class set_grad_enabled(_GradMode):
    """Set gradient recording to ``mode``: at once when called, and as a context manager restoring the old mode.

    >>> import numnet
    >>> with numnet.autograd.set_grad_enabled(False):
    ...     numnet.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._prev.append(is_grad_enabled())
        _set_grad_enabled(self.mode)

    def __enter__(self) -> None:
        pass  # the mode was already set by __init__ (as in PyTorch)

    def _clone(self) -> "_GradMode":
        clone = _GradMode()
        clone.mode = self.mode
        return clone
