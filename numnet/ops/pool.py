"""2-D pooling primitives over strided views: max, average, adaptive average, adaptive max.

Notation: ``x`` input ``(N, C, H, W)``; kernel ``(kH, kW)``, stride ``s``, padding ``p``, dilation ``d``; output
``(N, C, Ho, Wo)``. A window sweep is a loop over kernel offsets ``(i, j)`` only: offset ``(i, j)`` of every window is
the strided slice ``xp[:, :, i·d_h : i·d_h + s_h·(Ho−1) + 1 : s_h, j·d_w : … : s_w]`` of the padded input ``xp``.

Max pooling pads with −inf (padding never wins) and sends the gradient to ONE element per window: the first maximum
in window scan order (row-major over the kernel), or the last NaN if the window holds NaN — PyTorch's CPU rule.
The backward pass scatters the gradient per kernel offset with a strided slice-add of a one-hot mask (no ``np.add.at``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from numnet import kernels
from numnet.autograd import Function, is_grad_enabled
from numnet.ops.layout import is_batch_innermost, match_layout


def pool_out_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length: ⌊(n + 2p − d(k−1) − 1 [+ s − 1 if ceil_mode]) / s⌋ + 1; in ceil mode the last
    window must start inside the input or the left padding, else it is dropped."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


class PoolGeometry(NamedTuple):
    """The sizes of one 2-D pooling, computed once from the (already validated) arguments."""

    h: int
    w: int
    kh: int
    kw: int
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ho: int
    wo: int


def pool_geometry(x_shape: tuple[int, ...], kernel_size: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool) -> PoolGeometry:
    """The :class:`PoolGeometry` of pooling an ``(N, C, H, W)`` input."""
    h, w = x_shape[2:]
    kh, kw = kernel_size
    ho = pool_out_size(h, kh, stride[0], padding[0], dilation[0], ceil_mode)
    wo = pool_out_size(w, kw, stride[1], padding[1], dilation[1], ceil_mode)
    return PoolGeometry(h, w, kh, kw, tuple(stride), tuple(padding), tuple(dilation), ho, wo)


def _is_2x2(g: PoolGeometry) -> bool:
    """Non-overlapping 2×2 windows that tile the input (an odd last row or column left out): the fast paths'
    case, when the ``pool_fast_path`` kernel setting allows it."""
    return ((g.kh, g.kw) == (2, 2) and g.stride == (2, 2) and g.padding == (0, 0) and g.dilation == (1, 1)
            and (g.ho, g.wo) == (g.h // 2, g.w // 2) and kernels.get("pool_fast_path"))


def _offset_slices(k: int, g: PoolGeometry) -> tuple[slice, slice, slice, slice]:
    """Window offset ``k`` (row-major over the kernel) of every window: a strided slice of the padded input."""
    i, j = k // g.kw, k % g.kw
    (sh, sw), (dh, dw) = g.stride, g.dilation
    return (slice(None), slice(None),
            slice(i * dh, i * dh + sh * (g.ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (g.wo - 1) + 1, sw))


def _pad_for_windows(x: np.ndarray, g: PoolGeometry, value: float) -> tuple[np.ndarray, tuple[int, int]]:
    """Pad ``x`` with ``value``: ``p`` before, and after as much as the last window needs (ceil mode can need more
    than ``p``, floor mode less). Returns the padded array and the (top, left) offsets."""
    p, s, d = g.padding, g.stride, g.dilation
    bottom = max(0, (g.ho - 1) * s[0] + d[0] * (g.kh - 1) + 1 - g.h - p[0])
    right = max(0, (g.wo - 1) * s[1] + d[1] * (g.kw - 1) + 1 - g.w - p[1])
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


def _quarters(x: np.ndarray, ho: int, wo: int) -> list[np.ndarray]:
    """The four strided slices of 2×2 windows, in scan order (top-left, top-right, bottom-left, bottom-right)."""
    h2, w2 = 2 * ho, 2 * wo  # spelled out: a comprehension costs a frame per pooling call
    return [x[:, :, 0:h2:2, 0:w2:2], x[:, :, 0:h2:2, 1:w2:2], x[:, :, 1:h2:2, 0:w2:2], x[:, :, 1:h2:2, 1:w2:2]]


# ---------------------------------------------------------------------------------------------------- max pooling
class MaxPool2dOp(Function):
    """z[n, c, y, x] = max_{i,j} xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j];  ∂z/∂x is 1 at the chosen element, else 0.

    Arguments are validated and normalised to pairs by ``numnet.functional.max_pool2d``. The plain path sweeps the
    window offsets over the −inf-padded input, keeping the running maximum and its offset. The named variant
    ``_forward_2x2`` (2×2, stride 2, unpadded, undilated; off under ``numnet.kernels.using(pool_fast_path=False)``)
    is ``np.maximum`` over the four strided slices, the arg-max found only when backward or the indices need it.
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False):
        g = pool_geometry(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
        self.geom = g
        if _is_2x2(g):
            return self._forward_2x2(x)
        xp, corner = _pad_for_windows(x, g, -np.inf)
        self.xp_shape, self.corner = xp.shape, corner
        has_nan = np.isnan(x.max()) if x.size else False
        best = xp[_offset_slices(0, g)].copy()
        arg = np.zeros(best.shape, dtype=_arg_dtype(g.kh * g.kw))
        for k in range(1, g.kh * g.kw):
            v = xp[_offset_slices(k, g)]
            better = v > best  # strict: the first maximum in scan order keeps the gradient
            if has_nan:
                better |= np.isnan(v)  # PyTorch: a NaN always takes over
            np.copyto(best, v, where=better)
            np.copyto(arg, k, where=better)
        if xp is not x:
            self._fix_all_neg_inf(best, arg)
        self.arg = arg
        return best

    def _forward_2x2(self, x: np.ndarray) -> np.ndarray:
        g = self.geom
        a, b, c, d = _quarters(x, g.ho, g.wo)
        out = np.maximum(a, b)
        np.maximum(out, c, out=out)
        np.maximum(out, d, out=out)
        self.x, self.out, self.arg = x, out, None  # the arg-max is found lazily in _arg_2x2
        self.xp_shape, self.corner = x.shape, (0, 0)
        return out

    def _fix_all_neg_inf(self, best: np.ndarray, arg: np.ndarray) -> None:
        """A window whose real elements are all −inf ties with the −inf padding; PyTorch then picks the first
        element inside the input, so point ``arg`` there instead of at a padding cell."""
        neg = best == -np.inf
        if not neg.any():
            return
        g = self.geom
        first = []
        for out, s, p, d in ((g.ho, g.stride[0], g.padding[0], g.dilation[0]),
                             (g.wo, g.stride[1], g.padding[1], g.dilation[1])):
            start = np.arange(out) * s - p
            first.append(np.maximum(0, -(start // d)))  # smallest i with start + i·d >= 0
        fix = (first[0][:, None] * g.kw + first[1][None, :]).astype(arg.dtype)
        np.copyto(arg, np.broadcast_to(fix, arg.shape), where=neg)

    def _arg_2x2(self) -> np.ndarray:
        """The offset of the chosen element of each 2×2 window (first maximum, else last NaN), found lazily."""
        if self.arg is None:
            x, out = self.x, self.out
            views = _quarters(x, *out.shape[2:])
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
        arg = self.arg if self.arg is not None else self._arg_2x2()
        g = self.geom
        arg = arg.astype(np.int64)
        rows = (np.arange(g.ho) * g.stride[0] - g.padding[0])[:, None] + (arg // g.kw) * g.dilation[0]
        cols = (np.arange(g.wo) * g.stride[1] - g.padding[1])[None, :] + (arg % g.kw) * g.dilation[1]
        return rows * g.w + cols

    def _backward_2x2(self, grad: np.ndarray) -> np.ndarray:
        """Non-overlapping 2×2 windows: one-hot masks of the first maximum, written straight into the four strided
        slices of the input gradient (NaN windows go through the general ``_arg_2x2``)."""
        x, out = self.x, self.out
        ho, wo = out.shape[2:]
        grad = match_layout(grad, out)  # e.g. NCHW from a Flatten while x is batch-innermost conv output
        gx = np.empty_like(x, dtype=grad.dtype)  # x's memory layout; the four slices cover all but an odd edge
        gx[:, :, 2 * ho:] = 0
        gx[:, :, :2 * ho, 2 * wo:] = 0
        xs = _quarters(x, ho, wo)
        first = xs[0] == out
        second = (xs[1] == out) & ~first
        taken = first | second
        third = (xs[2] == out) & ~taken
        taken |= third
        np.logical_not(taken, out=taken)  # the fourth element holds the maximum wherever the first three do not
        for part, mask in zip(_quarters(gx, ho, wo), (first, second, third, taken)):
            np.multiply(grad, mask, out=part)
        return gx

    def backward(self, grad):
        if self.arg is None and not (self.out.size and np.isnan(self.out.max())):
            return self._backward_2x2(grad)
        arg = self.arg if self.arg is not None else self._arg_2x2()
        g = self.geom
        gxp = np.zeros(self.xp_shape, dtype=grad.dtype)
        for k in range(g.kh * g.kw):
            gxp[_offset_slices(k, g)] += grad * (arg == k)
        return _crop(gxp, *self.corner, g.h, g.w)


# ---------------------------------------------------------------------------------------------------- avg pooling
def _avg_counts(size: int, k: int, s: int, p: int, out: int, count_include_pad: bool) -> np.ndarray:
    """Per-axis divisor, PyTorch's rule: the window clipped to the padded input ``[−p, n + p)`` when
    ``count_include_pad``, else clipped to the input ``[0, n)``."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if count_include_pad:
        return end - start
    return np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2dOp(Function):
    """z[n, c, y, x] = (1/D[y, x]) Σ_{i,j} xp[n, c, s_h·y + i, s_w·x + j] over zero padding;
    ∂z/∂x spreads g/D over each window. ``D`` follows PyTorch exactly (see :func:`_avg_counts`).

    The plain path sums the window offsets of the zero-padded input. The named variant ``_forward_2x2`` (2×2,
    stride 2, unpadded: every window full, so ``D`` is one number; off under
    ``numnet.kernels.using(pool_fast_path=False)``) sums the four strided slices, and its backward writes ``g/D``
    straight into the four strided slices of the input gradient (no zero fill, no padded buffer).
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        g = pool_geometry(x.shape, kernel_size, stride, padding, (1, 1), ceil_mode)
        self.geom = g
        self.fast = _is_2x2(g)
        if self.fast:
            return self._forward_2x2(x, divisor_override)
        if divisor_override is not None:
            div = np.full((g.ho, g.wo), divisor_override, dtype=x.dtype)
        else:
            dh = _avg_counts(g.h, g.kh, g.stride[0], g.padding[0], g.ho, count_include_pad)
            dw = _avg_counts(g.w, g.kw, g.stride[1], g.padding[1], g.wo, count_include_pad)
            div = np.maximum(dh[:, None] * dw[None, :], 1).astype(x.dtype)  # an empty window sums to 0 anyway
        xp, corner = _pad_for_windows(x, g, 0.0)
        acc = xp[_offset_slices(0, g)].copy()
        for k in range(1, g.kh * g.kw):
            acc += xp[_offset_slices(k, g)]
        acc /= div
        self.xp_shape, self.corner, self.div = xp.shape, corner, div
        return acc

    def _forward_2x2(self, x: np.ndarray, divisor_override: int | None) -> np.ndarray:
        g = self.geom
        div = x.dtype.type(4 if divisor_override is None else divisor_override)
        a, b, c, d = _quarters(x, g.ho, g.wo)
        out = np.add(a, b)
        out += c
        out += d
        out /= div
        self.shape, self.div = x.shape, div
        return out

    def _backward_2x2(self, grad: np.ndarray) -> np.ndarray:
        gd = grad / self.div
        ho, wo = grad.shape[2:]
        gx = np.empty(self.shape, dtype=grad.dtype)
        for part in _quarters(gx, ho, wo):
            part[...] = gd
        gx[:, :, 2 * ho:] = 0  # an odd last row or column is in no window
        gx[:, :, :2 * ho, 2 * wo:] = 0
        return gx

    def backward(self, grad):
        if self.fast:
            return self._backward_2x2(grad)
        g = self.geom
        gd = grad / self.div
        gxp = np.zeros(self.xp_shape, dtype=grad.dtype)
        for k in range(g.kh * g.kw):
            gxp[_offset_slices(k, g)] += gd
        return _crop(gxp, *self.corner, g.h, g.w)


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


def _window_means(x: np.ndarray, ho: int, wo: int) -> np.ndarray:
    """The adaptive means window by window (for inputs with inf/nan, which then stay inside their windows)."""
    (h0, h1), (w0, w1) = adaptive_bounds(x.shape[2], ho), adaptive_bounds(x.shape[3], wo)
    out = np.empty(x.shape[:2] + (ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = x[:, :, h0[i]:h1[i], w0[j]:w1[j]].mean(axis=(2, 3))
    return out


class AdaptiveAvgPool2dOp(Function):
    """z = A_h · x · A_wᵀ per plane, with A the adaptive averaging matrices;  ∂L/∂x = A_hᵀ · g · A_w."""

    def forward(self, x, output_size=(1, 1)):
        n, c, h, w = x.shape
        ho, wo = output_size
        self.shape = x.shape
        if (ho, wo) == (1, 1):
            self.a = None
            self.chwn = n > 1 and is_batch_innermost(x)
            return x.mean(axis=(2, 3), keepdims=True)
        self.a = (_averaging_matrix(h, ho, x.dtype), _averaging_matrix(w, wo, x.dtype))
        if not np.isfinite(x).all():  # the GEMMs would multiply inf by the zeros outside a window: inf*0 = nan
            return _window_means(x, ho, wo)
        return _separable(x, *self.a)

    def backward(self, grad):
        n, c, h, w = self.shape
        if self.a is None:
            mean_grad = grad / grad.dtype.type(h * w)
            if self.chwn:  # ∂L/∂x in x's batch-innermost layout, so the ops before run in one memory order
                dx = np.empty((c, h, w, n), grad.dtype)
                dx[...] = mean_grad.transpose(1, 2, 3, 0)
                return dx.transpose(3, 0, 1, 2)
            return np.broadcast_to(mean_grad, self.shape).copy()
        a_h, a_w = self.a
        return _separable(grad, a_h.T, a_w.T)


class AdaptiveMaxPool2dOp(Function):
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
    out = ctx.forward(x._data, **kwargs)
    indices = ctx.indices()
    requires = is_grad_enabled() and any(ctx.needs_input_grad)
    return Tensor._from_op(out, ctx if requires else None), indices
