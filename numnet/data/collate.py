"""Turning samples into batches: :func:`default_collate` (stack samples, recursing into tuples, lists and dicts, as
PyTorch's) and :func:`default_convert` (arrays to tensors, no stacking)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Sequence

import numpy as np

from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

__all__ = ["default_collate", "default_convert"]


def _stack(arrays: list[np.ndarray]) -> np.ndarray:
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(f"default_collate: samples have different shapes {sorted(shapes)}; all samples of a batch "
                         f"must have the same shape (pass a collate_fn to batch them differently)")
    return np.stack(arrays)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, keeping the samples' structure.

    PyTorch's rules: Tensors and arrays are stacked along a new first axis; Python ints become an int64 Tensor, Python
    floats a float32 Tensor (numnet's rule for Python floats; PyTorch makes float64), bools a bool Tensor, NumPy scalars keep their dtype; tuples and
    lists are collated position by position, dicts key by key; strings are kept as a list.

    Args:
        batch: a non-empty list of samples of the same structure.

    Returns:
        the batch, with numnet Tensors in place of the stacked leaves.

    Raises:
        ArgumentError: an empty batch, tuples of different lengths, or dicts with different keys.
        ShapeError: arrays of different shapes.
        DTypeError: a sample type that cannot be batched.

    Example:
        >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
        >>> x.shape, y.dtype
        ((2, 3), dtype('int64'))
    """
    if len(batch) == 0:
        raise ArgumentError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return Tensor(_stack([b._data if isinstance(b, Tensor) else np.asarray(b) for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OUSV":  # PyTorch refuses string and object arrays too
            raise DTypeError(f"default_collate: cannot batch arrays of dtype {elem.dtype}; expected numeric arrays")
        return Tensor(_stack([np.asarray(b._data if isinstance(b, Tensor) else b) for b in batch]))
    if isinstance(elem, np.generic):
        return Tensor(np.asarray(batch, dtype=elem.dtype))
    if isinstance(elem, bool):
        return Tensor(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor(np.asarray(batch, dtype=np.float32))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        keys = set(elem)
        for k, b in enumerate(batch):
            if not isinstance(b, Mapping) or set(b) != keys:
                got = sorted(map(str, b)) if isinstance(b, Mapping) else type(b).__name__
                raise ArgumentError(f"default_collate: sample {k} has keys {got}, but sample 0 has keys "
                                    f"{sorted(map(str, keys))}; every dict in a batch needs the same keys")
        return {key: default_collate([b[key] for b in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        lengths = {len(b) for b in batch}
        if len(lengths) > 1:
            raise ArgumentError(f"default_collate: samples have different lengths {sorted(lengths)}")
        fields = [default_collate(list(col)) for col in zip(*batch)]
        if hasattr(elem, "_fields"):  # namedtuple
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise DTypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                     f"expected Tensors, arrays, numbers, strings, or tuples/lists/dicts of them "
                     f"(pass a collate_fn for other types)")




def default_convert(data: Any) -> Any:
    """Turn NumPy arrays (at any depth of tuples, lists and dicts) into numnet Tensors, leaving everything else.

    The ``collate_fn`` of a DataLoader with ``batch_size=None`` (no batching), as in PyTorch.

    Example:
        >>> default_convert({"x": np.zeros(2)})["x"].shape
        (2,)
    """
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OUSV":
        return Tensor(data)
    if isinstance(data, Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return type(data)(default_convert(d) for d in data)
    return data
