"""``numnet.linalg``: the part of ``torch.linalg`` numnet has, today ``vector_norm`` (the decompositions and solvers
are out of scope, see docs/ops.md)."""

from __future__ import annotations

from typing import Any

from numnet import _validation as V
from numnet.tensor import Tensor

__all__ = ["vector_norm"]


def vector_norm(x: Tensor, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """``torch.linalg.vector_norm``: the p-norm (p = ``ord``) of ``x`` over ``dim`` (every element when None), as
    :meth:`numnet.Tensor.norm` computes it (same gradient rules); ``ord`` is a number (inf, -inf, 0, 1, 2, ...).

    Raises:
        DTypeError: if ``x`` is not a Tensor, is not floating-point, or ``ord`` is not a number.
    """
    V.tensor(x, "vector_norm", "x")
    V.real(ord, "vector_norm", "ord", finite=False)
    return x.norm(ord, dim, keepdim, dtype)
