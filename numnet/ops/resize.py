"""Resizing primitives for ``F.interpolate``: nearest-neighbour and (bi)linear, separable over the trailing axes.

Each resized axis has a plan: ``("nearest", idx)`` picks ``x[..., idx[t], ...]``; ``("linear", i0, i1, l0, l1)``
computes ``l0[t]·x[..., i0[t], ...] + l1[t]·x[..., i1[t], ...]``. The plans carry PyTorch's exact source indices and
weights (made by :func:`nearest_plan` and :func:`linear_plan`); the axes are applied last axis first, which is
PyTorch's order of accumulation for bilinear (``h0·(w0·x00 + w1·x01) + h1·(w0·x10 + w1·x11)``). Backward is the
transpose: each axis scatters its gradient back with ``np.add.at``, first axis first.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from numnet.autograd import Function

__all__ = ["ResizeOp", "nearest_plan", "linear_plan"]


def _scale(in_size: int, out_size: int, scale: Optional[float], dtype) -> np.floating:
    """PyTorch's ``compute_scales_value``: ``1 / scale_factor`` when one was given, else ``in / out``, in ``dtype``."""
    t = np.dtype(dtype).type
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(in_size) / t(out_size)


def nearest_plan(in_size: int, out_size: int, scale: Optional[float], exact: bool) -> tuple:
    """Source index of every output position, in float32 as PyTorch computes it on the CPU.

    ``'nearest'``: ``min(⌊t·r⌋, n − 1)`` (with PyTorch's shortcuts for ``out == n`` and ``out == 2n``);
    ``'nearest-exact'``: ``min(⌊(t + 0.5)·r⌋, n − 1)``; ``r`` from :func:`_scale` in float32."""
    t = np.arange(out_size)
    if not exact and out_size == in_size:
        return ("nearest", t)
    if not exact and out_size == 2 * in_size:
        return ("nearest", t >> 1)
    r = _scale(in_size, out_size, scale, np.float32)
    if exact:
        src = np.floor(((t + 0.5) * np.float64(r)).astype(np.float32))
    else:
        src = np.floor(t.astype(np.float32) * r)
    return ("nearest", np.minimum(src.astype(np.int64), in_size - 1))


def linear_plan(in_size: int, out_size: int, scale: Optional[float], align_corners: bool, dtype) -> tuple:
    """PyTorch's linear source indices and weights (``compute_source_index_and_lambda``) in ``dtype``.

    ``align_corners``: ``src = t·(n − 1)/(out − 1)`` (0 for one output); else ``src = max(r·(t + 0.5) − 0.5, 0)``.
    Then ``i0 = min(⌊src⌋, n − 1)``, ``i1 = i0 + 1`` unless at the edge, ``l1 = clamp(src − i0, 0, 1)``, ``l0 = 1 − l1``.
    Equal sizes copy."""
    tp = np.dtype(dtype).type
    t = np.arange(out_size)
    if out_size == in_size:
        return ("linear", t, t, np.ones(out_size, dtype), np.zeros(out_size, dtype))
    if align_corners:
        r = tp(in_size - 1) / tp(out_size - 1) if out_size > 1 else tp(0)
        src = r * t.astype(dtype)
    else:
        r = _scale(in_size, out_size, scale, dtype)
        src = np.maximum(r * (t.astype(dtype) + tp(0.5)) - tp(0.5), tp(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    i1 = i0 + (i0 < in_size - 1)
    l1 = np.clip(src - i0.astype(dtype), tp(0), tp(1)).astype(dtype)
    l0 = (tp(1) - l1).astype(dtype)
    return ("linear", i0, i1, l0, l1)


def _along(v: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """``v`` shaped to broadcast along ``axis`` of an ``ndim``-D array."""
    shape = [1] * ndim
    shape[axis] = v.shape[0]
    return v.reshape(shape)


def _scatter(g: np.ndarray, idx: np.ndarray, axis: int, size: int) -> np.ndarray:
    """The transpose of ``np.take(·, idx, axis)``: sum ``g`` back into ``size`` positions along ``axis``."""
    gm = np.moveaxis(g, axis, 0)
    out = np.zeros((size,) + gm.shape[1:], dtype=g.dtype)
    np.add.at(out, idx, gm)
    return np.moveaxis(out, 0, axis)


class ResizeOp(Function):
    """``out = P_first(… P_last(x))`` with one plan per trailing axis (see the module docstring);
    ``∂L/∂x = P_lastᵀ(… P_firstᵀ(g))``."""

    def forward(self, x, plans=()):
        self.plans, self.shape = plans, x.shape
        y = x
        nd = x.ndim
        for k in range(len(plans) - 1, -1, -1):
            axis = nd - len(plans) + k
            plan = plans[k]
            if plan[0] == "nearest":
                y = np.take(y, plan[1], axis=axis)
            else:
                _, i0, i1, l0, l1 = plan
                y = np.take(y, i0, axis=axis) * _along(l0, axis, nd) + np.take(y, i1, axis=axis) * _along(l1, axis, nd)
        return np.ascontiguousarray(y)

    def backward(self, grad):
        nd = grad.ndim
        plans = self.plans
        g = grad
        for k, plan in enumerate(plans):
            axis = nd - len(plans) + k
            size = self.shape[axis]
            if plan[0] == "nearest":
                g = _scatter(g, plan[1], axis, size)
            else:
                _, i0, i1, l0, l1 = plan
                g = _scatter(g * _along(l0, axis, nd), i0, axis, size) + \
                    _scatter(g * _along(l1, axis, nd), i1, axis, size)
        return g


