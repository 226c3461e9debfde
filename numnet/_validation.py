"""Argument validation shared by numnet's public functions, layers, optimizers, schedulers and data tools.

One function per argument kind, each returning the value normalised (an ``int``, a pair, a ``float``, a dtype, ...)
or raising one of numnet's errors with ONE message style::

    <op or layer>: expected <name> to be <what>, got <value!r>

e.g. ``conv2d: expected stride to be an int >= 1 or a pair of them, got 0``.

Which error, one rule everywhere:

- the argument is the wrong *kind* of thing — not a Tensor, not a number where a number is needed, a bool or a float
  where an int is needed, a tensor whose dtype the op cannot use, something that is not a dtype — is a
  :class:`~numnet.errors.DTypeError` (a ``TypeError``, as PyTorch raises for the wrong type);
- the right kind with a value that is not allowed — out of range, not finite, not one of the choices, a sequence of
  the wrong length, a required value left as None — is an :class:`~numnet.errors.ArgumentError` (a ``ValueError``).
  A choice among strings counts as a value: anything not among the options, a string or not, is an ArgumentError.

Shapes are each op's own business (it words its layout, e.g. ``(N, C, H, W)``) and raise ``ShapeError``.

Use it as ``from numnet import _validation as V``; a check that needs wording of its own (e.g. pooling's "padding
at most half of kernel_size") still builds its message with :func:`expected`. A new argument kind gets one function
here and one test in ``tests/test_validation.py``.

This module imports only NumPy and :mod:`numnet.errors` at module level, so every layer of numnet can use it; the
Tensor class is imported on first use.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

import numpy as np

from numnet.errors import ArgumentError, DTypeError, ShapeError

__all__ = [
    "expected", "is_int", "tensor", "float_tensor", "integer", "int_or_pair", "real", "probability", "choice",
    "dim", "float_dtype", "boolean", "function", "instance", "sizes", "int64_scalar",
]

INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1

_TENSOR: type | None = None


def _tensor_class() -> type:
    """numnet.Tensor, imported once on first use (numnet.tensor itself may import this module)."""
    global _TENSOR
    if _TENSOR is None:
        from numnet.tensor import Tensor
        _TENSOR = Tensor
    return _TENSOR


def expected(op: str, name: str, what: str, value: Any = None, *, got: str | None = None) -> str:
    """The one message style: ``<op>: expected <name> to be <what>, got <value!r>`` (``got`` replaces the repr).

    An empty ``op`` leaves the prefix out, for a layer's forward, where ``Module.__call__`` adds the layer's path."""
    prefix = f"{op}: " if op else ""
    return f"{prefix}expected {name} to be {what}, got {repr(value) if got is None else got}"


def is_int(value: Any) -> bool:
    """True for a Python or NumPy integer that is not a bool (``True`` is an int to Python, never to numnet)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value: Any) -> bool:
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _type_name(value: Any) -> str:
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def tensor(x: Any, op: str, name: str = "input", kinds: str | None = None) -> Any:
    """``x`` itself if it is a numnet Tensor (whose dtype kind is in ``kinds``, e.g. ``"fiu"``, when given).

    An ``np.ndarray``, a list or a number is refused like PyTorch's ``F.*`` do: numnet does not guess a dtype or
    whether a gradient is wanted, so the caller converts explicitly with ``numnet.tensor(...)``.
    """
    if not isinstance(x, _TENSOR or _tensor_class()):
        raise DTypeError(expected(op, name, "a numnet.Tensor", got=f"{_type_name(x)}; convert it with "
                                  f"numnet.tensor(...)"))
    if kinds is not None and x._data.dtype.kind not in kinds:
        what = "a floating-point Tensor" if kinds == "f" else "a numeric Tensor"
        hint = "; convert it with .float()" if kinds == "f" else ""
        raise DTypeError(expected(op, name, what, got=f"dtype {x.dtype}{hint}"))
    return x


def float_tensor(x: Any, op: str, name: str = "input") -> Any:
    """``x`` if it is a floating-point numnet Tensor (see :func:`tensor`)."""
    if isinstance(x, _TENSOR or _tensor_class()) and x._data.dtype.kind == "f":  # the common case, one call less
        return x
    return tensor(x, op, name, "f")


def _int_what(minimum: int | None) -> str:
    return "an int" if minimum is None else f"an int >= {minimum}"


def integer(value: Any, op: str, name: str, minimum: int | None = None) -> int:
    """``value`` as an ``int`` (not a bool), at least ``minimum`` when given."""
    if not is_int(value):
        raise DTypeError(expected(op, name, _int_what(minimum), value))
    if minimum is not None and value < minimum:
        raise ArgumentError(expected(op, name, _int_what(minimum), value))
    if not INT64_MIN <= value <= INT64_MAX:  # no NumPy size, index or count can be that large
        raise ArgumentError(expected(op, name, _int_what(minimum) + " that fits in int64", value))
    return int(value)


def int_or_pair(value: Any, op: str, name: str, minimum: int | None = None) -> tuple[int, int]:
    """An int or a pair of ints (each >= ``minimum`` when given) as a pair, like PyTorch's ``_pair``."""
    # Fast path for what layers pass on every forward (a pair of plain ints, or one plain int, in range); anything
    # else, valid or not, goes through the full checks below with their messages.
    if type(value) is tuple and len(value) == 2:
        a, b = value
        if type(a) is int and type(b) is int and (minimum is None or (a >= minimum and b >= minimum)) \
                and INT64_MIN <= a <= INT64_MAX and INT64_MIN <= b <= INT64_MAX:
            return value
    elif type(value) is int and (minimum is None or value >= minimum) and INT64_MIN <= value <= INT64_MAX:
        return value, value
    what = f"{_int_what(minimum)} or a pair of them"
    if is_int(value):
        items: tuple[Any, ...] = (value, value)
    elif isinstance(value, (tuple, list)) and all(is_int(v) for v in value):
        items = tuple(value)
        if len(items) != 2:
            raise ArgumentError(expected(op, name, what, value))
    else:
        raise DTypeError(expected(op, name, what, value))
    if minimum is not None and min(items) < minimum:
        raise ArgumentError(expected(op, name, what, value))
    if not all(INT64_MIN <= v <= INT64_MAX for v in items):
        raise ArgumentError(expected(op, name, what + " that fit in int64", value))
    return int(items[0]), int(items[1])


def _range_what(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high:g}"
    return ""


def real(value: Any, op: str, name: str, low: float | None = None, high: float | None = None, *,
         low_open: bool = False, high_open: bool = False, finite: bool = True) -> float:
    """``value`` as a ``float``: a real number (not a bool) within ``[low, high]`` (an end is open when
    ``low_open``/``high_open``; None means unbounded), finite unless ``finite=False``."""
    bounded = low is not None and high is not None
    what = ("a finite number" if finite and not bounded else "a number") + _range_what(low, high, low_open, high_open)
    if not _is_real(value):
        raise DTypeError(expected(op, name, what, value))
    try:
        v = float(value)
    except OverflowError:  # an int too large for a float (e.g. 10**400) is not finite
        raise ArgumentError(expected(op, name, what, value)) from None
    ok = not (finite and not math.isfinite(v)) and not math.isnan(v)
    if ok and low is not None:
        ok = v > low if low_open else v >= low
    if ok and high is not None:
        ok = v < high if high_open else v <= high
    if not ok:
        raise ArgumentError(expected(op, name, what, value))
    return v


def probability(value: Any, op: str, name: str = "p") -> float:
    """A real number in [0, 1], as a ``float``."""
    return real(value, op, name, 0.0, 1.0)


def choice(value: Any, op: str, name: str, options: Iterable[str]) -> str:
    """``value`` if it is one of the strings ``options``; anything else (a string or not) is an ArgumentError."""
    options = tuple(options)
    if not (isinstance(value, str) and value in options):
        shown = ", ".join(repr(o) for o in options)
        raise ArgumentError(expected(op, name, f"one of {shown}", value))
    return value


def dim(value: Any, ndim: int, op: str, name: str = "dim") -> int:
    """A dimension index of an ``ndim``-D tensor (negative counts from the end; a 0-d tensor has dims -1 and 0),
    made non-negative."""
    n = max(ndim, 1)
    what = f"an int in [{-n}, {n - 1}]"
    if not is_int(value):
        raise DTypeError(expected(op, name, what, value))
    if not -n <= value < n:
        raise ArgumentError(expected(op, name, what, value) + f" (the tensor has {ndim} dimension(s))")
    return int(value) % n


def float_dtype(dtype: Any, op: str, name: str = "dtype", default: Any = np.float32) -> np.dtype:
    """A NumPy floating-point dtype; None gives ``default``."""
    if dtype is None:
        return np.dtype(default)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.kind != "f":
        raise DTypeError(expected(op, name, "a floating-point dtype", dtype, got=None if dt is None else str(dt)))
    return dt


def boolean(value: Any, op: str, name: str) -> bool:
    """``value`` as a ``bool``; only ``True``/``False`` (Python or NumPy) are accepted, not 0/1 or None."""
    if not isinstance(value, (bool, np.bool_)):
        raise DTypeError(expected(op, name, "True or False", value))
    return bool(value)


def function(value: Any, op: str, name: str) -> Any:
    """``value`` if it is callable (a function, a transform, a class, ...)."""
    if not callable(value):
        raise DTypeError(expected(op, name, "callable", got=type(value).__name__))
    return value


def instance(value: Any, cls: type | tuple[type, ...], op: str, name: str, what: str) -> Any:
    """``value`` if it is an instance of ``cls``; ``what`` names the kind, e.g. ``"a numpy.random.Generator"``."""
    if not isinstance(value, cls):
        raise DTypeError(expected(op, name, what, got=type(value).__name__))
    return value


def sizes(values: Any, op: str, name: str = "size") -> tuple[int, ...]:
    """Sizes given as varargs (``values`` is the tuple of them) or as one tuple/list/1-D int Tensor, each an int
    (not a float, not a bool, not None, as PyTorch), as a tuple of ``int``. Their range (``-1`` allowed for a
    reshape, ``>= 0`` for a new tensor) is each op's business, worded with its shapes."""
    if not isinstance(values, tuple):
        values = (values,)
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    elif len(values) == 1 and isinstance(values[0], _tensor_class()) and values[0].ndim == 1:
        values = tuple(values[0].tolist())
    out = []
    for n in values:
        if isinstance(n, _tensor_class()) and n.ndim == 0 and n.dtype.kind in "iu":
            n = n.item()
        if not is_int(n):
            raise DTypeError(expected(op, name, "a sequence of ints", values))
        if not INT64_MIN <= n <= INT64_MAX:
            raise ArgumentError(expected(op, name, "a sequence of ints that fit in int64", values))
        out.append(int(n))
    return tuple(out)


def int64_scalar(value: Any, op: str, name: str = "other") -> Any:
    """``value`` unchanged unless it is a Python int outside int64's range, which no tensor can hold: PyTorch
    raises ("value cannot be converted to type int64 without overflow"), so does numnet (an ArgumentError)."""
    if is_int(value) and not INT64_MIN <= value <= INT64_MAX:
        shown = repr(value) if len(repr(value)) <= 40 else f"an int of {len(str(abs(value)))} digits"
        raise ArgumentError(expected(op, name, f"a number that fits in int64 ([{INT64_MIN}, {INT64_MAX}])",
                                     got=f"{shown}: it cannot be converted without overflow"))
    return value


def scalar(value: Any, op: str, name: str = "value") -> Any:
    """``value`` as a Python number: a bool, int (within int64), float or complex, NumPy's too, or a one-element
    Tensor. Anything else (None, a string, a list, a shaped tensor) is a DTypeError/ShapeError naming ``name``."""
    if isinstance(value, _tensor_class()):
        if value.numel() != 1:
            raise ShapeError(expected(op, name, "a number or a one-element tensor", got=f"shape {value.shape}"))
        return value._data.reshape(()).item()
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value.item()
    if not isinstance(value, (bool, int, float, complex)):
        raise DTypeError(expected(op, name, "a number", got=_type_name(value)
                                  if not isinstance(value, (str, type(None))) else repr(value)))
    return int64_scalar(value, op, name)


def fits(value: Any, dtype: Any, op: str, name: str = "value") -> Any:
    """``value`` (a Python number) if ``dtype`` can hold it: no nan/inf or fraction-free overflow into an integer
    dtype, no int beyond an integer dtype's range, no complex into a real dtype (PyTorch: "value cannot be
    converted to type ... without overflow"); NumPy would wrap, truncate or warn."""
    dt = np.dtype(dtype)
    if dt.kind in "iu" and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ArgumentError(expected(op, name, f"a finite number for dtype {dt}", value))
        if isinstance(value, complex):
            raise DTypeError(expected(op, name, f"a real number for dtype {dt}", value))
        info = np.iinfo(dt)
        if not info.min <= value <= info.max:
            raise ArgumentError(expected(op, name, f"a number in [{info.min}, {info.max}] for dtype {dt}", value))
    elif dt.kind in "bf" and isinstance(value, complex):
        raise DTypeError(expected(op, name, f"a real number for dtype {dt}", value))
    return value


def element_count(shape: Iterable[int], op: str, what: str) -> None:
    """Refuse a result ``shape`` with more elements than an array can hold (NumPy: "Maximum allowed dimension
    exceeded" or a MemoryError); ``what`` says where the shape came from, e.g. ``"padding (1, 2**62)"``."""
    if math.prod(float(n) for n in shape) * 8 >= 2.0 ** 63:
        raise ShapeError(f"{op}: {what} gives a result of shape {tuple(shape)}, more elements than an array can "
                         "hold")


def sized(value: Any, op: str, name: str = "dataset") -> int:
    """``len(value)`` for a dataset, sampler source or sequence that has a length; otherwise a DTypeError naming
    ``name`` (an IterableDataset, a generator, None or a number have none)."""
    what = "a dataset or sequence with a length (len())"
    if not hasattr(type(value), "__len__") or isinstance(value, (str, bytes)):
        raise DTypeError(expected(op, name, what, got=_type_name(value)))
    if isinstance(value, _tensor_class()) and value.ndim == 0:
        raise DTypeError(expected(op, name, what, got="a 0-d tensor"))
    try:
        return len(value)
    except OverflowError:  # e.g. range(10**400): Python's len() is limited to sys.maxsize
        raise ArgumentError(expected(op, name, what + " that fits in int64", got="a longer one")) from None


def flags(op: str, **values: Any) -> None:
    """Each keyword's value must be a bool (``True``/``False``): PyTorch refuses ``training=[1, 2]`` or
    ``ceil_mode=None``, and a truthy non-bool would silently switch behaviour."""
    for name, value in values.items():
        if value is not True and value is not False:  # the common case without a call; np.bool_ and errors below
            boolean(value, op, name)


def real_array(values: Any, op: str, name: str) -> np.ndarray:
    """``values`` (a sequence of real numbers, a NumPy array or a Tensor) as a float64 array; strings, None,
    nested ragged lists and complex values are a DTypeError naming ``name``."""
    data = values._data if isinstance(values, _tensor_class()) else values
    if isinstance(data, (str, bytes)) or data is None or isinstance(data, (bool, np.bool_)):
        raise DTypeError(expected(op, name, "a sequence of real numbers", values))
    try:
        arr = np.asarray(data)
    except ValueError:  # ragged nesting
        raise DTypeError(expected(op, name, "a sequence of real numbers", values)) from None
    if arr.dtype.kind not in "biuf":
        raise DTypeError(expected(op, name, "a sequence of real numbers", values))
    return arr.astype(np.float64)


def real_pair(value: Any, op: str, name: str, low: float | None = None, high: float | None = None, *,
              low_open: bool = False, ordered: bool = True) -> tuple[float, float]:
    """A sequence of two finite real numbers in ``[low, high]`` (each through :func:`real`) as a pair of floats,
    ``min <= max`` when ``ordered`` — the ranges of random transforms (``scale=(0.08, 1.0)``, ``sigma``, ...)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise DTypeError(expected(op, name, "a sequence of two numbers", value))
    lo, hi = (real(v, op, name, low, high, low_open=low_open) for v in value)
    if ordered and lo > hi:
        raise ArgumentError(expected(op, name, "a range (min, max) with min <= max", value))
    return lo, hi


def bool_condition(condition: Any, op: str) -> np.ndarray:
    """The array of a bool Tensor (or bool NumPy array) used as a condition or mask; PyTorch refuses other dtypes
    rather than guess which values count as true."""
    cond = condition._data if isinstance(condition, _tensor_class()) else condition
    if not isinstance(cond, np.ndarray) or cond.dtype != np.bool_:
        got = f"dtype {cond.dtype}" if isinstance(cond, np.ndarray) else _type_name(condition)
        raise DTypeError(expected(op, "condition", "a bool Tensor", got=got))
    return cond


def path(value: Any, op: str, name: str = "root") -> Any:
    """``value`` if it is a file-system path (a ``str`` or ``os.PathLike``), else a DTypeError naming ``name``."""
    import os

    if not isinstance(value, (str, os.PathLike)):
        raise DTypeError(expected(op, name, "a path (str or os.PathLike)", got=_type_name(value)))
    return value


def names(value: Any, op: str, name: str = "classes") -> list[str]:
    """A list or tuple of strings (class names) as a list."""
    if not isinstance(value, (list, tuple)):
        raise DTypeError(expected(op, name, "a list of str", got=_type_name(value)))
    if not all(isinstance(v, str) for v in value):
        raise DTypeError(expected(op, name, "a list of str", value))
    return list(value)
