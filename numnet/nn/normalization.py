"""Batch normalization layers: :class:`BatchNorm1d`, :class:`BatchNorm2d` (math on
:func:`numnet.functional.batch_norm`)."""

from __future__ import annotations

from typing import Any

import numpy as np

import numnet.functional as F
from numnet.nn import init
from numnet import _validation as V
from numnet.nn._utils import check_input
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d; subclasses set ``_layout`` and ``_ok`` (the accepted input shapes)."""

    _layout = "(N, C, *)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = V.integer(num_features, name, "num_features", minimum=1)
        self.eps = V.real(eps, name, "eps", low=0.0, low_open=True)
        self.momentum = None if momentum is None else V.real(momentum, name, "momentum", 0.0, 1.0)
        self.affine = V.boolean(affine, name, "affine")
        self.track_running_stats = V.boolean(track_running_stats, name, "track_running_stats")
        V.boolean(bias, name, "bias")
        dt = V.float_dtype(dtype, name)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dt))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.zeros(c, dtype=dt))
        else:
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Running statistics reset; γ = 1, β = 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _ok(self, shape: tuple[int, ...]) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Batch statistics while training (running statistics updated in place, ``num_batches_tracked`` += 1);
        running statistics in evaluation mode, or batch statistics if ``track_running_stats=False``."""
        check_input(input, self._layout.format(c=self.num_features), self._ok)
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:  # cumulative moving average over the batches seen
            factor = 1.0 / (int(self.num_batches_tracked.data) + 1)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        out = F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                           self.weight, self.bias, use_batch_stats, factor, self.eps)
        if counting:  # after the call, so a rejected batch is not counted
            self.num_batches_tracked.data[...] += 1
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over ``(N, C)`` or ``(N, C, L)`` inputs, per channel C.

    ``y = (x − μ) / √(σ² + eps) · γ + β``: batch mean and biased variance while training (running averages
    updated with ``momentum``, or a cumulative average if ``momentum=None``), the running ones in ``eval()`` mode.

    Args:
        num_features: C.
        eps: added to the variance. Default 1e-5.
        momentum: weight of each new batch in the running statistics; None for a cumulative average. Default 0.1.
        affine: learn γ (``weight``, ones) and β (``bias``, zeros). Default True.
        bias: (keyword-only, as in PyTorch 2.13) with ``affine``, also learn β; False keeps only γ. Default True.
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers; if False
            batch statistics are used in both modes. Default True.
        dtype: parameter and running-statistics dtype, float32 by default.

    Shape:
        ``(N, C) → (N, C)`` or ``(N, C, L) → (N, C, L)``.
    """

    _layout = "(N, {c}) or (N, {c}, L)"

    def _ok(self, shape: tuple[int, ...]) -> bool:
        return len(shape) in (2, 3) and shape[1] == self.num_features


class BatchNorm2d(_BatchNorm):
    """Batch normalization over ``(N, C, H, W)`` inputs, per channel C (statistics over N, H, W).

    Arguments as :class:`BatchNorm1d`.

    Shape:
        ``(N, C, H, W) → (N, C, H, W)``.

    >>> from numnet import nn
    >>> nn.BatchNorm2d(16)
    BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    _layout = "(N, {c}, H, W)"

    def _ok(self, shape: tuple[int, ...]) -> bool:
        return len(shape) == 4 and shape[1] == self.num_features
