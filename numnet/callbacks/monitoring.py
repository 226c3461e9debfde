"""Callbacks that watch the logs and stop the run: :class:`EarlyStopping`, :class:`TerminateOnNaN`."""

from __future__ import annotations

import copy
import math
import sys
import warnings
from typing import Any, TextIO

import numpy as np

from numnet.callbacks.base import Callback, Logs, _fmt, _to_float
from numnet.errors import ArgumentError


def _monitor_op(monitor: str, mode: str, who: str) -> str:
    """Resolve ``mode`` to "min" or "max" ("auto": max for accuracy-like names, min otherwise)."""
    if mode not in ("auto", "min", "max"):
        raise ArgumentError(f"{who}: expected mode 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.lower()
    return "max" if ("acc" in name or name.endswith("auc") or "f1" in name) else "min"


def _improved(current: float, best: float, mode: str, min_delta: float) -> bool:
    if math.isnan(current):
        return False
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


def _copy_state(state: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a ``state_dict`` whose values are Tensors or arrays (keeping their types)."""
    from numnet.tensor import Tensor

    out = {}
    for k, v in state.items():
        if isinstance(v, Tensor):
            out[k] = Tensor(v._data.copy())
        elif isinstance(v, np.ndarray):
            out[k] = v.copy()
        else:
            out[k] = copy.deepcopy(v)
    return out


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving.

    After each epoch, ``logs[monitor]`` is compared with the best value so far; an epoch improves on it by more than
    ``min_delta`` or counts towards ``patience``. When ``patience`` epochs in a row did not improve, training stops
    (and, with ``restore_best_weights``, the model gets the weights of the best epoch back).

    Args:
        monitor: the log key to watch, e.g. ``"val_loss"`` or ``"val_accuracy"``.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement to wait before stopping.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (``max`` for names containing "acc", else ``min``).
        baseline: a value the monitor must beat; until it does, epochs count towards ``patience``.
        restore_best_weights: restore the best epoch's weights when stopping.
        start_from_epoch: epochs to train before monitoring starts (warm-up).
        verbose: print a line when stopping.

    Attributes:
        stopped_epoch: the 0-based epoch at which training stopped (0 if it did not).
        best_epoch: the 0-based epoch with the best value.

    Raises:
        ArgumentError: negative ``patience``/``min_delta``/``start_from_epoch`` or an unknown ``mode``.

    Example:
        >>> stopper = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0, mode: str = "auto",
                 baseline: float | None = None, restore_best_weights: bool = False, start_from_epoch: int = 0,
                 verbose: int = 0) -> None:
        if patience < 0 or start_from_epoch < 0:
            raise ArgumentError(f"EarlyStopping: expected patience >= 0 and start_from_epoch >= 0, got "
                                f"patience={patience}, start_from_epoch={start_from_epoch}")
        if min_delta < 0:
            raise ArgumentError(f"EarlyStopping: expected min_delta >= 0, got {min_delta}")
        self.monitor = monitor
        self.mode = _monitor_op(monitor, mode, "EarlyStopping")
        self.min_delta = float(min_delta)
        self.patience = int(patience)
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = int(start_from_epoch)
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights: dict[str, Any] | None = None
        self._warned = False

    def state_dict(self) -> dict[str, Any]:
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.wait = int(state.get("wait", 0))
        self.best = float(state.get("best", self.best))
        self.best_epoch = int(state.get("best_epoch", 0))

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._reset()  # a resumed run loads wait/best/best_epoch back right after this

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            if not self._warned:
                warnings.warn(f"EarlyStopping: the monitored key {self.monitor!r} is not in the logs "
                              f"(available: {', '.join(logs) or 'none'}); pass val_data to fit for 'val_' keys",
                              RuntimeWarning, stacklevel=2)
                self._warned = True
            return
        if epoch < self.start_from_epoch:
            return
        current = _to_float(logs[self.monitor])
        if self.restore_best_weights and self.best_weights is None:
            # Keep the first monitored epoch's weights even if it never improves on the baseline.
            self.best_weights = _copy_state(self.model.state_dict())
        self.wait += 1
        if _improved(current, self.best, self.mode, self.min_delta):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_state(self.model.state_dict())
            if self.baseline is None or _improved(current, float(self.baseline), self.mode, 0.0):
                self.wait = 0
                return
            # a new best that does not beat the baseline still counts towards patience
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                self.model.load_state_dict(self.best_weights)
            if self.verbose:
                restored = (f"; restored the weights of epoch {self.best_epoch + 1}"
                            if self.restore_best_weights and self.best_weights is not None else "")
                print(f"Epoch {epoch + 1}: early stopping, {self.monitor} has not improved for {self.wait} epochs "
                      f"(best {_fmt(self.best)} at epoch {self.best_epoch + 1}){restored}", flush=True)


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite.

    Prints (and keeps in :attr:`message`) a line naming the epoch and batch, both counted from 1, e.g.
    ``TerminateOnNaN: loss is nan at epoch 2, batch 17; stopping training``. The epoch is not finished: no
    validation runs after it.

    Args:
        file: where to print the message (default ``sys.stdout``).
    """

    def __init__(self, file: TextIO | None = None) -> None:
        self.file = file
        self.message: str | None = None

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = _to_float(loss)
        if math.isfinite(loss):
            return
        epoch = self.trainer.epoch if self.trainer is not None else 0
        self.message = (f"TerminateOnNaN: loss is {loss} at epoch {epoch + 1}, batch {batch + 1}; "
                        f"stopping training")
        print(self.message, file=self.file if self.file is not None else sys.stdout, flush=True)
        if self.trainer is not None:
            self.trainer.stop_training = True
