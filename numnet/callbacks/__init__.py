"""Callbacks: everything around the training loop that is not the loop itself (Keras-style).

:func:`numnet.train.fit` only calls hooks; the progress bar, the history, checkpoints, early stopping, learning-rate
schedules and CSV logs are callbacks. Each hook receives a ``logs`` dict:

* ``on_train_batch_end(batch, logs)``: running means since the epoch began, ``{"loss", <metrics>..., "size"}``;
* ``on_epoch_end(epoch, logs)``: the epoch's means, validation results under ``val_`` keys, and ``"lr"``;
* ``on_test_batch_end`` / ``on_test_end``: the same for evaluation (without the ``val_`` prefix).

``epoch`` and ``batch`` are 0-based indices, as in Keras; messages and files meant for people (progress lines,
``history.csv``) count from 1. A callback reaches the run through ``self.trainer`` (model, optimizer, scheduler,
``epoch``, ``global_step``, ``history``) and stops it with ``self.trainer.stop_training = True``.

Callbacks run by their ``order`` attribute, lower first (see :class:`Callback`): ``History``, the progress bar, the
schedule callbacks, then yours in the order given, then ``ModelCheckpoint``.

Modules: ``base`` (Callback, CallbackList, the ``ORDER_*`` constants), ``history``, ``progress``, ``monitoring``
(EarlyStopping, TerminateOnNaN), ``checkpoint``, ``schedule`` (LRSchedulerCallback, LearningRateScheduler),
``csv_logger``. Import the names from ``numnet.callbacks``.

Example:
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}")
"""

from __future__ import annotations

from numnet.callbacks.base import (
    ORDER_CHECKPOINT,
    ORDER_DEFAULT,
    ORDER_HISTORY,
    ORDER_PROGRESS,
    ORDER_SCHEDULE,
    Callback,
    CallbackList,
    Logs,
)
from numnet.callbacks.checkpoint import ModelCheckpoint
from numnet.callbacks.csv_logger import CSVLogger
from numnet.callbacks.history import History
from numnet.callbacks.monitoring import EarlyStopping, TerminateOnNaN
from numnet.callbacks.progress import ProgressBar
from numnet.callbacks.schedule import LearningRateScheduler, LRSchedulerCallback

__all__ = [
    "Callback",
    "CallbackList",
    "History",
    "ProgressBar",
    "EarlyStopping",
    "ModelCheckpoint",
    "LearningRateScheduler",
    "LRSchedulerCallback",
    "CSVLogger",
    "TerminateOnNaN",
    "ORDER_HISTORY",
    "ORDER_PROGRESS",
    "ORDER_SCHEDULE",
    "ORDER_DEFAULT",
    "ORDER_CHECKPOINT",
]
