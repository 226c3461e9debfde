"""Constructor checks shared by the layers: Keras-style messages ("Expected ... Received: name=value")."""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor


def is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def positive_int(value: Any, layer: str, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or an ArgumentError naming the layer and the argument."""
    if not is_int(value) or value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ArgumentError(f"{layer}: Expected {name} to be {kind}. Received: {name}={value!r}")
    return int(value)


def pair(value: Any, layer: str, name: str, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints (each >= ``minimum``) as a pair, like PyTorch's ``_pair``."""
    items = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
    if len(items) != 2 or not all(is_int(v) and v >= minimum for v in items):
        raise ArgumentError(f"{layer}: Expected {name} to be {kind} or a pair of them. Received: {name}={value!r}")
    return int(items[0]), int(items[1])


def number(value: Any, layer: str, name: str, low: float | None = None, high: float | None = None,
           low_open: bool = False) -> float:
    """A real number within [low, high] (``low_open``: (low, high])."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        if low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v <= high
    if not ok:
        rng = ""
        if low is not None or high is not None:
            lo = "(" if low_open else "["
            rng = f" in {lo}{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        raise ArgumentError(f"{layer}: Expected {name} to be a number{rng}. Received: {name}={value!r}")
    return float(value)


def float_dtype(dtype: Any, layer: str) -> np.dtype:
    """The parameter dtype: float32 by default, any NumPy float dtype allowed."""
    if dtype is None:
        return np.dtype(np.float32)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise DTypeError(f"{layer}: Expected dtype to be a floating-point dtype. Received: dtype={dtype!r}")
    return dt


def check_input(x: Any, expected: str, ok: Callable[[tuple[int, ...]], bool]) -> Tensor:
    """Return ``x`` if it is a Tensor whose shape passes ``ok``; else raise ``expected input <layout>, got <shape>``.

    ``Module.__call__`` puts the layer's path and repr in front of the message.
    """
    if not isinstance(x, Tensor):
        raise DTypeError(f"expected input to be a numnet Tensor, got {type(x).__name__}")
    if not ok(tuple(x.shape)):
        raise ShapeError(f"expected input {expected}, got {tuple(x.shape)}")
    return x
