"""Learning-rate schedule callbacks: :class:`LearningRateScheduler` (a function of the epoch)."""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable

import numpy as np

from numnet.callbacks.base import Callback, Logs, _fmt
from numnet.errors import ArgumentError


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from a function of the epoch (Keras-style).

    Args:
        schedule: ``schedule(epoch) -> lr`` or ``schedule(epoch, lr) -> lr``, with the 0-based epoch index and the
            current learning rate (of the first parameter group); the result goes to every parameter group.
        verbose: print the new learning rate each epoch.

    Raises:
        ArgumentError: ``schedule`` is not callable, or returns something that is not a finite number.

    Example:
        >>> warmup = LearningRateScheduler(lambda epoch, lr: lr if epoch >= 2 else 0.01 * (epoch + 1))
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        if not callable(schedule):
            raise ArgumentError(f"LearningRateScheduler: expected a callable schedule, got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose
        self._two_args = _accepts_two_args(schedule)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        groups = self.trainer.optimizer.param_groups
        lr = self.schedule(epoch, groups[0]["lr"]) if self._two_args else self.schedule(epoch)
        if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.floating, np.integer)) \
                or not math.isfinite(float(lr)):
            raise ArgumentError(f"LearningRateScheduler: the schedule must return a finite number, got {lr!r} "
                                f"for epoch {epoch}")
        for group in groups:
            group["lr"] = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: learning rate set to {_fmt(float(lr))}", flush=True)


def _accepts_two_args(fn: Callable[..., Any]) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2
