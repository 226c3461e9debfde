"""Shape primitives: reshape, permute, expand, indexing, concatenation, stacking, constant padding."""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.elementwise import unbroadcast
from numnet.ops import layout


class ReshapeOp(Function):
    """z = a viewed with a new shape;  the gradient is reshaped back."""

    def forward(self, a, shape=()):
        self.shape = a.shape
        return layout.reshape(a, shape)  # a view where the strides allow, also of batch-innermost memory

    def backward(self, g):
        return g.reshape(self.shape)


class PermuteOp(Function):
    """z = a with its axes reordered by ``dims``;  the gradient is permuted by the inverse order."""

    def forward(self, a, dims=()):
        # argsort of a few ints in Python: np.argsort's array round trip costs more than the transpose itself
        self.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return a.transpose(dims)

    def backward(self, g):
        return np.transpose(g, self.inverse)


class ExpandOp(Function):
    """z = a broadcast to ``shape`` (a read-only view);  the gradient is summed back over the broadcast axes."""

    def forward(self, a, shape=()):
        self.shape = a.shape
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return unbroadcast(g, self.shape)


def _has_array_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype != bool for i in items)


class GetItemOp(Function):
    """z = a[index] (NumPy indexing);  backward scatters the gradient into zeros, adding where an index repeats.

    Repeated integer indices are summed with one ``np.bincount`` over flat positions (no ``np.add.at``).
    """

    def forward(self, a, index=None):
        self.shape, self.index = a.shape, index
        return np.asarray(a[index])

    def backward(self, g):
        if _has_array_index(self.index) and g.dtype.kind == "f":
            size = int(np.prod(self.shape))
            pos_dtype = np.int32 if size < 2 ** 31 else np.int64  # half the memory of the position grid
            positions = np.arange(size, dtype=pos_dtype).reshape(self.shape)[self.index].ravel()
            out = np.bincount(positions, weights=g.ravel(), minlength=size)
            return out.astype(g.dtype, copy=False).reshape(self.shape)
        out = np.zeros(self.shape, dtype=g.dtype)
        if _has_array_index(self.index):
            np.add.at(out, self.index, g)  # non-float grads only (complex): rare, not a hot path
        else:
            out[self.index] = g
        return out


class CatOp(Function):
    """z = concatenate(inputs, axis);  each input gets its slice of the gradient."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.splits = np.cumsum([a.shape[axis] for a in arrays])[:-1]
        return np.concatenate(arrays, axis=axis)

    def backward(self, g):
        return tuple(np.split(g, self.splits, axis=self.axis))


class StackOp(Function):
    """z = stack(inputs, axis) along a new axis;  input i gets ``g`` indexed at i along that axis."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        return np.stack(arrays, axis=axis)

    def backward(self, g):
        return tuple(np.moveaxis(g, self.axis, 0))


class PadOp(Function):
    """z = a with constant padding ``pad_width`` (NumPy's per-axis (before, after) pairs, all >= 0);
    the gradient is the interior slice."""

    def forward(self, a, pad_width=(), value=0.0):
        self.inner = tuple(slice(b, b + n) for (b, _), n in zip(pad_width, a.shape))
        out = np.full(tuple(b + n + e for (b, e), n in zip(pad_width, a.shape)), value, dtype=a.dtype)
        out[self.inner] = a
        return out

    def backward(self, g):
        return g[self.inner]


class FlipOp(Function):
    """z = a reversed along ``axes``;  the gradient is flipped back."""

    def forward(self, a, axes=()):
        self.axes = axes
        return np.flip(a, axes)

    def backward(self, g):
        return np.flip(g, self.axes)


class RepeatOp(Function):
    """z = a tiled ``reps`` times per dim (``np.tile``; len(reps) >= a.ndim);  the gradient sums the copies."""

    def forward(self, a, reps=()):
        self.shape, self.reps = a.shape, reps
        return np.tile(a, reps)

    def backward(self, g):
        shape = (1,) * (len(self.reps) - len(self.shape)) + self.shape
        split = []
        for r, n in zip(self.reps, shape):
            split += [r, n]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))).reshape(self.shape)


class RollOp(Function):
    """z = a rolled by ``shifts`` along ``axes`` (``np.roll``);  the gradient is rolled back."""

    def forward(self, a, shifts=(), axes=None):
        self.shifts, self.axes = shifts, axes
        return np.roll(a, shifts, axes)

    def backward(self, g):
        return np.roll(g, tuple(-s for s in self.shifts), self.axes)


class ContiguousOp(Function):
    """z = a copied into C order;  the gradient passes unchanged."""

    def forward(self, a):
        return np.ascontiguousarray(a)

    def backward(self, g):
        return g
