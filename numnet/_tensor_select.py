"""The selection and sorting methods of :class:`numnet.Tensor`: ``topk``, ``sort``, ``argsort``, ``msort``,
``gather``, ``scatter(_)``, ``scatter_add(_)``, ``index_select``, ``take_along_dim``, ``masked_fill(_)``,
``masked_select``, ``nonzero``, ``argwhere``, ``count_nonzero``, ``where``, ``norm``, ``cumprod``, ``cummax``,
``cummin`` and ``trace``. Argument checks here (index dtypes and ranges, masks, shapes); every derivative in
:mod:`numnet.ops.select`. ``numnet.einsum`` and the one-argument ``numnet.where`` are in :mod:`numnet.creation`.

Sorting is always stable (ties keep their order; NaN is the largest value); ``topk`` keeps the first of tied
entries. A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import TYPE_CHECKING, Any

import numpy as np

from numnet import _validation as V
from numnet._dims import _broadcast_error, _norm_dim, _norm_dims
from numnet.autograd import _tensor_class
from numnet.dtypes import _same_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import select, shape

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor

# PyTorch's torch.return_types: tuples that also have .values and .indices (as MaxResult of max(dim)).
TopkResult = namedtuple("TopkResult", ["values", "indices"])
SortResult = namedtuple("SortResult", ["values", "indices"])
CummaxResult = namedtuple("CummaxResult", ["values", "indices"])

_INDEX_WHAT = "an integer (int64) Tensor"


def _index(index: Any, op: str, name: str = "index") -> np.ndarray:
    """The array of an integer index tensor (any integer dtype; a bool or float tensor is a DTypeError)."""
    if not isinstance(index, _tensor_class()):
        raise DTypeError(V.expected(op, name, _INDEX_WHAT, got=type(index).__name__))
    if index._data.dtype.kind not in "iu":
        raise DTypeError(V.expected(op, name, _INDEX_WHAT, got=f"dtype {index.dtype}"))
    return index._data


def _in_range(idx: np.ndarray, size: int, op: str, dim: int, name: str = "index") -> np.ndarray:
    """``idx`` as int64 if every value lies in [0, size), else an ArgumentError naming the first bad value."""
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            raise ArgumentError(V.expected(op, f"{name} values", f"in [0, {size}) (the size of dim {dim})",
                                           idx[bad].flat[0].item()))
    return idx.astype(np.int64, copy=False)


def _mask(mask: Any, op: str) -> np.ndarray:
    if not isinstance(mask, _tensor_class()):
        raise DTypeError(V.expected(op, "mask", "a bool Tensor", got=type(mask).__name__))
    if mask._data.dtype != np.bool_:
        raise DTypeError(V.expected(op, "mask", "a bool Tensor", got=f"dtype {mask.dtype}"))
    return mask._data


def _flag(value: Any, op: str, name: str) -> bool:
    return V.boolean(value, op, name)


def _as_1d(t: "Tensor") -> "Tensor":
    return shape.ReshapeOp.apply(t, shape=(1,)) if t.ndim == 0 else t


def _from_shape(t: "Tensor", shp: tuple[int, ...]) -> "Tensor":
    return t if t.shape == shp else shape.ReshapeOp.apply(t, shape=shp)


def _ints(arr: np.ndarray) -> "Tensor":
    out = np.asarray(arr, dtype=np.int64)
    return _tensor_class()._from_op(out if out.flags.c_contiguous else out.copy(), None)


def _norm_p(p: Any, op: str) -> float:
    if isinstance(p, str):
        if p == "fro":
            return 2.0
        if p == "nuc":
            raise ArgumentError("norm: p='nuc' (the nuclear norm, a sum of singular values) is not supported by "
                                "numnet; expected p to be 'fro' or a number")
        raise ArgumentError(V.expected(op, "p", "'fro' or a number (inf, -inf, 0, 1, 2, ...)", p))
    return V.real(p, op, "p", finite=False)


class _SelectMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ sorting
    def _sorted(self, dim: int, descending: bool, op: str) -> tuple[int, np.ndarray]:
        axis = _norm_dim(dim, self.ndim, op)
        data = self._data.reshape(1) if self.ndim == 0 else self._data
        return axis, select.sort_indices(data, axis, descending)

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        """The values along ``dim`` in ascending (or descending) order and where they came from: a
        ``(values, indices)`` pair like ``torch.sort``. The gradient flows back to the positions the values came
        from.

        numnet's sort is always stable (ties keep their order, NaN counts as the largest value), whatever
        ``stable`` says. PyTorch's default ``stable=False`` promises no order among ties; on the CPU it agrees with
        the stable order for rows of up to 16 elements and differs beyond.

        Raises:
            ArgumentError: for a bad ``dim``.
            DTypeError: for non-bool ``descending``/``stable``.
        """
        _flag(descending, "sort", "descending")
        _flag(stable, "sort", "stable")
        axis, idx = self._sorted(dim, descending, "sort")
        values = select.GatherOp.apply(_as_1d(self), index=idx, axis=axis)
        if self.ndim == 0:
            return SortResult(_from_shape(values, ()), _ints(idx.reshape(())))
        return SortResult(values, _ints(idx))

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> "Tensor":
        """The indices that sort the tensor along ``dim`` (stable, see :meth:`sort`), int64."""
        _flag(descending, "argsort", "descending")
        _flag(stable, "argsort", "stable")
        _, idx = self._sorted(dim, descending, "argsort")
        return _ints(idx.reshape(self.shape))

    def msort(self) -> "Tensor":
        """The values sorted along dim 0 (``sort(dim=0).values``)."""
        return self.sort(dim=0).values

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
        """The ``k`` largest (or smallest, ``largest=False``) values along ``dim`` and their indices: a
        ``(values, indices)`` pair like ``torch.topk``. The gradient flows to the selected entries.

        Among tied values numnet takes the first ones (the stable sort's order) and always returns them sorted;
        PyTorch leaves both the choice among ties and, with ``sorted=False``, the order unspecified.

        Raises:
            DTypeError: for a k that is not an int.
            ArgumentError: for k < 0 or larger than the size of ``dim``, or a bad ``dim``.
        """
        axis = _norm_dim(dim, self.ndim, "topk")
        n = 1 if self.ndim == 0 else self.shape[axis]
        k = V.integer(k, "topk", "k", 0)
        if k > n:
            raise ArgumentError(V.expected("topk", "k", f"at most the size of dim {dim} ({n})", k))
        _flag(largest, "topk", "largest")
        _flag(sorted, "topk", "sorted")
        _, idx = self._sorted(dim, largest, "topk")
        idx = np.ascontiguousarray(np.take(idx, np.arange(k), axis=axis))
        values = select.GatherOp.apply(_as_1d(self), index=idx, axis=axis)
        if self.ndim == 0:
            return TopkResult(_from_shape(values, ()), _ints(idx.reshape(())))
        return TopkResult(values, _ints(idx))

    # ------------------------------------------------------------------ running max/min and product
    def _cum(self, dim: int, minimum: bool, op: str):
        axis = _norm_dim(dim, self.ndim, op)
        if self.ndim == 0:
            return CummaxResult(shape.ReshapeOp.apply(self, shape=()), _ints(np.zeros(())))
        if self._data.dtype.kind not in "biuf":
            raise DTypeError(V.expected(op, "input", "a real Tensor", got=f"dtype {self.dtype}"))
        idx = select.cummax_indices(self._data, axis, minimum)
        return CummaxResult(select.GatherOp.apply(self, index=idx, axis=axis), _ints(idx))

    def cummax(self, dim: int):
        """The running maximum along ``dim`` and where it was attained (the latest index among ties, as PyTorch),
        a ``(values, indices)`` pair; the gradient flows to those indices."""
        return self._cum(dim, False, "cummax")

    def cummin(self, dim: int):
        """The running minimum along ``dim`` and where it was attained (see :meth:`cummax`)."""
        return self._cum(dim, True, "cummin")

    def cumprod(self, dim: int, *, dtype: Any = None) -> "Tensor":
        """Running products along ``dim``; bool and int tensors give int64. The gradient is exact also with zeros
        in the input (as PyTorch's)."""
        if dtype is not None:
            x = self.to(np.dtype(dtype))
        else:
            x = self if self._data.dtype.kind not in "biu" or self._data.dtype == np.int64 else self.to(np.int64)
        axis = _norm_dim(dim, self.ndim, "cumprod")
        if self.ndim == 0:
            return shape.ReshapeOp.apply(x, shape=())
        return select.CumprodOp.apply(x, axis=axis)

    # ------------------------------------------------------------------ norms
    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None) -> "Tensor":
        """The vector p-norm over ``dim`` (every element when None): (Σ|x|ᵖ)^(1/p); ``p='fro'`` or 2 is the
        Euclidean (Frobenius) norm, ``inf``/``-inf`` the max/min |x|, 0 the number of non-zeros.

        Gradients as PyTorch: 0 for the 2-norm of a zero vector (the subgradient), ties of the inf-norms share
        evenly, p = 0 has zero gradient.

        Raises:
            DTypeError: for a non-floating tensor or a p that is not a number or 'fro'.
            ArgumentError: for p='nuc' (not supported) or another string, or a bad ``dim``.
            ShapeError: for p = ±inf over an empty dim.
        """
        pv = _norm_p(p, "norm")
        x = self if dtype is None else self.to(np.dtype(dtype))
        if x._data.dtype.kind != "f":
            raise DTypeError(V.expected("norm", "input", "a floating-point Tensor", got=f"dtype {x.dtype}"))
        axis = _norm_dims(dim, self.ndim, "norm")
        keepdim = _flag(keepdim, "norm", "keepdim")
        if pv in (np.inf, -np.inf):
            axes = range(self.ndim) if axis is None else ((axis,) if isinstance(axis, builtins.int) else axis)
            if any(self.shape[a] == 0 for a in axes):
                raise ShapeError(f"norm: the p={p} norm of an empty tensor (shape {self.shape}, dim {dim}) is not "
                                 "defined")
        return select.NormOp.apply(x, p=pv, axis=axis, keepdims=keepdim)

    def trace(self) -> "Tensor":
        """The sum of the main diagonal of a 2-D tensor (which need not be square); ints give int64."""
        if self.ndim != 2:
            raise ShapeError(f"trace: expected input to be a 2-D tensor, got shape {self.shape}")
        i = np.arange(builtins.min(self.shape))
        return shape.GetItemOp.apply(self, index=(i, i)).sum()

    # ------------------------------------------------------------------ gather and scatter
    def _gather_args(self, dim: int, index: Any, op: str) -> tuple[int, np.ndarray]:
        idx = _index(index, op)
        axis = _norm_dim(dim, self.ndim, op)
        in_shape = self.shape if self.ndim else (1,)
        idx_nd = idx if idx.ndim else idx.reshape(1)
        if idx_nd.ndim != len(in_shape):
            raise ShapeError(f"{op}: expected index to have as many dims as input ({self.ndim}), got index of "
                             f"shape {index.shape}")
        if any(n > m for d, (n, m) in enumerate(zip(idx_nd.shape, in_shape)) if d != axis):
            raise ShapeError(f"{op}: expected index.size(d) <= input.size(d) for every dim d != {axis}, got index "
                             f"of shape {index.shape} and input of shape {self.shape}")
        return axis, _in_range(idx_nd, in_shape[axis], op, dim)

    def gather(self, dim: int, index: "Tensor", *, sparse_grad: bool = False) -> "Tensor":
        """out[i][j][k] = self[index[i][j][k]][j][k] (for dim 0; likewise for the others), ``index`` an integer
        tensor with the same number of dims; its shape is the output's. The gradient adds back at the gathered
        positions.

        Raises:
            DTypeError: for an index that is not an integer tensor.
            ShapeError: for an index with another number of dims, or larger than the input outside ``dim``.
            ArgumentError: for an index value outside [0, size of dim), or a bad ``dim``.
        """
        axis, idx = self._gather_args(dim, index, "gather")
        out = select.GatherOp.apply(_as_1d(self), index=idx, axis=axis)
        return _from_shape(out, index.shape)

    def take_along_dim(self, indices: "Tensor", dim: int | None = None) -> "Tensor":
        """Values at ``indices`` along ``dim``: like :meth:`gather`, but the other dims broadcast; with
        ``dim=None``, both are flattened first."""
        idx = _index(indices, "take_along_dim", "indices")
        if dim is None:
            flat = self.reshape(-1)
            return flat.gather(0, _ints(idx.reshape(-1)))
        axis = _norm_dim(dim, self.ndim, "take_along_dim")
        if idx.ndim != self.ndim:
            raise ShapeError(f"take_along_dim: expected indices to have as many dims as input ({self.ndim}), got "
                             f"shape {indices.shape}")
        if self.ndim == 0:
            return self.gather(0, indices)
        others = [(a, b) for d, (a, b) in enumerate(zip(self.shape, idx.shape)) if d != axis]
        try:
            common = list(np.broadcast_shapes(tuple(a for a, _ in others), tuple(b for _, b in others)))
        except ValueError:
            raise ShapeError(f"take_along_dim: input of shape {self.shape} and indices of shape {indices.shape} "
                             f"do not broadcast outside dim {dim}") from None
        x_shape = tuple(common[:axis]) + (self.shape[axis],) + tuple(common[axis:])
        i_shape = tuple(common[:axis]) + (idx.shape[axis],) + tuple(common[axis:])
        x = self if self.shape == x_shape else shape.ExpandOp.apply(self, shape=x_shape)
        idx = np.ascontiguousarray(np.broadcast_to(_in_range(idx, self.shape[axis], "take_along_dim", dim,
                                                             "indices"), i_shape))
        return select.GatherOp.apply(x, index=idx, axis=axis)

    def _scatter_args(self, dim: int, index: Any, src: Any, value: Any, op: str, reduce: Any):
        if reduce is not None:
            raise ArgumentError(f"{op}: reduce={reduce!r} is not supported by numnet; use scatter_add for 'add'")
        tensor_cls = _tensor_class()
        if src is not None and value is not None:
            raise ArgumentError(f"{op}: give either src or value, not both")
        if src is None and value is None:
            raise ArgumentError(f"{op}: expected src (a Tensor) or value (a number)")
        if src is None or not isinstance(src, tensor_cls):
            v = value if src is None else src
            if isinstance(v, (builtins.bool, np.bool_)) or V._is_real(v):
                V.fits(V.scalar(v, op, "value"), self._data.dtype, op, "value")
                src = tensor_cls._from_op(np.full(np.shape(index._data if isinstance(index, tensor_cls) else ()),
                                                  v, dtype=self._data.dtype), None)
            else:
                raise DTypeError(V.expected(op, "src", "a Tensor or a number", v))
        elif src.dtype != self.dtype:
            raise DTypeError(f"{op}: expected src to have the input's dtype {self.dtype}, got {src.dtype}")
        axis, idx = self._gather_args(dim, index, op)
        if src.ndim != self.ndim:
            raise ShapeError(f"{op}: expected src to have as many dims as input ({self.ndim}), got src of shape "
                             f"{src.shape}")
        src_shape = src.shape if src.ndim else (1,)
        if any(n > m for n, m in zip(idx.shape, src_shape)):
            raise ShapeError(f"{op}: expected index.size(d) <= src.size(d) for every dim d, got index of shape "
                             f"{index.shape} and src of shape {src.shape}")
        return axis, idx, src

    def _scatter(self, fn: type, dim: int, index: Any, src: Any, value: Any, op: str, reduce: Any = None):
        axis, idx, src = self._scatter_args(dim, index, src, value, op, reduce)
        out = fn.apply(_as_1d(self), _as_1d(src), index=idx, axis=axis)
        return _from_shape(out, self.shape)

    def scatter(self, dim: int, index: "Tensor", src: Any = None, value: Any = None, *,
                reduce: Any = None) -> "Tensor":
        """A copy with self[index[i][j][k]][j][k] = src[i][j][k] (for dim 0; likewise for the others); ``src`` a
        tensor of the input's dtype at least as large as ``index``, or a number (``value``). Gradients: to the
        input where nothing was written, to ``src`` at the entries used. With a repeated index the last write wins
        (PyTorch leaves it unspecified).

        Raises:
            DTypeError: for an index that is not an integer tensor, or a src of another dtype.
            ShapeError: for an index or src with another number of dims, or an index larger than src (or than the
                input outside ``dim``).
            ArgumentError: for an index value outside [0, size of dim), or ``reduce`` (not supported).
        """
        return self._scatter(select.ScatterOp, dim, index, src, value, "scatter", reduce)

    def scatter_(self, dim: int, index: "Tensor", src: Any = None, value: Any = None, *,
                 reduce: Any = None) -> "Tensor":
        """:meth:`scatter` in place."""
        return self._inplace("scatter_", lambda s: s._scatter(select.ScatterOp, dim, index, src, value, "scatter_",
                                                              reduce), (src,))

    def scatter_add(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        """A copy with self[index[i][j][k]][j][k] += src[i][j][k] (for dim 0); repeated indices add up. Gradients:
        all of it to the input, to ``src`` at the entries used."""
        V.tensor(src, "scatter_add", "src")
        return self._scatter(select.ScatterAddOp, dim, index, src, None, "scatter_add")

    def scatter_add_(self, dim: int, index: "Tensor", src: "Tensor") -> "Tensor":
        """:meth:`scatter_add` in place."""
        V.tensor(src, "scatter_add_", "src")
        return self._inplace("scatter_add_", lambda s: s._scatter(select.ScatterAddOp, dim, index, src, None,
                                                                  "scatter_add_"), (src,))

    def index_select(self, dim: int, index: "Tensor") -> "Tensor":
        """The entries at the 1-D (or 0-d) integer ``index`` along ``dim``; repeats allowed (their gradients add).

        Raises:
            DTypeError: for an index that is not an integer tensor.
            ShapeError: for an index with more than one dim.
            ArgumentError: for an index value outside [0, size of dim), or a bad ``dim``.
        """
        idx = _index(index, "index_select")
        if idx.ndim > 1:
            raise ShapeError(f"index_select: expected index to be 1-D (or 0-d), got shape {index.shape}")
        axis = _norm_dim(dim, self.ndim, "index_select")
        n = self.shape[axis] if self.ndim else 1
        idx = _in_range(idx.reshape(-1), n, "index_select", dim)
        out = select.IndexSelectOp.apply(_as_1d(self), index=idx, axis=axis)
        return _from_shape(out, (idx.size,)) if self.ndim == 0 else out

    # ------------------------------------------------------------------ masks and conditions
    def masked_fill(self, mask: "Tensor", value: Any) -> "Tensor":
        """``value`` where the bool ``mask`` (broadcast with the tensor) holds, the tensor elsewhere; ``value`` a
        number or a 0-d tensor (which then gets the gradient summed over the filled places), cast to this dtype.

        Raises:
            DTypeError: for a mask that is not a bool tensor, or a value that is neither a number nor a tensor.
            ShapeError: for a value tensor with dims, or a mask that does not broadcast.
        """
        m = _mask(mask, "masked_fill")
        tensor_cls = _tensor_class()
        if isinstance(value, tensor_cls):
            if value.ndim != 0:
                raise ShapeError(f"masked_fill: expected value to be a number or a 0-d tensor, got a tensor of "
                                 f"shape {value.shape}")
            v = value if value.dtype == self.dtype else value.to(self.dtype)
        elif isinstance(value, (builtins.bool, np.bool_)) or V._is_real(value):
            V.fits(V.scalar(value, "masked_fill", "value"), self._data.dtype, "masked_fill", "value")
            v = tensor_cls._from_op(np.array(value).astype(self._data.dtype), None)
        else:
            raise DTypeError(V.expected("masked_fill", "value", "a number or a 0-d Tensor", value))
        _broadcast_error("masked_fill", self.shape, m.shape)
        return ew.WhereOp.apply(v, self, cond=m)

    def masked_fill_(self, mask: "Tensor", value: Any) -> "Tensor":
        """:meth:`masked_fill` in place (the mask must broadcast to this tensor's shape)."""
        return self._inplace("masked_fill_", lambda s: s.masked_fill(mask, value), (value,))

    def masked_select(self, mask: "Tensor") -> "Tensor":
        """The elements where the bool ``mask`` (broadcast with the tensor) holds, as a 1-D tensor in C order."""
        m = _mask(mask, "masked_select")
        _broadcast_error("masked_select", self.shape, m.shape)
        return select.MaskedSelectOp.apply(self, mask=m)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The indices of the non-zero elements: an int64 tensor of shape (n, ndim), or with ``as_tuple=True`` one
        1-D tensor per dim (a 0-d tensor counts as 1-D there, as in PyTorch)."""
        if _flag(as_tuple, "nonzero", "as_tuple"):
            return tuple(_ints(i) for i in np.nonzero(np.atleast_1d(self._data)))
        return _ints(np.argwhere(self._data))

    def argwhere(self) -> "Tensor":
        """``nonzero()``: the (n, ndim) int64 indices of the non-zero elements."""
        return self.nonzero()

    def count_nonzero(self, dim: Any = None) -> "Tensor":
        """The number of non-zero elements over ``dim`` (an int, a tuple, or None for all), int64."""
        axis = _norm_dims(dim, self.ndim, "count_nonzero")
        return _ints(np.asarray(np.count_nonzero(self._data, axis=axis)))

    def where(self, condition: Any, other: Any) -> "Tensor":
        """``numnet.where(condition, self, other)``: this tensor where ``condition`` holds, ``other`` elsewhere."""
        cond = V.bool_condition(condition, "where")
        a, b = _same_dtype((self, self._lift(other, "where")))
        _broadcast_error("where", cond.shape, a.shape, b.shape)
        return ew.WhereOp.apply(a, b, cond=cond)
