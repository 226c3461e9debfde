"""The autograd :class:`Tensor`: an ``np.ndarray`` plus the graph that produced it.

Operators and methods only validate arguments and call the primitives in ``numnet/ops``; every derivative lives there.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any, Iterable, Sequence

import numpy as np

from numnet import autograd
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import linalg, reduce, shape

ArrayLike = Any
MaxResult = namedtuple("MaxResult", ["values", "indices"])


def _to_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """PyTorch's rule: Python floats become float32, Python ints int64; NumPy arrays keep their dtype."""
    if isinstance(data, Tensor):
        arr = data.data
    elif isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        arr = np.asarray(data)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def _is_float(dtype: np.dtype) -> bool:
    return np.issubdtype(dtype, np.floating)


def _norm_dim(dim: int, ndim: int, op: str) -> int:
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise ArgumentError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimension(s)")
    return dim % n


def _norm_dims(dim: int | Sequence[int] | None, ndim: int, op: str):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        return tuple(_norm_dim(d, ndim, op) for d in dim)
    return _norm_dim(dim, ndim, op)


class Tensor:
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
        self.data: np.ndarray = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: autograd.Function | None) -> "Tensor":
        t = cls.__new__(cls)
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
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
        if value and not (_is_float(self.data.dtype) or np.issubdtype(self.data.dtype, np.complexfloating)):
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
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self.data.shape
        return self.data.shape[_norm_dim(dim, self.ndim, "size")]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``."""
        if self.requires_grad:
            raise RuntimeError("numpy: cannot call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ShapeError(f"item: only a one-element tensor can be converted to a Python scalar, got shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """A tensor sharing the same data, cut from the graph."""
        return Tensor._from_op(self.data, None)

    def clone(self) -> "Tensor":
        return self * 1 if self.requires_grad else Tensor(self.data.copy())

    def to(self, dtype: Any) -> "Tensor":
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if self.requires_grad and _is_float(dtype):
            return ew.Cast.apply(self, dtype=dtype)
        return Tensor(self.data.astype(dtype))

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)

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

        ``gradient`` is dL/d(self); it may be omitted only for a one-element tensor (then it is 1).
        """
        if not self.requires_grad:
            raise RuntimeError("backward: tensor does not require grad and has no grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise ShapeError(f"backward: gradient can be implicit only for a scalar output, got shape {self.shape}")
            g = np.ones(self.shape, dtype=self.dtype)
        else:
            g = _to_array(gradient, self.dtype)
            if g.shape != self.shape:
                raise ShapeError(f"backward: gradient has shape {g.shape} but the tensor has shape {self.shape}")
        autograd.backward(self, g, retain_graph=retain_graph)

    # ------------------------------------------------------------------ arithmetic
    def _lift(self, other: Any) -> "Tensor":
        if isinstance(other, Tensor):
            return other
        arr = np.asarray(other)
        if isinstance(other, (np.ndarray, np.generic)) and arr.ndim > 0:
            return Tensor(arr)
        # Python / NumPy scalars take the tensor's dtype (a float scalar with an integer tensor gives float32).
        if _is_float(self.dtype) or arr.dtype.kind in "iub" and self.dtype.kind in "iub":
            return Tensor(arr.astype(self.dtype if arr.dtype.kind != "b" or self.dtype.kind == "b" else self.dtype))
        return Tensor(arr.astype(np.float32) if arr.dtype.kind == "f" else arr)

    def __add__(self, other: Any) -> "Tensor":
        return ew.Add.apply(self, self._lift(other))

    def __radd__(self, other: Any) -> "Tensor":
        return ew.Add.apply(self._lift(other), self)

    def __sub__(self, other: Any) -> "Tensor":
        return ew.Sub.apply(self, self._lift(other))

    def __rsub__(self, other: Any) -> "Tensor":
        return ew.Sub.apply(self._lift(other), self)

    def __mul__(self, other: Any) -> "Tensor":
        return ew.Mul.apply(self, self._lift(other))

    def __rmul__(self, other: Any) -> "Tensor":
        return ew.Mul.apply(self._lift(other), self)

    def __truediv__(self, other: Any) -> "Tensor":
        a, b = self, self._lift(other)
        if not _is_float(a.dtype) and not _is_float(b.dtype):
            a, b = a.to(np.float32), b.to(np.float32)
        return ew.Div.apply(a, b)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return self._lift(other).__truediv__(self)

    def __pow__(self, other: Any) -> "Tensor":
        return ew.Pow.apply(self, self._lift(other))

    def __rpow__(self, other: Any) -> "Tensor":
        return ew.Pow.apply(self._lift(other), self)

    def __neg__(self) -> "Tensor":
        return ew.Neg.apply(self)

    def __pos__(self) -> "Tensor":
        return self

    def __matmul__(self, other: Any) -> "Tensor":
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> "Tensor":
        return self._lift(other).matmul(self)

    def matmul(self, other: Any) -> "Tensor":
        """Matrix product with NumPy/PyTorch broadcasting rules."""
        other = self._lift(other)
        if self.ndim == 0 or other.ndim == 0:
            raise ShapeError(f"matmul: both operands need at least 1 dimension, got shapes {self.shape} and {other.shape}")
        k_a = self.shape[-1]
        k_b = other.shape[0] if other.ndim == 1 else other.shape[-2]
        if k_a != k_b:
            raise ShapeError(
                f"matmul: shapes {self.shape} and {other.shape} cannot be multiplied ({k_a} != {k_b})"
            )
        return linalg.MatMul.apply(self, other)

    # comparisons: no gradient
    def _compare(self, other: Any, fn) -> "Tensor":
        o = other.data if isinstance(other, Tensor) else other
        return Tensor(fn(self.data, o))

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        return self._compare(other, np.not_equal)

    def __lt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater_equal)

    def __bool__(self) -> bool:
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    # ------------------------------------------------------------------ elementwise functions
    def exp(self) -> "Tensor":
        return ew.Exp.apply(self)

    def log(self) -> "Tensor":
        return ew.Log.apply(self)

    def sqrt(self) -> "Tensor":
        return ew.Sqrt.apply(self)

    def abs(self) -> "Tensor":
        return ew.Abs.apply(self)

    def clamp(self, min: float | None = None, max: float | None = None) -> "Tensor":  # noqa: A002
        """Limit every element to [min, max]; the gradient passes where the input lies within the bounds."""
        if min is None and max is None:
            raise ArgumentError("clamp: at least one of min and max must be given")
        return ew.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, other: Any) -> "Tensor":
        return ew.Maximum.apply(self, self._lift(other))

    def minimum(self, other: Any) -> "Tensor":
        return ew.Minimum.apply(self, self._lift(other))

    def relu(self) -> "Tensor":
        from numnet.functional import relu

        return relu(self)

    def sigmoid(self) -> "Tensor":
        from numnet.functional import sigmoid

        return sigmoid(self)

    def tanh(self) -> "Tensor":
        from numnet.functional import tanh

        return tanh(self)

    def softmax(self, dim: int) -> "Tensor":
        from numnet.functional import softmax

        return softmax(self, dim)

    def log_softmax(self, dim: int) -> "Tensor":
        from numnet.functional import log_softmax

        return log_softmax(self, dim)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> "Tensor":
        return reduce.Sum.apply(self, axis=_norm_dims(dim, self.ndim, "sum"), keepdims=keepdim)

    def mean(self, dim: int | Sequence[int] | None = None, keepdim: bool = False) -> "Tensor":
        if not _is_float(self.dtype):
            raise DTypeError(f"mean: needs a floating-point tensor, got dtype {self.dtype}")
        return reduce.Mean.apply(self, axis=_norm_dims(dim, self.ndim, "mean"), keepdims=keepdim)

    def var(self, dim: int | Sequence[int] | None = None, keepdim: bool = False, *, unbiased: bool | None = None,
            correction: int | None = None) -> "Tensor":
        """Variance Σ(x − x̄)²/(n − correction); ``correction=1`` (unbiased) by default, as in PyTorch."""
        if unbiased is not None and correction is not None:
            raise ArgumentError("var: give either unbiased or correction, not both")
        corr = correction if correction is not None else (0 if unbiased is False else 1)
        return reduce.Var.apply(self, axis=_norm_dims(dim, self.ndim, "var"), keepdims=keepdim, correction=corr)

    def _max_min(self, dim, keepdim, minimum, name):
        if self.data.size == 0:
            raise ShapeError(f"{name}: cannot reduce an empty tensor of shape {self.shape}")
        if dim is None:
            return reduce.MaxAll.apply(self, minimum=minimum)
        axis = _norm_dim(dim, self.ndim, name)
        values = reduce.MaxDim.apply(self, axis=axis, keepdims=keepdim, minimum=minimum)
        idx = np.argmin(self.data, axis=axis) if minimum else np.argmax(self.data, axis=axis)
        if keepdim:
            idx = np.expand_dims(idx, axis)
        return MaxResult(values, Tensor(idx.astype(np.int64)))

    def max(self, dim: int | None = None, keepdim: bool = False):
        """Largest element; with ``dim``, a ``(values, indices)`` pair like ``torch.max``."""
        return self._max_min(dim, keepdim, False, "max")

    def min(self, dim: int | None = None, keepdim: bool = False):
        """Smallest element; with ``dim``, a ``(values, indices)`` pair like ``torch.min``."""
        return self._max_min(dim, keepdim, True, "min")

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        if dim is None:
            return Tensor(np.asarray(np.argmax(self.data), dtype=np.int64))
        axis = _norm_dim(dim, self.ndim, "argmax")
        return Tensor(np.argmax(self.data, axis=axis, keepdims=keepdim).astype(np.int64))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> "Tensor":
        if dim is None:
            return Tensor(np.asarray(np.argmin(self.data), dtype=np.int64))
        axis = _norm_dim(dim, self.ndim, "argmin")
        return Tensor(np.argmin(self.data, axis=axis, keepdims=keepdim).astype(np.int64))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape: int | Sequence[int]) -> "Tensor":
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        shape = _infer_shape(tuple(int(n) for n in shape), self.numel(), self.shape)
        return shape_op(self, shape)

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        if self.ndim == 0:
            return self.reshape(1)
        s = _norm_dim(start_dim, self.ndim, "flatten")
        e = _norm_dim(end_dim, self.ndim, "flatten")
        if s > e:
            raise ArgumentError(f"flatten: start_dim ({start_dim}) must not come after end_dim ({end_dim})")
        new = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return shape_op(self, new)

    def permute(self, *dims: int | Sequence[int]) -> "Tensor":
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        norm = tuple(_norm_dim(d, self.ndim, "permute") for d in dims)
        if sorted(norm) != list(range(self.ndim)):
            raise ArgumentError(f"permute: dims {tuple(dims)} are not a permutation of the {self.ndim} axes")
        return shape.Permute.apply(self, dims=norm)

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        d0 = _norm_dim(dim0, self.ndim, "transpose")
        d1 = _norm_dim(dim1, self.ndim, "transpose")
        dims = list(range(self.ndim))
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return shape.Permute.apply(self, dims=tuple(dims))

    def squeeze(self, dim: int | None = None) -> "Tensor":
        if dim is None:
            return shape_op(self, tuple(n for n in self.shape if n != 1))
        d = _norm_dim(dim, self.ndim, "squeeze")
        if self.ndim == 0 or self.shape[d] != 1:
            return self
        return shape_op(self, self.shape[:d] + self.shape[d + 1:])

    def unsqueeze(self, dim: int) -> "Tensor":
        d = _norm_dim(dim, self.ndim + 1, "unsqueeze")
        return shape_op(self, self.shape[:d] + (1,) + self.shape[d:])

    def expand(self, *sizes: int | Sequence[int]) -> "Tensor":
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ShapeError(f"expand: cannot expand shape {self.shape} to fewer dimensions {tuple(sizes)}")
        target = tuple(self.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
        try:
            np.broadcast_shapes(self.shape, target)
            ok = np.broadcast_shapes(self.shape, target) == target
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {tuple(sizes)}")
        return shape.Expand.apply(self, shape=target)

    def __getitem__(self, index: Any) -> "Tensor":
        index = _convert_index(index)
        try:
            self.data[index]
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor shape {self.shape})") from None
        return shape.GetItem.apply(self, index=index)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and autograd.is_grad_enabled():
            raise RuntimeError("setitem: in-place assignment into a tensor that requires grad; use numnet.no_grad()")
        self.data[_convert_index(index)] = value.data if isinstance(value, Tensor) else value

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _infer_shape(shape: tuple[int, ...], numel: int, old: tuple[int, ...]) -> tuple[int, ...]:
    """Resolve one ``-1`` in a requested shape, or raise a ShapeError naming both shapes."""
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1]))
    bad = len(unknown) > 1 or any(n < -1 for n in shape)
    if not bad and unknown:
        bad = known == 0 or numel % known != 0
        if not bad:
            shape = shape[:unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif not bad:
        bad = known != numel
    if bad:
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {old} ({numel} elements) into {shape}")
    return shape


def shape_op(t: Tensor, new_shape: tuple[int, ...]) -> Tensor:
    return shape.Reshape.apply(t, shape=new_shape)


def _convert_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# ---------------------------------------------------------------------- creation and free functions
def tensor(data: ArrayLike, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from data (copied). Python floats give float32, ints int64; float64 arrays stay float64."""
    arr = np.array(_to_array(data, dtype), copy=True)
    return Tensor(arr, requires_grad=requires_grad)


def as_tensor(data: ArrayLike, dtype: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with a NumPy array when it can."""
    if isinstance(data, Tensor) and dtype is None:
        return data
    return Tensor(_to_array(data, dtype))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    if not isinstance(array, np.ndarray):
        raise DTypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _shape_arg(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def zeros(*size: int, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape_arg(size), dtype=dtype), requires_grad=requires_grad)


def ones(*size: int, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape_arg(size), dtype=dtype), requires_grad=requires_grad)


def full(size: Sequence[int], fill_value: float, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(tuple(size), fill_value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, dtype: Any = None) -> Tensor:
    return Tensor(np.zeros(t.shape, dtype=dtype or t.dtype))


def ones_like(t: Tensor, dtype: Any = None) -> Tensor:
    return Tensor(np.ones(t.shape, dtype=dtype or t.dtype))


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None) -> Tensor:
    arr = np.arange(start, end, step) if end is not None else np.arange(start)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "f":
        arr = arr.astype(np.float32)
    return Tensor(arr)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Concatenate along ``dim``; all other sizes must match."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("cat: expected a non-empty sequence of tensors")
    ref = tensors[0]
    axis = _norm_dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != ref.ndim or t.shape[:axis] + t.shape[axis + 1:] != ref.shape[:axis] + ref.shape[axis + 1:]:
            raise ShapeError(f"cat: tensor {i} has shape {t.shape}, which does not match {ref.shape} "
                             f"outside dimension {dim}")
    return shape.Cat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join equally shaped tensors along a new dimension ``dim``."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ArgumentError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise ShapeError(f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {tensors[0].shape}")
    d = _norm_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(d) for t in tensors], dim=d)


def where(condition: Tensor | np.ndarray, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise ``input`` where ``condition`` holds, else ``other``; gradients flow to the chosen side."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a = input if isinstance(input, Tensor) else None
    b = other if isinstance(other, Tensor) else None
    ref = a or b
    if ref is None:
        return Tensor(np.where(cond, input, other))
    a = ref._lift(input)
    b = ref._lift(other)
    try:
        np.broadcast_shapes(cond.shape, a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"where: condition {cond.shape}, input {a.shape} and other {b.shape} do not broadcast") from None
    return ew.Where.apply(a, b, cond=cond)


def maximum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return as_tensor(input).maximum(other)


def minimum(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return as_tensor(input).minimum(other)


def pad(input: Tensor, pad: Sequence[int], value: float = 0.0) -> Tensor:  # noqa: A002
    """Constant padding with PyTorch's ``F.pad`` order: ``(left, right, top, bottom, ...)`` from the last dim back."""
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ArgumentError(f"pad: expected an even number of values, at most 2×{input.ndim}, got {tuple(pad)}")
    if any(int(p) < 0 for p in pad):
        raise ArgumentError(f"pad: negative padding is not supported, got {tuple(pad)}")
    width = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        width[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return shape.Pad.apply(input, pad_width=tuple(width), value=value)


for _name in ("exp", "log", "sqrt", "abs", "clamp", "sum", "mean", "var", "max", "min", "argmax", "argmin",
              "reshape", "flatten", "permute", "transpose", "squeeze", "unsqueeze", "matmul"):
    globals()[_name] = getattr(Tensor, _name)
del _name
