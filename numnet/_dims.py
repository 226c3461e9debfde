"""Dimension and shape arguments: normalising ``dim``, resolving ``-1`` in a reshape, naming shapes that do not
broadcast. Shared by :mod:`numnet.tensor`, :mod:`numnet.creation` and ``numnet.functional``; works on ints and shape
tuples only (no Tensor), so any layer may import it.
"""

from __future__ import annotations

import builtins
from typing import Sequence

import numpy as np

from numnet.errors import ArgumentError, ShapeError


def _norm_dim(dim: int, ndim: int, op: str) -> int:
    """``dim`` made non-negative for a tensor of ``ndim`` dims (a 0-d tensor accepts 0 and -1, like PyTorch)."""
    n = builtins.max(ndim, 1)
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise ArgumentError(f"{op}: dim must be an int, got {type(dim).__name__} {dim!r}")
    if not -n <= dim < n:
        raise ArgumentError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s) "
                            f"(expected {-n} <= dim < {n})")
    return int(dim) % n


def _norm_dims(dim: int | Sequence[int] | None, ndim: int, op: str) -> int | tuple[int, ...] | None:
    """``None`` (all axes), one axis, or a tuple of distinct axes, each made non-negative; ``()`` means all."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        axes = tuple(_norm_dim(d, ndim, op) for d in dim)
        if len(set(axes)) != len(axes):
            raise ArgumentError(f"{op}: dim {tuple(dim)} names an axis more than once")
        return None if ndim == 0 else axes
    axis = _norm_dim(dim, ndim, op)
    return None if ndim == 0 else axis


def _broadcast_error(op: str, *shapes: tuple[int, ...]) -> None:
    """Raise a ShapeError if ``shapes`` do not broadcast together."""
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise ShapeError(f"{op}: shapes {listed} cannot be broadcast together") from None


def _infer_shape(shape: tuple[int, ...], numel: int, old: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one ``-1`` in a requested shape, or raise a ShapeError naming both shapes."""
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1]))
    bad = len(unknown) > 1 or any(n < -1 for n in shape)
    if not bad and unknown:
        bad = known == 0 or numel % known != 0
        if not bad:
            shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif not bad:
        bad = known != numel
    if bad:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {old} ({numel} elements) into {shape}: "
                         "expected the same number of elements and at most one -1")
    return shape
