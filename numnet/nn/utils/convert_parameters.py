"""PyTorch's :func:`parameters_to_vector` and :func:`vector_to_parameters`: all parameters as one flat vector and
back (for line searches, second-order methods, weight averaging)."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.creation import cat
from numnet.errors import DTypeError, ShapeError
from numnet.nn.utils.clip_grad import _tensors
from numnet.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """The parameters flattened and concatenated in order into one 1-D Tensor.

    The result is differentiable (a concatenation of reshapes): gradients flow back to the parameters.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
    (8,)
    """
    items = _tensors(parameters, "parameters_to_vector", "parameters")
    if not items:
        raise ShapeError("parameters_to_vector: expected at least one parameter, got none")  # torch.cat([]) fails too
    return cat([p.reshape(-1) for p in items])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Set the parameters from slices of the 1-D ``vec``, in order (the inverse of :func:`parameters_to_vector`).

    As in PyTorch, each parameter's ``data`` becomes a view of ``vec`` (they share memory, and take ``vec``'s
    dtype); the Parameter objects stay the same, so an optimizer holding them still works.

    Raises:
        DTypeError: ``vec`` is not a Tensor.
        ShapeError: ``vec`` is not 1-D, or its length is not the parameters' total size (PyTorch ignores extra
            elements; numnet refuses them so a wrong vector is never half-used).
    """
    if not isinstance(vec, Tensor):
        raise DTypeError(f"vector_to_parameters: expected vec to be a numnet Tensor, got {type(vec).__name__}")
    items = _tensors(parameters, "vector_to_parameters", "parameters")
    if vec.ndim != 1:
        raise ShapeError(f"vector_to_parameters: expected vec to be 1-D, got shape {vec.shape}")
    total = int(sum(p._data.size for p in items))
    if vec.shape[0] != total:
        raise ShapeError(f"vector_to_parameters: expected vec of length {total} (the parameters' total size), "
                         f"got {vec.shape[0]}")
    pointer = 0
    for p in items:
        n = p._data.size
        p._data = np.reshape(vec._data[pointer:pointer + n], p._data.shape)
        pointer += n
