"""The :class:`ProgressBar` callback: a tqdm bar per epoch on a terminal or in a notebook, one line per epoch
elsewhere."""

from __future__ import annotations

import importlib.util
import sys
import time
from typing import Any, TextIO

from numnet._runtime import in_notebook
from numnet.callbacks.base import ORDER_PROGRESS, Callback, Logs, _fmt
from numnet.errors import ArgumentError


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class ProgressBar(Callback):
    """Progress of each epoch: a tqdm bar on a terminal or in Jupyter, one summary line per epoch otherwise.

    On a TTY (``verbose=1``) each epoch gets a tqdm bar with the running loss and metrics, samples/s and the ETA;
    the bar stays on screen with the epoch's final numbers (validation included). In a Jupyter kernel (stdout is
    not a TTY there) the bar is ``tqdm.auto``'s live widget (needs ``ipywidgets``: ``pip install
    numnet[notebook]``; without it tqdm falls back to text). When the stream is not a terminal (a log file, a pipe,
    CI), or with ``verbose=2``, there is no carriage-return redrawing: each epoch prints
    exactly one line, e.g. ``Epoch 1/5 - 9.8s - 6118 samples/s - loss: 0.5123 - accuracy: 0.8123 - val_loss: ...``.
    ``fit`` adds one automatically when ``verbose > 0``.

    Args:
        verbose: 1 = bar on a terminal, a line per epoch elsewhere; 2 = a line per epoch always.
        file: the stream to write to (default ``sys.stdout``, looked up when training begins).

    Raises:
        ArgumentError: ``verbose`` not 1 or 2.
    """

    rank_zero_only = True  # prints or writes files: under fit(distributed=True), rank 0 alone runs it

    # Early: the epoch's bar is closed (its line printed) before later callbacks print, so their messages do not
    # land inside a bar that is still being redrawn.
    order = ORDER_PROGRESS

    def _world_size(self) -> int:
        """Ranks training together (``fit(distributed=True)``): every rank runs the same batches, so samples/s
        is this rank's times the number of ranks."""
        params = getattr(self.trainer, "params", None) or {}
        return params.get("world_size", 1)

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
        if self.verbose != 1:
            return False
        if not (_is_tty(self._stream()) or (self.file is None and in_notebook())):
            return False
        return importlib.util.find_spec("tqdm") is not None  # optional extra: pip install 'numnet[train]'

    def _open_bar(self, desc: str, total: int | None, unit: str) -> None:
        from tqdm.auto import tqdm

        # In a notebook tqdm.auto is the widget, which draws itself (it takes no file).
        extra = {} if self.file is None and in_notebook() else {"file": self._stream()}
        self._bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=True, leave=True, dynamic_ncols=True,
                         mininterval=0.2, **extra)

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
        self._seen += n * int(self._world_size())
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
