"""Loss modules: :class:`CrossEntropyLoss`, :class:`NLLLoss`, :class:`MSELoss`, :class:`BCEWithLogitsLoss`,
:class:`BCELoss`.

Each stores its settings (and class weights as buffers, as PyTorch does) and calls the ``numnet.functional`` loss
of the same name with the same arguments; the math is documented there. Call as ``loss_fn(input, target)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import numnet.functional as F
from numnet import _validation as V
from numnet.errors import DTypeError
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss"]


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = V.choice(reduction, type(self).__name__, "reduction", ("none", "mean", "sum"))

    def _tensor_buffer(self, name: str, value: Any) -> None:
        if value is not None and not isinstance(value, (Tensor, np.ndarray)):
            raise DTypeError(V.expected(type(self).__name__, name, "a numnet.Tensor, an np.ndarray or None",
                                        got=type(value).__name__))
        self.register_buffer(name, value)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self._tensor_buffer("weight", weight)


def _ignore_index(value: Any, layer: str) -> int:
    return V.integer(value, layer, "ignore_index")


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices (or class probabilities); see
    :func:`numnet.functional.cross_entropy`.

    Args:
        weight: per-class weights ``(C,)`` or None.
        ignore_index: a target value that contributes nothing. Default -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.
        label_smoothing: ε in [0, 1]. Default 0.

    Shape:
        input ``(N, C)`` or ``(N, C, d1, ...)`` logits, target ``(N)`` / ``(N, d1, ...)`` int → ``()``.

    >>> import numnet
    >>> from numnet import nn
    >>> loss = nn.CrossEntropyLoss()(numnet.zeros(4, 10), numnet.tensor([1, 2, 3, 4]))
    >>> round(loss.item(), 4)  # log(10)
    2.3026
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        self.ignore_index = _ignore_index(ignore_index, "CrossEntropyLoss")
        self.label_smoothing = V.probability(label_smoothing, "CrossEntropyLoss", "label_smoothing")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)

    def extra_repr(self) -> str:
        parts = [super().extra_repr()] if self.reduction != "mean" else []
        if self.label_smoothing:
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities against class indices; see :func:`numnet.functional.nll_loss`.

    Args:
        weight: per-class weights ``(C,)`` or None.
        ignore_index: a target value that contributes nothing. Default -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.
    """

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = _ignore_index(ignore_index, "NLLLoss")

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input − target)²`` reduced by ``reduction``; see :func:`numnet.functional.mse_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy, fused and stable; see :func:`numnet.functional.binary_cross_entropy_with_logits`.

    Args:
        weight: rescaling weight broadcastable to the input, or None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.
        pos_weight: weight of positive examples (e.g. ``(C,)``), or None.
    """

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(reduction)
        self._tensor_buffer("weight", weight)
        self._tensor_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction, self.pos_weight)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities; see :func:`numnet.functional.binary_cross_entropy`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)
