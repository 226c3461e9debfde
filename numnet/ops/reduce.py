"""Reductions over one or more axes: sum, mean, var, max/min (values and indices).

``axis`` is ``None`` (all axes), an int or a tuple of ints, as in NumPy; ``Tensor`` normalises it first.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function


def _expand_back(g: np.ndarray, shape: tuple[int, ...], axis, keepdims: bool) -> np.ndarray:
    """Re-insert reduced axes into ``g`` (when not kept) so it broadcasts against the input of ``shape``."""
    if axis is None:
        return np.reshape(g, (1,) * len(shape))
    if not keepdims:
        g = np.expand_dims(g, axis)
    return g


class SumOp(Function):
    """z = Σ_axis a;  ∂z/∂a = 1 broadcast back."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return np.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, g):
        return np.broadcast_to(_expand_back(g, self.shape, self.axis, self.keepdims), self.shape)


class MeanOp(Function):
    """z = (1/n) Σ_axis a;  ∂z/∂a = 1/n broadcast back."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.size == 0:  # NumPy warns about empty slices; PyTorch quietly gives NaN
                out = np.asarray(a.sum(axis=axis, keepdims=keepdims) / a.dtype.type(0))
            else:
                out = np.asarray(a.mean(axis=axis, keepdims=keepdims))
        self.n = a.size // out.size if out.size else 0
        return out

    def backward(self, g):
        g = _expand_back(g, self.shape, self.axis, self.keepdims) / g.dtype.type(max(self.n, 1))
        return np.broadcast_to(g, self.shape)


class VarOp(Function):
    """z = Σ_axis (a − ā)² / (n − correction);  ∂z/∂a = 2(a − ā)/(n − correction).

    ``n − correction ≤ 0`` gives inf/NaN, as in PyTorch.
    """

    def forward(self, a, axis=None, keepdims=False, correction=1):
        self.axis, self.keepdims = axis, keepdims
        mean = a.mean(axis=axis, keepdims=True) if a.size else a.sum(axis=axis, keepdims=True)
        self.centered = a - mean
        n = a.size // mean.size if mean.size else 0
        self.denom = a.dtype.type(max(n - correction, 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(np.square(self.centered).sum(axis=axis, keepdims=keepdims) / self.denom)

    def backward(self, g):
        g = _expand_back(g, self.centered.shape, self.axis, self.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * self.centered * (g.dtype.type(2) / self.denom)


class MaxAllOp(Function):
    """z = max (or min) over the whole tensor; ties share the gradient evenly (PyTorch's rule for ``x.max()``).

    A NaN anywhere makes z NaN, and the gradient is shared among the NaNs.
    """

    def forward(self, a, minimum=False):
        out = a.min() if minimum else a.max()
        self.mask = (a == out) | (np.isnan(a) if out != out else False)
        return np.asarray(out)

    def backward(self, g):
        return self.mask * (g / g.dtype.type(self.mask.sum()))


class MaxDimOp(Function):
    """z = max (or min) along one axis; the gradient goes to the index ``torch.max(dim)`` returns (the first that
    attains it). ``indices`` (argmax/argmin along ``axis``) may be passed in when the caller already has them."""

    def forward(self, a, axis=0, keepdims=False, minimum=False, indices=None):
        if indices is None:
            indices = np.argmin(a, axis=axis) if minimum else np.argmax(a, axis=axis)
        self.indices = np.expand_dims(indices, axis)
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = np.take_along_axis(a, self.indices, axis=axis)
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, self.indices, g, axis=self.axis)
        return out


class AmaxOp(Function):
    """z = max (or min) over ``axis``; ties share the gradient evenly (PyTorch's rule for ``amax``/``amin``)."""

    def forward(self, a, axis=None, keepdims=False, minimum=False):
        out = np.amin(a, axis=axis, keepdims=True) if minimum else np.amax(a, axis=axis, keepdims=True)
        mask = (a == out) | (np.isnan(a) & np.isnan(out))
        self.weights = mask / mask.sum(axis=axis, keepdims=True)
        self.axis, self.keepdims = axis, keepdims
        return out if keepdims else (out.reshape(()) if axis is None else np.squeeze(out, axis=axis))

    def backward(self, g):
        return _expand_back(g, self.weights.shape, self.axis, self.keepdims) * self.weights.astype(g.dtype)


class LogSumExpOp(Function):
    """z = ln Σ_axis eᵃ (shifted by the max for stability);  ∂z/∂a = e^(a − z)."""

    def forward(self, a, axis=None, keepdims=False):
        m = np.amax(a, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.exp(a - m).sum(axis=axis, keepdims=True)) + m
        self.a, self.out, self.axis, self.keepdims = a, out, axis, keepdims
        return out if keepdims else (out.reshape(()) if axis is None else np.squeeze(out, axis=axis))

    def backward(self, g):
        return _expand_back(g, self.a.shape, self.axis, self.keepdims) * np.exp(self.a - self.out)


class CumsumOp(Function):
    """z_k = Σ_{i≤k} a_i along ``axis``;  ∂L/∂a_k = Σ_{j≥k} g_j (a reversed cumulative sum)."""

    def forward(self, a, axis=0):
        self.axis = axis
        return np.cumsum(a, axis=axis)

    def backward(self, g):
        return np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis)


class ProdOp(Function):
    """z = Π_axis a;  ∂z/∂a_k = Π_{i≠k} a_i, computed from prefix and suffix products so zeros are exact."""

    def forward(self, a, axis=None, keepdims=False):
        self.a, self.axis, self.keepdims = a, axis, keepdims
        return np.asarray(np.prod(a, axis=axis, keepdims=keepdims))

    def backward(self, g):
        a, axes = self.a, self.axis
        axes = tuple(range(a.ndim)) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
        rest = [i for i in range(a.ndim) if i not in axes]
        moved = np.transpose(a, rest + list(axes))
        flat = moved.reshape(moved.shape[:len(rest)] + (-1,))
        ones = np.ones(flat.shape[:-1] + (1,), dtype=a.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.flip(np.cumprod(np.flip(np.concatenate([flat[..., 1:], ones], axis=-1), -1), axis=-1), -1)
        others = (left * right).reshape(moved.shape)
        others = np.transpose(others, np.argsort(rest + list(axes)))
        return _expand_back(g, a.shape, self.axis, self.keepdims) * others
