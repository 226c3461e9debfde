"""Activation layers: :class:`ReLU`, :class:`LeakyReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`GELU`,
:class:`Softmax`, :class:`LogSoftmax`.

Each calls the ``numnet.functional`` function of the same name, where the math and its derivative are documented.
All map ``(*) → (*)``. ``inplace=True`` is accepted for PyTorch compatibility; numnet always returns a new tensor.
"""

from __future__ import annotations

import numnet.functional as F
from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax"]


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
