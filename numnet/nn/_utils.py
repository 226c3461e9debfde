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
