"""Metrics for :func:`numnet.train.fit` and :func:`numnet.train.evaluate`: plain functions of (output, target).

A metric takes the model's output and the targets of one batch (numnet Tensors or NumPy arrays) and returns a Python
float, the batch mean. The training loop weights each batch's value by its size, so the epoch value is the mean over
all samples (exact for :func:`accuracy`, whatever the batch sizes).

``fit(..., metrics=("accuracy",))`` looks names up in :data:`METRICS`; any callable ``fn(output, target) -> float``
works too and is logged under ``fn.__name__``.

Example:
    >>> import numpy as np
    >>> accuracy(np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]]), np.array([0, 1, 1]))
    0.6666666666666666
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from numnet.errors import ArgumentError, ShapeError
from numnet.tensor import Tensor

__all__ = ["accuracy", "top_k_accuracy", "METRICS", "get_metric", "resolve_metrics"]

Metric = Callable[[Any, Any], float]


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


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


def _top5_accuracy(output: Any, target: Any) -> float:
    return top_k_accuracy(output, target, k=5)


METRICS: dict[str, Metric] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "top5_accuracy": _top5_accuracy,
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
