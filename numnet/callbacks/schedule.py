"""Learning-rate schedule callbacks: :class:`LRSchedulerCallback` (steps a :mod:`numnet.optim.lr_scheduler`
scheduler) and :class:`LearningRateScheduler` (a function of the epoch, Keras-style).

These are the only places the training loop's learning rate changes: ``fit(..., scheduler=...)`` wraps its scheduler
into an :class:`LRSchedulerCallback`; the loop itself never steps one.
"""

from __future__ import annotations

import inspect
import math
import warnings
from typing import Any, Callable

import numpy as np

from numnet import _validation as V
from numnet.callbacks.base import ORDER_SCHEDULE, Callback, Logs, _fmt
from numnet.errors import ArgumentError
from numnet.optim.lr_scheduler import ReduceLROnPlateau


def check_interval(scheduler: Any, interval: Any, op: str, name: str) -> str:
    """``interval`` ("epoch" or "step") for stepping ``scheduler``; ReduceLROnPlateau needs a metric, so only
    "epoch" suits it."""
    V.choice(interval, op, name, ("epoch", "step"))
    if isinstance(scheduler, ReduceLROnPlateau) and interval == "step":
        raise ArgumentError(f"{op}: ReduceLROnPlateau needs a metric, so it steps per epoch; use {name}='epoch'")
    return interval


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler after every optimizer step or after every epoch.

    ``fit(..., scheduler=s, scheduler_interval=i)`` runs exactly ``LRSchedulerCallback(s, interval=i)``; pass one in
    ``callbacks`` instead for the same effect. With ``interval="step"`` it calls ``scheduler.step()`` in
    ``on_train_batch_end`` (after the batch's ``optimizer.step()``: OneCycleLR, warm-up); with ``"epoch"`` in
    ``on_epoch_end``, after validation, unless the epoch was stopped before its last batch.
    :class:`~numnet.optim.lr_scheduler.ReduceLROnPlateau` is stepped per epoch with ``logs[monitor]``.
    The scheduler's state is saved in resume checkpoints by the :class:`~numnet.train.Trainer` (one scheduler per
    checkpoint), not as callback state.

    Args:
        scheduler: a :mod:`numnet.optim.lr_scheduler` scheduler (anything with ``step()``).
        interval: ``"epoch"`` or ``"step"``.
        monitor: the log key ReduceLROnPlateau gets; by default ``val_loss``, or ``loss`` when there is no
            validation data. Ignored by other schedulers.

    Raises:
        ArgumentError: no ``step()``, an unknown ``interval``, or ReduceLROnPlateau with ``interval="step"``.

    Example:
        >>> sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=epochs * len(loader))  # doctest: +SKIP
        >>> fit(model, loader, ..., callbacks=[LRSchedulerCallback(sched, interval="step")])  # doctest: +SKIP
    """

    order = ORDER_SCHEDULE  # stepped before user callbacks and checkpoints read the rate and the scheduler state

    def __init__(self, scheduler: Any, interval: str = "epoch", monitor: str | None = None) -> None:
        if not callable(getattr(scheduler, "step", None)):
            raise ArgumentError(f"LRSchedulerCallback: expected a scheduler with step(), got "
                                f"{type(scheduler).__name__}")
        check_interval(scheduler, interval, "LRSchedulerCallback", "interval")
        self.scheduler = scheduler
        self.interval = interval
        self.monitor = monitor
        self._warned = False

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.interval == "step":
            self.scheduler.step()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.interval != "epoch" or not getattr(self.trainer, "epoch_complete", True):
            return  # a stopped epoch does not count as a finished one
        if not isinstance(self.scheduler, ReduceLROnPlateau):
            self.scheduler.step()
            return
        logs = logs or {}
        key = self.monitor if self.monitor is not None else ("val_loss" if "val_loss" in logs else "loss")
        if key not in logs:
            if not self._warned:
                warnings.warn(f"LRSchedulerCallback: the monitored key {key!r} is not in the logs (available: "
                              f"{', '.join(logs) or 'none'}); ReduceLROnPlateau is not stepped", RuntimeWarning,
                              stacklevel=2)
                self._warned = True
            return
        self.scheduler.step(logs[key])


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

    order = ORDER_SCHEDULE  # the epoch's rate is set before the other callbacks' on_epoch_begin

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
