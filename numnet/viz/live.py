""":class:`LivePlot`: training curves redrawn at the end of every epoch, inline in Jupyter or into a PNG file."""

from __future__ import annotations

import os
from typing import Any, Sequence

from numnet._runtime import in_notebook
from numnet.callbacks.base import Callback, Logs
from numnet.errors import ArgumentError
from numnet.viz._mpl import finish, new_figure
from numnet.viz.training import draw_history

__all__ = ["LivePlot"]


class LivePlot(Callback):
    """Loss and accuracy curves (train and validation) that grow while ``fit`` runs.

    In a Jupyter notebook the figure is shown once below the cell and updated in place after every epoch
    (``IPython.display`` with a display id); elsewhere (a script, a terminal) it is written to ``path`` as a PNG
    after every epoch, atomically enough for an image viewer that reloads it (a complete file is renamed over the
    old one). With ``path`` in a notebook, both happen.

    Args:
        path: PNG file to (re)write after each epoch; needed outside a notebook.
        keys: the logged quantities to plot, one panel each (``"val_<key>"`` is drawn beside each). Default
            ``("loss", "accuracy")``; keys never logged show "no <key> recorded".
        figsize: inches (width, height). dpi: dots per inch.

    Raises:
        ArgumentError: no ``path`` outside a notebook (when training begins), or bad ``keys``.

    Example:
        >>> fit(model, train, loss="cross_entropy", optimizer=opt, epochs=5, val_data=test,
        ...     callbacks=[LivePlot()])  # doctest: +SKIP
    """

    rank_zero_only = True  # prints or writes files: under fit(distributed=True), rank 0 alone runs it

    def __init__(self, path: str | os.PathLike | None = None, keys: Sequence[str] = ("loss", "accuracy"),
                 figsize: tuple[float, float] = (10.0, 4.0), dpi: int = 100) -> None:
        if isinstance(keys, str) or not keys or not all(isinstance(k, str) and k for k in keys):
            raise ArgumentError(f"LivePlot: expected keys to be a non-empty sequence of log names, got {keys!r}")
        self.path = None if path is None else os.fspath(path)
        self.keys = tuple(keys)
        self.figsize, self.dpi = figsize, dpi
        self.epochs: list[float] = []
        self.values: dict[str, list[float]] = {}
        self.figure: Any = None
        self._display: Any = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._inline = in_notebook()
        if not self._inline and self.path is None:
            raise ArgumentError("LivePlot: not running in a notebook, so the curves need a file: give "
                                "LivePlot(path='curves.png')")
        self.epochs, self.values, self._display = [], {}, None
        self.figure = new_figure(self.figsize, self.dpi)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        self.epochs.append(float(epoch) + 1)
        n = len(self.epochs)
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float)) and key != "size":
                series = self.values.setdefault(key, [])
                series.extend([float("nan")] * (n - 1 - len(series)))  # a key first logged late
                series.append(float(value))
        draw_history(self.figure, self.epochs, self.values, self.keys)
        if self.path is not None:
            tmp = f"{self.path}.tmp.png"
            finish(self.figure, tmp)
            os.replace(tmp, self.path)
        if self._inline:
            from IPython.display import display

            if self._display is None:
                self._display = display(self.figure, display_id=True)
            else:
                self._display.update(self.figure)
