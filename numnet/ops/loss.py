"""Loss primitives, each fused (forward and vector-Jacobian product in one place): mean squared error,
cross-entropy on logits (log-softmax + NLL in one op), negative log-likelihood, binary cross-entropy on
probabilities and on logits.

Notation: ``x`` the input (logits, log-probabilities or probabilities), ``t`` the target, ``ℓ`` the per-element
loss before reduction, ``g`` the incoming gradient. Class-index losses take ``x`` of shape (N, C, d1, …) with the
class axis 1 and ``t`` of shape (N, d1, …); a single sample (C,) with a scalar target is handled too.
``reduction``: 'none' returns ℓ, 'sum' Σℓ, 'mean' Σℓ / n (n = the number of elements, or for class-weighted
losses Σ of the weights of the non-ignored targets, exactly as PyTorch).
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.activation import log_softmax_parts


def _reduce(loss: np.ndarray, reduction: str, denom: float | np.ndarray | None = None) -> np.ndarray:
    """Apply ``reduction`` to the per-element loss (``denom`` overrides the count for 'mean')."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(total / (loss.dtype.type(loss.size) if denom is None else denom), dtype=loss.dtype)


def _loss_grad(g: np.ndarray, reduction: str, shape: tuple[int, ...], dtype, denom=None) -> np.ndarray:
    """∂L/∂ℓ for every element of the per-element loss ℓ of ``shape`` (broadcastable, not materialised)."""
    if reduction == "none":
        return g
    if reduction == "sum":
        return np.asarray(g, dtype=dtype)
    n = dtype.type(int(np.prod(shape))) if denom is None else denom
    if n == 0:  # an empty or all-ignored batch: the loss is NaN, its gradient 0 (as in PyTorch)
        return np.zeros((), dtype=dtype)
    return np.asarray(g / n, dtype=dtype)


# PyTorch's BCE backward clamps x(1 − x) at a float32 constant 1e-12 (0.99999998e-12), also in float64.
_BCE_EPS = float(np.float32(1e-12))


def _softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + eᶻ) without overflow: max(z, 0) + log1p(e^(−|z|))."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    inv = 1.0 / (1.0 + e)
    return np.where(x >= 0, inv, e * inv)


class MSELossOp(Function):
    """ℓ = (x − t)²;  ∂ℓ/∂x = 2(x − t), ∂ℓ/∂t = −2(x − t)."""

    def forward(self, x, t, reduction="mean"):
        self.d = x - t
        self.reduction = reduction
        return _reduce(self.d * self.d, reduction)

    def backward(self, g):
        d = self.d
        gx = (2.0 * d) * _loss_grad(g, self.reduction, d.shape, d.dtype)
        return (gx if self.needs_input_grad[0] else None), (-gx if self.needs_input_grad[1] else None)


def _class_layout(x: np.ndarray, t: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """View a single sample (C,) as a batch (1, C) with target (1,); report whether that was done."""
    if x.ndim == 1:
        return x[None], (None if t is None else np.reshape(t, (1,) + np.shape(t))), True
    return x, t, False


def _target_weights(target, weight, ignore_index, dtype):
    """(valid mask, index with ignored entries set to 0 and a class axis added, weight of each target)."""
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    w_t = valid.astype(dtype) if weight is None else weight[safe] * valid
    return valid, np.expand_dims(safe, 1), w_t


def _class_shape(ndim: int, c: int) -> tuple[int, ...]:
    return (1, c) + (1,) * (ndim - 2)


class CrossEntropyOp(Function):
    """Cross-entropy of logits with class-index targets, fused with the log-softmax.

    With p = softmax(x) along the class axis, w the class weights (all 1 if none), ε the label smoothing and
    C classes, the target distribution is q_c = (1 − ε)·w_t·[c = t] + (ε/C)·w_c (0 for an ignored target), and
        ℓ = −Σ_c q_c · log p_c,        ∂ℓ/∂x_c = p_c · Σ_c' q_c' − q_c   (= p − onehot(t) without weights/ε).
    'mean' divides by Σ w_t over the non-ignored targets (PyTorch's weighted mean, also used with ε > 0).
    """

    def forward(self, x, target=None, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        x, target, single = _class_layout(x, target)
        c = x.shape[1]
        logp, e, s = log_softmax_parts(x, 1)
        valid, idx, w_t = _target_weights(target, weight, ignore_index, x.dtype)
        eps = float(label_smoothing)
        loss = np.take_along_axis(logp, idx, axis=1)[:, 0]
        loss *= -(1.0 - eps) * w_t if eps else -w_t
        w_b = None if weight is None else weight.reshape(_class_shape(x.ndim, c))
        if eps:
            smooth = (logp if w_b is None else logp * w_b).sum(axis=1)
            smooth *= valid
            loss -= (eps / c) * smooth
        denom = w_t.sum() if reduction == "mean" else None
        self.e, self.s, self.idx, self.valid, self.w_t, self.w_b = e, s, idx, valid, w_t, w_b
        self.eps, self.reduction, self.denom, self.single, self.c = eps, reduction, denom, single, c
        out = _reduce(loss, reduction, denom)
        return out.reshape(()) if single and reduction == "none" else out

    def backward(self, g):
        e, w_t, valid, eps, c = self.e, self.w_t, self.valid, self.eps, self.c
        gl = _loss_grad(g, self.reduction, w_t.shape, e.dtype, self.denom)
        gl = np.broadcast_to(gl, w_t.shape) if self.reduction != "none" else np.reshape(gl, w_t.shape)
        # Σ_c q_c: (1 − ε)·w_t + ε·(Σ_c w_c / C)·[valid]
        if eps:
            mean_w = 1.0 if self.w_b is None else self.w_b.sum() / c
            qsum = (1.0 - eps) * w_t + (eps * mean_w) * valid
        else:
            qsum = w_t
        grad = e / self.s
        grad *= np.expand_dims(gl * qsum, 1)
        if eps:
            smooth = np.expand_dims((eps / c) * gl * valid, 1)
            grad -= smooth if self.w_b is None else smooth * self.w_b
        at_t = np.take_along_axis(grad, self.idx, axis=1)
        at_t -= np.expand_dims((1.0 - eps) * w_t * gl, 1)
        np.put_along_axis(grad, self.idx, at_t, axis=1)
        return grad[0] if self.single else grad


class SoftCrossEntropyOp(Function):
    """Cross-entropy of logits with class-probability targets t (same shape as x), fused with the log-softmax.

    With q_c = w_c·((1 − ε)·t_c + ε/C):  ℓ = −Σ_c q_c log p_c;  ∂ℓ/∂x_c = p_c·Σ_c' q_c' − q_c;
    ∂ℓ/∂t_c = −(1 − ε)·w_c·log p_c. 'mean' divides by the number of samples N·d1·… (PyTorch's rule here).
    """

    def forward(self, x, t, weight=None, reduction="mean", label_smoothing=0.0):
        x, t, single = _class_layout(x, t)
        c = x.shape[1]
        logp, e, s = log_softmax_parts(x, 1)
        eps = float(label_smoothing)
        q = t * (1.0 - eps) + eps / c if eps else t
        w_b = None if weight is None else weight.reshape(_class_shape(x.ndim, c))
        if w_b is not None:
            q = q * w_b
        loss = -(q * logp).sum(axis=1)
        self.e, self.s, self.q, self.logp, self.w_b = e, s, q, logp, w_b
        self.eps, self.reduction, self.single = eps, reduction, single
        out = _reduce(loss, reduction)
        return out.reshape(()) if single and reduction == "none" else out

    def backward(self, g):
        q = self.q
        lshape = q.shape[:1] + q.shape[2:]
        gl = _loss_grad(g, self.reduction, lshape, q.dtype)
        gl = np.expand_dims(np.broadcast_to(gl, lshape) if self.reduction != "none" else np.reshape(gl, lshape), 1)
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = self.e / self.s
            gx *= q.sum(axis=1, keepdims=True)
            gx -= q
            gx *= gl
        if self.needs_input_grad[1]:
            gt = self.logp * (-(1.0 - self.eps))
            if self.w_b is not None:
                gt *= self.w_b
            gt *= gl
        if self.single:
            gx = None if gx is None else gx[0]
            gt = None if gt is None else gt[0]
        return gx, gt


class NLLLossOp(Function):
    """Negative log-likelihood with class-index targets: ℓ = −w_t·x_t (0 for an ignored target);
    ∂ℓ/∂x_c = −w_t·[c = t]. 'mean' divides by Σ w_t over the non-ignored targets."""

    def forward(self, x, target=None, weight=None, ignore_index=-100, reduction="mean"):
        x, target, single = _class_layout(x, target)
        valid, idx, w_t = _target_weights(target, weight, ignore_index, x.dtype)
        loss = np.take_along_axis(x, idx, axis=1)[:, 0]
        loss *= -w_t
        self.shape, self.idx, self.w_t, self.reduction, self.single = x.shape, idx, w_t, reduction, single
        self.denom = w_t.sum() if reduction == "mean" else None
        out = _reduce(loss, reduction, self.denom)
        return out.reshape(()) if single and reduction == "none" else out

    def backward(self, g):
        w_t = self.w_t
        gl = _loss_grad(g, self.reduction, w_t.shape, w_t.dtype, self.denom)
        gl = np.reshape(gl, w_t.shape) if self.reduction == "none" else gl
        grad = np.zeros(self.shape, dtype=w_t.dtype)
        np.put_along_axis(grad, self.idx, np.expand_dims(-w_t * gl, 1), axis=1)
        return grad[0] if self.single else grad


class BCELossOp(Function):
    """Binary cross-entropy on probabilities, logs clamped at −100 as in PyTorch:
    ℓ = −w·(t·max(log x, −100) + (1 − t)·max(log(1 − x), −100));
    ∂ℓ/∂x = w·(x − t)/max(x(1 − x), 1e-12),  ∂ℓ/∂t = w·(max(log(1 − x), −100) − max(log x, −100))."""

    def forward(self, x, t, weight=None, reduction="mean"):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100.0)
            log_1mx = np.maximum(np.log1p(-x), -100.0)
        loss = -(t * log_x + (1.0 - t) * log_1mx)
        if weight is not None:
            loss *= weight
        self.x, self.t, self.log_x, self.log_1mx, self.weight, self.reduction = x, t, log_x, log_1mx, weight, reduction
        return _reduce(loss, reduction)

    def backward(self, g):
        x, t = self.x, self.t
        gl = _loss_grad(g, self.reduction, x.shape, x.dtype)
        if self.weight is not None:
            gl = gl * self.weight
        gx = gt = None
        if self.needs_input_grad[0]:
            # PyTorch's order of operations (g·(x − t)/max(…), then ·w, then /n), so huge values round alike
            gx = np.asarray(g) * (x - t) / np.maximum((1.0 - x) * x, _BCE_EPS)
            if self.weight is not None:
                gx *= self.weight
            if self.reduction == "mean":
                gx /= x.dtype.type(x.size)
        if self.needs_input_grad[1]:
            gt = (self.log_1mx - self.log_x) * gl
        return gx, gt


class BCEWithLogitsOp(Function):
    """Binary cross-entropy on logits, stable for any x (log σ(x) = −softplus(−x)):
    with l_w = 1 + (p_w − 1)·t (1 without ``pos_weight``),
    ℓ = w·((1 − t)·x + l_w·softplus(−x));
    ∂ℓ/∂x = w·(l_w·σ(x) − p_w·t),  ∂ℓ/∂t = w·((p_w − 1)·softplus(−x) − x)."""

    def forward(self, x, t, weight=None, pos_weight=None, reduction="mean"):
        sp = _softplus(-x)
        if pos_weight is None:
            loss = (1.0 - t) * x + sp
        else:
            loss = (1.0 - t) * x + (1.0 + (pos_weight - 1.0) * t) * sp
        if weight is not None:
            loss *= weight
        self.x, self.t, self.sp, self.weight, self.pos_weight, self.reduction = x, t, sp, weight, pos_weight, reduction
        return _reduce(loss, reduction)

    def backward(self, g):
        x, t, pw = self.x, self.t, self.pos_weight
        gl = _loss_grad(g, self.reduction, x.shape, x.dtype)
        if self.weight is not None:
            gl = gl * self.weight
        gx = gt = None
        if self.needs_input_grad[0]:
            sig = _stable_sigmoid(x)
            gx = (sig - t if pw is None else (1.0 + (pw - 1.0) * t) * sig - pw * t) * gl
        if self.needs_input_grad[1]:
            gt = (-x if pw is None else (pw - 1.0) * self.sp - x) * gl
        return gx, gt
