"""Activation functions: ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``gelu``, ``softmax``,
``log_softmax`` (``softmax2d``'s layer uses ``softmax``). The ELU … PReLU family is in
:mod:`numnet.functional.activation_family`. Dropout is in :mod:`numnet.functional.dropout`.

Each validates its arguments (with :mod:`numnet._validation`) and calls one primitive from
:mod:`numnet.ops.activation`, where the derivative lives. The output keeps the input's dtype.
"""

from __future__ import annotations

from typing import Any


from numnet import _validation as V
from numnet._tensor_activation import softmax_args
from numnet.ops import activation as act
from numnet.tensor import Tensor

__all__ = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "softmax", "log_softmax"]


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
    # the checks run only off the common path (a bool flag and a numeric Tensor), so their messages stay the same
    if not ((inplace is False or inplace is True) and isinstance(input, Tensor) and input._data.dtype.kind in "fiu"):
        V.flags("relu", inplace=inplace)
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
    V.flags("leaky_relu", inplace=inplace)
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
