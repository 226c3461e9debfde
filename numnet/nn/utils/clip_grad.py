"""Gradient clipping, PyTorch's: :func:`clip_grad_norm_` (rescale all gradients so their joint norm is at most
``max_norm``), :func:`clip_grad_value_` (clamp every gradient element), and the two halves of the former,
:func:`get_total_norm` and :func:`clip_grads_with_norm_`.

All of them work on ``p.grad`` in place and skip parameters whose ``grad`` is None. They run outside the autograd
graph (PyTorch's ``@no_grad``): the gradients are plain arrays to them.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]

TensorOrTensors = "Tensor | Iterable[Tensor]"


def _tensors(tensors: Any, op: str, name: str) -> list[Tensor]:
    """A single Tensor or an iterable of Tensors (e.g. ``model.parameters()``, a generator) as a list."""
    if isinstance(tensors, Tensor):
        return [tensors]
    try:
        items = list(tensors)
    except TypeError:
        raise DTypeError(V.expected(op, name, "a Tensor or an iterable of Tensors",
                                    got=type(tensors).__name__)) from None
    for t in items:
        if not isinstance(t, Tensor):
            raise DTypeError(V.expected(op, name, "a Tensor or an iterable of Tensors",
                                        got=f"an iterable holding a {type(t).__name__}"))
    return items


def _grads(parameters: Any, op: str) -> list[Tensor]:
    return [p.grad for p in _tensors(parameters, op, "parameters") if p.grad is not None]


def _norm_type(norm_type: Any, op: str) -> float:
    # PyTorch calls float(norm_type), so 'inf' (a string) is accepted and means the max norm
    if isinstance(norm_type, bool):
        raise DTypeError(V.expected(op, "norm_type", "a real number or 'inf'", norm_type))
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise DTypeError(V.expected(op, "norm_type", "a real number or 'inf'", norm_type)) from None
    if math.isnan(p):
        raise ArgumentError(V.expected(op, "norm_type", "a real number or 'inf'", norm_type))
    return p


def _foreach(foreach: Any, op: str) -> None:
    # PyTorch's switch between a fused and a per-tensor loop; the result is the same, numnet has one loop
    if foreach is not None:
        V.boolean(foreach, op, "foreach")


def _vector_norm(a: np.ndarray, p: float) -> np.ndarray:
    """``torch.linalg.vector_norm(a, p)`` over all elements, in ``a``'s dtype (a 0-d array)."""
    x = np.abs(a.ravel())
    if p == math.inf:
        out = x.max(initial=0)
    elif p == -math.inf:
        out = x.min() if x.size else np.asarray(math.inf, a.dtype)
    elif p == 0:
        out = np.count_nonzero(x)
    elif p == 1:
        out = x.sum()
    elif p == 2:
        out = np.sqrt(np.dot(x, x))
    else:
        out = np.sum(x ** p) ** (1.0 / p)
    return np.asarray(out, dtype=a.dtype)


def get_total_norm(tensors: Any, norm_type: float | str = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    r"""The ``norm_type``-norm of ``tensors`` taken together as one vector: :math:`\|(\|t_1\|_p, \dots,
    \|t_n\|_p)\|_p`.

    Args:
        tensors: a Tensor or an iterable of Tensors (their values, not their grads).
        norm_type: ``p`` of the p-norm; ``inf`` or ``'inf'`` for the largest absolute value.
        error_if_nonfinite: raise if the norm is NaN or infinite.
        foreach: accepted for PyTorch compatibility (None/True/False); there is one implementation.

    Returns:
        A 0-d Tensor in the tensors' (promoted) dtype; ``tensor(0.)`` (float32) when there are none.

    Raises:
        ArgumentError: ``error_if_nonfinite`` and the norm is NaN or infinite (PyTorch raises RuntimeError).
    """
    op = "get_total_norm"
    items = _tensors(tensors, op, "tensors")
    p = _norm_type(norm_type, op)
    error_if_nonfinite = V.boolean(error_if_nonfinite, op, "error_if_nonfinite")
    _foreach(foreach, op)
    if not items:
        return Tensor(np.asarray(0.0, np.float32))
    dtype = np.result_type(*[t._data.dtype for t in items])
    norms = np.stack([_vector_norm(t._data, p).astype(dtype) for t in items])
    total = _vector_norm(norms, p)
    if error_if_nonfinite and not np.isfinite(total):
        raise ArgumentError(f"{op}: the total norm of order {p} of the gradients is non-finite ({total}), so it "
                            f"cannot be clipped; pass error_if_nonfinite=False to scale the gradients by it anyway")
    return Tensor(total)


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Tensor, foreach: bool | None = None) -> None:
    r"""Scale every gradient by :math:`\min(\text{max\_norm} / (\text{total\_norm} + 10^{-6}), 1)`, in place."""
    op = "clip_grads_with_norm_"
    grads = _grads(parameters, op)
    max_norm = V.real(max_norm, op, "max_norm")
    if not isinstance(total_norm, Tensor):
        total_norm = Tensor(np.asarray(V.real(total_norm, op, "total_norm")))
    _foreach(foreach, op)
    if not grads:
        return
    coef = np.minimum(np.asarray(max_norm, total_norm._data.dtype) / (total_norm._data + 1e-6), 1.0)
    for g in grads:
        g._data *= coef.astype(g._data.dtype)  # in place, keeping each gradient's dtype (PyTorch's mul_)


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float | str = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    r"""Rescale the gradients of ``parameters`` in place so that their joint norm is at most ``max_norm``.

    With :math:`N = \|(\|g_1\|_p, \dots, \|g_n\|_p)\|_p` (the norm of all gradients as one vector), every
    gradient becomes :math:`g_i \cdot \min(\text{max\_norm} / (N + 10^{-6}), 1)`.

    Args:
        parameters: a Tensor or an iterable of Tensors (e.g. ``model.parameters()``); those without a grad are
            skipped.
        max_norm: the largest allowed norm.
        norm_type: ``p`` of the p-norm; ``inf`` or ``'inf'`` for the largest absolute value.
        error_if_nonfinite: raise if the total norm is NaN or infinite (else the gradients are scaled by it).
        foreach: accepted for PyTorch compatibility; there is one implementation.

    Returns:
        The total norm :math:`N` before clipping, a 0-d Tensor.

    Raises:
        ArgumentError: ``error_if_nonfinite`` and the norm is NaN or infinite (PyTorch raises RuntimeError).

    >>> import numnet
    >>> w = numnet.zeros(2, requires_grad=True)
    >>> w.grad = numnet.tensor([3.0, 4.0])
    >>> numnet.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad.numpy().round(4)  # 3/5 and 4/5, short of them by the 1e-6 in the denominator
    array([0.6, 0.8], dtype=float32)
    """
    op = "clip_grad_norm_"
    params = _tensors(parameters, op, "parameters")  # a generator is read once, here
    max_norm = V.real(max_norm, op, "max_norm")
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    r"""Clamp every gradient element into :math:`[-\text{clip\_value}, \text{clip\_value}]`, in place.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a grad are skipped.
        clip_value: the bound (PyTorch does not check its sign; a negative one sets every element to it).
        foreach: accepted for PyTorch compatibility; there is one implementation.

    >>> import numnet
    >>> w = numnet.zeros(3, requires_grad=True)
    >>> w.grad = numnet.tensor([-2.0, 0.5, 3.0])
    >>> numnet.nn.utils.clip_grad_value_(w, 1.0)
    >>> w.grad
    tensor([-1. ,  0.5,  1. ])
    """
    op = "clip_grad_value_"
    grads = _grads(parameters, op)
    clip_value = V.real(clip_value, op, "clip_value")
    _foreach(foreach, op)
    for g in grads:
        # clamp(min=-c, max=c): the max wins when -c > c, as in torch.clamp
        np.minimum(np.maximum(g._data, -clip_value), clip_value, out=g._data, casting="unsafe")
