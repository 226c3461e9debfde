"""Shape layers beside :class:`~numnet.nn.Flatten` (in :mod:`numnet.nn.linear`): :class:`Unflatten`."""

from __future__ import annotations

from typing import Sequence

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["Unflatten"]


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of :class:`~numnet.nn.Flatten`).

    Args:
        dim: the dimension to split (negative counts from the end).
        unflattened_size: a tuple or list of ints whose product is that dimension's size; one entry may be -1
            (inferred).

    Shape:
        ``(*, S, *) → (*, U₁, …, U_k, *)`` with ``∏ U = S``.

    Raises:
        DTypeError/ArgumentError: (constructor) ``dim`` is not an int, or ``unflattened_size`` is not a sequence of
            ints >= 1 (with at most one -1).
        ShapeError: (forward) the product of ``unflattened_size`` does not match the size of ``dim``.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.Unflatten(1, (2, 5))(numnet.zeros(3, 10)).shape
    (3, 2, 5)
    >>> nn.Unflatten(-1, (4, -1))(numnet.zeros(3, 8)).shape
    (3, 4, 2)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = V.integer(dim, "Unflatten", "dim")
        what = "a tuple or list of ints >= 1 (one may be -1)"
        if not (isinstance(unflattened_size, (tuple, list)) and all(V.is_int(v) for v in unflattened_size)):
            raise DTypeError(V.expected("Unflatten", "unflattened_size", what, unflattened_size))
        sizes = tuple(int(v) for v in unflattened_size)
        if not sizes or any(v < 1 and v != -1 for v in sizes) or sizes.count(-1) > 1:
            raise ArgumentError(V.expected("Unflatten", "unflattened_size", what, unflattened_size))
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        V.tensor(input, "")
        d = V.dim(self.dim, input.ndim, "")
        size = input.shape[d] if input.ndim else 1
        sizes = list(self.unflattened_size)
        known = 1
        for v in sizes:
            known *= v if v != -1 else 1
        if -1 in sizes:
            if known == 0 or size % known:
                raise ShapeError(f"expected the size {size} of dim {self.dim} to be divisible by the product "
                                 f"{known} of the known entries of unflattened_size={self.unflattened_size}")
            sizes[sizes.index(-1)] = size // known
        elif known != size:
            raise ShapeError(f"expected unflattened_size={self.unflattened_size} to multiply to the size {size} of "
                             f"dim {self.dim}, input shape {tuple(input.shape)}")
        return input.reshape(tuple(input.shape[:d]) + tuple(sizes) + tuple(input.shape[d + 1:]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
