"""Metrics for :func:`numnet.train.fit` and :func:`numnet.train.evaluate`: plain functions of (output, target).

A metric takes the model's output and the targets of one batch (numnet Tensors or NumPy arrays) and returns a Python
float, the batch mean. The training loop weights each batch's value by its size, so the epoch value is the mean over
all samples (exact for :func:`accuracy`, whatever the batch sizes).

``fit(..., metrics=("accuracy",))`` looks names up in :data:`METRICS`; any callable ``fn(output, target) -> float``
works too and is logged under ``fn.__name__``.

Precision, recall and F1 are not means of per-batch values (a batch-weighted mean of F1 scores is not the F1 score
of the pass). :class:`ClassificationMetric` objects (``"precision"``, ``"recall"``, ``"f1"``, or e.g.
``F1(average="micro")``) therefore accumulate one confusion matrix over the whole pass and compute the value from
it, so ``fit``/``evaluate`` log the exact epoch value, as Keras and torchmetrics do.

Example:
    >>> import numpy as np
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1]))
    0.6666666666666666
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

__all__ = ["accuracy", "top_k_accuracy", "confusion_matrix", "precision", "recall", "f1", "f1_score",
           "precision_recall_f1", "ClassificationMetric", "Precision", "Recall", "F1", "METRICS", "get_metric",
           "resolve_metrics"]

Metric = Callable[[Any, Any], float]


def _array(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _class_targets(output: np.ndarray, target: np.ndarray, who: str) -> np.ndarray:
    """Class indices from ``target``: int labels ``(N,)`` as they are, one-hot/probabilities ``(N, C)`` by argmax."""
    if output.ndim != 2:
        raise ShapeError(f"{who}: expected output of shape (N, C) (class scores), got {output.shape}")
    if target.shape == output.shape:
        return target.argmax(axis=1)
    if target.shape != output.shape[:1]:
        raise ShapeError(
            f"{who}: expected target of shape (N,) with class indices or (N, C) with one-hot rows for output "
            f"{output.shape}, got {target.shape}"
        )
    return target


def accuracy(output: Any, target: Any) -> float:
    """The fraction of samples whose highest-scoring class is the target class.

    .. math:: \\text{accuracy} = \\frac{1}{N} \\sum_n [\\arg\\max_c \\text{output}_{n,c} = \\text{target}_n]

    Args:
        output: class scores (logits or probabilities; only their order matters).
        target: class indices, or one-hot / probability rows (their argmax is taken).

    Shape:
        output ``(N, C)``; target ``(N,)`` or ``(N, C)``.

    Raises:
        ShapeError: output is not 2-d, or target does not match it.

    Example:
        >>> accuracy(np.eye(3), np.array([0, 1, 0]))
        0.6666666666666666
    """
    out, tgt = _array(output), _array(target)
    tgt = _class_targets(out, tgt, "accuracy")
    if out.shape[0] == 0:
        return float("nan")
    return float(np.mean(out.argmax(axis=1) == tgt))


def top_k_accuracy(output: Any, target: Any, k: int = 5) -> float:
    """The fraction of samples whose target class is among the ``k`` highest scores.

    Args:
        output: class scores.
        target: class indices, or one-hot rows.
        k: how many of the top classes count as a hit (at least 1, at most C).

    Shape:
        output ``(N, C)``; target ``(N,)`` or ``(N, C)``.

    Raises:
        ShapeError: output is not 2-d, or target does not match it.
        ArgumentError: ``k`` outside ``[1, C]``.

    Example:
        >>> top_k_accuracy(np.array([[0.1, 0.5, 0.4]]), np.array([2]), k=2)
        1.0
    """
    out, tgt = _array(output), _array(target)
    tgt = _class_targets(out, tgt, "top_k_accuracy")
    n_classes = out.shape[1]
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= n_classes:
        raise ArgumentError(f"top_k_accuracy: expected k in [1, {n_classes}] (the number of classes), got {k!r}")
    if out.shape[0] == 0:
        return float("nan")
    top = np.argpartition(out, n_classes - k, axis=1)[:, n_classes - k:]
    return float(np.mean((top == tgt[:, None]).any(axis=1)))


def _labels(y: Any, who: str, name: str) -> np.ndarray:
    """Class indices ``(N,)``; ``(N, C)`` scores/probabilities become their argmax."""
    a = _array(y)
    if a.ndim == 2:
        a = a.argmax(axis=1)
    if a.ndim != 1:
        raise ShapeError(f"{who}: expected {name} to be class indices (N,) or scores (N, C), got shape {a.shape}")
    if a.dtype.kind not in "iu":
        if a.dtype.kind == "f" and a.size and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
            a = a.astype(np.int64)
        elif a.size:
            raise DTypeError(f"{who}: expected {name} to hold integer class indices, got dtype {a.dtype}")
    return a.astype(np.int64, copy=False)


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Counts ``M[t, p]`` of samples of true class ``t`` predicted as ``p`` (rows: truth, columns: prediction).

    Args:
        y_true: true class indices ``(N,)`` (or one-hot rows ``(N, C)``).
        y_pred: predicted class indices ``(N,)``, or scores ``(N, C)`` (their argmax is used).
        num_classes: ``K``; default the score columns of ``y_pred`` if it has them, else ``max(label) + 1``.

    Returns:
        int64 array ``(K, K)``; its trace is the number of correct predictions.

    Raises:
        ShapeError: the label arrays differ in length or are not 1-D.
        ArgumentError: a label outside ``[0, K)``.

    Example:
        >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2])
        array([[1, 0, 0],
               [0, 1, 1],
               [0, 0, 1]])
    """
    who = "confusion_matrix"
    pred = _array(y_pred)
    t, p = _labels(y_true, who, "y_true"), _labels(pred, who, "y_pred")
    if t.shape != p.shape:
        raise ShapeError(f"{who}: y_true has {t.shape[0]} labels but y_pred has {p.shape[0]}")
    if num_classes is None:
        k = pred.shape[1] if pred.ndim == 2 else int(max((y.max() for y in (t, p) if y.size), default=-1)) + 1
    else:
        import numnet._validation as V

        k = V.integer(num_classes, who, "num_classes", 1)
    for name, y in (("y_true", t), ("y_pred", p)):
        if y.size and (y.min() < 0 or y.max() >= k):
            raise ArgumentError(f"{who}: {name} holds labels in [{y.min()}, {y.max()}], expected [0, {k})")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


_AVERAGES = ("macro", "micro", "weighted", None)


def _from_confusion(cm: np.ndarray, which: str, average: str | None) -> float | np.ndarray:
    """Precision, recall or F1 from a confusion matrix ``cm[true, pred]``.

    Per class ``c``: precision ``TP/(TP+FP)`` (column sums), recall ``TP/(TP+FN)`` (row sums), F1 their harmonic
    mean ``2·TP/(2·TP+FP+FN)``; a class with a zero denominator scores 0 (scikit-learn's ``zero_division=0``).
    ``macro``: the unweighted mean over classes that occur in the targets or the predictions; ``weighted``: the
    mean weighted by each class's true count; ``micro``: computed from the summed counts (for single-label
    classification all three measures then equal accuracy); ``None``: the per-class array.
    """
    cm = cm.astype(np.float64)
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
    num = 2 * tp if which == "f1" else tp
    den = {"precision": tp + fp, "recall": tp + fn, "f1": 2 * tp + fp + fn}[which]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)
    if average is None:
        return per_class
    if average == "micro":
        return float(per_class[0])
    if average == "weighted":
        support = cm.sum(axis=1)
        return float((per_class * support).sum() / support.sum()) if support.sum() else float("nan")
    present = (cm.sum(axis=0) + cm.sum(axis=1)) > 0
    return float(per_class[present].mean()) if present.any() else float("nan")


def _check_average(average: Any, who: str) -> None:
    if average not in _AVERAGES:
        raise ArgumentError(f"{who}: expected average to be one of 'macro', 'micro', 'weighted' or None, "
                            f"got {average!r}")


def _scores(which: str, output: Any, target: Any, average: str | None, num_classes: int | None) -> Any:
    _check_average(average, which)
    return _from_confusion(confusion_matrix(target, output, num_classes), which, average)


def precision(output: Any, target: Any, average: str | None = "macro", num_classes: int | None = None) -> Any:
    """Precision ``TP / (TP + FP)``: of the samples predicted as a class, the fraction that belong to it.

    Args:
        output: class scores ``(N, C)`` or predicted class indices ``(N,)``.
        target: class indices ``(N,)`` (or one-hot rows).
        average: ``"macro"`` (mean over classes), ``"micro"`` (from summed counts), ``"weighted"`` (by class
            support) or ``None`` (a per-class array).
        num_classes: the number of classes (default: output's columns, else the largest label + 1).

    Example:
        >>> precision(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), average=None)
        array([0.5, 1. ])
    """
    return _scores("precision", output, target, average, num_classes)


def recall(output: Any, target: Any, average: str | None = "macro", num_classes: int | None = None) -> Any:
    """Recall ``TP / (TP + FN)``: of the samples of a class, the fraction predicted as it. Arguments as
    :func:`precision`.

    Example:
        >>> recall(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), average=None)
        array([1.        , 0.66666667])
    """
    return _scores("recall", output, target, average, num_classes)


def f1(output: Any, target: Any, average: str | None = "macro", num_classes: int | None = None) -> Any:
    """The F1 score ``2·P·R / (P + R) = 2·TP / (2·TP + FP + FN)``, per class then averaged. Arguments as
    :func:`precision`.

    Example:
        >>> round(f1(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1])), 4)
        0.7333
    """
    return _scores("f1", output, target, average, num_classes)


f1_score = f1  # scikit-learn's name


def precision_recall_f1(output: Any, target: Any, num_classes: int | None = None) -> dict[str, np.ndarray]:
    """Per-class ``{"precision", "recall", "f1", "support"}`` arrays from one confusion matrix (a report's rows)."""
    cm = confusion_matrix(target, output, num_classes)
    return {"precision": _from_confusion(cm, "precision", None), "recall": _from_confusion(cm, "recall", None),
            "f1": _from_confusion(cm, "f1", None), "support": cm.sum(axis=1)}


class ClassificationMetric:
    """Precision, recall or F1 for ``fit``/``evaluate``, exact over a whole pass.

    Called as ``metric(output, target)`` it scores one batch like :func:`precision`. The training loop instead
    calls :meth:`accumulator` once per pass, feeds every batch to the accumulator's ``update`` and logs its
    ``value()``: the score of the pass's summed confusion matrix, not a mean of batch scores.

    Args:
        which: ``"precision"``, ``"recall"`` or ``"f1"``.
        average: as :func:`precision`, but not ``None`` (a logged metric is one number).
        num_classes: fixed class count (default: the output's columns).
        name: the log name (default ``which``, with ``_<average>`` for averages other than macro).
    """

    def __init__(self, which: str, average: str = "macro", num_classes: int | None = None,
                 name: str | None = None) -> None:
        if which not in ("precision", "recall", "f1"):
            raise ArgumentError(f"ClassificationMetric: expected which to be 'precision', 'recall' or 'f1', "
                                f"got {which!r}")
        if average is None:
            raise ArgumentError("ClassificationMetric: a logged metric needs an average ('macro', 'micro' or "
                                "'weighted'); call numnet.metrics.precision(..., average=None) for per-class values")
        _check_average(average, which)
        self.which, self.average, self.num_classes = which, average, num_classes
        self.__name__ = name or (which if average == "macro" else f"{which}_{average}")

    def __call__(self, output: Any, target: Any) -> float:
        return _scores(self.which, output, target, self.average, self.num_classes)

    def accumulator(self) -> "_ConfusionAccumulator":
        return _ConfusionAccumulator(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(which={self.which!r}, average={self.average!r})"


class _ConfusionAccumulator:
    """The confusion matrix of one pass, grown batch by batch (its size follows the output's columns)."""

    def __init__(self, metric: ClassificationMetric) -> None:
        self.metric = metric
        self.cm = np.zeros((0, 0), np.int64)

    def update(self, output: Any, target: Any) -> None:
        cm = confusion_matrix(target, output, self.metric.num_classes)
        if cm.shape[0] > self.cm.shape[0]:
            grown = np.zeros_like(cm)
            grown[:self.cm.shape[0], :self.cm.shape[0]] = self.cm
            self.cm = grown
        self.cm[:cm.shape[0], :cm.shape[0]] += cm

    def value(self) -> float:
        return _from_confusion(self.cm, self.metric.which, self.metric.average) if self.cm.size else float("nan")


def Precision(average: str = "macro", num_classes: int | None = None) -> ClassificationMetric:  # noqa: N802
    """Precision as a ``fit`` metric (Keras's name); logged as ``precision`` (or ``precision_<average>``)."""
    return ClassificationMetric("precision", average, num_classes)


def Recall(average: str = "macro", num_classes: int | None = None) -> ClassificationMetric:  # noqa: N802
    """Recall as a ``fit`` metric (Keras's name)."""
    return ClassificationMetric("recall", average, num_classes)


def F1(average: str = "macro", num_classes: int | None = None) -> ClassificationMetric:  # noqa: N802
    """F1 as a ``fit`` metric (Keras's ``F1Score``)."""
    return ClassificationMetric("f1", average, num_classes)


def _top5_accuracy(output: Any, target: Any) -> float:
    return top_k_accuracy(output, target, k=5)


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "top5_accuracy": _top5_accuracy,
    "precision": ClassificationMetric("precision"),
    "recall": ClassificationMetric("recall"),
    "f1": ClassificationMetric("f1"),
    "f1_micro": ClassificationMetric("f1", "micro"),
    "f1_weighted": ClassificationMetric("f1", "weighted"),
}
"""Metric names accepted by ``fit``/``evaluate``; ``"acc"`` is logged as ``"accuracy"``."""

_CANONICAL = {"acc": "accuracy"}


def get_metric(name: str) -> Metric:
    """The metric function registered under ``name`` in :data:`METRICS`.

    Raises:
        ArgumentError: unknown name (the message lists the known ones).
    """
    try:
        return METRICS[name]
    except KeyError:
        raise ArgumentError(f"unknown metric {name!r}; expected one of {sorted(METRICS)} or a callable") from None


def resolve_metrics(metrics: Iterable[str | Metric] | str | None) -> dict[str, Metric]:
    """``{log_name: function}`` for a sequence of metric names and callables (``None`` → no metrics).

    Raises:
        ArgumentError: an unknown name, a non-callable entry, or two metrics logged under one name.
    """
    if metrics is None:
        return {}
    if isinstance(metrics, str) or callable(metrics):
        metrics = [metrics]
    out: dict[str, Metric] = {}
    for m in metrics:
        if isinstance(m, str):
            name, fn = _CANONICAL.get(m, m), get_metric(m)
        elif callable(m):
            name, fn = getattr(m, "__name__", type(m).__name__), m
        else:
            raise ArgumentError(f"metrics: expected metric names or callables, got {type(m).__name__}")
        if name in ("loss", "lr") or name in out:
            raise ArgumentError(f"metrics: the name {name!r} is used twice (or clashes with 'loss'/'lr')")
        out[name] = fn
    return out
