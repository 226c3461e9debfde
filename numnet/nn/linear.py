"""The layers of a classifier head: :class:`Linear`, :class:`Flatten`, :class:`Dropout`, :class:`Identity`.

The math lives on the matching ``numnet.functional`` functions; these modules hold parameters and settings.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numnet.functional as F
from numnet.nn import init
from numnet import _validation as V
from numnet.nn._utils import check_input
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor

__all__ = ["Identity", "Linear", "Flatten", "Dropout"]


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer). Accepts and ignores any arguments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:  # noqa: A002
        return input


class Linear(Module):
    """Fully connected layer ``y = x Wᵀ + b`` (see :func:`numnet.functional.linear`).

    Args:
        in_features: size of each input sample's last dimension.
        out_features: size of each output sample's last dimension.
        bias: learn an additive bias. Default True.
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(out_features, in_features)``, from U(−1/√in_features, 1/√in_features)
            (PyTorch's ``kaiming_uniform_(a=√5)``).
        bias: ``(out_features,)`` from the same distribution, or None.

    Shape:
        ``(*, in_features) → (*, out_features)``.

    Raises:
        ArgumentError: (constructor) a size is not a positive int.
        ShapeError: (forward) the input's last dimension is not ``in_features``.

    >>> import numnet
    >>> from numnet import nn
    >>> fc = nn.Linear(400, 120)
    >>> fc
    Linear(in_features=400, out_features=120, bias=True)
    >>> fc(numnet.zeros(8, 400)).shape
    (8, 120)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = V.integer(in_features, "Linear", "in_features", minimum=1)
        self.out_features = V.integer(out_features, "Linear", "out_features", minimum=1)
        V.boolean(bias, "Linear", "bias")
        dt = V.float_dtype(dtype, "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        self.bias = Parameter(np.empty((self.out_features,), dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight ~ kaiming_uniform_(a=√5) = U(−1/√in, 1/√in), bias ~ U(−1/√in, 1/√in)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        n = self.in_features
        shape = input._data.shape if isinstance(input, Tensor) else None
        if not shape or shape[-1] != n:  # the check (and its message) only off the common path
            check_input(input, f"(*, {n})", lambda s: len(s) >= 1 and s[-1] == n)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Flatten(Module):
    """Flatten dimensions ``start_dim`` … ``end_dim`` into one (see :func:`numnet.functional.flatten`).

    Shape:
        ``(N, C, H, W) → (N, C·H·W)`` with the defaults ``start_dim=1, end_dim=-1``.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.Flatten()(numnet.zeros(8, 16, 5, 5)).shape
    (8, 400)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = V.integer(start_dim, "Flatten", "start_dim")
        self.end_dim = V.integer(end_dim, "Flatten", "end_dim")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Inverted dropout while training: zero each element with probability ``p``, scale the rest by 1/(1 − p).

    In evaluation mode (``model.eval()``) it passes its input through. See :func:`numnet.functional.dropout`.

    Args:
        p: probability of zeroing an element, in [0, 1]. Default 0.5.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = V.probability(p, "Dropout", "p")
        self.inplace = bool(inplace)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
