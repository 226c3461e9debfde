"""ReduceLROnPlateau: lower the rate when a validation metric stops improving."""

from __future__ import annotations

import math
from typing import Any, Sequence

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.optim.lr_scheduler._base import (
    LRScheduler,
    _check_count,
    _check_number,
    _check_optimizer,
    _format_param,
)
from numnet.optim.optimizer import Optimizer

__all__ = ["ReduceLROnPlateau"]


class ReduceLROnPlateau(LRScheduler):
    r"""Divide the rate by ``1/factor`` when a metric has stopped improving for ``patience`` epochs.

    ``step(metric)`` after each validation. In ``'min'`` mode a value improves on the best when it is below
    ``best * (1 - threshold)`` (``threshold_mode='rel'``) or ``best - threshold`` (``'abs'``); ``'max'`` mirrors
    this. After more than ``patience`` epochs without improvement each group's rate becomes
    ``max(lr * factor, min_lr)`` (skipped when the change would be below ``eps``), then ``cooldown`` epochs pass
    before bad epochs are counted again.

    Args:
        mode: ``'min'`` (default) or ``'max'``.
        factor: multiplicative reduction, < 1 (default 0.1).
        patience: bad epochs tolerated before reducing (default 10).
        threshold: significance of an improvement (default 1e-4).
        threshold_mode: ``'rel'`` (default) or ``'abs'``.
        cooldown: epochs to wait after a reduction (default 0).
        min_lr: lower bound, one value or one per param group (default 0).
        eps: minimal change applied to the rate (default 1e-8).

    Raises:
        DTypeError: a non-int patience or cooldown, or a non-number factor, threshold, eps or min_lr.
        ArgumentError: ``factor >= 1``, an unknown mode or threshold_mode, negative patience or cooldown, a
            ``min_lr`` list of the wrong length.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        >>> for val_loss in [1.0, 1.0, 1.0, 0.5]:
        ...     sched.step(val_loss)
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0, eps: float = 1e-8) -> None:
        name = "ReduceLROnPlateau"
        V.real(factor, name, "factor", high=1.0, high_open=True, finite=False)
        _check_optimizer(name, optimizer)
        _check_count(name, "patience", patience, minimum=0)
        _check_count(name, "cooldown", cooldown, minimum=0)
        _check_number(name, "threshold", threshold)
        _check_number(name, "eps", eps)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            self.default_min_lr = None
            self.min_lrs = _format_param(name, optimizer, "min_lr", min_lr)
        else:
            _check_number(name, "min_lr", min_lr)
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        V.choice(mode, "ReduceLROnPlateau", "mode", ("min", "max"))
        V.choice(threshold_mode, "ReduceLROnPlateau", "threshold_mode", ("rel", "abs"))
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record one epoch's ``metrics`` (a number or one-element tensor) and reduce the rate if it plateaued."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise DTypeError(V.expected("ReduceLROnPlateau.step", "metrics", "a number or a one-element Tensor",
                                        got=type(metrics).__name__)) from None
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ArgumentError(f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups but "
                                    f"{len(self.min_lrs)} min_lrs were given (was a param group added?); set "
                                    "min_lrs to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
