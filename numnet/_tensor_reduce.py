"""The reduction methods of :class:`numnet.Tensor` (``sum``, ``mean``, ``var``, ``max``, ``min``, ``argmax``,
``argmin``): argument checks and dtype rules here, every derivative in :mod:`numnet.ops.reduce`.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from numnet import _validation as V
from numnet._dims import _norm_dim, _norm_dims
from numnet.autograd import _tensor_class
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import reduce, shape

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _reduce_dtype(t: "Tensor", dtype: Any, op: str) -> "Tensor":
    """``t`` cast to ``dtype`` when given (PyTorch's ``dtype=`` of sum/prod/cumsum), else bool/int → int64."""
    if dtype is not None:
        return t.to(np.dtype(dtype))
    return t if t._data.dtype.kind not in "biu" or t._data.dtype == np.int64 else t.to(np.int64)


class _ReduceMethods:
    __slots__ = ()

    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> "Tensor":
        """Sum over ``dim`` (all dims when None); bool and int tensors sum to int64."""
        if keepdim is not False and keepdim is not True:  # the check (and its message) off the common path
            V.boolean(keepdim, "sum", "keepdim")
        axis = _norm_dims(dim, self.ndim, "sum")
        x = self if self._data.dtype.kind not in "biu" or self._data.dtype == np.int64 else self.to(np.int64)
        return reduce.SumOp.apply(x, axis=axis, keepdims=keepdim)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> "Tensor":
        """Mean over ``dim`` (all dims when None).

        Raises:
            DTypeError: for integer or bool tensors (as in PyTorch).
        """
        V.boolean(keepdim, "mean", "keepdim")
        if self._data.dtype.kind not in "fc":
            raise DTypeError(f"mean: needs a floating-point tensor, got dtype {self.dtype}")
        return reduce.MeanOp.apply(self, axis=_norm_dims(dim, self.ndim, "mean"), keepdims=keepdim)

    def var(self, dim: int | Sequence[int] | None = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> "Tensor":
        """Variance Σ(x − x̄)²/(n − correction); ``correction=1`` (unbiased) by default, as in PyTorch.

        ``var(True)``/``var(False)`` is PyTorch's ``var(unbiased)`` form."""
        V.boolean(keepdim, "var", "keepdim")
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise ArgumentError("var: give either unbiased or correction, not both")
        if self._data.dtype.kind != "f":
            raise DTypeError(f"var: needs a floating-point tensor, got dtype {self.dtype}")
        corr = correction if correction is not None else (0 if unbiased is False else 1)
        return reduce.VarOp.apply(self, axis=_norm_dims(dim, self.ndim, "var"), keepdims=keepdim, correction=corr)

    def _max_min(self, dim: Any, keepdim: bool, minimum: bool, name: str):
        tensor_cls = _tensor_class()
        if keepdim and (dim is None or isinstance(dim, tensor_cls)):
            # keepdim belongs to the reduction over one dim; silently dropping it would change the result's shape
            raise ArgumentError(f"{name}: keepdim=True needs an int dim, got dim={dim!r}"[:200])
        if isinstance(dim, tensor_cls):
            return self.minimum(dim) if minimum else self.maximum(dim)
        if dim is None:
            if self._data.size == 0:
                raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {self.shape}; pass dim")
            return reduce.MaxAllOp.apply(self, minimum=minimum)
        axis = _norm_dim(dim, self.ndim, name)
        if self.ndim == 0:
            return MaxResult(shape.ReshapeOp.apply(self, shape=()), tensor_cls(np.zeros((), dtype=np.int64)))
        if self.shape[axis] == 0:
            raise ShapeError(f"{name}: cannot reduce over dim {dim} of size 0 (shape {self.shape})")
        idx = np.argmin(self._data, axis=axis) if minimum else np.argmax(self._data, axis=axis)
        values = reduce.MaxDimOp.apply(self, axis=axis, keepdims=keepdim, minimum=minimum, indices=idx)
        if keepdim:
            idx = np.expand_dims(idx, axis)
        return MaxResult(values, tensor_cls._from_op(idx.astype(np.int64, copy=False), None))

    def max(self, dim: int | None = None, keepdim: bool = False):
        """Largest element (gradient split evenly among ties); with ``dim``, a ``(values, indices)`` pair like
        ``torch.max`` (gradient to the first index of the maximum); with a tensor, :meth:`maximum`."""
        V.boolean(keepdim, "max", "keepdim")
        return self._max_min(dim, keepdim, False, "max")

    def min(self, dim: int | None = None, keepdim: bool = False):
        """Smallest element; with ``dim``, a ``(values, indices)`` pair like ``torch.min``."""
        V.boolean(keepdim, "min", "keepdim")
        return self._max_min(dim, keepdim, True, "min")

    def _arg(self, dim: int | None, keepdim: bool, fn: Callable, name: str) -> "Tensor":
        tensor_cls = _tensor_class()
        if dim is None:
            if self._data.size == 0:
                raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {self.shape}")
            out = np.asarray(fn(self._data), dtype=np.int64)
            return tensor_cls._from_op(out.reshape((1,) * self.ndim) if keepdim else out, None)
        axis = _norm_dim(dim, self.ndim, name)
        if self.ndim == 0:
            return tensor_cls(np.zeros((), dtype=np.int64))
        if self.shape[axis] == 0:
            raise ShapeError(f"{name}: cannot reduce over dim {dim} of size 0 (shape {self.shape})")
        return tensor_cls._from_op(fn(self._data, axis=axis, keepdims=keepdim).astype(np.int64, copy=False), None)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        """Index of the largest element (the first one on ties), over the flattened tensor when ``dim`` is None."""
        V.boolean(keepdim, "argmax", "keepdim")
        return self._arg(dim, keepdim, np.argmax, "argmax")

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        """Index of the smallest element (the first one on ties)."""
        V.boolean(keepdim, "argmin", "keepdim")
        return self._arg(dim, keepdim, np.argmin, "argmin")


    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> "Tensor":
        """√var: the standard deviation, Bessel-corrected (``correction=1``) by default."""
        V.boolean(keepdim, "std", "keepdim")
        if isinstance(dim, bool):  # torch's std(unbiased) overload
            dim, unbiased = None, dim
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> "Tensor":
        """Π over ``dim`` (all elements when None); bool and int tensors give int64."""
        V.boolean(keepdim, "prod", "keepdim")
        x = _reduce_dtype(self, dtype, "prod")
        axis = None if dim is None else _norm_dim(dim, self.ndim, "prod")
        return reduce.ProdOp.apply(x, axis=None if self.ndim == 0 else axis, keepdims=keepdim)

    def cumsum(self, dim: int, *, dtype: Any = None) -> "Tensor":
        """Running sums along ``dim``."""
        x = _reduce_dtype(self, dtype, "cumsum")
        if self.ndim == 0:
            _norm_dim(dim, 0, "cumsum")
            return shape.ReshapeOp.apply(x, shape=())
        return reduce.CumsumOp.apply(x, axis=_norm_dim(dim, self.ndim, "cumsum"))

    def logsumexp(self, dim: Any, keepdim: bool = False) -> "Tensor":
        """ln Σ exp(x) over ``dim``, computed stably."""
        V.boolean(keepdim, "logsumexp", "keepdim")
        x = self if self._data.dtype.kind == "f" else self.to(np.float32)
        return reduce.LogSumExpOp.apply(x, axis=_norm_dims(dim, self.ndim, "logsumexp"), keepdims=keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> "Tensor":
        """Largest element over ``dim`` (all dims by default); ties share the gradient evenly."""
        V.boolean(keepdim, "amax", "keepdim")
        return reduce.AmaxOp.apply(self, axis=_norm_dims(dim, self.ndim, "amax"), keepdims=keepdim, minimum=False)

    def amin(self, dim: Any = (), keepdim: bool = False) -> "Tensor":
        """Smallest element over ``dim``; ties share the gradient evenly."""
        V.boolean(keepdim, "amin", "keepdim")
        return reduce.AmaxOp.apply(self, axis=_norm_dims(dim, self.ndim, "amin"), keepdims=keepdim, minimum=True)

