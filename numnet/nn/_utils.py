"""The layers' input check; argument checks are :mod:`numnet._validation`'s, shared with ``numnet.functional``."""

from __future__ import annotations

from typing import Any, Callable

from numnet import _validation as V
from numnet.errors import ShapeError
from numnet.tensor import Tensor


def check_input(x: Any, expected: str, ok: Callable[[tuple[int, ...]], bool]) -> Tensor:
    """Return ``x`` if it is a Tensor whose shape passes ``ok``; else raise ``expected input <layout>, got <shape>``.

    The op name is left out: ``Module.__call__`` puts the layer's path and repr in front of the message.
    """
    V.tensor(x, "")
    if not ok(tuple(x.shape)):
        raise ShapeError(f"expected input {expected}, got {tuple(x.shape)}")
    return x


# Kept for the callers outside this package's files (numnet/models.py, numnet/nn/summary.py) until they import
# numnet._validation directly; the rules and messages are _validation's.
is_int = V.is_int


def positive_int(value: Any, layer: str, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum`` (see :func:`numnet._validation.integer`)."""
    return V.integer(value, layer, name, minimum)


def number(value: Any, layer: str, name: str, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> float:
    """A finite real number within [low, high] (``low_open``: (low, high]); see :func:`numnet._validation.real`."""
    return V.real(value, layer, name, low, high, low_open=low_open)
