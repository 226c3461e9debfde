"""Activation functions and dropout: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``gelu``, ``softmax``,
``log_softmax``, ``dropout``; ``elu``, ``selu``, ``celu``, ``silu``, ``mish``, ``softplus``, ``logsigmoid``,
``hardtanh``, ``relu6``, ``hardsigmoid``, ``hardswish``, ``softsign``, ``tanhshrink``, ``threshold``, ``prelu``;
``softmax2d``'s layer uses ``softmax``; channel dropout ``dropout1d``, ``dropout2d``, ``dropout3d`` and
``alpha_dropout``.

Each validates its arguments (with :mod:`numnet._validation`) and calls one primitive from
:mod:`numnet.ops.activation`, where the derivative lives. The output keeps the input's dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet import _validation as V
from numnet._tensor_activation import softmax_args
from numnet.ops import activation as act
from numnet.errors import ArgumentError, ShapeError
from numnet.random import default_generator
from numnet.tensor import Tensor

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax", "dropout",
           "elu", "selu", "celu", "silu", "mish", "softplus", "logsigmoid", "hardtanh", "relu6", "hardsigmoid",
           "hardswish", "softsign", "tanhshrink", "threshold", "prelu",
           "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


# ---------------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Rectified linear unit, elementwise.

    .. math:: \\mathrm{relu}(x) = \\max(x, 0), \\qquad \\mathrm{relu}'(x) = [x > 0]

    The gradient at exactly 0 is 0, as in PyTorch.

    Args:
        input: a tensor of any shape with a float or integer dtype.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor and leaves ``input`` as is.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a tensor (an ``np.ndarray`` too: wrap it with ``numnet.tensor``), or is
            boolean.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.relu(numnet.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    V.tensor(input, "relu", kinds="fiu")
    return act.ReLUOp.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """Leaky ReLU, elementwise.

    .. math:: \\mathrm{leaky\\_relu}(x) = x \\text{ if } x > 0 \\text{ else } s\\,x

    The gradient is 1 for x > 0 and ``s`` otherwise (``s`` at x = 0, as in PyTorch).

    Args:
        input: a floating-point tensor of any shape.
        negative_slope: ``s``, the slope for x ≤ 0. Default 0.01.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``negative_slope`` is not a number.
        ArgumentError: ``negative_slope`` is not finite.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.leaky_relu(numnet.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2,  3. ])
    """
    V.float_tensor(input, "leaky_relu")
    slope = V.real(negative_slope, "leaky_relu", "negative_slope")
    return act.LeakyReLUOp.apply(input, negative_slope=slope)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Logistic sigmoid, elementwise, computed without overflow for large |x|.

    .. math:: \\sigma(x) = \\frac{1}{1 + e^{-x}}, \\qquad \\sigma'(x) = \\sigma(x)(1 - \\sigma(x))

    Args:
        input: a floating-point tensor of any shape.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.sigmoid(numnet.tensor([-1000.0, 0.0, 1000.0]))
        tensor([0. , 0.5, 1. ])
    """
    V.float_tensor(input, "sigmoid")
    return act.SigmoidOp.apply(input)


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """Hyperbolic tangent, elementwise.

    .. math:: \\tanh'(x) = 1 - \\tanh^2(x)

    Args:
        input: a floating-point tensor of any shape.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.tanh(numnet.tensor([0.0, 100.0]))
        tensor([0., 1.])
    """
    V.float_tensor(input, "tanh")
    return act.TanhOp.apply(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit, elementwise.

    .. math::
        \\mathrm{gelu}(x) = x\\,\\Phi(x) = \\tfrac12 x\\,(1 + \\mathrm{erf}(x/\\sqrt2)), \\quad
        \\text{or with approximate='tanh':}\\ \\tfrac12 x\\,(1 + \\tanh(\\sqrt{2/\\pi}\\,(x + 0.044715\\,x^3)))

    ``erf`` is computed with W. J. Cody's rational approximations (relative error below 1e-15 in float64).

    Args:
        input: a floating-point tensor of any shape.
        approximate: ``'none'`` (exact, default) or ``'tanh'``.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.
        ArgumentError: ``approximate`` is neither ``'none'`` nor ``'tanh'``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.gelu(numnet.tensor([-1.0, 0.0, 1.0]))
        tensor([-0.15865526,  0.        ,  0.8413447 ])
    """
    V.float_tensor(input, "gelu")
    V.choice(approximate, "gelu", "approximate", ("none", "tanh"))
    return act.GELUOp.apply(input, approximate=approximate)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """Softmax along ``dim``: non-negative values that sum to 1 along that dimension.

    .. math:: \\mathrm{softmax}(x)_i = \\frac{e^{x_i - m}}{\\sum_j e^{x_j - m}}, \\quad m = \\max_j x_j

    The shift by the maximum keeps ``exp`` from overflowing; the result is unchanged by it.

    Args:
        input: a floating-point tensor.
        dim: the dimension to normalise over. Required.
        dtype: if given, ``input`` is cast to this float dtype first (the cast is differentiable).

    Shape:
        ``(*) → (*)``, same dtype (or ``dtype``).

    Raises:
        ArgumentError: ``dim`` is missing or out of range.
        DTypeError: ``input`` is not a floating-point tensor, ``dim`` is not an int or ``dtype`` not a float dtype.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.softmax(numnet.tensor([[0.0, 0.0], [0.0, 1e4]]), dim=1)
        tensor([[0.5, 0.5],
                [0. , 1. ]])
    """
    input, axis = softmax_args(input, dim, dtype, "softmax")
    return act.SoftmaxOp.apply(input, axis=axis)


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """Logarithm of the softmax along ``dim``, computed stably as a shifted log-sum-exp.

    .. math:: \\mathrm{log\\_softmax}(x)_i = (x_i - m) - \\log \\sum_j e^{x_j - m}, \\quad m = \\max_j x_j

    Exact and finite for logits as large as ±1e4 (where ``log(softmax(x))`` gives ``-inf``).

    Args:
        input: a floating-point tensor.
        dim: the dimension to normalise over. Required.
        dtype: if given, ``input`` is cast to this float dtype first.

    Shape:
        ``(*) → (*)``, same dtype (or ``dtype``).

    Raises:
        ArgumentError: ``dim`` is missing or out of range.
        DTypeError: ``input`` is not a floating-point tensor, ``dim`` is not an int or ``dtype`` not a float dtype.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.log_softmax(numnet.tensor([0.0, 1e4]), dim=0)
        tensor([-10000.,      0.])
    """
    input, axis = softmax_args(input, dim, dtype, "log_softmax")
    return act.LogSoftmaxOp.apply(input, axis=axis)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by 1/(1 − p).

    .. math:: y = x \\odot m / (1 - p), \\quad m_i \\sim \\mathrm{Bernoulli}(1 - p)

    The expected value of ``y`` is ``x``, so nothing changes at evaluation time. The mask is drawn from numnet's
    default generator (:func:`numnet.random.default_generator`), so :func:`numnet.manual_seed` makes it
    reproducible; the same mask multiplies the gradient. With ``p == 0`` or ``training=False`` the input itself is
    returned; with ``p == 1`` the result is all zeros.

    Args:
        input: a floating-point tensor of any shape.
        p: probability of zeroing an element, in [0, 1]. Default 0.5.
        training: apply dropout only when True. Default True.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].

    Example:
        >>> import numnet, numnet.functional as F
        >>> _ = numnet.manual_seed(0)
        >>> F.dropout(numnet.ones(6), p=0.5)
        tensor([2., 0., 0., 0., 2., 2.])
    """
    V.float_tensor(input, "dropout")
    rate = V.probability(p, "dropout", "p")
    V.boolean(training, "dropout", "training")
    if not training or rate == 0.0:
        return input
    keep = default_generator().random(input.shape) >= rate
    scale = 0.0 if rate == 1.0 else 1.0 / (1.0 - rate)
    mask = keep * input.dtype.type(scale)
    return act.DropoutOp.apply(input, mask=mask)



# ---------------------------------------------------------------------- the ELU … PReLU family
# ``inplace`` is accepted wherever PyTorch has it: numnet computes out of place and returns a new tensor whose
# values equal PyTorch's in-place result (``input`` itself is left unchanged).

def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Exponential linear unit, elementwise.

    .. math:: \\mathrm{elu}(x) = x \\text{ if } x > 0 \\text{ else } \\alpha(e^x - 1), \\qquad
        \\mathrm{elu}'(x) = 1 \\text{ if } x > 0 \\text{ else } \\alpha e^x

    Args:
        input: a floating-point tensor of any shape.
        alpha: α, the negative saturation value. Default 1.0.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``alpha`` is not a number.
        ArgumentError: ``alpha`` is not finite.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.elu(numnet.tensor([-1000.0, 0.0, 2.0]))
        tensor([-1.,  0.,  2.])
    """
    V.float_tensor(input, "elu")
    a = V.real(alpha, "elu", "alpha")
    return act.ELUOp.apply(input, alpha=a)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Scaled ELU (Klambauer et al., 2017), elementwise: ``scale · elu(x, α)`` with the paper's fixed constants.

    .. math:: \\mathrm{selu}(x) = \\lambda\\,(x \\text{ if } x > 0 \\text{ else } \\alpha(e^x - 1)),\\quad
        \\alpha \\approx 1.6732632,\\ \\lambda \\approx 1.0507010

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.selu(numnet.tensor([0.0, 1.0], dtype=numnet.float64))
        tensor([0.        , 1.05070099], dtype=float64)
    """
    V.float_tensor(input, "selu")
    return act.ELUOp.apply(input, alpha=act._SELU_ALPHA, scale=act._SELU_SCALE)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """Continuously differentiable ELU (Barron, 2017), elementwise.

    .. math:: \\mathrm{celu}(x) = \\max(0, x) + \\min(0, \\alpha(e^{x/\\alpha} - 1))

    Args:
        input: a floating-point tensor of any shape.
        alpha: α, non-zero. Default 1.0.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``alpha`` is not a number.
        ArgumentError: ``alpha`` is 0 or not finite.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.celu(numnet.tensor([-1000.0, 3.0]), alpha=2.0)
        tensor([-2.,  3.])
    """
    V.float_tensor(input, "celu")
    a = V.real(alpha, "celu", "alpha")
    if a == 0.0:
        raise ArgumentError(V.expected("celu", "alpha", "non-zero", alpha))
    return act.ELUOp.apply(input, alpha=a, input_scale=1.0 / a)


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Sigmoid linear unit (swish), elementwise.

    .. math:: \\mathrm{silu}(x) = x\\,\\sigma(x), \\qquad \\mathrm{silu}'(x) = \\sigma(x)(1 + x(1 - \\sigma(x)))

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.silu(numnet.tensor([-1000.0, 0.0, 1000.0]))
        tensor([  -0.,    0., 1000.])
    """
    V.float_tensor(input, "silu")
    return act.SiLUOp.apply(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Mish (Misra, 2019), elementwise.

    .. math:: \\mathrm{mish}(x) = x \\tanh(\\mathrm{softplus}(x)) = x \\tanh(\\log(1 + e^x))

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.mish(numnet.tensor([0.0, 100.0]))
        tensor([  0., 100.])
    """
    V.float_tensor(input, "mish")
    return act.MishOp.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """Softplus, elementwise, linear above ``threshold`` for numerical stability (as PyTorch).

    .. math:: \\mathrm{softplus}(x) = \\tfrac1\\beta \\log(1 + e^{\\beta x}) \\text{ if } \\beta x \\le
        \\text{threshold, else } x; \\qquad \\mathrm{softplus}'(x) = \\sigma(\\beta x) \\text{ (1 above it)}

    Args:
        input: a floating-point tensor of any shape.
        beta: β, a finite number other than 0. Default 1.0.
        threshold: βx above which the function is the identity. Default 20.0.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``beta``/``threshold`` is not a number.
        ArgumentError: ``beta`` is 0, or ``beta``/``threshold`` is not finite.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.softplus(numnet.tensor([-1000.0, 0.0, 1000.0], dtype=numnet.float64))
        tensor([0.00000000e+00, 6.93147181e-01, 1.00000000e+03], dtype=float64)
    """
    V.float_tensor(input, "softplus")
    b = V.real(beta, "softplus", "beta")
    if b == 0.0:
        raise ArgumentError(V.expected("softplus", "beta", "non-zero", beta))
    t = V.real(threshold, "softplus", "threshold")
    return act.SoftplusOp.apply(input, beta=b, threshold=t)


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """Logarithm of the sigmoid, elementwise, computed without overflow.

    .. math:: \\log\\sigma(x) = \\min(x, 0) - \\log(1 + e^{-|x|}), \\qquad (\\log\\sigma)'(x) = \\sigma(-x)

    Args:
        input: a floating-point tensor of any shape.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.logsigmoid(numnet.tensor([-1000.0, 1000.0]))
        tensor([-1000.,     0.])
    """
    V.float_tensor(input, "logsigmoid")
    return act.LogSigmoidOp.apply(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """Clamp to ``[min_val, max_val]``, elementwise; the gradient is 1 strictly inside, 0 elsewhere (also at the
    ends, as PyTorch).

    .. math:: \\mathrm{hardtanh}(x) = \\min(\\max(x, a), b)

    Args:
        input: a floating-point tensor of any shape.
        min_val: a, default −1. max_val: b, default 1; ``max_val > min_val``.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or a bound is not a number.
        ArgumentError: a bound is not finite, or ``max_val <= min_val``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.hardtanh(numnet.tensor([-3.0, 0.5, 3.0]))
        tensor([-1. ,  0.5,  1. ])
    """
    return _hardtanh(input, min_val, max_val, "hardtanh")


def _hardtanh(input: Tensor, min_val: Any, max_val: Any, op: str) -> Tensor:  # noqa: A002
    V.float_tensor(input, op)
    lo, hi = hardtanh_bounds(min_val, max_val, op)
    return act.HardtanhOp.apply(input, min_val=lo, max_val=hi)


def hardtanh_bounds(min_val: Any, max_val: Any, op: str) -> tuple[float, float]:
    """``(min_val, max_val)`` as floats with ``max_val > min_val`` (PyTorch's check), shared with ``nn.Hardtanh``."""
    lo = V.real(min_val, op, "min_val")
    hi = V.real(max_val, op, "max_val")
    if not hi > lo:
        raise ArgumentError(V.expected(op, "max_val", f"greater than min_val={lo:g}", max_val))
    return lo, hi


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``hardtanh(x, 0, 6)``: ReLU capped at 6 (gradient 0 at both 0 and 6, as PyTorch).

    .. math:: \\mathrm{relu6}(x) = \\min(\\max(x, 0), 6)

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.relu6(numnet.tensor([-1.0, 3.0, 9.0]))
        tensor([0., 3., 6.])
    """
    return _hardtanh(input, 0.0, 6.0, "relu6")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Piecewise-linear sigmoid, elementwise (gradient 1/6 strictly inside (−3, 3), else 0).

    Deliberate difference: PyTorch 2.13's backward uses 1/6 rounded to float32 even for float64 tensors; numnet
    uses the exact 1/6 (float64 gradients differ from PyTorch's by 3e-8 relative).

    .. math:: \\mathrm{hardsigmoid}(x) = \\min(\\max(x/6 + 1/2, 0), 1)

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.hardsigmoid(numnet.tensor([-4.0, 0.0, 4.0]))
        tensor([0. , 0.5, 1. ])
    """
    V.float_tensor(input, "hardsigmoid")
    return act.HardsigmoidOp.apply(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Hard swish (Howard et al., 2019, MobileNetV3), elementwise.

    .. math:: \\mathrm{hardswish}(x) = x \\cdot \\min(\\max(x + 3, 0), 6) / 6

    The gradient is 0 for x ≤ −3, x/3 + 1/2 on (−3, 3) and 1 from 3 on (PyTorch's choice at ±3).

    Args:
        input: a floating-point tensor of any shape.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.hardswish(numnet.tensor([-4.0, 0.0, 4.0]))
        tensor([-0.,  0.,  4.])
    """
    V.float_tensor(input, "hardswish")
    return act.HardswishOp.apply(input)


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """Softsign, elementwise.

    .. math:: \\mathrm{softsign}(x) = \\frac{x}{1 + |x|}, \\qquad \\mathrm{softsign}'(x) = \\frac{1}{(1 + |x|)^2}

    Args:
        input: a floating-point tensor of any shape.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.softsign(numnet.tensor([-1.0, 0.0, 3.0]))
        tensor([-0.5 ,  0.  ,  0.75])
    """
    V.float_tensor(input, "softsign")
    return act.SoftsignOp.apply(input)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``x − tanh x``, elementwise; derivative ``tanh² x``.

    Args:
        input: a floating-point tensor of any shape.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.tanhshrink(numnet.tensor([0.0, 100.0]))
        tensor([ 0., 99.])
    """
    V.float_tensor(input, "tanhshrink")
    return act.TanhshrinkOp.apply(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """Replace every element not above ``threshold`` by ``value``; the gradient is 1 above it, else 0.

    .. math:: y = x \\text{ if } x > \\text{threshold else value}

    Args:
        input: a floating-point tensor of any shape.
        threshold: the cut-off (a finite number).
        value: the replacement (a number; ±inf allowed).
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``threshold``/``value`` is not a number.
        ArgumentError: ``threshold`` is not finite, or ``value`` is NaN.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.threshold(numnet.tensor([-1.0, 0.5, 2.0]), 1.0, -5.0)
        tensor([-5., -5.,  2.])
    """
    V.float_tensor(input, "threshold")
    t = V.real(threshold, "threshold", "threshold")
    v = V.real(value, "threshold", "value", finite=False)
    return act.ThresholdOp.apply(input, threshold=t, value=v)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """Parametric ReLU: a learnt slope for the negative side, one for all or one per channel (axis 1).

    .. math:: \\mathrm{prelu}(x) = x \\text{ if } x > 0 \\text{ else } a\\,x; \\qquad
        \\partial/\\partial a = \\textstyle\\sum_{x \\le 0} x\\,g

    Args:
        input: a floating-point tensor; with a per-channel ``weight`` it must be at least 2-D, channels on axis 1.
        weight: ``a``, a floating-point tensor of 1 element or ``(C,)``.

    Shape:
        ``(N, C, *) → (N, C, *)`` (any shape with a single weight), ``input``'s dtype.

    Raises:
        DTypeError: ``input`` or ``weight`` is not a floating-point tensor.
        ShapeError: ``weight`` is not 0-d or 1-D, or its size is neither 1 nor the channel count.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.prelu(numnet.tensor([-2.0, 3.0]), numnet.tensor([0.25]))
        tensor([-0.5,  3. ])
    """
    V.float_tensor(input, "prelu")
    V.float_tensor(weight, "prelu", "weight")
    if weight.ndim > 1:
        raise ShapeError(f"prelu: expected weight to be 0-d or 1-D, got shape {tuple(weight.shape)}")
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim > 1 else 1
        if n != channels:
            raise ShapeError(f"prelu: weight has {n} elements but input of shape {tuple(input.shape)} has "
                             f"{channels} channel(s) on axis 1 (expected 1 or {channels} elements)")
    return act.PReLUOp.apply(input, weight)


# ---------------------------------------------------------------------- channel dropout
def _feature_dropout(input: Tensor, p: float, training: bool, op: str, spatial: int) -> Tensor:  # noqa: A002
    """Zero whole channels: one Bernoulli(1 − p) draw per (sample, channel), broadcast over the ``spatial`` dims.

    A batched input has ``spatial + 2`` dims, an unbatched one ``spatial + 1`` (then one draw per channel)."""
    V.float_tensor(input, op)
    rate = V.probability(p, op, "p")
    V.boolean(training, op, "training")
    layouts = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (N, C, L)", 3: "(N, C, D, H, W) or (C, D, H, W)"}
    ok = (spatial + 1, spatial + 2)
    if input.ndim not in ok:
        raise ShapeError(f"{op}: expected input of shape {layouts[spatial]}, got {tuple(input.shape)}")
    if not training or rate == 0.0:
        return input
    if spatial == 2:
        lead = 2  # PyTorch: a 3-D input to dropout2d is read as (N, C, L), a 4-D one as (N, C, H, W)
    else:
        lead = 2 if input.ndim == spatial + 2 else 1
    mask_shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = default_generator().random(mask_shape) >= rate
    scale = 0.0 if rate == 1.0 else 1.0 / (1.0 - rate)
    mask = np.broadcast_to(keep * input.dtype.type(scale), input.shape)
    return act.DropoutOp.apply(input, mask=mask)


_CHANNEL_DROPOUT_DOC = """Channel dropout for {what}: zero each whole channel with probability ``p`` and scale
    the rest by 1/(1 − p).

    .. math:: y_{{n,c}} = x_{{n,c}} \\cdot m_{{n,c}} / (1 - p), \\quad m_{{n,c}} \\sim \\mathrm{{Bernoulli}}(1 - p)

    One draw per (sample, channel) from numnet's default generator (so :func:`numnet.manual_seed` makes it
    reproducible); the same mask scales the gradient. With ``p == 0`` or ``training=False`` the input itself is
    returned; ``p == 1`` gives zeros. {note}

    Args:
        input: a floating-point tensor {shapes}.
        p: probability of zeroing a channel, in [0, 1]. Default 0.5.
        training: apply dropout only when True. Default True.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].
        ShapeError: ``input`` has another number of dimensions{extra}.
"""


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    return _feature_dropout(input, p, training, "dropout1d", 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    return _feature_dropout(input, p, training, "dropout2d", 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    return _feature_dropout(input, p, training, "dropout3d", 3)


dropout1d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="1-D feature maps", shapes="``(N, C, L)`` or unbatched ``(C, L)``", note="", extra="")
dropout2d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="2-D feature maps", shapes="``(N, C, H, W)``, or ``(N, C, L)``",
    note=("A 3-D input is read as ``(N, C, L)``, as PyTorch 2.13 does (it warns that this will change); "
          "PyTorch only warns for other ranks, numnet raises."),
    extra=" (PyTorch only warns)") + """
    Example:
        >>> import numnet, numnet.functional as F
        >>> _ = numnet.manual_seed(0)
        >>> F.dropout2d(numnet.ones(1, 4, 1, 2), p=0.5)[0, :, 0]
        tensor([[2., 2.],
                [0., 0.],
                [0., 0.],
                [0., 0.]])
"""
dropout3d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="3-D feature maps", shapes="``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``", note="", extra="")

# SELU's fixed point: α' = −λα is the value a dropped SELU unit saturates to
_ALPHA_PRIME = 1.7580993408473766


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Alpha dropout (Klambauer et al., 2017) for SELU networks: keeps zero mean and unit variance.

    Dropped elements are set to −α' (α' = λα ≈ 1.7581, SELU's negative saturation), then an affine map restores the
    moments:

    .. math:: y = a\\,(x \\odot m - \\alpha'(1 - m)) + a\\alpha' p, \\quad a = ((1 - p)(1 + p\\alpha'^2))^{-1/2},
        \\quad m_i \\sim \\mathrm{Bernoulli}(1 - p)

    The gradient is ``a·m``. ``training`` defaults to False, as in PyTorch. With ``p == 1`` the result is zeros.

    Args:
        input: a floating-point tensor of any shape.
        p: probability of dropping an element, in [0, 1]. Default 0.5.
        training: apply only when True. Default False (PyTorch's default here).
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.ones(3)
        >>> F.alpha_dropout(x, 0.5) is x
        True
    """
    V.float_tensor(input, "alpha_dropout")
    rate = V.probability(p, "alpha_dropout", "p")
    if not training or rate == 0.0:
        return input
    if rate == 1.0:
        return act.DropoutOp.apply(input, mask=np.zeros(input.shape, input.dtype))
    keep = default_generator().random(input.shape) >= rate
    a = (1.0 / np.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * rate + 1.0) * (1.0 - rate)))
    mask = (keep * a).astype(input.dtype)
    shift = ((keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * rate).astype(input.dtype)
    return act.DropoutOp.apply(input, mask=mask) + Tensor(shift)
