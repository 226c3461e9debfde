"""Normalization primitives: batch normalization as one fused op with the closed-form backward.

Notation: x has shape (N, C, *spatial); statistics are per channel over the M = N·∏spatial values of that channel;
x̂ = (x − μ)/√(σ² + ε) is the normalised input, y = γ·x̂ + β the output.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.layout import channel_rows, is_batch_innermost


def _param_shape(ndim: int, channels: int) -> tuple[int, ...]:
    """(1, C, 1, …, 1): a per-channel vector laid out to broadcast against (N, C, *spatial)."""
    return (1, channels) + (1,) * (ndim - 2)


def _channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Σ a·b over every axis but the channel axis 1, one pass without a temporary: shape (C,). Reads both arrays as
    ``(N, C, L)`` or, when both are batch-innermost conv outputs (``(C, *spatial, N)`` memory), as ``(C, L·N)``."""
    if is_batch_innermost(a) and is_batch_innermost(b):
        return np.einsum("cl,cl->c", channel_rows(a), channel_rows(b))
    shape = a.shape[:2] + (int(np.prod(a.shape[2:])),)
    return np.einsum("ncl,ncl->c", a.reshape(shape), b.reshape(shape))


class BatchNormOp(Function):
    """y = γ·(x − μ)/√(σ² + ε) + β per channel.

    Training (μ, σ² = batch mean and biased batch variance, both depending on x):
        ∂L/∂x = (1/(M·√(σ² + ε))) · (M·ĝ − Σĝ − x̂·Σ(ĝ·x̂)),  ĝ = γ·g  (sums over all axes but C).
    Evaluation (μ, σ² = running statistics, constants):
        ∂L/∂x = γ·g/√(σ² + ε).
    Both: ∂L/∂γ = Σ g·x̂,  ∂L/∂β = Σ g.

    Inputs are ``x`` then, when present, ``weight`` (γ) and ``bias`` (β), flagged by ``has_weight``/``has_bias``.
    In training, ``running_mean``/``running_var`` (arrays or None) are updated in place:
    r ← (1 − momentum)·r + momentum·s, with the unbiased batch variance σ²·M/(M − 1) for ``running_var``.
    """

    def forward(self, x, *params, running_mean=None, running_var=None, training=False, momentum=0.1, eps=1e-5,
                has_weight=False, has_bias=False):
        c = x.shape[1]
        pshape = _param_shape(x.ndim, c)
        axes = (0,) + tuple(range(2, x.ndim))
        params = list(params)
        # γ and β in the input's dtype, so the output keeps it (their grads are cast back by the engine)
        weight = params.pop(0).astype(x.dtype, copy=False).reshape(pshape) if has_weight else None
        bias = params.pop(0).astype(x.dtype, copy=False).reshape(pshape) if has_bias else None
        self.axes, self.training, self.has_weight, self.has_bias = axes, training, has_weight, has_bias
        self.weight = weight

        if training:
            m = x.size // c
            mean = x.mean(axis=axes, keepdims=True)
            xc = x - mean
            var = _channel_dot(xc, xc).reshape(pshape) / float(m)
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += (momentum * mean.reshape(c)).astype(running_mean.dtype, copy=False)
            if running_var is not None:
                unbiased = var.reshape(c) * (float(m) / float(m - 1)) if m > 1 else np.full(c, np.nan, x.dtype)
                running_var *= 1.0 - momentum
                running_var += (momentum * unbiased).astype(running_var.dtype, copy=False)
            self.m = m
        else:
            mean = running_mean.astype(x.dtype, copy=False).reshape(pshape)
            var = running_var.astype(x.dtype, copy=False).reshape(pshape)
            xc = x - mean
        invstd = 1.0 / np.sqrt(var + eps)
        xhat = xc
        xhat *= invstd
        self.invstd = invstd
        self.xhat = xhat
        out = xhat * weight if has_weight else xhat.copy(order="K")  # keeps a batch-innermost layout
        if has_bias:
            out += bias
        return out

    def backward(self, g):
        axes, xhat, pshape = self.axes, self.xhat, self.invstd.shape
        need_x = self.needs_input_grad[0]
        need_w = self.has_weight and self.needs_input_grad[1]
        need_b = self.has_bias and self.needs_input_grad[1 + int(self.has_weight)]
        full_x = need_x and self.training
        sum_g = g.sum(axis=axes).reshape(pshape) if need_b or full_x else None
        sum_gx = _channel_dot(g, xhat).reshape(pshape) if need_w or full_x else None
        gx = None
        if need_x:
            scale = self.invstd if self.weight is None else self.weight * self.invstd
            if self.training:
                # γ/√(σ²+ε) · (g − mean(g) − x̂·mean(g·x̂)): the closed form above with ĝ = γ·g
                gx = g - sum_g / float(self.m)
                gx -= xhat * (sum_gx / float(self.m))
                gx *= scale
            else:
                gx = g * scale
        grads = [gx]
        if self.has_weight:
            grads.append(sum_gx.reshape(-1) if need_w else None)
        if self.has_bias:
            grads.append(sum_g.reshape(-1) if need_b else None)
        return tuple(grads)
