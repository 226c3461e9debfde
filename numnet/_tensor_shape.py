"""The shape methods of :class:`numnet.Tensor` (``reshape``, ``view``, ``flatten``, ``permute``, ``transpose``,
``squeeze``, ``unsqueeze``, ``expand``): argument checks here, every derivative in :mod:`numnet.ops.shape`.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
Indexing (``t[i]``) stays in tensor.py, beside the Tensor it unwraps.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from numnet import _validation as V
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
        new = _infer_shape(V.sizes(shape, "reshape", "shape"), self.numel(), self.shape)
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
        new = self.shape[:s] + (math.prod(self.shape[s:e + 1]),) + self.shape[e + 1:]  # ints: no NumPy round trip
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
        sizes = V.sizes(sizes, "expand", "sizes")
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

    def view_as(self, other: "Tensor") -> "Tensor":
        """``self.view(other.shape)``."""
        return self.reshape(V.tensor(other, "view_as", "other").shape)

    def reshape_as(self, other: "Tensor") -> "Tensor":
        """``self.reshape(other.shape)``."""
        return self.reshape(V.tensor(other, "reshape_as", "other").shape)

    def expand_as(self, other: "Tensor") -> "Tensor":
        """``self.expand(other.shape)``."""
        return self.expand(V.tensor(other, "expand_as", "other").shape)

    def unflatten(self, dim: int, sizes: Sequence[int]) -> "Tensor":
        """Split dim ``dim`` into ``sizes`` (one entry may be -1)."""
        d = _norm_dim(dim, self.ndim, "unflatten")
        inner = _infer_shape(V.sizes(sizes, "unflatten", "sizes"), self.shape[d], (self.shape[d],))
        return _reshape(self, self.shape[:d] + inner + self.shape[d + 1:])

    def t(self) -> "Tensor":
        """The transpose of a tensor with at most 2 dims (0-d and 1-D come back as they are)."""
        if self.ndim > 2:
            raise ShapeError(f"t: expected a tensor with <= 2 dims, got shape {self.shape}; use transpose or mT")
        return self.transpose(0, -1) if self.ndim == 2 else _reshape(self, self.shape)

    @property
    def mT(self) -> "Tensor":
        """The last two dims swapped (a batch of matrix transposes)."""
        if self.ndim < 2:
            raise ShapeError(f"mT: expected a tensor with >= 2 dims, got shape {self.shape}")
        return self.transpose(-2, -1)

    def swapaxes(self, axis0: int, axis1: int) -> "Tensor":
        """Alias of :meth:`transpose`."""
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> "Tensor":
        """Move dims ``source`` to positions ``destination``; the others keep their order."""
        src = source if isinstance(source, (tuple, list)) else (source,)
        dst = destination if isinstance(destination, (tuple, list)) else (destination,)
        if len(src) != len(dst):
            raise ArgumentError(f"movedim: expected source and destination of the same length, got {source!r} "
                                f"and {destination!r}")
        src = [_norm_dim(d, self.ndim, "movedim") for d in src]
        dst = [_norm_dim(d, self.ndim, "movedim") for d in dst]
        if len(set(src)) != len(src) or len(set(dst)) != len(dst):
            raise ArgumentError(f"movedim: repeated dims in {source!r} or {destination!r}")
        order = [d for d in range(self.ndim) if d not in src]
        for d, s in sorted(zip(dst, src)):
            order.insert(d, s)
        return shape.PermuteOp.apply(self, dims=tuple(order))

    moveaxis = movedim

    def is_contiguous(self) -> bool:
        """Whether the data is laid out in C order."""
        return bool(self._data.flags.c_contiguous)

    def contiguous(self) -> "Tensor":
        """The tensor itself if it is C-contiguous, else a C-ordered copy (differentiable)."""
        return self if self.is_contiguous() else shape.ContiguousOp.apply(self)

    def narrow(self, dim: int, start: int, length: int) -> "Tensor":
        """Elements ``start .. start+length-1`` along ``dim`` (a negative start counts from the end)."""
        d = _norm_dim(dim, self.ndim, "narrow")
        n = self.shape[d]
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or not -n <= start <= n:
            raise ArgumentError(f"narrow: expected start to be an int in [{-n}, {n}], got {start!r}")
        start = int(start) % n if start < 0 else int(start)
        if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 0 <= length <= n - start:
            raise ArgumentError(f"narrow: expected length to be an int in [0, {n - start}], got {length!r}")
        return self[(slice(None),) * d + (slice(start, start + int(length)),)]

    def split(self, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple["Tensor", ...]:
        """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the listed sizes."""
        d = _norm_dim(dim, self.ndim, "split")
        n = self.shape[d]
        s = split_size_or_sections
        if isinstance(s, (tuple, list)):
            sizes = [int(k) for k in s]
            if any(k < 0 for k in sizes) or sum(sizes) != n:
                raise ArgumentError(f"split: expected sections that sum to the size {n} of dim {dim}, got {list(s)}")
        else:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
                raise ArgumentError(f"split: expected split_size to be an int >= 1 or a list of ints, got {s!r}")
            sizes = [min(int(s), n - i) for i in range(0, n, int(s))] or [0]
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self.narrow(d, int(b), k) for b, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple["Tensor", ...]:
        """At most ``chunks`` pieces along ``dim``, each of ⌈n / chunks⌉ elements (the last may be smaller)."""
        if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
            raise ArgumentError(f"chunk: expected chunks to be an int >= 1, got {chunks!r}")
        n = self.shape[_norm_dim(dim, self.ndim, "chunk")]
        return self.split(max(-(-n // int(chunks)), 1), dim)

    def unbind(self, dim: int = 0) -> tuple["Tensor", ...]:
        """The slices along ``dim``, with that dim removed."""
        d = _norm_dim(dim, self.ndim, "unbind")
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self.shape[d]))

    def flip(self, *dims: int | Sequence[int]) -> "Tensor":
        """Reverse the order of elements along ``dims``."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        axes = tuple(_norm_dim(d, self.ndim, "flip") for d in dims)
        if len(set(axes)) != len(axes):
            raise ArgumentError(f"flip: dims {tuple(dims)} name an axis more than once")
        return shape.FlipOp.apply(self, axes=axes if self.ndim else ())

    def repeat(self, *sizes: int | Sequence[int]) -> "Tensor":
        """Tile the tensor ``sizes[i]`` times along dim i (``sizes`` needs at least ``ndim`` entries)."""
        reps = V.sizes(sizes, "repeat", "sizes")
        if len(reps) < self.ndim or any(n < 0 for n in reps):
            raise ArgumentError(f"repeat: expected at least {self.ndim} non-negative repeat counts, got {reps}")
        shp = (1,) * (len(reps) - self.ndim) + self.shape
        V.element_count([n * r for n, r in zip(shp, reps)], "repeat", f"repeat counts {reps}")
        return shape.RepeatOp.apply(self, reps=reps)

    def tile(self, *dims: int | Sequence[int]) -> "Tensor":
        """Like :meth:`repeat`, but fewer entries than dims are padded with 1s at the front."""
        dims = V.sizes(dims, "tile", "dims")
        if any(n < 0 for n in dims):
            raise ArgumentError(f"tile: expected non-negative repeat counts, got {dims}")
        reps = (1,) * (self.ndim - len(dims)) + dims
        return self.repeat(reps)

    def roll(self, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None) -> "Tensor":
        """Shift elements cyclically by ``shifts`` along ``dims`` (the flattened tensor when dims is None)."""
        if dims is None:
            flat = _reshape(self, (self.numel(),))
            return _reshape(shape.RollOp.apply(flat, shifts=V.sizes(shifts, "roll", "shifts")[:1], axes=(0,)),
                            self.shape)
        s = V.sizes(shifts, "roll", "shifts")
        d = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if len(s) != len(d):
            raise ArgumentError(f"roll: expected as many shifts as dims, got {shifts!r} and {dims!r}")
        axes = tuple(_norm_dim(k, self.ndim, "roll") for k in d)
        return shape.RollOp.apply(self, shifts=s, axes=axes)
