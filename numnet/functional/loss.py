"""Loss functions: ``mse_loss``, ``cross_entropy``, ``nll_loss``, ``binary_cross_entropy``,
``binary_cross_entropy_with_logits``.

Each validates its arguments and calls one fused primitive from :mod:`numnet.ops.loss`. ``reduction`` is one of
``'none'`` (per-element losses), ``'mean'`` (default) or ``'sum'``. Class weights and ``pos_weight`` are constants:
they receive no gradient (PyTorch does not differentiate them either).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import loss as L
from numnet.tensor import Tensor

__all__ = ["mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: Any, op: str) -> str:
    return V.choice(reduction, op, "reduction", _REDUCTIONS)


def _float_target(input: Tensor, target: Any, op: str) -> Tensor:  # noqa: A002
    """A float target of exactly the input's shape, converted to the input's dtype (differentiably)."""
    V.float_tensor(target, op, "target")
    if target.shape != input.shape:
        raise ShapeError(f"{op}: target shape {tuple(target.shape)} must equal input shape {tuple(input.shape)}")
    return target.to(input.dtype)


def _const_array(t: Any, op: str, name: str, input: Tensor,  # noqa: A002
                 shape: tuple[int, ...] | None = None) -> np.ndarray | None:
    """A weight-like tensor as a constant array in the input's dtype; either exactly ``shape`` or, when ``shape`` is
    None, broadcastable to the input's shape without enlarging it."""
    if t is None:
        return None
    V.float_tensor(t, op, name)
    if shape is not None:
        if t.shape != shape:
            raise ShapeError(f"{op}: {name} must have shape {shape} (one value per class), got {tuple(t.shape)}")
    else:
        try:
            ok = np.broadcast_shapes(t.shape, input.shape) == input.shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"{op}: {name} of shape {tuple(t.shape)} does not broadcast to the input shape "
                             f"{tuple(input.shape)}")
    return t._data.astype(input.dtype, copy=False)


def _class_input(input: Any, op: str) -> int:  # noqa: A002
    """Validate logits / log-probabilities laid out (N, C, d1, …) or (C,); return C."""
    V.float_tensor(input, op)
    if input.ndim == 0:
        raise ShapeError(f"{op}: expected input of shape (N, C), (N, C, d1, ...) or (C,), got a 0-d tensor")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if c == 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} has no classes (C = 0)")
    return c


def _class_target(input: Tensor, target: Any, n_classes: int, ignore_index: int, op: str) -> np.ndarray:  # noqa: A002
    """Validate integer class indices (N, d1, …) (or a scalar for a (C,) input) and their range."""
    expected = () if input.ndim == 1 else (input.shape[0],) + tuple(input.shape[2:])
    if target.dtype.kind not in "iu":
        raise DTypeError(f"{op}: expected target of integer class indices (e.g. int64), got dtype {target.dtype}"
                         + (" (a float target of the input's shape would be class probabilities)"
                            if op == "cross_entropy" else ""))
    if target.shape != expected:
        raise ShapeError(f"{op}: expected target of shape {expected} for input of shape {tuple(input.shape)}, "
                         f"got {tuple(target.shape)}")
    t = target._data
    bad = ((t < 0) | (t >= n_classes)) & (t != ignore_index)
    if bad.any():
        value = int(t[bad].flat[0])
        raise ArgumentError(f"{op}: target {value} is out of bounds for {n_classes} classes "
                            f"(expected 0 to {n_classes - 1}, or ignore_index={ignore_index})")
    return t


def _check_ignore_index(ignore_index: Any, op: str) -> int:
    return V.integer(ignore_index, op, "ignore_index")


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error between ``input`` and ``target``.

    .. math:: \\ell_i = (x_i - t_i)^2, \\qquad \\text{'mean'}: \\frac1n\\sum_i \\ell_i

    Args:
        input: floating-point tensor of any shape.
        target: floating-point tensor of the same shape (may require grad; it is cast to ``input``'s dtype).
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.

    Shape:
        ``(*), (*) → ()``, or ``(*)`` with ``reduction='none'``.

    Raises:
        DTypeError: ``input`` or ``target`` is not a floating-point tensor.
        ShapeError: ``target`` has a different shape (Note: PyTorch broadcasts with a warning; numnet refuses).
        ArgumentError: unknown ``reduction``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.mse_loss(numnet.tensor([1.0, 2.0]), numnet.tensor([0.0, 0.0]))
        tensor(2.5)
    """
    V.float_tensor(input, "mse_loss")
    target = _float_target(input, target, "mse_loss")
    reduction = _check_reduction(reduction, "mse_loss")
    return L.MSELossOp.apply(input, target, reduction=reduction)


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets: a log-softmax over the class axis fused with the NLL.

    With class-index targets ``t``, class weights ``w`` (1 when None), ``ε = label_smoothing`` and C classes:

    .. math::
        \\ell_n = -(1-\\varepsilon)\\, w_{t_n} \\log p_{n,t_n} - \\frac{\\varepsilon}{C} \\sum_c w_c \\log p_{n,c},
        \\qquad p_n = \\mathrm{softmax}(x_n)

    and ``ℓ_n = 0`` where ``t_n == ignore_index``. ``'mean'`` divides Σℓ by Σ w_{t_n} over the non-ignored targets
    (the plain count without weights), exactly as PyTorch; if every target is ignored the mean is NaN. The
    log-softmax uses the max-shifted log-sum-exp, so logits of ±1e4 give finite, exact losses; the gradient is
    ``p·Σq − q`` for the smoothed, weighted target distribution ``q`` (``p − onehot(t)`` in the plain case).

    A float ``target`` with the input's shape holds class probabilities instead; then
    ``ℓ_n = −Σ_c w_c ((1−ε) t_{n,c} + ε/C) log p_{n,c}`` and ``'mean'`` divides by the number of samples.

    Args:
        input: logits ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``, floating point.
        target: integer class indices ``(N)``, ``(N, d1, ...)`` or ``()`` in ``[0, C)`` (or ``ignore_index``);
            or class probabilities with the input's shape.
        weight: per-class weights ``(C,)`` or None.
        ignore_index: target value that contributes nothing (class-index targets only). Default -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.
        label_smoothing: ε in [0, 1]. Default 0.

    Shape:
        ``(N, C, d1, ...) → ()``, or ``(N, d1, ...)`` with ``reduction='none'``.

    Raises:
        DTypeError: ``input`` not floating point; ``target`` neither integer indices nor float probabilities of the
            input's shape; ``ignore_index`` not an int or ``label_smoothing`` not a number.
        ShapeError: ``target`` or ``weight`` shape does not match ``input``.
        ArgumentError: a target outside ``[0, C)``; unknown ``reduction``; ``label_smoothing`` outside [0, 1].

    Example:
        >>> import numnet, numnet.functional as F
        >>> logits = numnet.tensor([[2.0, 0.0, 0.0], [0.0, 1e4, 0.0]])
        >>> F.cross_entropy(logits, numnet.tensor([0, 1]))
        tensor(0.11977242)
    """
    c = _class_input(input, "cross_entropy")
    V.tensor(target, "cross_entropy", "target")
    reduction = _check_reduction(reduction, "cross_entropy")
    ignore_index = _check_ignore_index(ignore_index, "cross_entropy")
    eps = V.probability(label_smoothing, "cross_entropy", "label_smoothing")
    w = _const_array(weight, "cross_entropy", "weight", input, (c,))
    if target.dtype.kind == "f" and target.shape == input.shape:
        return L.SoftCrossEntropyOp.apply(input, target.to(input.dtype), weight=w, reduction=reduction,
                                        label_smoothing=eps)
    t = _class_target(input, target, c, ignore_index, "cross_entropy")
    return L.CrossEntropyOp.apply(input, target=t, weight=w, ignore_index=ignore_index, reduction=reduction,
                                label_smoothing=eps)


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of class-index targets, given log-probabilities (e.g. from ``log_softmax``).

    .. math:: \\ell_n = -w_{t_n}\\, x_{n, t_n}, \\qquad \\text{'mean'}: \\sum_n \\ell_n \\Big/ \\sum_{n: t_n \\ne
        \\text{ignore\\_index}} w_{t_n}

    with ``ℓ_n = 0`` for ignored targets (the mean of an all-ignored batch is NaN, as in PyTorch).

    Args:
        input: log-probabilities ``(N, C)``, ``(N, C, d1, ...)`` or ``(C,)``, floating point.
        target: integer class indices ``(N)``, ``(N, d1, ...)`` or ``()`` in ``[0, C)`` (or ``ignore_index``).
        weight: per-class weights ``(C,)`` or None.
        ignore_index: target value that contributes nothing. Default -100.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.

    Shape:
        ``(N, C, d1, ...) → ()``, or ``(N, d1, ...)`` with ``reduction='none'``.

    Raises:
        DTypeError: ``input`` not floating point, ``target`` not integer, or ``ignore_index`` not an int.
        ShapeError: ``target`` or ``weight`` shape does not match ``input``.
        ArgumentError: a target outside ``[0, C)``; unknown ``reduction``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> logp = numnet.tensor([[-0.5, -1.0], [-2.0, -0.1]])
        >>> F.nll_loss(logp, numnet.tensor([0, 1]))
        tensor(0.3)
    """
    c = _class_input(input, "nll_loss")
    V.tensor(target, "nll_loss", "target")
    reduction = _check_reduction(reduction, "nll_loss")
    ignore_index = _check_ignore_index(ignore_index, "nll_loss")
    w = _const_array(weight, "nll_loss", "weight", input, (c,))
    t = _class_target(input, target, c, ignore_index, "nll_loss")
    return L.NLLLossOp.apply(input, target=t, weight=w, ignore_index=ignore_index, reduction=reduction)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    .. math:: \\ell_i = -w_i\\,\\big(t_i \\max(\\log x_i, -100) + (1 - t_i) \\max(\\log(1 - x_i), -100)\\big)

    The logs are clamped at −100 as in PyTorch, so x = 0 or 1 gives a finite loss. For logits prefer
    :func:`binary_cross_entropy_with_logits`, which is stable without clamping.

    Note: the gradient for ``target`` is that of the clamped loss, ``w·(max(log(1−x), −100) − max(log x, −100))``;
    PyTorch uses the unclamped ``−w·logit(x)``, which differs (and is ±inf) only where x is within e⁻¹⁰⁰ of 0 or 1.

    Args:
        input: probabilities in [0, 1], floating point, any shape.
        target: floating-point tensor of the same shape (may require grad).
        weight: rescaling weight broadcastable to the input's shape, or None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.

    Shape:
        ``(*), (*) → ()``, or ``(*)`` with ``reduction='none'``.

    Raises:
        DTypeError: ``input``, ``target`` or ``weight`` not floating point.
        ShapeError: ``target`` shape differs from ``input``'s, or ``weight`` does not broadcast to it.
        ArgumentError: an input value outside [0, 1]; unknown ``reduction``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.binary_cross_entropy(numnet.tensor([0.5, 1.0]), numnet.tensor([1.0, 0.0]), reduction='none')
        tensor([  0.6931472, 100.       ])
    """
    V.float_tensor(input, "binary_cross_entropy")
    target = _float_target(input, target, "binary_cross_entropy")
    reduction = _check_reduction(reduction, "binary_cross_entropy")
    w = _const_array(weight, "binary_cross_entropy", "weight", input)
    x = input._data
    outside = (x < 0) | (x > 1)
    if outside.any():
        raise ArgumentError(f"binary_cross_entropy: all elements of input should be probabilities in [0, 1], "
                            f"got {x[outside].flat[0]} (use binary_cross_entropy_with_logits for logits)")
    return L.BCELossOp.apply(input, target, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """Binary cross-entropy on logits: a sigmoid fused with the BCE, stable for any logit.

    .. math::
        \\ell_i = -w_i\\,\\big(p\\,t_i \\log\\sigma(x_i) + (1 - t_i)\\log(1 - \\sigma(x_i))\\big)
               = w_i\\,\\big((1 - t_i)\\,x_i + (1 + (p - 1)\\,t_i)\\,\\mathrm{softplus}(-x_i)\\big)

    with ``p = pos_weight`` (1 when None), and ``softplus(z) = max(z, 0) + log1p(e^{−|z|})`` so nothing overflows.

    Args:
        input: logits, floating point, any shape.
        target: floating-point tensor of the same shape, usually in [0, 1] (may require grad).
        weight: rescaling weight broadcastable to the input's shape, or None.
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``. Default ``'mean'``.
        pos_weight: weight of positive examples, broadcastable to the input (typically ``(C,)`` against the last
            axis), or None.

    Shape:
        ``(*), (*) → ()``, or ``(*)`` with ``reduction='none'``.

    Raises:
        DTypeError: ``input``, ``target``, ``weight`` or ``pos_weight`` not floating point.
        ShapeError: ``target`` shape differs from ``input``'s, or a weight does not broadcast to it.
        ArgumentError: unknown ``reduction``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.binary_cross_entropy_with_logits(numnet.tensor([-1e4, 0.0]), numnet.tensor([1.0, 0.0]),
        ...                                    reduction='none')
        tensor([1.000000e+04, 6.931472e-01])
    """
    op = "binary_cross_entropy_with_logits"
    V.float_tensor(input, op)
    target = _float_target(input, target, op)
    reduction = _check_reduction(reduction, op)
    w = _const_array(weight, op, "weight", input)
    pw = _const_array(pos_weight, op, "pos_weight", input)
    return L.BCEWithLogitsOp.apply(input, target, weight=w, pos_weight=pw, reduction=reduction)
