"""The autograd :class:`Tensor`: an ``np.ndarray`` plus the graph that produced it.

Operators and methods only validate arguments, promote dtypes and call the primitives in ``numnet/ops``; every
derivative lives there. This file holds the core: construction, conversion, ``backward``, the arithmetic and
comparison operators, the elementwise functions and indexing. Beside it: the dtype rules (PyTorch's) in
:mod:`numnet.dtypes`, the activation, reduction and shape methods in three mixins (``_tensor_activation.py``,
``_tensor_reduce.py``, ``_tensor_shape.py``), and the free functions (``cat``, ``where``, ...) in
:mod:`numnet.creation`. None of them imports ``numnet.functional`` or anything above it.
"""

from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from numnet import autograd
from numnet._dims import _broadcast_error, _norm_dim
from numnet._tensor_activation import _ActivationMethods
from numnet._tensor_math import _MathMethods
from numnet._tensor_reduce import MaxResult, _ReduceMethods  # noqa: F401  (MaxResult: public here too)
from numnet._tensor_shape import _ShapeMethods
from numnet.dtypes import _DEFAULT_FLOAT, _KIND_RANK, ArrayLike, _as_array, _is_float, _same_dtype
from numnet.dtypes import promote_types, result_type  # noqa: F401  (public here too, as before the split)
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import linalg, shape


def _to_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """``data`` as an array by :mod:`numnet.dtypes`' rule; a Tensor gives its own array (converted to ``dtype``)."""
    if isinstance(data, Tensor):
        data = data.data
    return _as_array(data, dtype)


def _binary(fn: type[autograd.Function], op: str, a: "Tensor", b: "Tensor") -> "Tensor":
    """Apply a broadcasting binary primitive after promoting both sides to one dtype."""
    if a.data.dtype != b.data.dtype:
        a, b = _same_dtype((a, b))
    try:
        return fn.apply(a, b)
    except ValueError:
        _broadcast_error(op, a.shape, b.shape)
        raise


def _bound(value: Any, op: str) -> Any:
    """A clamp bound as a constant (number or array)."""
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise ArgumentError(f"{op}: a bound that requires grad is not supported (no gradient flows to bounds); "
                                "pass a number or a detached tensor")
        return value.data
    return value


class Tensor(_MathMethods, _ActivationMethods, _ReduceMethods, _ShapeMethods):
    """A multi-dimensional array that can record the operations applied to it and differentiate through them.

    Create one with :func:`numnet.tensor`. ``requires_grad=True`` on a floating tensor makes every result computed
    from it part of a graph; ``loss.backward()`` then fills ``.grad`` of every such leaf.

    >>> import numnet
    >>> x = numnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("data", "_requires_grad", "grad", "_ctx", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # make ``ndarray * Tensor`` call Tensor.__rmul__

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = _as_array(data.data if isinstance(data, Tensor) else data, dtype)
        self.grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: autograd.Function | None) -> "Tensor":
        t = cls.__new__(cls)
        t.data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t._ctx = ctx
        t._retains_grad = False
        t._requires_grad = ctx is not None
        return t

    # ------------------------------------------------------------------ properties
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self.data.dtype.kind not in "fc":
            raise DTypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        if not value and self._ctx is not None:
            raise ArgumentError("requires_grad: cannot turn off gradients of a non-leaf tensor; use .detach()")
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The op that produced this tensor (``None`` for leaves and results computed without grad)."""
        return self._ctx

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        if self.ndim == 0:
            raise ArgumentError(f"size: a 0-d tensor has no dimension {dim}")
        return self.data.shape[_norm_dim(dim, self.ndim, "size")]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def is_floating_point(self) -> bool:
        return _is_float(self.data.dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``.

        Raises:
            RuntimeError: if the tensor requires grad (use ``.detach().numpy()``).
        """
        if self.requires_grad:
            raise RuntimeError("numpy: cannot call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self.data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ShapeError("item: only a one-element tensor can be converted to a Python scalar, "
                             f"got shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """A tensor sharing the same data, cut from the graph."""
        return Tensor._from_op(self.data, None)

    def clone(self) -> "Tensor":
        """A copy of the data; gradients flow back to this tensor."""
        if self.requires_grad:
            return self * 1
        return Tensor._from_op(self.data.copy(), None)

    def to(self, dtype: Any) -> "Tensor":
        """Convert to ``dtype`` (differentiable between float dtypes). ``"cpu"`` is accepted and changes nothing."""
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if self.requires_grad and dtype.kind in "fc":
            return ew.CastOp.apply(self, dtype=dtype)
        return Tensor(self.data.astype(dtype))

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        self._retains_grad = True

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    def zero_(self) -> "Tensor":
        self.data[...] = 0
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: "Tensor | ArrayLike | None" = None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf it depends on.

        Args:
            gradient: dL/d(self), same shape as self; may be omitted only for a one-element tensor (then it is 1).
            retain_graph: keep what the ops saved so ``backward`` can run through this graph again.

        Raises:
            RuntimeError: if this tensor does not require grad, or the graph was freed by an earlier backward.
            ShapeError: if ``gradient`` is missing for a non-scalar tensor or has the wrong shape.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: tensor does not require grad and has no grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise ShapeError("backward: gradient can be implicit only for a scalar output, "
                                 f"got shape {self.shape}; pass gradient= of the same shape")
            g = np.ones(self.shape, dtype=self.dtype)
        else:
            g = np.array(_to_array(gradient, self.dtype))
            if g.shape != self.shape:
                raise ShapeError(f"backward: gradient has shape {g.shape} but the tensor has shape {self.shape}")
        autograd.backward(self, g, retain_graph=bool(retain_graph))

    # ------------------------------------------------------------------ arithmetic
    def _lift(self, other: Any) -> "Tensor":
        """``other`` as a tensor; a Python/NumPy scalar takes this tensor's dtype unless its kind is higher."""
        if isinstance(other, Tensor):
            return other
        mine = self.data.dtype
        if isinstance(other, builtins.float) and mine.kind in "fc":
            return Tensor._from_op(np.array(other, dtype=mine), None)
        arr = np.asarray(other)
        if isinstance(other, np.ndarray) and arr.ndim > 0:
            return Tensor._from_op(arr, None)
        if arr.dtype.kind not in "biufc":
            raise DTypeError(f"cannot combine a tensor with {type(other).__name__} {other!r}")
        rank, my_rank = _KIND_RANK[arr.dtype.kind], _KIND_RANK.get(mine.kind, 4)
        if rank <= my_rank and not (mine.kind == "b" and rank == 1):
            dt = mine
        else:  # bool tensor + int → int64; int tensor + float → float32; real + complex → complex64
            dt = {1: np.dtype(np.int64), 2: _DEFAULT_FLOAT, 3: np.dtype(np.complex64)}[rank]
        return Tensor._from_op(arr.astype(dt), None)

    def __add__(self, other: Any) -> "Tensor":
        return _binary(ew.AddOp, "add", self, self._lift(other))

    def __radd__(self, other: Any) -> "Tensor":
        return _binary(ew.AddOp, "add", self._lift(other), self)

    def __sub__(self, other: Any) -> "Tensor":
        return _binary(ew.SubOp, "sub", self, self._lift(other))

    def __rsub__(self, other: Any) -> "Tensor":
        return _binary(ew.SubOp, "sub", self._lift(other), self)

    def __mul__(self, other: Any) -> "Tensor":
        return _binary(ew.MulOp, "mul", self, self._lift(other))

    def __rmul__(self, other: Any) -> "Tensor":
        return _binary(ew.MulOp, "mul", self._lift(other), self)

    @staticmethod
    def _div(a: "Tensor", b: "Tensor") -> "Tensor":
        if a.data.dtype.kind not in "fc" and b.data.dtype.kind not in "fc":  # true division of ints → float32
            a, b = a.to(_DEFAULT_FLOAT), b.to(_DEFAULT_FLOAT)
        return _binary(ew.DivOp, "div", a, b)

    def __truediv__(self, other: Any) -> "Tensor":
        return Tensor._div(self, self._lift(other))

    def __rtruediv__(self, other: Any) -> "Tensor":
        return Tensor._div(self._lift(other), self)

    def __pow__(self, other: Any) -> "Tensor":
        return _binary(ew.PowOp, "pow", self, self._lift(other))

    def __rpow__(self, other: Any) -> "Tensor":
        return _binary(ew.PowOp, "pow", self._lift(other), self)

    def __neg__(self) -> "Tensor":
        if self.data.dtype.kind == "b":
            raise DTypeError("neg: negation of a bool tensor is not supported; use ~ or logical_not")
        return ew.NegOp.apply(self)

    def __pos__(self) -> "Tensor":
        return self

    def __matmul__(self, other: Any) -> "Tensor":
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return self._lift(other).matmul(self)

    def matmul(self, other: Any) -> "Tensor":
        """Matrix product with NumPy/PyTorch rules: 1-D operands are promoted, leading (batch) dims broadcast.

        Shape: ``(*, n, k) @ (*, k, m) → (*, n, m)``; ``(k,) @ (*, k, m) → (*, m)``; ``(*, n, k) @ (k,) → (*, n)``.

        Raises:
            ShapeError: for a 0-d operand, inner sizes that differ, or batch dims that do not broadcast.
        """
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ShapeError("matmul: both operands need at least 1 dimension, "
                             f"got shapes {self.shape} and {other.shape}")
        k_a = self.shape[-1]
        k_b = other.shape[0] if other.ndim == 1 else other.shape[-2]
        if k_a != k_b:
            raise ShapeError(f"matmul: shapes {self.shape} and {other.shape} cannot be multiplied: "
                             f"expected the first operand's last dim ({k_a}) to equal the second's "
                             f"{'first' if other.ndim == 1 else 'second-to-last'} dim ({k_b})")
        batch_a, batch_b = self.shape[:-2], other.shape[:-2]
        try:
            np.broadcast_shapes(batch_a, batch_b)
        except ValueError:
            raise ShapeError(f"matmul: batch dims {batch_a} and {batch_b} of shapes {self.shape} and {other.shape} "
                             "cannot be broadcast together") from None
        a, b = _same_dtype((self, other))
        return linalg.MatMulOp.apply(a, b)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ShapeError(f"bool: the truth value of a tensor with {self.data.size} elements (shape {self.shape}) "
                             "is ambiguous; use .any() or .all()")
        return bool(self.data.reshape(()).item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be used as an index, got {self.dtype} "
                            f"of shape {self.shape}")
        return int(self.item())

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> "Tensor":
        index = _convert_index(index)
        try:
            return shape.GetItemOp.apply(self, index=index)
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor shape {self.shape})") from None

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError("setitem: in-place assignment into a tensor that requires grad; use numnet.no_grad()")
        self.data[_convert_index(index)] = value.data if isinstance(value, Tensor) else value

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _convert_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index
