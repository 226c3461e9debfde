"""Reductions over one or more axes: sum, mean, var, max/min (values and indices)."""

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


class Sum(Function):
    """z = Σ_axis a;  ∂z/∂a = 1 broadcast back."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return np.asarray(a.sum(axis=axis, keepdims=keepdims))

    def backward(self, g):
        return np.broadcast_to(_expand_back(g, self.shape, self.axis, self.keepdims), self.shape)


class Mean(Function):
    """z = (1/n) Σ_axis a;  ∂z/∂a = 1/n broadcast back."""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = np.asarray(a.mean(axis=axis, keepdims=keepdims))
        self.n = a.size // max(out.size, 1) if a.size else 0
        return out

    def backward(self, g):
        g = _expand_back(g, self.shape, self.axis, self.keepdims) / self.n
        return np.broadcast_to(g, self.shape)


class Var(Function):
    """z = Σ_axis (a − ā)² / (n − correction);  ∂z/∂a = 2(a − ā)/(n − correction)."""

    def forward(self, a, axis=None, keepdims=False, correction=1):
        self.axis, self.keepdims = axis, keepdims
        mean = a.mean(axis=axis, keepdims=True)
        self.centered = a - mean
        n = a.size // max(mean.size, 1)
        self.denom = max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(
                (self.centered * self.centered).sum(axis=axis, keepdims=keepdims) / a.dtype.type(self.denom)
            )

    def backward(self, g):
        g = _expand_back(g, self.centered.shape, self.axis, self.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * self.centered * (2 / self.centered.dtype.type(self.denom))


class MaxAll(Function):
    """z = max (or min) over the whole tensor; ties share the gradient evenly (PyTorch's rule for ``x.max()``)."""

    def forward(self, a, minimum=False):
        out = a.min() if minimum else a.max()
        self.mask = a == out
        return np.asarray(out)

    def backward(self, g):
        return self.mask * (g / self.mask.sum()).astype(g.dtype)


class MaxDim(Function):
    """z = max (or min) along one axis; the gradient goes to the first index that attains it (as ``torch.max(dim)``)."""

    def forward(self, a, axis=0, keepdims=False, minimum=False):
        idx = np.argmin(a, axis=axis) if minimum else np.argmax(a, axis=axis)
        self.indices = np.expand_dims(idx, axis)
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = np.take_along_axis(a, self.indices, axis=axis)
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g):
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, self.indices, g, axis=self.axis)
        return out
