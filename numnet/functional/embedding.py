"""Embedding lookups and one-hot encoding: ``embedding``, ``one_hot``.

``embedding`` validates and calls :class:`numnet.ops.embedding.EmbeddingOp`, whose backward scatter-adds into the
weight; ``one_hot`` is not differentiable and returns int64, as PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops.embedding import EmbeddingOp
from numnet.tensor import Tensor

__all__ = ["embedding", "one_hot"]


def padding_idx_arg(padding_idx: Any, num_embeddings: int, op: str) -> int | None:
    """``padding_idx`` made non-negative: None, or an int in [−num_embeddings, num_embeddings) (PyTorch's rule)."""
    if padding_idx is None:
        return None
    what = f"None or an int in [{-num_embeddings}, {num_embeddings - 1}]"
    if not V.is_int(padding_idx):
        raise DTypeError(V.expected(op, "padding_idx", what, padding_idx))
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ArgumentError(V.expected(op, "padding_idx", what, padding_idx))
    return int(padding_idx) % num_embeddings


def _indices(input: Any, op: str, name: str = "input") -> np.ndarray:  # noqa: A002
    """The integer array of an index tensor (any integer dtype, any shape)."""
    V.tensor(input, op, name)
    if input.dtype.kind not in "iu":
        raise DTypeError(V.expected(op, name, "an integer Tensor of indices", got=f"dtype {input.dtype}; "
                                      f"convert it with .long()"))
    return input._data


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Look up rows of ``weight``: ``out[i…] = weight[input[i…]]``.

    .. math:: y_{i\\ldots} = W_{x_{i\\ldots}}, \\qquad
        \\frac{\\partial L}{\\partial W_r} = \\sum_{i\\ldots:\\,x_{i\\ldots} = r} g_{i\\ldots}

    The gradient is scatter-added into ``weight`` (a row used several times gets the sum); row ``padding_idx``
    gets no gradient.

    Deliberate differences: ``max_norm`` (renormalising rows in place), ``scale_grad_by_freq=True`` and
    ``sparse=True`` are not supported and raise ArgumentError.

    Args:
        input: an integer tensor of indices, any shape, each in [0, num_embeddings).
        weight: a floating-point tensor ``(num_embeddings, embedding_dim)``.
        padding_idx: a row that gets no gradient (negative counts from the end), or None.
        max_norm, norm_type, scale_grad_by_freq, sparse: see above.

    Shape:
        ``(*) → (*, embedding_dim)``, ``weight``'s dtype.

    Raises:
        DTypeError: ``input`` is not an integer tensor, ``weight`` not a floating-point one, or ``padding_idx`` not
            an int.
        ShapeError: ``weight`` is not 2-D.
        ArgumentError: an index or ``padding_idx`` is out of range, or an unsupported option is set.

    Example:
        >>> import numnet, numnet.functional as F
        >>> w = numnet.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]])
        >>> F.embedding(numnet.tensor([[2, 1], [1, 0]]), w)
        tensor([[[3., 4.],
                 [1., 2.]],
        <BLANKLINE>
                [[1., 2.],
                 [0., 0.]]])
    """
    idx = _indices(input, "embedding")
    V.float_tensor(weight, "embedding", "weight")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: expected weight of shape (num_embeddings, embedding_dim), got "
                         f"{tuple(weight.shape)}")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise ArgumentError("embedding: max_norm, scale_grad_by_freq=True and sparse=True are not supported by "
                            "numnet (expected max_norm=None, scale_grad_by_freq=False, sparse=False)")
    n = weight.shape[0]
    pad = padding_idx_arg(padding_idx, n, "embedding")
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ArgumentError(V.expected("embedding", "every index in input", f"in [0, {n - 1}] "
                                           f"(num_embeddings={n})", bad))
    return EmbeddingOp.apply(weight, indices=idx.astype(np.intp, copy=False), padding_idx=pad)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding: ``out[i…, k] = 1`` if ``tensor[i…] == k`` else 0, as int64.

    With ``num_classes=-1`` the number of classes is ``tensor.max() + 1`` (an empty tensor then raises, as in
    PyTorch). Not differentiable.

    Deliberate difference: PyTorch accepts only int64 ("LongTensor") input; numnet accepts any integer dtype
    (the result is int64 either way).

    Args:
        tensor: an integer tensor of class indices, any shape, each in [0, num_classes).
        num_classes: the number of classes, or -1 to infer it. Default -1.

    Shape:
        ``(*) → (*, num_classes)``, int64.

    Raises:
        DTypeError: ``tensor`` is not an integer tensor, or ``num_classes`` is not an int.
        ArgumentError: a value is negative or not below ``num_classes``, ``num_classes`` < -1, or it is -1 for an
            empty tensor.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.one_hot(numnet.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    idx = _indices(tensor, "one_hot", "tensor")
    k = V.integer(num_classes, "one_hot", "num_classes", minimum=-1)
    if idx.size and int(idx.min()) < 0:
        raise ArgumentError(V.expected("one_hot", "every value of tensor", "non-negative", int(idx.min())))
    if k == -1:
        if idx.size == 0:
            raise ArgumentError("one_hot: cannot infer num_classes from an empty tensor (pass num_classes)")
        k = int(idx.max()) + 1
    elif idx.size and int(idx.max()) >= k:
        raise ArgumentError(V.expected("one_hot", "every value of tensor", f"smaller than num_classes={k}",
                                       int(idx.max())))
    out = np.zeros(idx.shape + (k,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None].astype(np.intp, copy=False), 1, axis=-1)
    return Tensor(out)
