"""Elementwise primitives. Broadcasting is undone in backward by :func:`unbroadcast`, one helper for every rule."""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape`` again."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


class Add(Function):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    """z = a − b;  ∂z/∂a = 1, ∂z/∂b = −1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        return unbroadcast(g, sa), (unbroadcast(-g, sb) if self.needs_input_grad[1] else None)


class Mul(Function):
    """z = a·b;  ∂z/∂a = b, ∂z/∂b = a."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        a, b = self.a, self.b
        ga = unbroadcast(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """z = a / b;  ∂z/∂a = 1/b, ∂z/∂b = −a/b²."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        a, b = self.a, self.b
        ga = unbroadcast(g / b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Function):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹, ∂z/∂b = aᵇ·ln a (taken as 0 where a = 0, as PyTorch does)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = np.power(a, b)
        return self.out

    def backward(self, g):
        a, b = self.a, self.b
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(g * b * np.power(a, b - 1), a.shape)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), np.where(a == 0, 0, np.nan))
            gb = unbroadcast(g * self.out * log_a, b.shape)
        return ga, gb


class Neg(Function):
    """z = −a."""

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Exp(Function):
    """z = eᵃ;  ∂z/∂a = z."""

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    """z = ln a;  ∂z/∂a = 1/a."""

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return g / self.a


class Sqrt(Function):
    """z = √a;  ∂z/∂a = 1/(2√a)."""

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Abs(Function):
    """z = |a|;  ∂z/∂a = sign(a) (0 at 0, as PyTorch)."""

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.a)


class Clamp(Function):
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 where lo ≤ a ≤ hi, else 0 (PyTorch passes the gradient at the bounds)."""

    def forward(self, a, lo=None, hi=None):
        self.mask = np.ones(a.shape, dtype=bool)
        if lo is not None:
            self.mask &= a >= lo
        if hi is not None:
            self.mask &= a <= hi
        return np.clip(a, lo, hi).astype(a.dtype, copy=False)

    def backward(self, g):
        return g * self.mask


class Where(Function):
    """z = cond ? a : b (cond is a constant boolean array)."""

    def forward(self, a, b, cond=None):
        self.cond = cond
        self.shapes = a.shape, b.shape
        return np.where(cond, a, b)

    def backward(self, g):
        sa, sb = self.shapes
        zero = np.zeros((), dtype=g.dtype)
        ga = unbroadcast(np.where(self.cond, g, zero), sa) if self.needs_input_grad[0] else None
        gb = unbroadcast(np.where(self.cond, zero, g), sb) if self.needs_input_grad[1] else None
        return ga, gb


class Maximum(Function):
    """z = max(a, b) elementwise; on ties each side gets half the gradient (PyTorch's rule for ``maximum``)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        w = (a > b) + 0.5 * (a == b)
        w = w.astype(g.dtype, copy=False)
        ga = unbroadcast(g * w, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - w), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Function):
    """z = min(a, b) elementwise; ties split the gradient in half."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        w = ((a < b) + 0.5 * (a == b)).astype(g.dtype, copy=False)
        ga = unbroadcast(g * w, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * (1 - w), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Cast(Function):
    """z = a converted to another float dtype; the gradient is converted back."""

    def forward(self, a, dtype=None):
        self.dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.dtype)
