"""The autograd :class:`Tensor`: an ``np.ndarray`` plus the graph that produced it.

Operators and methods only validate arguments, promote dtypes and call the primitives in ``numnet/ops``; every
derivative lives there. This file holds the core: construction, conversion, ``backward``, the arithmetic and
comparison operators, the elementwise functions and indexing. Beside it: the dtype rules (PyTorch's) in
:mod:`numnet.dtypes`, the math, activation, reduction, shape and selection methods in five mixins
(``_tensor_math.py``, ``_tensor_activation.py``, ``_tensor_reduce.py``, ``_tensor_shape.py``,
``_tensor_select.py``), the in-place methods in ``_tensor_inplace.py``, indexing in ``_tensor_index.py``, and the free functions (``cat``, ``where``, ``einsum``, ...) in :mod:`numnet.creation`.
None of them imports ``numnet.functional`` or anything above it.
"""

from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from numnet import _validation as V
from numnet import autograd
from numnet._dims import _norm_dim
from numnet._tensor_activation import _ActivationMethods
from numnet._tensor_index import _IndexMethods
from numnet._tensor_inplace import _InPlaceMethods
from numnet._tensor_math import _MathMethods, _binary
from numnet._tensor_reduce import MaxResult, _ReduceMethods  # noqa: F401  (MaxResult: public here too)
from numnet._tensor_select import _SelectMethods
from numnet._tensor_shape import _ShapeMethods
from numnet.dtypes import _DEFAULT_FLOAT, _KIND_RANK, ArrayLike, _as_array, _is_float, _same_dtype
from numnet.dtypes import promote_types, result_type  # noqa: F401  (public here too, as before the split)
from numnet.device import CPU, as_device, device, is_device_like
from numnet.dtypes import as_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import linalg


def _to_array(data: ArrayLike, dtype: Any = None) -> np.ndarray:
    """``data`` as an array by :mod:`numnet.dtypes`' rule; a Tensor gives its own array (converted to ``dtype``)."""
    if isinstance(data, Tensor):
        data = data._data
    return _as_array(data, dtype)


class Tensor(_MathMethods, _ActivationMethods, _ReduceMethods, _ShapeMethods, _SelectMethods, _InPlaceMethods,
             _IndexMethods):
    """A multi-dimensional array that can record the operations applied to it and differentiate through them.

    Create one with :func:`numnet.tensor`. ``requires_grad=True`` on a floating tensor makes every result computed
    from it part of a graph; ``loss.backward()`` then fills ``.grad`` of every such leaf.

    >>> import numnet
    >>> x = numnet.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    # _vbox: the storage's [version, has_views], shared by views (see autograd); _hooks: register_hook's functions;
    # _history: [(version, alias)] left by recorded in-place ops so older graph nodes still reach the old value.
    # _post_hooks: register_post_accumulate_grad_hook's functions (None for almost every tensor)
    __slots__ = ("_data", "_requires_grad", "grad", "_ctx", "_retains_grad", "_vbox", "_hooks", "_history",
                 "_post_hooks", "__weakref__")
    __array_priority__ = 1000  # make ``ndarray * Tensor`` call Tensor.__rmul__

    def __init__(self, data: ArrayLike, requires_grad: bool = False, dtype: Any = None) -> None:
        self._data: np.ndarray = _as_array(data._data if isinstance(data, Tensor) else data, dtype)
        self.grad: Tensor | None = None
        self._ctx: autograd.Function | None = None
        self._retains_grad = False
        self._requires_grad = False
        self._vbox = [0, False]
        self._hooks = None
        self._history = None
        self._post_hooks = None
        if requires_grad:
            self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: autograd.Function | None) -> "Tensor":
        t = cls.__new__(cls)
        t._data = data if type(data) is np.ndarray else np.asarray(data)
        t.grad = None
        t._ctx = ctx
        t._retains_grad = False
        t._requires_grad = ctx is not None
        t._vbox = [0, False]
        t._hooks = None
        t._history = None
        t._post_hooks = None
        return t

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> "Tensor":
        """This tensor's values as a new Tensor that shares the memory and is not tracked, as ``torch.Tensor.data``.

        Changes through it (``p.data.sub_(lr * p.grad)``, ``p.data[0] = 1``, ``p.data -= ...``) change this tensor and
        are not recorded by autograd, nor counted by its version counter (PyTorch's rule: that is the difference
        from :meth:`detach`, whose changes ``backward`` checks). ``x.numpy()`` (or ``np.asarray(x)``) gives the
        underlying ``np.ndarray`` itself.
        """
        return Tensor._from_op(self._data, None)

    @data.setter
    def data(self, value: Any) -> None:
        """``x.data = other`` makes ``x`` use ``other``'s values (its memory, for a Tensor or an array), any shape."""
        arr = value._data if isinstance(value, Tensor) else _as_array(value)
        if self._requires_grad and arr.dtype.kind not in "fc":
            raise DTypeError(f"data: a tensor that requires grad needs floating-point data, got dtype {arr.dtype}")
        self._data = arr

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data.dtype.kind not in "fc":
            raise DTypeError(
                f"requires_grad: only floating-point tensors can require gradients, got dtype {self._data.dtype}"
            )
        if not value and self._ctx is not None:
            raise ArgumentError("requires_grad: cannot turn off gradients of a non-leaf tensor; use .detach()")
        self._requires_grad = bool(value)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The graph node that produced this tensor (``None`` for leaves and results computed without grad), with
        PyTorch's ``name()`` (``"MulBackward0"``) and ``next_functions``."""
        return None if self._ctx is None else autograd.Node(self._ctx)

    @property
    def _version(self) -> int:
        """How many in-place changes this tensor's storage has had (shared with its views), as in PyTorch."""
        return self._vbox[0]

    @property
    def device(self) -> device:
        """Always the CPU (``numnet.device("cpu")``)."""
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension ``dim``."""
        if dim is None:
            return self._data.shape
        if self.ndim == 0:
            raise ArgumentError(f"size: a 0-d tensor has no dimension {dim}")
        return self._data.shape[_norm_dim(dim, self.ndim, "size")]

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def is_floating_point(self) -> bool:
        return _is_float(self._data.dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), like ``torch.Tensor.numpy``.

        Raises:
            RuntimeError: if the tensor requires grad (use ``.detach().numpy()``).
        """
        if self.requires_grad:
            raise RuntimeError("numpy: cannot call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self._data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ShapeError("item: only a one-element tensor can be converted to a Python scalar, "
                             f"got shape {self.shape}")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> "Tensor":
        """A tensor sharing the same data (and version counter), cut from the graph."""
        t = Tensor._from_op(self._data, None)
        t._vbox = self._vbox
        self._vbox[1] = True
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place (it becomes a leaf that does not require grad)."""
        self._ctx = None
        self._requires_grad = False
        return self

    def clone(self) -> "Tensor":
        """A copy of the data; gradients flow back to this tensor."""
        if self.requires_grad and autograd.is_grad_enabled():
            return self * 1
        return Tensor._from_op(self._data.copy(), None)

    def to(self, *args: Any, **kwargs: Any) -> "Tensor":
        """PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)`` (its dtype and device),
        ``to(dtype=..., device=...)``; ``non_blocking`` and ``copy`` are accepted. Differentiable between float
        dtypes. Returns ``self`` when nothing changes (unless ``copy=True``), as PyTorch does.

        Raises:
            DeviceError: for a device other than the CPU.
            DTypeError: for something that is neither a dtype, a device nor a tensor.
        """
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        copy = bool(kwargs.pop("copy", False))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise ArgumentError(f"to: unexpected keyword argument(s) {sorted(kwargs)}")
        if len(args) > 3:
            raise ArgumentError(f"to: expected at most (device, dtype, non_blocking), got {len(args)} arguments")
        if args and isinstance(args[0], (builtins.bool, np.bool_)):
            raise DTypeError(V.expected("to", "the first argument", "a device, a dtype or a Tensor", args[0]))
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif a is None or isinstance(a, builtins.bool):
                continue  # non_blocking / copy given positionally
            elif isinstance(a, builtins.int) or is_device_like(a):
                dev = a
            else:
                dtype = a
        if dev is not None:
            as_device(dev, "to")
        if dtype is None:
            return self.clone() if copy else self
        dt = as_dtype(dtype, "to")
        if dt == self._data.dtype:
            return self.clone() if copy else self
        if self.requires_grad and dt.kind in "fc":
            return ew.CastOp.apply(self, dtype=dt)
        return Tensor(self._data.astype(dt))

    def type_as(self, other: "Tensor") -> "Tensor":
        """This tensor converted to ``other``'s dtype."""
        if not isinstance(other, Tensor):
            raise DTypeError(f"type_as: expected other to be a Tensor, got {type(other).__name__}")
        return self.to(other.dtype)

    def type(self, dtype: Any = None) -> "str | Tensor":
        """Without an argument, PyTorch's type name (``"torch.FloatTensor"``); with a dtype, ``to(dtype)``."""
        if dtype is None:
            return "torch." + _TYPE_NAMES.get(self._data.dtype, str(self._data.dtype)) + "Tensor"
        if isinstance(dtype, Tensor):  # to(other) takes a tensor; type(...) takes only a dtype, as in PyTorch
            raise DTypeError(V.expected("type", "dtype", "a dtype, a type or a type name",
                                        got=f"a Tensor of shape {dtype.shape}"))
        return self.to(dtype)

    def cpu(self) -> "Tensor":
        """``self`` (numnet tensors always live on the CPU)."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> "Tensor":
        """Always raises DeviceError: numnet runs on the CPU only."""
        as_device("cuda" if device is None else device if not isinstance(device, builtins.int) else device, "cuda")
        return self  # pragma: no cover - as_device raises for every non-CPU device

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def half(self) -> "Tensor":
        return self.to(np.float16)

    def long(self) -> "Tensor":
        return self.to(np.int64)

    def int(self) -> "Tensor":
        return self.to(np.int32)

    def short(self) -> "Tensor":
        return self.to(np.int16)

    def bool(self) -> "Tensor":
        return self.to(np.bool_)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad and self._ctx is not None

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> "_HookHandle":
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces the gradient.
        Returns a handle whose ``remove()`` unregisters the hook.

        Raises:
            RuntimeError: if the tensor does not require grad.
        """
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if not callable(hook):
            raise DTypeError(f"register_hook: expected hook to be callable, got {hook!r}")
        if self._hooks is None:
            self._hooks = {}
        handle = _HookHandle(self._hooks)
        self._hooks[handle.id] = hook
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]) -> "_HookHandle":
        """Call ``hook(tensor)`` after ``backward`` has accumulated this leaf's gradient into ``.grad``
        (PyTorch's name; DistributedDataParallel starts a bucket's allreduce from it).

        Raises:
            RuntimeError: if the tensor is not a leaf that requires grad.
        """
        if not self._requires_grad or self._ctx is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: expected a leaf tensor that requires grad")
        if not callable(hook):
            raise DTypeError(f"register_post_accumulate_grad_hook: expected hook to be callable, got {hook!r}")
        if self._post_hooks is None:
            self._post_hooks = {}
        handle = _HookHandle(self._post_hooks)
        self._post_hooks[handle.id] = hook
        return handle

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self.requires_grad = requires_grad
        return self

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extra = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self._data.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{autograd._backward_name(self._ctx)}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient: "Tensor | ArrayLike | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf it depends on.

        Args:
            gradient: dL/d(self), same shape as self; may be omitted only for a one-element tensor (then it is 1).
            retain_graph: keep what the ops saved so ``backward`` can run through this graph again.
            create_graph: not supported (True raises ArgumentError; see :func:`numnet.autograd.grad`).
            inputs: accumulate only into these tensors' ``.grad``.

        Raises:
            RuntimeError: if this tensor does not require grad, or the graph was freed by an earlier backward.
            ShapeError: if ``gradient`` is missing for a non-scalar tensor or has the wrong shape.
            DTypeError: if ``gradient`` is not numeric data.
            InPlaceError: if a tensor saved for backward was changed in place since.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: tensor does not require grad and has no grad_fn")
        if create_graph:
            raise ArgumentError("backward: create_graph=True (higher-order gradients) is not supported by numnet")
        if gradient is None:
            if self._data.size != 1:
                raise ShapeError("backward: gradient can be implicit only for a scalar output, "
                                 f"got shape {self.shape}; pass gradient= of the same shape")
            g = np.ones(self.shape, dtype=self.dtype)
        else:
            if not isinstance(gradient, (Tensor, np.ndarray, np.generic, builtins.int, builtins.float, list, tuple)):
                raise DTypeError(f"backward: expected gradient to be a Tensor, got {type(gradient).__name__}")
            raw = _to_array(gradient)
            if raw.dtype.kind not in "biufc":
                raise DTypeError(f"backward: expected gradient to be numeric, got dtype {raw.dtype}")
            g = np.array(raw, dtype=self.dtype)
            if g.shape != self.shape:
                raise ShapeError(f"backward: gradient has shape {g.shape} but the tensor has shape {self.shape}")
        if inputs is not None:
            ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            grads = autograd._run([self], [g], bool(retain_graph), capture=ins)
            with autograd.no_grad():
                for t, gi in zip(ins, grads):
                    if gi is not None:
                        gi = np.array(gi, dtype=t.dtype, copy=True)
                        t.grad = Tensor(gi) if t.grad is None else Tensor(t.grad._data + gi)
            return
        autograd.backward(self, g, retain_graph=bool(retain_graph))

    # ------------------------------------------------------------------ arithmetic
    def _lift(self, other: Any, op: str = "arithmetic") -> "Tensor":
        """``other`` as a tensor; a Python/NumPy scalar takes this tensor's dtype unless its kind is higher."""
        if isinstance(other, Tensor):
            return other
        mine = self._data.dtype
        if isinstance(other, builtins.float) and mine.kind in "fc":
            return Tensor._from_op(np.array(other, dtype=mine), None)
        # a plain int with a float32/float64 tensor takes the tensor's dtype, as the general rule below gives; within
        # ±2**53 converting the int directly rounds exactly as converting its int64 array does (float16 is left to
        # the general rule, whose overflow to inf and its warning come from the int64 cast)
        if type(other) is builtins.int and mine.kind == "f" and mine.itemsize >= 4 and \
                -_EXACT_INT <= other <= _EXACT_INT:
            return Tensor._from_op(np.array(other, dtype=mine), None)
        arr = np.asarray(other)
        if isinstance(other, np.ndarray) and arr.ndim > 0:
            return Tensor._from_op(arr, None)
        V.int64_scalar(other, op)
        if arr.dtype.kind not in "biufc":
            raise DTypeError(V.expected(op, "other", "a number or a Tensor", other))
        rank, my_rank = _KIND_RANK[arr.dtype.kind], _KIND_RANK.get(mine.kind, 4)
        if rank <= my_rank and not (mine.kind == "b" and rank == 1):
            dt = mine
        else:  # bool tensor + int → int64; int tensor + float → float32; real + complex → complex64
            dt = {1: np.dtype(np.int64), 2: _DEFAULT_FLOAT, 3: np.dtype(np.complex64)}[rank]
        return Tensor._from_op(arr.astype(dt), None)

    def __add__(self, other: Any) -> "Tensor":
        return _binary(ew.AddOp, "add", self, other if isinstance(other, Tensor) else self._lift(other, "add"))

    def __radd__(self, other: Any) -> "Tensor":
        return _binary(ew.AddOp, "add", self._lift(other, "add"), self)

    def _sub_operand(self, other: Any) -> "Tensor":
        """``other`` lifted for ``-``; PyTorch refuses a bool operand (usually meant as ``~`` / logical_not)."""
        lifted = self._lift(other, "sub")
        if isinstance(other, (builtins.bool, np.bool_)) or self._data.dtype.kind == "b" or \
                lifted._data.dtype.kind == "b":
            raise DTypeError("sub: subtraction with a bool tensor or bool scalar is not supported; "
                             "use ~x or logical_not for bools, or convert with .int() / .float() first")
        return lifted

    def __sub__(self, other: Any) -> "Tensor":
        return _binary(ew.SubOp, "sub", self, self._sub_operand(other))

    def __rsub__(self, other: Any) -> "Tensor":
        return _binary(ew.SubOp, "sub", self._sub_operand(other), self)

    def __mul__(self, other: Any) -> "Tensor":
        return _binary(ew.MulOp, "mul", self, other if isinstance(other, Tensor) else self._lift(other, "mul"))

    def __rmul__(self, other: Any) -> "Tensor":
        return _binary(ew.MulOp, "mul", self._lift(other, "mul"), self)

    @staticmethod
    def _div(a: "Tensor", b: "Tensor") -> "Tensor":
        if a._data.dtype.kind not in "fc" and b._data.dtype.kind not in "fc":  # true division of ints → float32
            a, b = a.to(_DEFAULT_FLOAT), b.to(_DEFAULT_FLOAT)
        return _binary(ew.DivOp, "div", a, b)

    def __truediv__(self, other: Any) -> "Tensor":
        return Tensor._div(self, self._lift(other))

    def __rtruediv__(self, other: Any) -> "Tensor":
        return Tensor._div(self._lift(other), self)

    @staticmethod
    def _pow(base: "Tensor", exponent: "Tensor") -> "Tensor":
        if base._data.dtype.kind in "biu" and exponent._data.dtype.kind in "iu" and np.any(exponent._data < 0):
            raise ArgumentError("pow: integers to negative integer powers are not allowed; "
                                "make the base or the exponent floating point")
        return _binary(ew.PowOp, "pow", base, exponent)

    def __pow__(self, other: Any) -> "Tensor":
        return self._pow(self, self._lift(other, "pow"))

    def __rpow__(self, other: Any) -> "Tensor":
        return self._pow(self._lift(other, "pow"), self)

    def __neg__(self) -> "Tensor":
        if self._data.dtype.kind == "b":
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
        other = other if isinstance(other, Tensor) else self._lift(other)
        sa, sb = self._data.shape, other._data.shape
        if not sa or not sb:
            raise ShapeError("matmul: both operands need at least 1 dimension, "
                             f"got shapes {self.shape} and {other.shape}")
        k_a = sa[-1]
        k_b = sb[0] if len(sb) == 1 else sb[-2]
        if k_a != k_b:
            raise ShapeError(f"matmul: shapes {self.shape} and {other.shape} cannot be multiplied: "
                             f"expected the first operand's last dim ({k_a}) to equal the second's "
                             f"{'first' if other.ndim == 1 else 'second-to-last'} dim ({k_b})")
        if len(sa) > 2 or len(sb) > 2:  # batch dims to check (1-D and 2-D operands have none)
            batch_a, batch_b = sa[:-2], sb[:-2]
            try:
                np.broadcast_shapes(batch_a, batch_b)
            except ValueError:
                raise ShapeError(f"matmul: batch dims {batch_a} and {batch_b} of shapes {self.shape} and "
                                 f"{other.shape} cannot be broadcast together") from None
        a, b = (self, other) if self._data.dtype == other._data.dtype else _same_dtype((self, other))
        return linalg.MatMulOp.apply(a, b)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ShapeError(f"bool: the truth value of a tensor with {self._data.size} elements (shape {self.shape}) "
                             "is ambiguous; use .any() or .all()")
        return bool(self._data.reshape(()).item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be used as an index, got {self.dtype} "
                            f"of shape {self.shape}")
        return int(self.item())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


_EXACT_INT = 2 ** 53  # every int up to this magnitude is exact in float64 (see Tensor._lift)

_TYPE_NAMES = {np.dtype(np.float32): "Float", np.dtype(np.float64): "Double", np.dtype(np.float16): "Half",
               np.dtype(np.int64): "Long", np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
               np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte", np.dtype(np.bool_): "Bool"}


class _HookHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters the hook (a second call does nothing)."""

    _next = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = _HookHandle._next
        _HookHandle._next += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
