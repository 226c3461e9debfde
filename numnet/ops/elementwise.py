"""Elementwise primitives. Broadcasting is undone in backward by :func:`unbroadcast`, one helper for every rule.

Binary ops expect both inputs in one dtype (``Tensor`` promotes them first, with PyTorch's rules) and return that
dtype; every gradient keeps its input's dtype.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.layout import common_layout, match_layout


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, so it has ``shape`` again.

    >>> unbroadcast(np.ones((2, 3, 4)), (3, 1)).tolist()
    [[8.0], [8.0], [8.0]]
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _in_layouts(ctx: Function, ga: np.ndarray | None, gb: np.ndarray | None) -> tuple:
    """The two gradients each in its input's memory layout, after a forward that met mixed layouts
    (``common_layout``): the whole elementwise backward of whatever made that input then runs in one order."""
    a, b = ctx.parents[0]._data, ctx.parents[1]._data
    return (None if ga is None else match_layout(ga, a)), (None if gb is None else match_layout(gb, b))


class AddOp(Function):
    """z = a + b;  ∂z/∂a = 1, ∂z/∂b = 1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        if a.ndim == 4 and a.strides != b.strides:  # an NCHW and a batch-innermost operand: one order first
            a, b, self.mixed = common_layout(a, b)
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        ga = unbroadcast(g, sa) if self.needs_input_grad[0] else None
        gb = unbroadcast(g, sb) if self.needs_input_grad[1] else None
        return _in_layouts(self, ga, gb) if self.__dict__.get("mixed") else (ga, gb)


class SubOp(Function):
    """z = a − b;  ∂z/∂a = 1, ∂z/∂b = −1."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        if a.ndim == 4 and a.strides != b.strides:
            a, b, self.mixed = common_layout(a, b)
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        ga = unbroadcast(g, sa) if self.needs_input_grad[0] else None
        gb = -unbroadcast(g, sb) if self.needs_input_grad[1] else None
        return _in_layouts(self, ga, gb) if self.__dict__.get("mixed") else (ga, gb)


class MulOp(Function):
    """z = a·b;  ∂z/∂a = b, ∂z/∂b = a."""

    def forward(self, a, b):
        if a.ndim == 4 and a.strides != b.strides:
            a, b, self.mixed = common_layout(a, b)
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        a, b = self.a, self.b
        ga = unbroadcast(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if self.needs_input_grad[1] else None
        return _in_layouts(self, ga, gb) if self.__dict__.get("mixed") else (ga, gb)


class DivOp(Function):
    """z = a / b;  ∂z/∂a = 1/b, ∂z/∂b = −a/b² = −z/b."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        a, b = self.a, self.b
        g_over_b = g / b
        ga = unbroadcast(g_over_b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g_over_b * a / b, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class PowOp(Function):
    """z = aᵇ;  ∂z/∂a = b·aᵇ⁻¹ (0 where b = 0), ∂z/∂b = aᵇ·ln a (0 where a = 0 and b ≥ 0), PyTorch's conventions."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = np.power(a, b)
        return self.out

    def backward(self, g):
        a, b = self.a, self.b
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                d = b * np.power(a, b - 1)
                if np.any(b == 0):
                    d = np.where(b == 0, np.zeros((), d.dtype), d)
                ga = unbroadcast(g * d, a.shape)
            if self.needs_input_grad[1]:
                d = self.out * np.log(a)
                zero = (a == 0) & (b >= 0)
                if np.any(zero):
                    d = np.where(zero, np.zeros((), d.dtype), d)
                gb = unbroadcast(g * d, b.shape)
        return ga, gb


class NegOp(Function):
    """z = −a."""

    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class ExpOp(Function):
    """z = eᵃ;  ∂z/∂a = z."""

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return g * self.out


class LogOp(Function):
    """z = ln a;  ∂z/∂a = 1/a."""

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return g / self.a


class SqrtOp(Function):
    """z = √a;  ∂z/∂a = 1/(2√a)."""

    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class AbsOp(Function):
    """z = |a|;  ∂z/∂a = sign(a) (0 at 0, as PyTorch)."""

    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.a)


class ClampOp(Function):
    """z = min(max(a, lo), hi);  ∂z/∂a = 1 where lo ≤ a ≤ hi, else 0 (PyTorch passes the gradient at the bounds).

    ``lo``/``hi`` are numbers or arrays broadcastable to ``a`` (constants: no gradient flows to them).
    """

    def forward(self, a, lo=None, hi=None):
        mask = None
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            mask = (a <= hi) if mask is None else mask & (a <= hi)
        self.mask = mask
        out = a
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        return g * self.mask


class WhereOp(Function):
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


def _split_weights(a: np.ndarray, b: np.ndarray, a_wins: np.ndarray, b_wins: np.ndarray, dtype) -> tuple:
    """Gradient shares of the two sides of maximum/minimum: 1 to the winner, ½ each on a tie (PyTorch's rule)."""
    tie = a == b
    wa = np.where(tie, dtype.type(0.5), dtype.type(1))
    wb = wa.copy()
    wa[b_wins] = 0
    wb[a_wins] = 0
    return wa, wb


class MaximumOp(Function):
    """z = max(a, b) elementwise; on ties each side gets half the gradient (PyTorch's rule for ``maximum``)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        a, b = np.broadcast_arrays(self.a, self.b)
        wa, wb = _split_weights(a, b, a > b, a < b, g.dtype)
        ga = unbroadcast(g * wa, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * wb, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class MinimumOp(Function):
    """z = min(a, b) elementwise; ties split the gradient in half."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        a, b = np.broadcast_arrays(self.a, self.b)
        wa, wb = _split_weights(a, b, a < b, a > b, g.dtype)
        ga = unbroadcast(g * wa, self.a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * wb, self.b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class CastOp(Function):
    """z = a converted to another float dtype; the gradient is converted back."""

    def forward(self, a, dtype=None):
        self.dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.dtype)


class _UnaryOp(Function):
    """z = f(a) for a smooth f with ∂z/∂a written by the subclass in ``derivative(a, z)``."""

    fn = staticmethod(np.negative)

    def forward(self, a):
        self.a = a
        self.out = self.fn(a)
        return self.out

    def derivative(self, a, z):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * self.derivative(self.a, self.out)


class SinOp(_UnaryOp):
    """z = sin a;  ∂z/∂a = cos a."""

    fn = staticmethod(np.sin)

    def derivative(self, a, z):
        return np.cos(a)


class CosOp(_UnaryOp):
    """z = cos a;  ∂z/∂a = −sin a."""

    fn = staticmethod(np.cos)

    def derivative(self, a, z):
        return -np.sin(a)


class TanOp(_UnaryOp):
    """z = tan a;  ∂z/∂a = 1 + z²."""

    fn = staticmethod(np.tan)

    def derivative(self, a, z):
        return 1 + z * z


class Log1pOp(_UnaryOp):
    """z = ln(1 + a);  ∂z/∂a = 1/(1 + a)."""

    fn = staticmethod(np.log1p)

    def derivative(self, a, z):
        return 1 / (1 + a)


class Expm1Op(_UnaryOp):
    """z = eᵃ − 1;  ∂z/∂a = z + 1."""

    fn = staticmethod(np.expm1)

    def derivative(self, a, z):
        return z + 1


class RsqrtOp(_UnaryOp):
    """z = 1/√a;  ∂z/∂a = −z³/2."""

    @staticmethod
    def fn(a):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 / np.sqrt(a)

    def derivative(self, a, z):
        return -0.5 * z * z * z


class ReciprocalOp(_UnaryOp):
    """z = 1/a;  ∂z/∂a = −z²."""

    @staticmethod
    def fn(a):
        with np.errstate(divide="ignore"):
            return 1 / a

    def derivative(self, a, z):
        return -z * z


class SquareOp(_UnaryOp):
    """z = a²;  ∂z/∂a = 2a."""

    fn = staticmethod(np.square)

    def derivative(self, a, z):
        return 2 * a


class StepOp(Function):
    """z = sign/floor/ceil/round(a) (piecewise constant);  ∂z/∂a = 0, as in PyTorch."""

    def forward(self, a, kind="floor", decimals=0):
        self.shape = a.shape
        if kind == "round":
            return np.round(a, decimals)
        return {"sign": np.sign, "floor": np.floor, "ceil": np.ceil}[kind](a)

    def backward(self, g):
        return np.zeros(self.shape, dtype=g.dtype)


class DivModeOp(Function):
    """z = a / b rounded toward zero ("trunc") or down ("floor"); ∂z/∂a = ∂z/∂b = 0 (PyTorch's convention)."""

    def forward(self, a, b, mode="floor"):
        self.shapes = a.shape, b.shape
        return _round_div(a, b, mode)

    def backward(self, g):
        sa, sb = self.shapes
        return np.zeros(sa, g.dtype), np.zeros(sb, g.dtype)


def _round_div(a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
    """a / b rounded by ``mode`` ("floor" or "trunc"), in a's dtype (integers stay exact)."""
    if mode == "floor":
        return np.floor_divide(a, b)
    if a.dtype.kind in "iu":
        q = np.abs(a) // np.abs(b)
        return (q * np.sign(a) * np.sign(b)).astype(a.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(a / b)


class RemainderOp(Function):
    """z = a − b·round(a/b), rounding down (``remainder``, sign of b) or toward zero (``fmod``, sign of a);
    ∂z/∂a = 1, ∂z/∂b = −round(a/b)."""

    def forward(self, a, b, mode="floor"):
        self.a, self.b, self.mode = a, b, mode
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.remainder(a, b) if mode == "floor" else np.fmod(a, b)

    def backward(self, g):
        ga = unbroadcast(g, self.a.shape) if self.needs_input_grad[0] else None
        gb = None
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = unbroadcast(-g * _round_div(self.a, self.b, self.mode), self.b.shape)
        return ga, gb
