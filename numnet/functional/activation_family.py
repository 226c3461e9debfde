"""The ELU … PReLU family of activations: ``elu``, ``selu``, ``celu``, ``silu``, ``mish``, ``softplus``,
``logsigmoid``, ``hardtanh``, ``relu6``, ``hardsigmoid``, ``hardswish``, ``softsign``, ``tanhshrink``, ``threshold``,
``prelu``. Each validates its arguments and calls one primitive from :mod:`numnet.ops.activation`, where the
derivative lives. The output keeps the input's dtype.
"""

from __future__ import annotations

from typing import Any

from numnet import _validation as V
from numnet.errors import ArgumentError, ShapeError
from numnet.ops import activation as act
from numnet.tensor import Tensor

__all__ = ["elu", "selu", "celu", "silu", "mish", "softplus", "logsigmoid", "hardtanh", "relu6", "hardsigmoid", "hardswish", "softsign", "tanhshrink", "threshold", "prelu"]


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
    V.flags("elu", inplace=inplace)
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
    V.flags("selu", inplace=inplace)
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
    V.flags("celu", inplace=inplace)
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
    V.flags("silu", inplace=inplace)
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
    V.flags("mish", inplace=inplace)
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
    V.flags("hardtanh", inplace=inplace)
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
    V.flags("relu6", inplace=inplace)
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
    V.flags("hardsigmoid", inplace=inplace)
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
    V.flags("hardswish", inplace=inplace)
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
    V.flags("threshold", inplace=inplace)
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
