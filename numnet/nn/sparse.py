"""Lookup layers: :class:`Embedding` (math on :func:`numnet.functional.embedding`)."""

from __future__ import annotations

from typing import Any

import numpy as np

import numnet.functional as F
from numnet import _validation as V
from numnet.device import as_device
from numnet.errors import ArgumentError, ShapeError
from numnet.functional.embedding import padding_idx_arg
from numnet.nn import init
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by integer index.

    The gradient is scatter-added into the rows used (a row used twice gets both gradients); row ``padding_idx``
    is initialised to zeros and never gets a gradient.

    Args:
        num_embeddings: the number of rows.
        embedding_dim: the size of each row.
        padding_idx: a row (negative counts from the end) kept at zero with no gradient, or None.
        max_norm, norm_type, scale_grad_by_freq, sparse: PyTorch's options; only their defaults (None, 2.0, False,
            False) are supported (a deliberate difference: ArgumentError otherwise).
        _weight: an initial weight ``(num_embeddings, embedding_dim)`` to use instead of N(0, 1), as in PyTorch.
        _freeze: make the weight not require grad.
        device: the CPU only (numnet's one device).
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(num_embeddings, embedding_dim)`` from N(0, 1) (PyTorch's init), row ``padding_idx`` zeroed.

    Shape:
        ``(*)`` integer indices → ``(*, embedding_dim)``.

    >>> import numnet
    >>> from numnet import nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb
    Embedding(10, 3, padding_idx=0)
    >>> emb(numnet.tensor([[0, 4], [9, 0]])).shape
    (2, 2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        as_device(device, "Embedding")
        self.num_embeddings = V.integer(num_embeddings, "Embedding", "num_embeddings", minimum=1)
        self.embedding_dim = V.integer(embedding_dim, "Embedding", "embedding_dim", minimum=1)
        self.padding_idx = padding_idx_arg(padding_idx, self.num_embeddings, "Embedding")
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise ArgumentError("Embedding: max_norm, scale_grad_by_freq=True and sparse=True are not supported by "
                                "numnet (expected max_norm=None, scale_grad_by_freq=False, sparse=False)")
        self.max_norm, self.norm_type = None, V.real(norm_type, "Embedding", "norm_type")
        self.scale_grad_by_freq, self.sparse = False, False
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            self.weight = Parameter(np.empty(shape, dtype=V.float_dtype(dtype, "Embedding")),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            V.float_tensor(_weight, "Embedding", "_weight")
            if tuple(_weight.shape) != shape:
                raise ShapeError(f"Embedding: expected _weight of shape {shape} (num_embeddings, embedding_dim), "
                                 f"got {tuple(_weight.shape)}")
            self.weight = Parameter(np.array(_weight._data), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """weight ~ N(0, 1), then row ``padding_idx`` set to zero (PyTorch's init)."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> "Embedding":
        """An Embedding whose weight is a copy of the 2-D ``embeddings``; frozen (no gradient) unless
        ``freeze=False``. The padding row is kept as given, as in PyTorch."""
        V.float_tensor(embeddings, "Embedding.from_pretrained", "embeddings")
        if embeddings.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: expected embeddings to be 2-D (num_embeddings, "
                             f"embedding_dim), got shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight=embeddings,
                   _freeze=V.boolean(freeze, "Embedding.from_pretrained", "freeze"))
