"""The :class:`ModelCheckpoint` callback: resume checkpoints (or model files) after each epoch."""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

from numnet.callbacks.base import ORDER_CHECKPOINT, Callback, Logs, _fmt, _to_float
from numnet.callbacks.monitoring import _improved, _monitor_op
from numnet.errors import ArgumentError


class ModelCheckpoint(Callback):
    """Save the run after each epoch: the last epoch, the best epoch, or both.

    Two ways to name the files:

    * ``dirpath``: writes ``dirpath/last.safetensors`` after every epoch and ``dirpath/best.safetensors`` whenever
      ``monitor`` improves (with ``save_best_only``, only the best file).
    * ``filepath`` (Keras-style): one path, formatted with ``epoch`` (1-based) and the logs, e.g.
      ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``; written every epoch, or only on improvement with
      ``save_best_only``.

    By default a file is a full resume checkpoint (:func:`numnet.io.save_checkpoint`: model, optimizer, scheduler,
    epoch, step, RNG state, history and callback states), which ``fit(..., resume_from=path)`` continues
    bit-identically. With ``save_weights_only=True`` it holds the model alone (:func:`numnet.io.save_model`,
    loadable with :func:`numnet.io.load_model`). Files are written atomically (temp file, then ``os.replace``).
    Its ``order`` is ``ORDER_CHECKPOINT``: it runs after the other callbacks, so a checkpoint holds their end-of-epoch
    state (and the scheduler already stepped for the next epoch). An epoch
    stopped before its last batch (e.g. by :class:`TerminateOnNaN`) writes nothing, keeping the last good files.

    Args:
        dirpath: a directory for ``best``/``last`` files (created if missing).
        filepath: a single (format) path instead of ``dirpath``.
        monitor: the log key that decides the best epoch.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (as in :class:`EarlyStopping`).
        save_best_only: write only when ``monitor`` improves.
        save_weights_only: write only the model, not a resume checkpoint.
        min_delta: the smallest change that counts as an improvement.
        verbose: print a line when a best file is written.

    Attributes:
        best: the best monitored value so far; ``best_path`` / ``last_path``: the files written last.

    Raises:
        ArgumentError: neither or both of ``dirpath`` and ``filepath``, or an unknown ``mode``.

    Example:
        >>> ckpt = ModelCheckpoint("runs/ckpt", monitor="val_accuracy")  # best.safetensors + last.safetensors
    """

    rank_zero_only = True  # prints or writes files: under fit(distributed=True), rank 0 alone runs it

    order = ORDER_CHECKPOINT  # after the other callbacks, so their end-of-epoch state is saved

    def __init__(self, dirpath: str | os.PathLike | None = None, *, filepath: str | os.PathLike | None = None,
                 monitor: str = "val_loss", mode: str = "auto", save_best_only: bool = False,
                 save_weights_only: bool = False, min_delta: float = 0.0, verbose: int = 0) -> None:
        if (dirpath is None) == (filepath is None):
            raise ArgumentError("ModelCheckpoint: give exactly one of dirpath (best/last files) or filepath, got "
                                f"dirpath={dirpath!r}, filepath={filepath!r}")
        self.dirpath = None if dirpath is None else os.fspath(dirpath)
        self.filepath = None if filepath is None else os.fspath(filepath)
        self.monitor = monitor
        self.mode = _monitor_op(monitor, mode, "ModelCheckpoint")
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.min_delta = float(min_delta)
        self.verbose = verbose
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_path: str | None = None
        self.last_path: str | None = None
        self._warned = False

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state.get("best", self.best))

    def _save(self, path: str) -> None:
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        if self.save_weights_only:
            from numnet.io import save_model

            save_model(self.model, path)
        else:
            self.trainer.save_checkpoint(path)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self.trainer is not None and not getattr(self.trainer, "epoch_complete", True):
            return  # stopped mid-epoch (e.g. TerminateOnNaN): keep the last good files
        logs = logs or {}
        current = logs.get(self.monitor)
        improved = False
        if current is None:
            if (self.save_best_only or self.dirpath is not None) and not self._warned:
                warnings.warn(f"ModelCheckpoint: the monitored key {self.monitor!r} is not in the logs "
                              f"(available: {', '.join(logs) or 'none'}); no best file is written",
                              RuntimeWarning, stacklevel=2)
                self._warned = True
        else:
            current = _to_float(current)
            improved = _improved(current, self.best, self.mode, self.min_delta)
            if improved:
                self.best = current
        if self.filepath is not None:
            if improved or not self.save_best_only:
                try:
                    path = self.filepath.format(epoch=epoch + 1, **logs)
                except (KeyError, IndexError, ValueError) as e:
                    raise ArgumentError(f"ModelCheckpoint: cannot format filepath {self.filepath!r} with epoch and "
                                        f"logs {sorted(logs)}: {e}") from None
                self._save(path)
                self.last_path = path
                if improved:
                    self.best_path = path
        else:
            if improved:
                self.best_path = os.path.join(self.dirpath, "best.safetensors")
                self._save(self.best_path)
            if not self.save_best_only:
                self.last_path = os.path.join(self.dirpath, "last.safetensors")
                self._save(self.last_path)
        if improved and self.verbose:
            print(f"Epoch {epoch + 1}: {self.monitor} improved to {_fmt(current)}, saved {self.best_path}",
                  flush=True)
