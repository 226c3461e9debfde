"""numnet's dtype rules, which are PyTorch's (not NumPy's).

Data to arrays: Python floats and lists of them become float32 (complex: complex64), Python ints int64, Python bools
bool; NumPy arrays and scalars keep their dtype.

Promotion between two dtypes (:func:`promote_types`): the higher kind wins (complex > float > int > bool); within a
kind, the wider type. Unlike NumPy, ``int64`` with ``float32`` gives ``float32``.

Promotion in an op (:func:`result_type`): tensors with dimensions decide; a 0-d tensor counts only if it is of a
higher kind, so ``float32 vector + float64 0-d`` stays float32. A Python scalar takes the tensor's dtype unless its
kind is higher (an int tensor with a float scalar gives float32); that rule lives in ``Tensor._lift``.

This module works on arrays and dtypes only; it does not import :mod:`numnet.tensor` (which imports it).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

ArrayLike = Any
_DEFAULT_FLOAT = np.dtype(np.float32)
# Kind order for promotion: bool < int (signed or unsigned) < float < complex; anything else (str, object) ranks 4.
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _as_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """``data`` (not a Tensor) as an array by the rule above; with ``dtype``, converted to it (no copy if equal)."""
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    elif dtype is not None:
        return np.asarray(data, dtype=dtype)
    else:
        arr = np.asarray(data)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        elif arr.dtype == np.complex128:
            arr = arr.astype(np.complex64)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _is_float(dtype: np.dtype) -> bool:
    return dtype.kind == "f"


def promote_types(a: Any, b: Any) -> np.dtype:
    """PyTorch's ``promote_types``: the higher kind wins (complex > float > int > bool); within a kind, the wider.

    >>> promote_types("int64", "float32"), promote_types("float16", "float32")
    (dtype('float32'), dtype('float32'))
    """
    a, b = np.dtype(a), np.dtype(b)
    if a == b:
        return a
    ra, rb = _KIND_RANK.get(a.kind, 4), _KIND_RANK.get(b.kind, 4)
    if ra == rb or {ra, rb} == {2, 3}:
        return np.promote_types(a, b)
    return a if ra > rb else b


def result_type(*tensors: Any) -> np.dtype:
    """The dtype PyTorch gives an op on these tensors: tensors with dimensions first, 0-d ones only if of a higher
    kind (so ``float32 vector + float64 0-d`` stays float32)."""
    dim = zero = None
    for t in tensors:
        dt = t._data.dtype
        if t._data.ndim:
            dim = dt if dim is None else promote_types(dim, dt)
        else:
            zero = dt if zero is None else promote_types(zero, dt)
    if dim is None:
        return zero
    if zero is None or _KIND_RANK.get(zero.kind, 4) <= _KIND_RANK.get(dim.kind, 4):
        return dim
    return promote_types(dim, zero)


def _same_dtype(tensors: Sequence[Any]) -> list[Any]:
    """The tensors converted (differentiably, with ``Tensor.to``) to their common :func:`result_type`."""
    first = tensors[0]._data.dtype
    if all(t._data.dtype == first for t in tensors):
        return list(tensors)
    dt = result_type(*tensors)
    return [t.to(dt) for t in tensors]


def as_dtype(value: Any, op: str, name: str = "dtype") -> np.dtype:
    """A dtype argument (a numnet/NumPy dtype such as ``numnet.float32``, an ``np.dtype``, or Python's ``float``,
    ``int``, ``bool``, which mean float64, int64 and bool as in PyTorch) as an ``np.dtype``.

    Raises:
        DTypeError: naming ``op`` for anything else (never NumPy's "data type not understood").
    """
    from numnet.errors import DTypeError

    if isinstance(value, np.dtype):
        return value
    if isinstance(value, type) and (issubclass(value, np.generic) or value in (float, int, bool, complex)):
        return np.dtype(value)
    if isinstance(value, str):  # NumPy's names ("float32", "int64"); torch has none, but they are unambiguous
        try:
            dt = np.dtype(value)
        except TypeError:
            dt = None
        if dt is not None and dt.kind in "biufc":
            return dt
    raise DTypeError(f"{op}: expected {name} to be a dtype such as numnet.float32, got {value!r}")
