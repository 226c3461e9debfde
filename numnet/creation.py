"""Creating tensors and the free functions that join or select them: ``tensor``, ``zeros``, ``cat``, ``stack``,
``where``, ``pad``, ... (PyTorch's names; re-exported as ``numnet.*``)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from numnet._dims import _broadcast_error, _norm_dim
from numnet.dtypes import ArrayLike, _same_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import shape
from numnet.tensor import Tensor, _to_array


def tensor(data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from data (copied). Python floats give float32, ints int64; float64 arrays stay float64.

    >>> import numnet, numpy as np
    >>> numnet.tensor([1.5, 2.0]).dtype, numnet.tensor(np.zeros(2)).dtype
    (dtype('float32'), dtype('float64'))

    Raises:
        DTypeError: if ``requires_grad`` is set on a non-floating dtype.
    """
    arr = np.array(_to_array(data, dtype), copy=True)
    return Tensor(arr, requires_grad=requires_grad)


def as_tensor(data: ArrayLike, dtype: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array (and returns a tensor as is) when it can."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor(_to_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _shape_arg(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = tuple(int(n) for n in size)
    if any(n < 0 for n in out):
        raise ShapeError(f"size: expected non-negative sizes, got {out}")
    return out


def zeros(*size: int, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; ``size`` as separate ints or one tuple."""
    return Tensor(np.zeros(_shape_arg(size), dtype=dtype), requires_grad=requires_grad)


def ones(*size: int, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; ``size`` as separate ints or one tuple."""
    return Tensor(np.ones(_shape_arg(size), dtype=dtype), requires_grad=requires_grad)


def full(size: Sequence[int], fill_value: float, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with ``fill_value``; the dtype follows the value (float32, int64 or bool) unless given."""
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return Tensor(np.full(_shape_arg((size,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``t``'s shape and (unless given) dtype."""
    return Tensor(np.zeros(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``t``'s shape and (unless given) dtype."""
    return Tensor(np.ones(t.shape, dtype=dtype or t.dtype), requires_grad=requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    """Values from ``start`` up to (excluding) ``end``: int64 for int arguments, else float32."""
    arr = np.arange(start, end, step) if end is not None else np.arange(0, start, step)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    return Tensor(arr)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; all other sizes must match. Dtypes are promoted to a common one.

    Shape: ``(*, n_i, *)`` for each input → ``(*, Σ n_i, *)``.

    Raises:
        ArgumentError: for an empty sequence or a bad ``dim``.
        ShapeError: for 0-d tensors or sizes that differ outside ``dim``.
    """
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("cat: expected a non-empty sequence of tensors")
    ref = tensors[0]
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ShapeError(f"cat: tensor {i} is 0-d (shape ()); expected at least 1 dim (use stack)")
    axis = _norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim or t.shape[:axis] + t.shape[axis + 1:] != ref.shape[:axis] + ref.shape[axis + 1:]:
            raise ShapeError(f"cat: tensor {i} has shape {t.shape}, but tensor 0 has shape {ref.shape}: "
                             f"expected the same sizes in every dim except dim {dim}")
    return shape.CatOp.apply(*_same_dtype(tensors), axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension ``dim``.

    Shape: n inputs of shape ``S`` → ``S`` with ``n`` inserted at ``dim``.

    Raises:
        ArgumentError: for an empty sequence or a bad ``dim``.
        ShapeError: if the shapes differ.
    """
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}; "
                             "expected all shapes equal")
    d = _norm_dim(dim, tensors[0].ndim + 1, "stack")
    return shape.StackOp.apply(*_same_dtype(tensors), axis=d)


def where(condition: Tensor | np.ndarray, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input`` where ``condition`` holds, else ``other``; gradients flow to the chosen side.

    Raises:
        ShapeError: if condition, input and other do not broadcast together.
    """
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition).astype(bool, copy=False)
    if isinstance(input, Tensor):
        ref = input
    elif isinstance(other, Tensor):
        ref = other
    else:
        ref = Tensor(_to_array(input))
    a, b = _same_dtype((ref._lift(input), ref._lift(other)))
    _broadcast_error("where", cond.shape, a.shape, b.shape)
    return ew.WhereOp.apply(a, b, cond=cond)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise maximum; ties split the gradient in half (as ``torch.maximum``)."""
    return as_tensor(input).maximum(other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Elementwise minimum; ties split the gradient in half."""
    return as_tensor(input).minimum(other)


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """Constant padding with PyTorch's ``F.pad`` order: ``(left, right, top, bottom, ...)`` from the last dim back.

    Shape: dim ``-1-i`` grows by ``pad[2i] + pad[2i+1]``.

    Note: only ``mode="constant"`` and non-negative padding are supported.

    Raises:
        ArgumentError: for an odd-length or too long ``pad``, negative values, or another mode.

    >>> import numnet
    >>> pad(numnet.tensor([[1.0, 2.0]]), (1, 0)).tolist()
    [[0.0, 1.0, 2.0]]
    """
    if mode != "constant":
        raise ArgumentError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ArgumentError(f"pad: expected an even number of values, at most 2×{input.ndim} for a tensor of shape "
                            f"{input.shape}, got {pad}")
    if any(p < 0 for p in pad):
        raise ArgumentError(f"pad: expected non-negative padding, got {pad}")
    width = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        width[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return shape.PadOp.apply(input, pad_width=tuple(width), value=0 if value is None else value)
