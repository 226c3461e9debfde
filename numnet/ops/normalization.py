"""Normalization primitives, each one fused op with the closed-form backward: batch, layer and group normalization.

Notation: x̂ = (x − μ)/√(σ² + ε) is the normalised input, y = γ·x̂ + β the output, M the number of values each
(μ, σ²) pair is taken over. Batch norm: x is (N, C, *spatial), statistics per channel over M = N·∏spatial values.
Layer norm: statistics per sample over the trailing ``normalized_shape`` dims, γ and β of that shape. Group norm:
statistics per (sample, group of C/G channels), γ and β per channel.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops import compiled
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

        fast = training and type(self) is BatchNormOp and x.dtype in compiled.DTYPES and compiled.available() \
            and x.ndim >= 2 and x.size // c > 1
        res = compiled.bn_train_forward(x, weight, bias, eps) if fast else None
        if res is not None:  # the compiled path (ops/compiled.py): three passes, x̂ recomputed in backward
            out, mean64, var64, invstd64, view = res
            m = x.size // c
            self._fast = (view, mean64, invstd64, x)
            self.m = m
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += (momentum * mean64).astype(running_mean.dtype, copy=False)
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * var64 * (float(m) / float(m - 1))).astype(running_var.dtype, copy=False)
            return out
        if training:
            m, mean, xc, var = self._batch_stats(x, axes, pshape)
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
            if not (has_weight and self.needs_input_grad[1]):  # no ∂L/∂γ, so x̂ need not be kept
                return self._eval_affine(x, mean, var, eps, weight, bias)
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

    def _eval_affine(self, x, mean, var, eps, weight, bias):
        """Evaluation with the statistics folded into one scale and shift, y = x·s + t with s = γ/√(σ² + ε) and
        t = β − μ·s: two passes over x instead of four (x̂ is not needed: nothing asked for ∂L/∂γ)."""
        invstd = 1.0 / np.sqrt(var + eps)
        scale = invstd if weight is None else weight * invstd
        shift = -mean * scale if bias is None else bias - mean * scale
        self.invstd, self.xhat = invstd, None
        if x.dtype in compiled.DTYPES and compiled.available():
            out = compiled.scale_shift(x, scale, shift)  # one pass over both cores (ops/compiled.py)
            if out is not None:
                return out
        out = x * scale  # keeps a batch-innermost layout
        out += shift
        return out

    def backward(self, g):
        if "_fast" in self.__dict__:
            return self._fast_backward(g)
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
                all_g, all_gx = self._grad_sums(sum_g, sum_gx)
                # γ/√(σ²+ε) · (g − mean(g) − x̂·mean(g·x̂)): the closed form above with ĝ = γ·g
                gx = g - all_g / float(self.m)
                gx -= xhat * (all_gx / float(self.m))
                gx *= scale
            else:
                gx = g * scale
        grads = [gx]
        if self.has_weight:
            grads.append(sum_gx.reshape(-1) if need_w else None)
        if self.has_bias:
            grads.append(sum_g.reshape(-1) if need_b else None)
        return tuple(grads)


    def _fast_backward(self, g):
        view, mean, invstd, x = self._fast
        need_x = self.needs_input_grad[0]
        need_w = self.has_weight and self.needs_input_grad[1]
        need_b = self.has_bias and self.needs_input_grad[1 + int(self.has_weight)]
        gx, sums = compiled.bn_train_backward(view, g, mean, invstd, self.weight, need_x, x)
        grads = [gx]
        if self.has_weight:
            grads.append(sums[1].astype(g.dtype) if need_w else None)
        if self.has_bias:
            grads.append(sums[0].astype(g.dtype) if need_b else None)
        return tuple(grads)

    # the two places where the batch enters: SyncBatchNormOp sums them over the ranks
    def _batch_stats(self, x, axes, pshape):
        """``(M, mean, x − mean, biased variance)`` of this batch, per channel."""
        m = x.size // x.shape[1]
        mean = x.mean(axis=axes, keepdims=True)
        xc = x - mean
        return m, mean, xc, _channel_dot(xc, xc).reshape(pshape) / float(m)

    def _grad_sums(self, sum_g, sum_gx):
        """``(Σ g, Σ g·x̂)`` over the batch the statistics came from (here: this one)."""
        return sum_g, sum_gx


class SyncBatchNormOp(BatchNormOp):
    """BatchNorm whose training statistics are those of the global batch, over all ranks (``comm``):

        M = Σ_r M_r,   μ = (Σ_r Σ x)/M,   σ² = (Σ_r Σ (x − μ)²)/M       (two allreduces: exactly the two passes
                                                                         of BatchNorm on the global batch)
        ∂L/∂x: BatchNorm's closed form with Σĝ and Σĝ·x̂ summed over the ranks (one allreduce) and the global M;
        ∂L/∂γ = Σ g·x̂, ∂L/∂β = Σ g over this rank's batch (DistributedDataParallel then averages them).

    With every rank's loss a mean over its batch, rank r's ∂/∂x_r is the gradient of Σ_s L_s = R·L (L the loss
    of the global batch); DDP's 1/R average makes every gradient that of L. Evaluation is BatchNorm's.
    """

    def forward(self, x, *params, comm=None, **kwargs):
        self.comm = comm
        return super().forward(x, *params, **kwargs)

    def _batch_stats(self, x, axes, pshape):
        c = x.shape[1]
        buf = np.empty(c + 1, dtype=np.float64)
        buf[:c] = x.sum(axis=axes, dtype=np.float64)
        buf[c] = x.size // c
        self.comm.allreduce_(buf)
        m = int(round(buf[c]))
        mean = (buf[:c] / m).astype(x.dtype).reshape(pshape)
        xc = x - mean
        sq = _channel_dot(xc, xc).astype(np.float64).reshape(-1)
        self.comm.allreduce_(sq)
        return m, mean, xc, (sq / m).astype(x.dtype).reshape(pshape)

    def _grad_sums(self, sum_g, sum_gx):
        c = sum_g.size
        buf = np.concatenate([sum_g.reshape(-1), sum_gx.reshape(-1)]).astype(np.float64)
        self.comm.allreduce_(buf)
        return buf[:c].astype(sum_g.dtype).reshape(sum_g.shape), buf[c:].astype(sum_gx.dtype).reshape(sum_gx.shape)


def _normalize_rows(x2: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(x̂, 1/√(σ² + ε)) of each row of a (R, M) array: mean and biased variance along axis 1."""
    m = x2.shape[1]
    mean = x2.sum(axis=1, keepdims=True) / float(max(m, 1))  # max: an empty row has nothing to normalise
    xc = x2 - mean
    var = np.einsum("rm,rm->r", xc, xc)[:, None] / float(max(m, 1))
    invstd = 1.0 / np.sqrt(var + eps)
    xc *= invstd
    return xc, invstd


def _rows_backward(ghat: np.ndarray, xhat: np.ndarray, invstd: np.ndarray) -> np.ndarray:
    """∂L/∂x of x̂ = (x − μ)/√(σ² + ε) row by row, given ĝ = ∂L/∂x̂ (R, M):
    (1/√(σ² + ε))·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))."""
    m = float(max(xhat.shape[1], 1))
    mean_g = ghat.sum(axis=1, keepdims=True) / m
    mean_gx = np.einsum("rm,rm->r", ghat, xhat)[:, None] / m
    gx = ghat - mean_g
    gx -= xhat * mean_gx
    gx *= invstd
    return gx


def _split_params(params, has_weight, has_bias, dtype, shape):
    params = list(params)
    weight = params.pop(0).astype(dtype, copy=False).reshape(shape) if has_weight else None
    bias = params.pop(0).astype(dtype, copy=False).reshape(shape) if has_bias else None
    return weight, bias


def _affine(xhat: np.ndarray, weight, bias) -> np.ndarray:
    out = xhat * weight if weight is not None else xhat.copy()
    if bias is not None:
        out += bias
    return out


class LayerNormOp(Function):
    """y = γ·(x − μ)/√(σ² + ε) + β, with μ, σ² (biased) over the last ``ndim`` dims of each sample; γ, β of
    those dims' shape.

    ∂L/∂x = (1/√(σ² + ε))·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = γ·g, means over the normalised dims;
    ∂L/∂γ = Σ g·x̂, ∂L/∂β = Σ g over the leading dims.

    Inputs are ``x`` then, when present, ``weight`` and ``bias`` (flagged by ``has_weight``/``has_bias``).
    """

    def forward(self, x, *params, ndim=1, eps=1e-5, has_weight=False, has_bias=False):
        norm_shape = x.shape[x.ndim - ndim:]
        m = int(np.prod(norm_shape))
        self.shape, self.norm_shape, self.has_weight, self.has_bias = x.shape, norm_shape, has_weight, has_bias
        self.weight, bias = _split_params(params, has_weight, has_bias, x.dtype, norm_shape)
        xhat, self.invstd = _normalize_rows(x.reshape(-1, m), eps)
        self.xhat = xhat.reshape(x.shape)
        return _affine(self.xhat, self.weight, bias)

    def backward(self, g):
        m = int(np.prod(self.norm_shape))
        need_w = self.has_weight and self.needs_input_grad[1]
        need_b = self.has_bias and self.needs_input_grad[1 + int(self.has_weight)]
        grads = [None]
        if self.needs_input_grad[0]:
            ghat = g * self.weight if self.weight is not None else g
            grads[0] = _rows_backward(ghat.reshape(-1, m), self.xhat.reshape(-1, m), self.invstd).reshape(self.shape)
        if self.has_weight:
            grads.append(np.einsum("rm,rm->m", g.reshape(-1, m), self.xhat.reshape(-1, m)).reshape(self.norm_shape)
                         if need_w else None)
        if self.has_bias:
            grads.append(g.reshape(-1, m).sum(axis=0).reshape(self.norm_shape) if need_b else None)
        return tuple(grads)


class GroupNormOp(Function):
    """y = γ_c·(x − μ)/√(σ² + ε) + β_c, with μ, σ² (biased) per sample over each group of C/G channels and all
    their positions; γ, β per channel.

    ∂L/∂x = (1/√(σ² + ε))·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), ĝ = γ_c·g, means over each (sample, group);
    ∂L/∂γ = Σ g·x̂, ∂L/∂β = Σ g over every axis but the channel axis 1.
    """

    def forward(self, x, *params, num_groups=1, eps=1e-5, has_weight=False, has_bias=False):
        n, c = x.shape[:2]
        pshape = _param_shape(x.ndim, c)
        self.shape, self.groups, self.pshape = x.shape, num_groups, pshape
        self.has_weight, self.has_bias = has_weight, has_bias
        self.weight, bias = _split_params(params, has_weight, has_bias, x.dtype, pshape)
        xhat, self.invstd = _normalize_rows(x.reshape(n * num_groups, -1), eps)
        self.xhat = xhat.reshape(x.shape)
        return _affine(self.xhat, self.weight, bias)

    def backward(self, g):
        n, c = self.shape[:2]
        rows = n * self.groups
        axes = (0,) + tuple(range(2, len(self.shape)))
        need_w = self.has_weight and self.needs_input_grad[1]
        need_b = self.has_bias and self.needs_input_grad[1 + int(self.has_weight)]
        grads = [None]
        if self.needs_input_grad[0]:
            ghat = g * self.weight if self.weight is not None else g
            grads[0] = _rows_backward(ghat.reshape(rows, -1), self.xhat.reshape(rows, -1),
                                      self.invstd).reshape(self.shape)
        if self.has_weight:
            grads.append(_channel_dot(g, self.xhat) if need_w else None)
        if self.has_bias:
            grads.append(g.sum(axis=axes) if need_b else None)
        return tuple(grads)
