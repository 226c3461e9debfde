"""Activation primitives: ReLU, leaky ReLU, sigmoid, tanh, GELU, softmax, log-softmax, the dropout mask, and the
elementwise family of ``nn.ELU`` … ``nn.Threshold`` (ELU/SELU/CELU, SiLU, Mish, softplus, log-sigmoid, the hard
functions, softsign, tanhshrink, threshold, PReLU).

At every kink the gradient is PyTorch's one-sided choice (noted on each op), so gradients match it exactly.

Every rule keeps the input's dtype: constants are Python floats, which NumPy never lets widen a float32 array.
"""

from __future__ import annotations

import math

import numpy as np

from numnet.autograd import Function
from numnet.ops.layout import match_layout

# W. J. Cody's rational Chebyshev approximations of erf/erfc (Math. Comp. 23, 1969), relative error < 1e-15.
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03,
          1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03)
_ERFC_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
           8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
           2.15311535474403846e-8)
_ERFC_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
           3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03)
_ERFC_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
           6.58749161529837803e-4, 1.63153871373020978e-2)
_ERFC_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1, 6.05183413124413191e-2,
           2.33520497626869185e-3)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_KAPPA = 0.044715


def _exp_neg_square(y: np.ndarray) -> np.ndarray:
    """exp(−y²) without the rounding error of squaring a large y (Cody's split y = t + δ, t a multiple of 1/16)."""
    t = np.trunc(y * 16.0) / 16.0
    return np.exp(-t * t) * np.exp(-(y - t) * (y + t))


# Numerical Recipes' Chebyshev fit erfc(y) ≈ t·exp(−y² + P(t)), t = 1/(1 + y/2): relative error < 1.2e-7 in exact
# arithmetic, with one branch and one exp where Cody's needs three ranges; used for float32 and narrower, whose
# rounding hides the difference in accuracy.
_ERFC_NR = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
            -0.82215223, 0.17087277)


def _erfc_single(z: np.ndarray) -> np.ndarray:
    y = np.minimum(np.abs(z), 30.0)
    t = 1.0 / (1.0 + 0.5 * y)
    p = _ERFC_NR[9] * t
    for c in _ERFC_NR[8:0:-1]:
        p += c
        p *= t
    p += _ERFC_NR[0]
    p -= y * y
    out = t * np.exp(p)
    return np.where(z < 0, 2.0 - out, out)


def erfc(z: np.ndarray) -> np.ndarray:
    """Complementary error function 1 − erf(z), elementwise in z's dtype (accurate in both tails).

    float64 uses W. J. Cody's three-range rational approximations (relative error < 1e-15); float32 (and float16,
    computed in float32) a single Chebyshev fit (absolute error < 5e-7, relative < 1e-5 even in the far tail, where
    float32's rounding of y² dominates).
    """
    z = np.asarray(z)
    if z.dtype.kind == "f" and z.dtype.itemsize <= 4:
        return _erfc_single(z.astype(np.float32, copy=False)).astype(z.dtype, copy=False)
    y = np.minimum(np.abs(z), 30.0).astype(z.dtype, copy=False)  # erfc(30) underflows to 0 in float64
    out = np.empty_like(z)

    small = y <= 0.46875  # erfc = 1 − z·A(z²)/B(z²)
    zs = z[small]
    s = zs * zs
    num, den = _ERF_A[4] * s, s
    for a, b in zip(_ERF_A[:3], _ERF_B[:3]):
        num, den = (num + a) * s, (den + b) * s
    out[small] = 1.0 - zs * (num + _ERF_A[3]) / (den + _ERF_B[3])

    mid = ~small & (y <= 4.0)  # erfc = exp(−y²)·C(y)/D(y)
    ym = y[mid]
    num, den = _ERFC_C[8] * ym, ym
    for c, d in zip(_ERFC_C[:7], _ERFC_D[:7]):
        num, den = (num + c) * ym, (den + d) * ym
    out[mid] = _exp_neg_square(ym) * (num + _ERFC_C[7]) / (den + _ERFC_D[7])

    tail = y > 4.0  # erfc = exp(−y²)/y·(1/√π + P(1/y²)/(y² Q(1/y²)))
    yt = y[tail]
    s = 1.0 / (yt * yt)
    num, den = _ERFC_P[5] * s, s
    for p, q in zip(_ERFC_P[:4], _ERFC_Q[:4]):
        num, den = (num + p) * s, (den + q) * s
    r = s * (num + _ERFC_P[4]) / (den + _ERFC_Q[4])
    out[tail] = _exp_neg_square(yt) * (_INV_SQRT_PI - r) / yt

    neg = z < -0.46875  # erfc(−y) = 2 − erfc(y)
    out[neg] = 2.0 - out[neg]
    return out


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Φ(x) = ½·erfc(−x/√2), the standard normal CDF, in x's dtype."""
    return 0.5 * erfc(-x * _INV_SQRT_2)


_ZEROS: dict = {}


def _zero(dtype: np.dtype) -> np.ndarray:
    """A read-only 0-d zero of ``dtype``: comparing with it skips the conversion of a Python ``0`` that NumPy does
    on every call, a large share of a tiny tensor's ReLU. Same results (same dtype, no promotion)."""
    z = _ZEROS.get(dtype)
    if z is None:
        z = np.zeros((), dtype=dtype)
        z.flags.writeable = False
        _ZEROS[dtype] = z
    return z


class ReLUOp(Function):
    """z = max(x, 0);  ∂z/∂x = 1 where x > 0, else 0 (0 at x = 0, as PyTorch)."""

    def forward(self, x):
        zero = _ZEROS.get(x.dtype)
        if zero is None:
            zero = _zero(x.dtype)
        out = np.maximum(x, zero)
        if self.needs_input_grad[0]:
            # the output, not a mask: z > 0 exactly where x > 0, and z is kept anyway by whatever consumes it, so
            # forward makes one pass and holds no extra memory (PyTorch saves its ReLU's result too)
            self.out = out
        return out

    def backward(self, g):
        out = self.out
        g = match_layout(g, out)  # e.g. NCHW from a pooling or Flatten, z batch-innermost: one order first
        # z is 0, positive or NaN, so z ≠ 0 is [x > 0] with NaN passing its gradient, as in PyTorch (np.where
        # would be several times slower: it branches on the mask)
        return g * (out != _ZEROS[out.dtype])


class LeakyReLUOp(Function):
    """z = x if x > 0 else s·x;  ∂z/∂x = 1 where x > 0, else s (s at x = 0, as PyTorch)."""

    def forward(self, x, negative_slope=0.01):
        self.mask = x > 0
        self.slope = float(negative_slope)
        return np.where(self.mask, x, x * self.slope)

    def backward(self, g):
        return np.where(self.mask, g, g * self.slope)


class SigmoidOp(Function):
    """z = 1/(1 + e⁻ˣ), computed from e^(−|x|) so nothing overflows;  ∂z/∂x = z(1 − z)."""

    def forward(self, x):
        e = np.exp(-np.abs(x))
        inv = 1.0 / (1.0 + e)
        self.out = np.where(x >= 0, inv, e * inv)
        return self.out

    def backward(self, g):
        out = self.out
        return g * out * (1.0 - out)


class TanhOp(Function):
    """z = tanh x;  ∂z/∂x = 1 − z²."""

    def forward(self, x):
        self.out = np.tanh(x)
        return self.out

    def backward(self, g):
        out = self.out
        return g * (1.0 - out * out)


class ErfOp(Function):
    """z = erf a = 1 − erfc a (:func:`erfc`, computed in float64, returned in a's dtype);
    ∂z/∂a = (2/√π)·e^(−a²)."""

    def forward(self, a):
        self.a = a
        return (1.0 - erfc(np.asarray(a, dtype=np.float64))).astype(a.dtype, copy=False)

    def backward(self, g):
        return g * ((2.0 / math.sqrt(math.pi)) * np.exp(-self.a * self.a)).astype(g.dtype, copy=False)


class GELUOp(Function):
    """Exact: z = x·Φ(x), ∂z/∂x = Φ(x) + x·φ(x).
    Tanh form: z = ½x(1 + tanh u), u = √(2/π)(x + κx³), κ = 0.044715;
    ∂z/∂x = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3κx²)."""

    def forward(self, x, approximate="none"):
        self.x, self.approximate = x, approximate
        with np.errstate(over="ignore", invalid="ignore"):
            if approximate == "tanh":
                self.t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_KAPPA * (x * x * x)))
                return 0.5 * x * (1.0 + self.t)
            self.cdf = normal_cdf(x)
            return x * self.cdf

    def backward(self, g):
        x = self.x
        with np.errstate(over="ignore", invalid="ignore"):
            if self.approximate == "tanh":
                t = self.t
                d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _SQRT_2_OVER_PI * (1.0 + 3.0 * _GELU_KAPPA * (x * x))
            else:
                pdf = _INV_SQRT_2PI * np.exp(-0.5 * (x * x))
                d = self.cdf + x * pdf
        return g * d


def _as_1d(x: np.ndarray) -> np.ndarray:
    return x.reshape(1) if x.ndim == 0 else x


class SoftmaxOp(Function):
    """zᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) along ``axis`` (m the maximum, so nothing overflows);
    ∂L/∂x = z ⊙ (g − Σ g⊙z)."""

    def forward(self, x, axis=-1):
        self.axis, self.shape = axis, x.shape
        x = _as_1d(x)
        if x.size == 0:
            self.out = x.copy()
        else:
            e = np.exp(x - x.max(axis=axis, keepdims=True))
            e /= e.sum(axis=axis, keepdims=True)
            self.out = e
        return self.out.reshape(self.shape)

    def backward(self, g):
        g = _as_1d(g)
        z = self.out
        gz = g * z
        gz -= z * gz.sum(axis=self.axis, keepdims=True)
        return gz.reshape(self.shape)


def log_softmax_parts(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(log softmax(x), e, s)`` along ``axis`` with m = max x: e = exp(x − m), s = Σ e, log p = (x − m) − log s.

    The shift makes it exact for huge logits; ``e / s`` is softmax(x), which every backward here needs.
    """
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=axis, keepdims=True)
    shifted -= np.log(s)
    return shifted, e, s


class LogSoftmaxOp(Function):
    """zᵢ = (xᵢ − m) − log Σⱼ e^(xⱼ − m) along ``axis`` (log-sum-exp after a max shift: exact for huge logits);
    ∂L/∂x = g − softmax(x)·Σ g."""

    def forward(self, x, axis=-1):
        self.axis, self.shape = axis, x.shape
        x = _as_1d(x)
        if x.size == 0:
            self.e = self.s = None
            return x.copy().reshape(self.shape)
        logp, self.e, self.s = log_softmax_parts(x, axis)
        return logp.reshape(self.shape)

    def backward(self, g):
        g = _as_1d(g)
        if self.e is None:
            return g.reshape(self.shape)
        out = g - (self.e / self.s) * g.sum(axis=self.axis, keepdims=True)
        return out.reshape(self.shape)


class DropoutOp(Function):
    """z = x ⊙ m with a fixed mask m (0 or 1/(1 − p), drawn by the caller);  ∂z/∂x = m."""

    def forward(self, x, mask=None):
        self.mask = mask
        return x * mask

    def backward(self, g):
        return g * self.mask


# ---------------------------------------------------------------------- the nn.ELU … nn.Threshold family
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) from e^(−|x|): no overflow for any x."""
    e = np.exp(-np.abs(x))
    inv = 1.0 / (1.0 + e)
    return np.where(x >= 0, inv, e * inv)


def _softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)): exact for large |x|, no overflow."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class ELUOp(Function):
    """z = s·x for x > 0, s·α(e^(x/β) − 1) otherwise (ELU: s = β = 1; SELU: fixed α, s; CELU: β = α);
    ∂z/∂x = s for x > 0, else s·(α/β)·e^(x/β) (the left side at x = 0, as PyTorch)."""

    def forward(self, x, alpha=1.0, scale=1.0, input_scale=1.0):
        self.pos = x > 0
        self.alpha, self.scale, self.input_scale = float(alpha), float(scale), float(input_scale)
        # e^(x/β) only where it is used: no overflow warning on the positive side; expm1 keeps e^t − 1 exact for
        # tiny t (a large CELU α makes x/α tiny, where e^t − 1 would round to 0 in float32)
        em1 = np.expm1(np.minimum(x, 0) * self.input_scale)
        self.e = em1 + 1.0
        return np.where(self.pos, x * self.scale, em1 * (self.alpha * self.scale))

    def backward(self, g):
        return np.where(self.pos, g * self.scale, g * self.e * (self.alpha * self.scale * self.input_scale))


class SiLUOp(Function):
    """z = x·σ(x);  ∂z/∂x = σ(x)·(1 + x·(1 − σ(x)))."""

    def forward(self, x):
        self.x, self.s = x, _sigmoid(x)
        return x * self.s

    def backward(self, g):
        s = self.s
        return g * (s * (1.0 + self.x * (1.0 - s)))


class MishOp(Function):
    """z = x·tanh(softplus(x));  ∂z/∂x = t + x·σ(x)·(1 − t²), t = tanh(softplus(x))."""

    def forward(self, x):
        self.x, self.t = x, np.tanh(_softplus(x))
        return x * self.t

    def backward(self, g):
        t = self.t
        return g * (t + self.x * _sigmoid(self.x) * (1.0 - t * t))


class SoftplusOp(Function):
    """z = log(1 + e^(βx))/β, or x where βx > threshold;  ∂z/∂x = σ(βx), or 1 where βx > threshold."""

    def forward(self, x, beta=1.0, threshold=20.0):
        bx = x * float(beta)
        self.linear = bx > threshold
        self.s = _sigmoid(bx)
        return np.where(self.linear, x, _softplus(bx) / float(beta))

    def backward(self, g):
        return np.where(self.linear, g, g * self.s)


class LogSigmoidOp(Function):
    """z = log σ(x) = min(x, 0) − log1p(e^(−|x|));  ∂z/∂x = 1 − σ(x) = σ(−x)."""

    def forward(self, x):
        self.x = x
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return g * _sigmoid(-self.x)


class HardtanhOp(Function):
    """z = clamp(x, lo, hi) (ReLU6: lo = 0, hi = 6);  ∂z/∂x = 1 for lo < x < hi, else 0 (0 at both ends, as
    PyTorch)."""

    def forward(self, x, min_val=-1.0, max_val=1.0):
        self.inside = (x > min_val) & (x < max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    def backward(self, g):
        return g * self.inside


class HardsigmoidOp(Function):
    """z = clamp(x/6 + ½, 0, 1);  ∂z/∂x = 1/6 for −3 < x < 3, else 0.

    PyTorch 2.13 multiplies by 1/6 rounded to float32 (0.1666666716…) even in float64; numnet uses the exact 1/6,
    so float64 gradients differ from PyTorch's by 3e-8 relative."""

    def forward(self, x):
        self.inside = (x > -3.0) & (x < 3.0)
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.where(self.inside, g / 6.0, 0.0).astype(g.dtype, copy=False)


class HardswishOp(Function):
    """z = x·clamp(x + 3, 0, 6)/6;  ∂z/∂x = 0 for x ≤ −3, x/3 + ½ for −3 < x < 3, 1 for x ≥ 3 (PyTorch's
    choice at ±3)."""

    def forward(self, x):
        self.x = x
        return x * np.clip(x + 3.0, 0.0, 6.0) / 6.0

    def backward(self, g):
        x = self.x
        d = np.where(x <= -3.0, 0.0, np.where(x < 3.0, x / 3.0 + 0.5, 1.0)).astype(x.dtype, copy=False)
        return g * d


class SoftsignOp(Function):
    """z = x/(1 + |x|);  ∂z/∂x = 1/(1 + |x|)²."""

    def forward(self, x):
        self.d = 1.0 / (1.0 + np.abs(x))
        return x * self.d

    def backward(self, g):
        return g * (self.d * self.d)


class TanhshrinkOp(Function):
    """z = x − tanh x;  ∂z/∂x = tanh² x."""

    def forward(self, x):
        self.t = np.tanh(x)
        return x - self.t

    def backward(self, g):
        return g * (self.t * self.t)


class ThresholdOp(Function):
    """z = x if x > threshold else value;  ∂z/∂x = 1 where x > threshold, else 0."""

    def forward(self, x, threshold=0.0, value=0.0):
        self.mask = x > threshold
        return np.where(self.mask, x, np.asarray(value, dtype=x.dtype))

    def backward(self, g):
        return g * self.mask


class PReLUOp(Function):
    """z = x if x > 0 else a·x, with ``a`` one weight or one per channel (axis 1);
    ∂z/∂x = 1 where x > 0, else a;  ∂z/∂a = Σ x·g over the entries with x ≤ 0 (per channel)."""

    def forward(self, x, weight):
        w = weight.astype(x.dtype, copy=False)
        if w.size > 1:  # (1, C, 1, …): one slope per channel of axis 1
            w = w.reshape((1, w.size) + (1,) * (x.ndim - 2))
        self.x, self.w, self.wshape = x, w, weight.shape
        self.pos = x > 0
        return np.where(self.pos, x, x * w)

    def backward(self, g):
        gx = np.where(self.pos, g, g * self.w) if self.needs_input_grad[0] else None
        gw = None
        if self.needs_input_grad[1]:
            contrib = np.where(self.pos, 0.0, self.x * g)
            if self.w.size > 1:
                axes = (0,) + tuple(range(2, contrib.ndim))
                gw = contrib.sum(axis=axes).reshape(self.wshape)
            else:
                gw = np.asarray(contrib.sum()).reshape(self.wshape)
        return gx, gw
