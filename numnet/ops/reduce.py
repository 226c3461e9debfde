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
