"""The :class:`CSVLogger` callback: one row per epoch in a CSV file."""

from __future__ import annotations

import csv
import os
from typing import Any, TextIO

from numnet.callbacks.base import Callback, Logs, _to_float


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

    rank_zero_only = True  # prints or writes files: under fit(distributed=True), rank 0 alone runs it

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
