"""2-D pooling primitives over strided views: max, average, adaptive average, adaptive max.

Notation: ``x`` input ``(N, C, H, W)``; kernel ``(kH, kW)``, stride ``s``, padding ``p``, dilation ``d``; output
``(N, C, Ho, Wo)``. A window sweep is a loop over kernel offsets ``(i, j)`` only: offset ``(i, j)`` of every window is
the strided slice ``xp[:, :, i·d_h : i·d_h + s_h·(Ho−1) + 1 : s_h, j·d_w : … : s_w]`` of the padded input ``xp``.

Max pooling pads with −inf (padding never wins) and sends the gradient to ONE element per window: the first maximum
in window scan order (row-major over the kernel), or the last NaN if the window holds NaN — PyTorch's CPU rule.
The backward pass scatters the gradient per kernel offset with a strided slice-add of a one-hot mask (no ``np.add.at``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet.autograd import Function, is_grad_enabled
from numnet.ops.layout import same_layout


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length: ⌊(n + 2p − d(k−1) − 1 [+ s − 1 if ceil_mode]) / s⌋ + 1; in ceil mode the last
    window must start inside the input or the left padding, else it is dropped."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _offset_slices(i: int, j: int, ho: int, wo: int, stride, dilation) -> tuple[slice, slice, slice, slice]:
    sh, sw = stride
    dh, dw = dilation
    return (slice(None), slice(None),
            slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))


def _pad_for_windows(x: np.ndarray, k, s, p, d, ho: int, wo: int, value: float) -> tuple[np.ndarray, tuple[int, int]]:
    """Pad ``x`` with ``value``: ``p`` before, and after as much as the last window needs (ceil mode can need more
    than ``p``, floor mode less). Returns the padded array and the (top, left) offsets."""
    h, w = x.shape[2:]
    bottom = max(0, (ho - 1) * s[0] + d[0] * (k[0] - 1) + 1 - h - p[0])
    right = max(0, (wo - 1) * s[1] + d[1] * (k[1] - 1) + 1 - w - p[1])
    if not (p[0] or p[1] or bottom or right):
        return x, (0, 0)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], bottom), (p[1], right)), mode="constant", constant_values=value)
    return xp, (p[0], p[1])


def _crop(gxp: np.ndarray, top: int, left: int, h: int, w: int) -> np.ndarray:
    if gxp.shape[2:] == (h, w):
        return gxp
    return np.ascontiguousarray(gxp[:, :, top:top + h, left:left + w])


def _arg_dtype(k: int) -> type:
    return np.uint8 if k <= 255 else np.int32


# ---------------------------------------------------------------------------------------------------- max pooling
class MaxPool2d(Function):
    """z[n, c, y, x] = max_{i,j} xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j];  ∂z/∂x is 1 at the chosen element, else 0.

    Arguments are validated and normalised to pairs by ``numnet.functional.max_pool2d``. The common 2×2, stride-2,
    unpadded, undilated case takes a fast path (``np.maximum`` over the four strided slices; the arg-max is found only
    when backward or the indices need it); ``allow_fast=False`` forces the general path (for tests).
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False,
                allow_fast=True):
        n, c, h, w = x.shape
        kh, kw = kernel_size
        ho = pool_out_size(h, kh, stride[0], padding[0], dilation[0], ceil_mode)
        wo = pool_out_size(w, kw, stride[1], padding[1], dilation[1], ceil_mode)
        self.geom = (x.shape, kernel_size, stride, padding, dilation, ho, wo)
        fast = (allow_fast and kernel_size == (2, 2) and tuple(stride) == (2, 2) and tuple(padding) == (0, 0)
                and tuple(dilation) == (1, 1) and (ho, wo) == (h // 2, w // 2))
        if fast:
            a = x[:, :, 0:2 * ho:2, 0:2 * wo:2]
            out = np.maximum(a, x[:, :, 0:2 * ho:2, 1:2 * wo:2])
            np.maximum(out, x[:, :, 1:2 * ho:2, 0:2 * wo:2], out=out)
            np.maximum(out, x[:, :, 1:2 * ho:2, 1:2 * wo:2], out=out)
            self.x, self.out, self.arg = x, out, None  # the arg-max is found lazily in _fast_arg
            self.xp_shape, self.corner = x.shape, (0, 0)
            return out
        xp, corner = _pad_for_windows(x, kernel_size, stride, padding, dilation, ho, wo, -np.inf)
        self.xp_shape, self.corner = xp.shape, corner
        has_nan = np.isnan(x.max()) if x.size else False
        best = xp[_offset_slices(0, 0, ho, wo, stride, dilation)].copy()
        arg = np.zeros(best.shape, dtype=_arg_dtype(kh * kw))
        for k in range(1, kh * kw):
            v = xp[_offset_slices(k // kw, k % kw, ho, wo, stride, dilation)]
            better = v > best  # strict: the first maximum in scan order keeps the gradient
            if has_nan:
                better |= np.isnan(v)  # PyTorch: a NaN always takes over
            np.copyto(best, v, where=better)
            np.copyto(arg, k, where=better)
        if xp is not x:
            self._fix_all_neg_inf(best, arg)
        self.arg = arg
        return best

    def _fix_all_neg_inf(self, best: np.ndarray, arg: np.ndarray) -> None:
        """A window whose real elements are all −inf ties with the −inf padding; PyTorch then picks the first
        element inside the input, so point ``arg`` there instead of at a padding cell."""
        neg = best == -np.inf
        if not neg.any():
            return
        (_, _, h, w), (kh, kw), stride, padding, dilation, ho, wo = self.geom
        first = []
        for size, out, s, p, d in ((h, ho, stride[0], padding[0], dilation[0]),
                                   (w, wo, stride[1], padding[1], dilation[1])):
            start = np.arange(out) * s - p
            first.append(np.maximum(0, -(start // d)))  # smallest i with start + i·d >= 0
        fix = (first[0][:, None] * kw + first[1][None, :]).astype(arg.dtype)
        np.copyto(arg, np.broadcast_to(fix, arg.shape), where=neg)

    def _fast_arg(self) -> np.ndarray:
        if self.arg is None:
            x, out = self.x, self.out
            ho, wo = out.shape[2:]
            views = [x[:, :, i:2 * ho:2, j:2 * wo:2] for i in (0, 1) for j in (0, 1)]
            arg = np.full(out.shape, 3, dtype=np.uint8)
            for k in (2, 1, 0):  # backwards, so the first equal element in scan order is written last
                np.copyto(arg, k, where=views[k] == out)
            if out.size and np.isnan(out.max()):
                for k in range(4):  # the last NaN in scan order, as PyTorch
                    np.copyto(arg, k, where=np.isnan(views[k]))
            self.arg = arg
            self.x = self.out = None
        return self.arg

    def indices(self) -> np.ndarray:
        """PyTorch's ``return_indices``: the flat index into the H·W plane of the input of each chosen element."""
        arg = self.arg if self.arg is not None else self._fast_arg()
        (_, _, h, w), (kh, kw), stride, padding, dilation, ho, wo = self.geom
        arg = arg.astype(np.int64)
        rows = (np.arange(ho) * stride[0] - padding[0])[:, None] + (arg // kw) * dilation[0]
        cols = (np.arange(wo) * stride[1] - padding[1])[None, :] + (arg % kw) * dilation[1]
        return rows * w + cols

    def _fast_backward(self, grad: np.ndarray) -> np.ndarray:
        """Non-overlapping 2×2 windows: one-hot masks of the first maximum, written straight into the four strided
        slices of the input gradient (NaN windows go through the general ``_fast_arg``)."""
        x, out = self.x, self.out
        ho, wo = out.shape[2:]
        sl = [(slice(None), slice(None), slice(i, 2 * ho, 2), slice(j, 2 * wo, 2)) for i in (0, 1) for j in (0, 1)]
        if grad.strides != out.strides:  # e.g. NCHW from a Flatten while x is batch-innermost conv output
            grad = same_layout(grad, out)
        gx = np.empty_like(x, dtype=grad.dtype)  # x's memory layout; the four slices cover all but an odd edge
        gx[:, :, 2 * ho:] = 0
        gx[:, :, :2 * ho, 2 * wo:] = 0
        first = x[sl[0]] == out
        second = (x[sl[1]] == out) & ~first
        taken = first | second
        third = (x[sl[2]] == out) & ~taken
        taken |= third
        np.logical_not(taken, out=taken)  # the fourth element holds the maximum wherever the first three do not
        for s, mask in zip(sl, (first, second, third, taken)):
            np.multiply(grad, mask, out=gx[s])
        return gx

    def backward(self, grad):
        if self.arg is None and not (self.out.size and np.isnan(self.out.max())):
            return self._fast_backward(grad)
        arg = self.arg if self.arg is not None else self._fast_arg()
        (_, _, h, w), (kh, kw), stride, padding, dilation, ho, wo = self.geom
        gxp = np.zeros(self.xp_shape, dtype=grad.dtype)
        for k in range(kh * kw):
            gxp[_offset_slices(k // kw, k % kw, ho, wo, stride, dilation)] += grad * (arg == k)
        return _crop(gxp, *self.corner, h, w)


# ---------------------------------------------------------------------------------------------------- avg pooling
def _avg_counts(size: int, k: int, s: int, p: int, out: int, count_include_pad: bool) -> np.ndarray:
    """Per-axis divisor, PyTorch's rule: the window clipped to the padded input ``[−p, n + p)`` when
    ``count_include_pad``, else clipped to the input ``[0, n)``."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2d(Function):
    """z[n, c, y, x] = (1/D[y, x]) Σ_{i,j} xp[n, c, s_h·y + i, s_w·x + j] over zero padding;
    ∂z/∂x spreads g/D over each window. ``D`` follows PyTorch exactly (see :func:`_avg_counts`).

    The common 2×2, stride-2, unpadded case (every window full, so ``D`` is one number) takes a fast path: the sum
    of the four strided slices forward, and backward ``g/D`` written straight into the four strided slices of the
    input gradient (no zero fill, no padded buffer); ``allow_fast=False`` forces the general path (for tests).
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True,
                divisor_override=None, allow_fast=True):
        n, c, h, w = x.shape
        kh, kw = kernel_size
        ho = pool_out_size(h, kh, stride[0], padding[0], 1, ceil_mode)
        wo = pool_out_size(w, kw, stride[1], padding[1], 1, ceil_mode)
        self.fast = (allow_fast and tuple(kernel_size) == (2, 2) and tuple(stride) == (2, 2)
                     and tuple(padding) == (0, 0) and (ho, wo) == (h // 2, w // 2))
        if self.fast:
            div = x.dtype.type(4 if divisor_override is None else divisor_override)
            out = np.add(x[:, :, 0:2 * ho:2, 0:2 * wo:2], x[:, :, 0:2 * ho:2, 1:2 * wo:2])
            out += x[:, :, 1:2 * ho:2, 0:2 * wo:2]
            out += x[:, :, 1:2 * ho:2, 1:2 * wo:2]
            out /= div
            self.shape, self.div = x.shape, div
            return out
        if divisor_override is not None:
            div = np.full((ho, wo), divisor_override, dtype=x.dtype)
        else:
            dh = _avg_counts(h, kh, stride[0], padding[0], ho, count_include_pad)
            dw = _avg_counts(w, kw, stride[1], padding[1], wo, count_include_pad)
            div = np.maximum(dh[:, None] * dw[None, :], 1).astype(x.dtype)  # an empty window sums to 0 anyway
        xp, corner = _pad_for_windows(x, kernel_size, stride, padding, (1, 1), ho, wo, 0.0)
        acc = xp[_offset_slices(0, 0, ho, wo, stride, (1, 1))].copy()
        for k in range(1, kh * kw):
            acc += xp[_offset_slices(k // kw, k % kw, ho, wo, stride, (1, 1))]
        acc /= div
        self.geom = (x.shape, xp.shape, corner, kernel_size, stride, ho, wo)
        self.div = div
        return acc

    def backward(self, grad):
        if self.fast:
            gd = grad / self.div
            ho, wo = grad.shape[2:]
            gx = np.empty(self.shape, dtype=grad.dtype)
            for i in (0, 1):
                for j in (0, 1):
                    gx[:, :, i:2 * ho:2, j:2 * wo:2] = gd
            gx[:, :, 2 * ho:] = 0  # an odd last row or column is in no window
            gx[:, :, :2 * ho, 2 * wo:] = 0
            return gx
        (_, _, h, w), xp_shape, corner, (kh, kw), stride, ho, wo = self.geom
        gd = grad / self.div
        gxp = np.zeros(xp_shape, dtype=grad.dtype)
        for k in range(kh * kw):
            gxp[_offset_slices(k // kw, k % kw, ho, wo, stride, (1, 1))] += gd
        return _crop(gxp, *corner, h, w)


# ---------------------------------------------------------------------------------------------------- adaptive
def adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's adaptive windows: start = ⌊i·n/out⌋, end = ⌈(i+1)·n/out⌉."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def _averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    """(out, size) matrix whose row i averages the input over adaptive window i."""
    start, end = adaptive_bounds(size, out)
    pos = np.arange(size)
    inside = (pos[None, :] >= start[:, None]) & (pos[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _separable(x: np.ndarray, a_h: np.ndarray, a_w: np.ndarray) -> np.ndarray:
    """a_h @ x @ a_wᵀ on every (N, C) plane, as two large GEMMs."""
    n, c, h, w = x.shape
    rows, cols = a_h.shape[0], a_w.shape[0]
    y = x.reshape(n * c * h, w) @ a_w.T  # (N·C·H, Wo)
    y = y.reshape(n * c, h, cols).transpose(1, 0, 2).reshape(h, n * c * cols)
    z = a_h @ y  # (Ho, N·C·Wo)
    return np.ascontiguousarray(z.reshape(rows, n, c, cols).transpose(1, 2, 0, 3))


class AdaptiveAvgPool2d(Function):
    """z = A_h · x · A_wᵀ per plane, with A the adaptive averaging matrices;  ∂L/∂x = A_hᵀ · g · A_w."""

    def forward(self, x, output_size=(1, 1)):
        n, c, h, w = x.shape
        ho, wo = output_size
        self.shape = x.shape
        if (ho, wo) == (1, 1):
            self.a = None
            return x.mean(axis=(2, 3), keepdims=True)
        self.a = (_averaging_matrix(h, ho, x.dtype), _averaging_matrix(w, wo, x.dtype))
        return _separable(x, *self.a)

    def backward(self, grad):
        n, c, h, w = self.shape
        if self.a is None:
            return np.broadcast_to(grad / grad.dtype.type(h * w), self.shape).copy()
        a_h, a_w = self.a
        return _separable(grad, a_h.T, a_w.T)


class AdaptiveMaxPool2d(Function):
    """z[n, c, y, x] = max over adaptive window (y, x); the gradient goes to the first maximum in scan order (last
    NaN), as PyTorch. Windows of different sizes are swept by offset with indices clamped to each window's end (a
    repeated element never beats itself, so scan order is kept)."""

    def forward(self, x, output_size=(1, 1)):
        n, c, h, w = x.shape
        ho, wo = output_size
        sh, eh = adaptive_bounds(h, ho)
        sw, ew = adaptive_bounds(w, wo)
        kh, kw = int((eh - sh).max()), int((ew - sw).max())
        planes = x.reshape(n, c, h * w)
        has_nan = np.isnan(x.max()) if x.size else False
        best = idx = None
        for ti in range(kh):
            rows = np.minimum(sh + ti, eh - 1)
            for tj in range(kw):
                flat = rows[:, None] * w + np.minimum(sw + tj, ew - 1)[None, :]  # (Ho, Wo)
                v = planes[:, :, flat]
                if best is None:
                    best, idx = v, np.broadcast_to(flat, v.shape).copy()
                    continue
                better = v > best
                if has_nan:
                    better |= np.isnan(v)
                np.copyto(best, v, where=better)
                np.copyto(idx, np.broadcast_to(flat, v.shape), where=better)
        self.idx, self.shape = idx, x.shape
        return best

    def indices(self) -> np.ndarray:
        return self.idx

    def backward(self, grad):
        n, c, h, w = self.shape
        base = (np.arange(n * c, dtype=np.int64) * (h * w)).reshape(n, c, 1, 1)
        gx = np.bincount((self.idx + base).ravel(), weights=grad.ravel(), minlength=n * c * h * w)
        return gx.astype(grad.dtype, copy=False).reshape(self.shape)


def apply_with_indices(op: type[Function], x: Any, **kwargs: Any) -> tuple[Any, np.ndarray]:
    """Like ``op.apply(x, **kwargs)`` but also returns ``ctx.indices()`` (for ``return_indices=True``)."""
    from numnet.tensor import Tensor

    ctx = op(x)
    out = ctx.forward(x.data, **kwargs)
    indices = ctx.indices()
    requires = is_grad_enabled() and any(ctx.needs_input_grad)
    return Tensor._from_op(out, ctx if requires else None), indices
