"""Activation layers: :class:`ReLU`, :class:`LeakyReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`GELU`,
:class:`Softmax`, :class:`LogSoftmax`, :class:`Softmax2d`, and :class:`ELU`, :class:`SELU`, :class:`CELU`,
:class:`SiLU`, :class:`Mish`, :class:`Softplus`, :class:`LogSigmoid`, :class:`Hardtanh`, :class:`ReLU6`,
:class:`Hardsigmoid`, :class:`Hardswish`, :class:`Softsign`, :class:`Tanhshrink`, :class:`Threshold`,
:class:`PReLU` (the one with a parameter).

Each calls the ``numnet.functional`` function of the same name, where the math and its derivative are documented.
All map ``(*) → (*)``. ``inplace=True`` is accepted for PyTorch compatibility; numnet always returns a new tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numnet.functional as F
from numnet import _validation as V
from numnet.device import as_device
from numnet.errors import ArgumentError
from numnet.functional.activation_family import hardtanh_bounds
from numnet.nn import init
from numnet.nn._utils import check_input
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax", "Softmax2d",
           "ELU", "SELU", "CELU", "SiLU", "Mish", "Softplus", "LogSigmoid", "Hardtanh", "ReLU6", "Hardsigmoid",
           "Hardswish", "Softsign", "Tanhshrink", "Threshold", "PReLU"]


class ReLU(Module):
    """``max(0, x)`` elementwise (gradient 0 at 0, as in PyTorch).

    >>> import numnet
    >>> from numnet import nn
    >>> nn.ReLU()(numnet.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for x >= 0, ``negative_slope · x`` otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = V.real(negative_slope, "LeakyReLU", "negative_slope")
        self.inplace = bool(inplace)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """``1 / (1 + e^(−x))``, computed without overflow."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.tanh(input)


class GELU(Module):
    """Gaussian error linear unit ``x · Φ(x)``; ``approximate='tanh'`` uses the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = V.choice(approximate, "GELU", "approximate", ("none", "tanh"))

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


def _dim(dim: object, layer: str) -> int:
    if dim is None:  # the same rule as F.softmax: a missing dim is a missing value, not a wrong type
        raise ArgumentError(V.expected(layer, "dim", "given", None) + " (numnet does not guess it)")
    return V.integer(dim, layer, "dim")


class Softmax(Module):
    """Softmax along ``dim`` (required): non-negative values summing to 1 along it.

    Note: PyTorch lets ``dim`` default to a deprecated implicit choice; numnet requires it.
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim(dim, "Softmax")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim`` (required), computed stably as a shifted log-sum-exp."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = _dim(dim, "LogSoftmax")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.log_softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels at every position: ``softmax(x, dim=-3)`` on ``(N, C, H, W)`` or ``(C, H, W)``."""

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        check_input(input, "(N, C, H, W) or (C, H, W)", lambda s: len(s) in (3, 4))
        return F.softmax(input, -3)


def _inplace(inplace: Any, layer: str) -> bool:
    return V.boolean(inplace, layer, "inplace")


class _Elementwise(Module):
    """A parameter-free activation whose only option is ``inplace`` (accepted; numnet computes out of place)."""

    _fn: Any = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = _inplace(inplace, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class _Plain(Module):
    """A parameter-free activation with no options at all."""

    _fn: Any = None

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input)


class ELU(Module):
    """``x`` for x > 0, ``alpha·(eˣ − 1)`` otherwise (see :func:`numnet.functional.elu`)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = V.real(alpha, "ELU", "alpha")
        self.inplace = _inplace(inplace, "ELU")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(ELU):
    """``max(0, x) + min(0, alpha·(e^(x/alpha) − 1))`` (see :func:`numnet.functional.celu`)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha, inplace)
        if self.alpha == 0.0:
            raise ArgumentError(V.expected("CELU", "alpha", "non-zero", alpha))

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.celu(input, self.alpha)


class SELU(_Elementwise):
    """``scale · elu(x, alpha)`` with the fixed self-normalising constants (see :func:`numnet.functional.selu`)."""

    _fn = staticmethod(F.selu)


class SiLU(_Elementwise):
    """``x · σ(x)`` (swish)."""

    _fn = staticmethod(F.silu)


class Mish(_Elementwise):
    """``x · tanh(softplus(x))``."""

    _fn = staticmethod(F.mish)


class Hardsigmoid(_Elementwise):
    """``clamp(x/6 + 1/2, 0, 1)``."""

    _fn = staticmethod(F.hardsigmoid)


class Hardswish(_Elementwise):
    """``x · clamp(x + 3, 0, 6) / 6`` (MobileNetV3)."""

    _fn = staticmethod(F.hardswish)


class LogSigmoid(_Plain):
    """``log σ(x)``, computed without overflow."""

    _fn = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    """``x / (1 + |x|)``."""

    _fn = staticmethod(F.softsign)


class Tanhshrink(_Plain):
    """``x − tanh x``."""

    _fn = staticmethod(F.tanhshrink)


class Softplus(Module):
    """``log(1 + e^(beta·x)) / beta``, the identity where ``beta·x > threshold`` (see
    :func:`numnet.functional.softplus`)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = V.real(beta, "Softplus", "beta")
        if self.beta == 0.0:
            raise ArgumentError(V.expected("Softplus", "beta", "non-zero", beta))
        self.threshold = V.real(threshold, "Softplus", "threshold")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """``clamp(x, min_val, max_val)``; gradient 1 strictly inside, 0 elsewhere (see
    :func:`numnet.functional.hardtanh`)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.min_val, self.max_val = hardtanh_bounds(min_val, max_val, type(self).__name__)
        self.inplace = _inplace(inplace, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``: ``Hardtanh(0, 6)``, as in PyTorch."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value`` (see :func:`numnet.functional.threshold`)."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = V.real(threshold, "Threshold", "threshold")
        self.value = V.real(value, "Threshold", "value", finite=False)
        self.inplace = _inplace(inplace, "Threshold")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """``x`` for x > 0, ``a·x`` otherwise, with a learnt slope ``a`` (see :func:`numnet.functional.prelu`).

    Args:
        num_parameters: 1 (one slope for all) or C (one per channel of axis 1). Default 1.
        init: the slopes' initial value. Default 0.25.
        device: the CPU only (numnet's one device).
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(num_parameters,)``, filled with ``init``.

    Shape:
        ``(*) → (*)``; with ``num_parameters = C`` the input is ``(N, C, *)``.

    >>> from numnet import nn
    >>> nn.PReLU(3)
    PReLU(num_parameters=3)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        as_device(device, "PReLU")
        self.num_parameters = V.integer(num_parameters, "PReLU", "num_parameters", minimum=1)
        self.init = V.real(init, "PReLU", "init")
        self.weight = Parameter(np.empty(self.num_parameters, dtype=V.float_dtype(dtype, "PReLU")))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope = ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
