"""Callbacks: everything around the training loop that is not the loop itself (Keras-style).

:func:`numnet.train.fit` only calls hooks; the progress bar, the history, checkpoints, early stopping, learning-rate
schedules and CSV logs are callbacks. Each hook receives a ``logs`` dict:

* ``on_train_batch_end(batch, logs)``: running means since the epoch began, ``{"loss", <metrics>..., "size"}``;
* ``on_epoch_end(epoch, logs)``: the epoch's means, validation results under ``val_`` keys, and ``"lr"``;
* ``on_test_batch_end`` / ``on_test_end``: the same for evaluation (without the ``val_`` prefix).

``epoch`` and ``batch`` are 0-based indices, as in Keras; messages and files meant for people (progress lines,
``history.csv``) count from 1. A callback reaches the run through ``self.trainer`` (model, optimizer, scheduler,
``epoch``, ``global_step``, ``history``) and stops it with ``self.trainer.stop_training = True``.

Example:
    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs=None):
    ...         print(f"epoch {epoch + 1}: loss {logs['loss']:.3f}")
"""

from __future__ import annotations

import copy
import csv
import importlib.util
import inspect
import math
import os
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterable, TextIO

import numpy as np

from numnet.errors import ArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from numnet.train import Trainer

__all__ = [
    "Callback",
    "CallbackList",
    "History",
    "ProgressBar",
    "EarlyStopping",
    "ModelCheckpoint",
    "LearningRateScheduler",
    "CSVLogger",
    "TerminateOnNaN",
]

Logs = dict[str, Any]


class Callback:
    """Base class: override the hooks you need; all of them do nothing by default.

    Attributes:
        trainer: the :class:`numnet.train.Trainer` running the loop (set before ``on_train_begin``).
    """

    trainer: "Trainer | None" = None

    def set_trainer(self, trainer: "Trainer") -> None:
        self.trainer = trainer

    @property
    def model(self) -> Any:
        """The model being trained (``self.trainer.model``)."""
        return None if self.trainer is None else self.trainer.model

    # State carried in a checkpoint so a resumed run continues exactly (e.g. EarlyStopping's patience counter).
    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state saved in resume checkpoints (empty for stateless callbacks)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (a resumed run calls it right after ``on_train_begin``)."""

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_begin(self, logs: Logs | None = None) -> None: ...
    def on_test_end(self, logs: Logs | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_begin(self, logs: Logs | None = None) -> None: ...
    def on_predict_end(self, logs: Logs | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList(Callback):
    """Several callbacks called in order, as one.

    ``state_dict`` keys each member's state by class name (``EarlyStopping``, ``EarlyStopping_1``, ...), so a resumed
    run restores the state of the callbacks it is given, matched by class and order.
    """

    def __init__(self, callbacks: Iterable[Callback] = (), trainer: "Trainer | None" = None) -> None:
        self.callbacks: list[Callback] = []
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise ArgumentError(f"callbacks: expected numnet.callbacks.Callback instances, got {type(cb).__name__}")
            self.callbacks.append(cb)
        if trainer is not None:
            self.set_trainer(trainer)

    def set_trainer(self, trainer: "Trainer") -> None:
        self.trainer = trainer
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    def _keys(self) -> list[str]:
        seen: dict[str, int] = {}
        keys = []
        for cb in self.callbacks:
            name = type(cb).__name__
            k = seen.get(name, 0)
            seen[name] = k + 1
            keys.append(name if k == 0 else f"{name}_{k}")
        return keys

    def state_dict(self) -> dict[str, Any]:
        out = {}
        for key, cb in zip(self._keys(), self.callbacks):
            state = cb.state_dict()
            if state:
                out[key] = state
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, cb in zip(self._keys(), self.callbacks):
            if key in state:
                cb.load_state_dict(state[key])

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)


def _make_dispatch(name: str) -> Callable[..., None]:
    def dispatch(self: CallbackList, *args: Any, **kwargs: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, name)(*args, **kwargs)

    dispatch.__name__ = name
    return dispatch


for _name in _HOOKS:
    setattr(CallbackList, _name, _make_dispatch(_name))


# ---------------------------------------------------------------------------------------------------- History
class History(Callback):
    """Records each epoch's logs; :func:`numnet.train.fit` returns it.

    Attributes:
        history: ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...], "lr": [...]}``,
            one value per epoch (a key missing in some epoch gets ``nan`` there, so all lists stay aligned).
        epoch: the 0-based index of each recorded epoch.
        params: ``{"epochs", "steps", "samples", "batch_size", "verbose"}`` of the run.

    Example:
        >>> h = History()
        >>> h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
        >>> h.history, h.epoch
        ({'loss': [0.5, 0.25]}, [0, 1])
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.trainer is not None:
            self.params = dict(self.trainer.params)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        n_before = len(self.epoch)
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * n_before).append(_to_float(value))
        for values in self.history.values():
            if len(values) < n_before + 1:
                values.append(math.nan)

    def to_dict(self) -> dict[str, Any]:
        """``{"epoch": [...], "history": {...}}``, JSON-serialisable (used by resume checkpoints)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`to_dict` returned."""
        self.epoch = [int(e) for e in state.get("epoch", [])]
        self.history = {k: [float(x) for x in v] for k, v in state.get("history", {}).items()}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(value: Any) -> str:
    """A log value for people: 4 significant decimals, or scientific notation for small numbers like lr."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    v = _to_float(value)
    if v != 0 and math.isfinite(v) and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4f}"


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


# ---------------------------------------------------------------------------------------------------- progress
class ProgressBar(Callback):
    """Progress of each epoch: a tqdm bar on a terminal, one summary line per epoch otherwise.

    On a TTY (``verbose=1``) each epoch gets a tqdm bar with the running loss and metrics, samples/s and the ETA;
    the bar stays on screen with the epoch's final numbers (validation included). When the stream is not a
    terminal (a log file, a pipe, CI), or with ``verbose=2``, there is no carriage-return redrawing: each epoch prints
    exactly one line, e.g. ``Epoch 1/5 - 9.8s - 6118 samples/s - loss: 0.5123 - accuracy: 0.8123 - val_loss: ...``.
    ``fit`` adds one automatically when ``verbose > 0``.

    Args:
        verbose: 1 = bar on a terminal, a line per epoch elsewhere; 2 = a line per epoch always.
        file: the stream to write to (default ``sys.stdout``, looked up when training begins).

    Raises:
        ArgumentError: ``verbose`` not 1 or 2.
    """

    def __init__(self, verbose: int = 1, file: TextIO | None = None) -> None:
        if verbose not in (1, 2):
            raise ArgumentError(f"ProgressBar: expected verbose 1 (bar) or 2 (one line per epoch), got {verbose!r}")
        self.verbose = verbose
        self.file = file
        self._bar: Any = None
        self._in_fit = False

    def _stream(self) -> TextIO:
        return self.file if self.file is not None else sys.stdout

    def _use_bar(self) -> bool:
        if self.verbose != 1 or not _is_tty(self._stream()):
            return False
        return importlib.util.find_spec("tqdm") is not None  # optional extra: pip install 'numnet[train]'

    def _open_bar(self, desc: str, total: int | None, unit: str) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, file=self._stream(), leave=True,
                         dynamic_ncols=True, mininterval=0.2)

    def _close_bar(self, logs: Logs | None) -> None:
        if self._bar is None:
            return
        if logs:
            self._bar.set_postfix_str(_postfix(logs), refresh=False)
        self._bar.close()
        self._bar = None

    # ---- training
    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._in_fit = True
        p = self.trainer.params if self.trainer is not None else {}
        self._epochs = p.get("epochs")
        self._samples = p.get("samples")
        self._steps = p.get("steps")

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._close_bar(None)
        self._in_fit = False

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._t0 = self._t_train = time.perf_counter()
        self._seen = 0
        self._desc = f"Epoch {epoch + 1}/{self._epochs}" if self._epochs else f"Epoch {epoch + 1}"
        if self._use_bar():
            total, unit = (self._samples, " samples") if self._samples else (self._steps, " batches")
            self._open_bar(self._desc, total, unit)

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        n = int(logs.get("size", 1))
        self._seen += n
        self._t_train = time.perf_counter()  # the rate counts training only, not validation
        if self._bar is not None:
            self._bar.set_postfix_str(_postfix(logs), refresh=False)
            self._bar.update(n if self._samples else 1)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self._bar is not None:
            self._close_bar(logs)
            return
        dt = time.perf_counter() - self._t0
        train_dt = self._t_train - self._t0
        rate = self._seen / train_dt if train_dt > 0 else float("inf")
        parts = [self._desc, f"{dt:.1f}s", f"{rate:.0f} samples/s"]
        parts += [f"{k}: {_fmt(v)}" for k, v in (logs or {}).items()]
        print(" - ".join(parts), file=self._stream(), flush=True)

    # ---- standalone evaluate(verbose=...): inside fit, validation has no bar of its own
    def on_test_begin(self, logs: Logs | None = None) -> None:
        if self._in_fit:
            return
        self._t0 = time.perf_counter()
        self._seen = 0
        p = self.trainer.params if self.trainer is not None else {}
        self._test_samples = p.get("test_samples")
        if self._use_bar():
            self._open_bar("Evaluate", self._test_samples or p.get("test_steps"),
                           " samples" if self._test_samples else " batches")

    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self._in_fit:
            return
        n = int((logs or {}).get("size", 1))
        self._seen += n
        if self._bar is not None:
            self._bar.set_postfix_str(_postfix(logs or {}), refresh=False)
            self._bar.update(n if self._test_samples else 1)

    def on_test_end(self, logs: Logs | None = None) -> None:
        if self._in_fit:
            return
        if self._bar is not None:
            self._close_bar(logs)
            return
        dt = time.perf_counter() - self._t0
        parts = ["Evaluate", f"{dt:.1f}s"] + [f"{k}: {_fmt(v)}" for k, v in (logs or {}).items()]
        print(" - ".join(parts), file=self._stream(), flush=True)


def _postfix(logs: Logs) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in logs.items() if k != "size")


# ---------------------------------------------------------------------------------------------------- monitoring
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
            out[k] = Tensor(v.data.copy())
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


# ---------------------------------------------------------------------------------------------------- checkpoints
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
    ``fit`` calls checkpoint callbacks after all the others, so a checkpoint holds their end-of-epoch state. An epoch
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

    _runs_last = True  # fit calls it after the other callbacks, so their end-of-epoch state is saved

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


# ---------------------------------------------------------------------------------------------------- lr schedule
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


# ---------------------------------------------------------------------------------------------------- csv
class CSVLogger(Callback):
    """Write one row per epoch to a CSV file: ``epoch`` (counted from 1) and every epoch log.

    The file is flushed after every row, so it can be read while training runs. When training resumes from a
    checkpoint, the earlier epochs (carried in the checkpoint's history) are written first, so the file always holds
    the whole run.

    Args:
        filename: the CSV path (parent directories are created).
        separator: the field separator.
        append: add to an existing file instead of overwriting it (the header is written only to an empty file).

    Example:
        >>> logger = CSVLogger("runs/demo/history.csv")
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = append
        self._file: TextIO | None = None
        self._writer: Any = None
        self._keys: list[str] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        parent = os.path.dirname(self.filename)
        if parent:
            os.makedirs(parent, exist_ok=True)
        resumed = self.trainer is not None and self.trainer.history is not None and self.trainer.history.epoch
        mode = "a" if self.append and not resumed else "w"
        has_header = mode == "a" and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, mode, newline="", encoding="utf-8")
        self._writer = None
        self._keys = None
        if has_header:
            with open(self.filename, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f, delimiter=self.separator), None)
            if header:
                self._keys = [k for k in header if k != "epoch"]
                self._writer = csv.writer(self._file, delimiter=self.separator)
        if resumed:
            h = self.trainer.history
            for i, epoch in enumerate(h.epoch):
                self._write_row(epoch, {k: v[i] for k, v in h.history.items()})

    def _write_row(self, epoch: int, logs: Logs) -> None:
        if self._writer is None:
            self._keys = list(logs)
            self._writer = csv.writer(self._file, delimiter=self.separator)
            self._writer.writerow(["epoch", *self._keys])
        row = [epoch + 1]
        for k in self._keys:
            v = logs.get(k)
            row.append("" if v is None else repr(_to_float(v)))
        self._writer.writerow(row)
        self._file.flush()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._write_row(epoch, logs or {})

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
