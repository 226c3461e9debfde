"""The shape methods of :class:`numnet.Tensor` (``reshape``, ``view``, ``flatten``, ``permute``, ``transpose``,
``squeeze``, ``unsqueeze``, ``expand``): argument checks here, every derivative in :mod:`numnet.ops.shape`.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
Indexing (``t[i]``) stays in tensor.py, beside the Tensor it unwraps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from numnet._dims import _infer_shape, _norm_dim
from numnet.errors import ArgumentError, ShapeError
from numnet.ops import shape

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor


def _reshape(t: "Tensor", new_shape: tuple[int, ...]) -> "Tensor":
    return shape.ReshapeOp.apply(t, shape=new_shape)


class _ShapeMethods:
    __slots__ = ()

    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        """The same elements in a new shape; one entry may be -1 (inferred)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        new = _infer_shape(tuple(int(n) for n in shape), self.numel(), self.shape)
        return _reshape(self, new)

    def view(self, *shape: int | Sequence[int]) -> "Tensor":
        """Same as :meth:`reshape` (NumPy copies when it must, so there is no contiguity error)."""
        return self.reshape(*shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        """Merge dims ``start_dim..end_dim`` into one."""
        if self.ndim == 0:
            return self.reshape(1)
        s = _norm_dim(start_dim, self.ndim, "flatten")
        e = _norm_dim(end_dim, self.ndim, "flatten")
        if s > e:
            raise ArgumentError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
        new = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return _reshape(self, new)

    def permute(self, *dims: int | Sequence[int]) -> "Tensor":
        """Reorder the dims: output dim i is input dim ``dims[i]``."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        norm = tuple(_norm_dim(d, self.ndim, "permute") for d in dims)
        if sorted(norm) != list(range(self.ndim)):
            raise ArgumentError(f"permute: expected a permutation of the {self.ndim} dims of shape {self.shape}, "
                                f"got {tuple(dims)}")
        return shape.PermuteOp.apply(self, dims=norm)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap two dims."""
        if self.ndim == 0:
            _norm_dim(dim0, 0, "transpose"), _norm_dim(dim1, 0, "transpose")
            return shape.ReshapeOp.apply(self, shape=())
        d0 = _norm_dim(dim0, self.ndim, "transpose")
        d1 = _norm_dim(dim1, self.ndim, "transpose")
        dims = list(range(self.ndim))
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return shape.PermuteOp.apply(self, dims=tuple(dims))

    def squeeze(self, dim: int | Sequence[int] | None = None) -> "Tensor":
        """Drop dims of size 1 (all of them, or those among ``dim`` that have size 1)."""
        if dim is None:
            return _reshape(self, tuple(n for n in self.shape if n != 1))
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        drop = {_norm_dim(d, self.ndim, "squeeze") for d in dims}
        if self.ndim == 0:
            return _reshape(self, ())
        return _reshape(self, tuple(n for i, n in enumerate(self.shape) if not (i in drop and n == 1)))

    def unsqueeze(self, dim: int) -> "Tensor":
        """Insert a dim of size 1 at ``dim`` (``-1`` appends)."""
        d = _norm_dim(dim, self.ndim + 1, "unsqueeze")
        return _reshape(self, self.shape[:d] + (1,) + self.shape[d:])

    def expand(self, *sizes: int | Sequence[int]) -> "Tensor":
        """Broadcast to ``sizes`` without copying (-1 keeps a dim); the gradient is summed back.

        Raises:
            ShapeError: when a dim of size ≠ 1 would have to change, or ``sizes`` has fewer dims.
        """
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        sizes = tuple(int(s) for s in sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ShapeError(f"expand: the target {sizes} has fewer dims than the tensor of shape {self.shape}")
        target = tuple(self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
        for i, s in enumerate(target):
            own = self.shape[i - lead] if i >= lead else None
            if s < 0 or (own is not None and own != 1 and own != s):
                expected = "a size >= 0" if own is None else f"{own}" + (" or -1" if own != 1 else " (or any size)")
                raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {sizes}: "
                                 f"dim {i} expected {expected}, got {sizes[i]}")
        return shape.ExpandOp.apply(self, shape=target)
