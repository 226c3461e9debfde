"""Training curves: loss and accuracy per epoch, training and validation, from a History or a history.csv."""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from numnet.errors import ArgumentError, DTypeError, FileFormatError
from numnet.viz._mpl import finish, new_figure

__all__ = ["plot_history", "read_history", "draw_history"]

HISTORY_FILE = "history.csv"


def _float(text: str) -> float:
    text = text.strip()
    if not text:
        return math.nan
    return float(text)


def read_history(path: str | os.PathLike) -> tuple[list[float], dict[str, list[float]]]:
    """Read a :class:`numnet.callbacks.CSVLogger` file: ``(epochs, {key: values})``.

    Args:
        path: the CSV file, or a run folder holding ``history.csv``.

    Returns:
        the ``epoch`` column (1-based; 1, 2, ... if there is none) and every other column as floats (an empty cell
        is ``nan``).

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: the file is empty, has no header, or holds a non-number.
    """
    p = Path(os.fspath(path))
    if p.is_dir():
        p = p / HISTORY_FILE
    if not p.is_file():
        raise FileNotFoundError(f"history file {str(p)!r} does not exist")
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise FileFormatError(f"{p}: the history file is empty (no header row)")
    header, body = [h.strip() for h in rows[0]], rows[1:]
    columns: dict[str, list[float]] = {h: [] for h in header}
    for lineno, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise FileFormatError(f"{p}:{lineno}: expected {len(header)} fields like the header, got {len(row)}")
        for key, cell in zip(header, row):
            try:
                columns[key].append(_float(cell))
            except ValueError:
                raise FileFormatError(f"{p}:{lineno}: column {key!r} holds {cell!r}, not a number") from None
    epochs = columns.pop("epoch", None) or [float(i) for i in range(1, len(body) + 1)]
    return epochs, columns


def _history_arrays(source: Any) -> tuple[list[float], dict[str, list[float]]]:
    """``(epochs (1-based), {key: values})`` from a History, a dict of lists, or a CSV path / run folder."""
    if isinstance(source, (str, os.PathLike)):
        return read_history(source)
    hist = getattr(source, "history", source)
    if not isinstance(hist, Mapping):
        raise DTypeError("plot_history: expected a History (with .history), a dict of lists or a path to "
                         f"history.csv, got {type(source).__name__}")
    values = {str(k): [float(v) for v in np.asarray(vals, dtype=np.float64).ravel()] for k, vals in hist.items()}
    n = max((len(v) for v in values.values()), default=0)
    recorded = list(getattr(source, "epoch", []) or [])
    epochs = [float(e) + 1 for e in recorded] if len(recorded) == n else [float(i) for i in range(1, n + 1)]
    return epochs, values


_PANELS = {"loss": "lower", "accuracy": "higher"}  # panel key → which way is better (for the best-epoch star)


def draw_history(fig: Any, epochs: list[float], values: Mapping[str, list[float]],
                 keys: tuple[str, ...] = ("loss", "accuracy")) -> None:
    """Draw one panel per key of ``keys`` (train and ``val_`` curves, best validation epoch starred) on ``fig``.

    Shared by :func:`plot_history` and :class:`numnet.viz.LivePlot`, which redraws the same figure each epoch.
    """
    fig.clear()
    axes = np.atleast_1d(fig.subplots(1, len(keys)))
    x = np.asarray(epochs, dtype=np.float64)
    for ax, key in zip(axes, keys):
        better = _PANELS.get(key, "lower" if "loss" in key else "higher")
        for name, label, style in ((key, "train", "o-"), (f"val_{key}", "validation", "s--")):
            ys = values.get(name)
            if ys is None:
                continue
            y = np.asarray(ys, dtype=np.float64)
            ax.plot(x[: len(y)], y, style, label=label, markersize=4 if len(y) <= 30 else 0)
            if name.startswith("val_") and np.isfinite(y).any():
                best = int(np.nanargmin(y) if better == "lower" else np.nanargmax(y))
                ax.plot(x[best], y[best], "*", color="C3", markersize=12, zorder=3,
                        label=f"best {y[best]:.4g} (epoch {x[best]:g})")
        ax.set_title(key)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if 0 < len(x) <= 20:
            ax.set_xticks(x)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize="small")
        else:
            ax.text(0.5, 0.5, f"no {key} recorded", ha="center", va="center", transform=ax.transAxes)


def plot_history(history_or_csv_path: Any, path: str | os.PathLike | None = None,
                 figsize: tuple[float, float] = (10.0, 4.0), dpi: int = 100) -> Any:
    """Loss and accuracy per epoch, training and validation, in two panels.

    Plots ``loss`` / ``val_loss`` on the left and ``accuracy`` / ``val_accuracy`` on the right (the keys
    :func:`numnet.train.fit` and :class:`numnet.callbacks.CSVLogger` write); the best validation epoch is marked.
    A missing key is simply not drawn.

    Args:
        history_or_csv_path: a :class:`numnet.callbacks.History` (what ``fit`` returns), its ``.history`` dict,
            or the path of a ``history.csv`` (or of the run folder holding it).
        path: where to save the figure (PNG unless the suffix says otherwise); None to only return it.
        figsize: inches (width, height); the PNG is ``figsize × dpi`` pixels.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.

    Raises:
        FileNotFoundError: the CSV does not exist.
        FileFormatError: the CSV is malformed.
        ArgumentError: nothing to plot (no loss and no accuracy values).

    Example:
        >>> history = fit(model, train, loss="cross_entropy", optimizer=opt, epochs=5, val_data=test)  # doctest: +SKIP
        >>> plot_history(history, "curves.png")  # doctest: +SKIP
        <Figure size 1000x400 with 2 Axes>
    """
    epochs, values = _history_arrays(history_or_csv_path)
    if not any(k in values for key in _PANELS for k in (key, f"val_{key}")):
        raise ArgumentError(f"plot_history: no loss or accuracy to plot; the history has keys {sorted(values)}")
    fig = new_figure(figsize, dpi)
    draw_history(fig, epochs, values)
    return finish(fig, path)
