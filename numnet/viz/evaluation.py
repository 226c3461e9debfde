"""Where a classifier goes wrong: the confusion matrix, and the wrong predictions it was most sure of."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np

from numnet.errors import ArgumentError, ShapeError
from numnet.metrics import _labels, confusion_matrix
from numnet.viz._mpl import as_array, finish, grid_shape, image_2d, new_figure

__all__ = ["confusion_matrix", "plot_confusion_matrix", "plot_mistakes"]


def _num_classes(class_names: Sequence[str] | None, *ys: np.ndarray) -> int:
    if class_names is not None:
        return len(class_names)
    return int(max((y.max() for y in ys if y.size), default=-1)) + 1


def _names(class_names: Sequence[str] | None, k: int) -> list[str]:
    return [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(k)]


def plot_confusion_matrix(y_true: Any, y_pred: Any, class_names: Sequence[str] | None,
                          path: str | os.PathLike | None = None, normalize: bool = False,
                          figsize: tuple[float, float] | None = None, dpi: int = 100) -> Any:
    """The confusion matrix as an annotated heat map: rows are the true class, columns the predicted class.

    The diagonal holds the correct predictions; a bright off-diagonal cell is a pair of classes the model confuses
    (on Fashion-MNIST typically shirt vs T-shirt/top, pullover and coat). The title gives the accuracy.

    Args:
        y_true: true class indices ``(N,)``.
        y_pred: predicted class indices ``(N,)``, or scores/probabilities ``(N, C)`` (argmax is used).
        class_names: one name per class (its length is ``K``), or None for ``0 .. K-1``.
        path: where to save the figure; None to only return it.
        normalize: show each row as fractions of the true class (recall on the diagonal) instead of counts.
        figsize: inches; default grows with ``K``.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.

    Raises:
        ShapeError, ArgumentError: as :func:`confusion_matrix`.

    Example:
        >>> plot_confusion_matrix(y_test, predict(model, x_test), test.classes, "confusion.png")  # doctest: +SKIP
    """
    who = "plot_confusion_matrix"
    t, p = _labels(y_true, who, "y_true"), _labels(y_pred, who, "y_pred")
    k = _num_classes(class_names, t, p)
    if k < 1:
        raise ArgumentError(f"{who}: no classes (empty labels and no class_names)")
    counts = confusion_matrix(t, p, k)
    names = _names(class_names, k)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    else:
        values = counts.astype(np.float64)
    side = max(5.0, 0.62 * k + 2.5)
    fig = new_figure(figsize or (side + 1.2, side), dpi)
    ax = fig.add_subplot()
    vmax = float(values.max()) or 1.0
    im = ax.imshow(values, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest")
    fontsize = 9 if k <= 10 else 7 if k <= 20 else 0
    if fontsize:
        for (i, j), v in np.ndenumerate(values):
            text = (f"{v:.2f}" if v else "0") if normalize else str(counts[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                    color="white" if v > 0.55 * vmax else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    n = int(counts.sum())
    correct = int(np.trace(counts))
    acc = f"accuracy {correct / n:.4f} ({correct}/{n})" if n else "no samples"
    ax.set_title(f"confusion matrix, {acc}" + ("\nrows normalised: fraction of each true class" if normalize else ""))
    fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of true class" if normalize else "images")
    return finish(fig, path)


def plot_mistakes(images: Any, y_true: Any, y_pred: Any, probs: Any, class_names: Sequence[str] | None,
                  n: int = 16, path: str | os.PathLike | None = None,
                  figsize: tuple[float, float] | None = None, dpi: int = 100) -> Any:
    """The ``n`` worst mistakes: wrong predictions with the highest confidence, most confident first.

    Confidence is the probability the model gave its (wrong) prediction, ``probs[i, y_pred[i]]``. Each panel shows
    the image, the true label, the predicted label and that confidence, plus the probability of the true class.

    Args:
        images: ``(N, 1, H, W)``, ``(N, H, W)`` or ``(N, 3, H, W)``.
        y_true: true class indices ``(N,)``.
        y_pred: predicted class indices ``(N,)``, or None for ``probs.argmax(1)``.
        probs: class probabilities ``(N, C)`` (softmax of the logits), each in [0, 1].
        class_names: one name per class, or None for ``0 .. C-1``.
        n: how many mistakes to show at most.
        path: where to save the figure; None to only return it.
        figsize: inches; default from the grid size.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure (a note instead of images when there is no mistake).

    Raises:
        ShapeError: lengths that do not match, or ``probs`` not ``(N, C)``.
        ArgumentError: ``n`` < 1, probabilities outside [0, 1] (logits passed?) or labels out of range.

    Example:
        >>> probs = softmax(predict(model, test.data))  # doctest: +SKIP
        >>> plot_mistakes(test.data, test.targets, None, probs, test.classes, path="mistakes.png")  # doctest: +SKIP
    """
    who = "plot_mistakes"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ArgumentError(f"{who}: n must be a positive integer, got {n!r}")
    x = as_array(images)
    pr = np.asarray(as_array(probs), dtype=np.float64)
    if pr.ndim != 2:
        raise ShapeError(f"{who}: probs must be (N, C), got shape {pr.shape}")
    if pr.size and (np.nanmin(pr) < -1e-6 or np.nanmax(pr) > 1 + 1e-6):
        raise ArgumentError(f"{who}: probs must be probabilities in [0, 1], got values in "
                            f"[{np.nanmin(pr):.3g}, {np.nanmax(pr):.3g}]; pass the softmax of the logits")
    t = _labels(y_true, who, "y_true")
    p = pr.argmax(axis=1) if y_pred is None else _labels(y_pred, who, "y_pred")
    if not (len(x) == len(t) == len(p) == len(pr)):
        raise ShapeError(f"{who}: images, y_true, y_pred and probs must have the same length, got "
                         f"{len(x)}, {len(t)}, {len(p)} and {len(pr)}")
    k = pr.shape[1]
    if class_names is not None and len(class_names) != k:
        raise ShapeError(f"{who}: {len(class_names)} class names but probs has {k} columns")
    for name, y in (("y_true", t), ("y_pred", p)):
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ArgumentError(f"{who}: {name} holds labels in [{y.min()}, {y.max()}], expected [0, {k})")
    names = _names(class_names, k)

    wrong = np.flatnonzero(t != p)
    confidence = pr[wrong, p[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:n]
    total = len(t)
    if order.size == 0:
        fig = new_figure(figsize or (5.0, 2.0), dpi)
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, f"no mistakes in {total} images", ha="center", va="center", fontsize=12)
        return finish(fig, path)
    rows, cols = grid_shape(order.size, max_cols=8)
    fig = new_figure(figsize or (max(2.0 * cols, 6.0), 2.25 * rows + 0.7), dpi)
    axes = np.asarray(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax in axes:
        ax.axis("off")
    for ax, i in zip(axes, order):
        img, cmap = image_2d(x[i], who)
        ax.imshow(img, cmap=cmap, interpolation="nearest")
        ax.set_title(f"pred: {names[p[i]]} {pr[i, p[i]]:.1%}\ntrue: {names[t[i]]} {pr[i, t[i]]:.1%}",
                     fontsize=8, color="black")
        ax.text(0.02, 0.98, f"#{i}", transform=ax.transAxes, ha="left", va="top", fontsize=7, color="yellow")
    fig.suptitle(f"{order.size} most confident mistakes of {wrong.size} ({wrong.size / total:.1%} of {total} "
                 "images)\npercentages: the probability the model gave that class", fontsize=10)
    return finish(fig, path)
