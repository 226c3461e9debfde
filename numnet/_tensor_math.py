"""The math, comparison and selection methods of :class:`numnet.Tensor`: elementwise functions (``exp``, ``sin``,
``pow``, ``clamp``, ...), the named arithmetic (``add``, ``div(rounding_mode=)``, ``remainder``, ``fmod``), the
comparisons (``eq``/``==``, ...), the float tests (``isnan``, ...), ``any``/``all`` and the small matrix products
(``dot``, ``mm``, ``bmm``, ``outer``). Argument checks and PyTorch's dtype rules here; every derivative in
:mod:`numnet.ops.elementwise` and :mod:`numnet.ops.linalg`.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it. The free
functions (``numnet.sin(x)``, ...) are in :mod:`numnet.functions`.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from numnet import _validation as V
from numnet._dims import _broadcast_error, _norm_dims
from numnet.autograd import _tensor_class
from numnet.dtypes import _DEFAULT_FLOAT, _same_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops import elementwise as ew
from numnet.ops import linalg

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor


def _binary(fn: type, op: str, a: "Tensor", b: "Tensor", **kw: Any) -> "Tensor":
    """Apply a broadcasting binary primitive after promoting both sides to one dtype."""
    if a._data.dtype != b._data.dtype:
        a, b = _same_dtype((a, b))
    try:  # the broadcast check only on failure: it would cost every op a shape computation
        return fn.apply(a, b, **kw) if kw else fn.apply(a, b)  # (no empty ** dict on the common path)
    except ValueError:
        _broadcast_error(op, a.shape, b.shape)
        raise


def _bound(value: Any, op: str) -> Any:
    """A clamp bound as a constant (number or array)."""
    if isinstance(value, _tensor_class()):
        if value.requires_grad:
            raise ArgumentError(f"{op}: a bound that requires grad is not supported (no gradient flows to bounds); "
                                "pass a number or a detached tensor")
        return value._data
    if value is not None and not V._is_real(value) and not isinstance(value, np.ndarray):
        raise DTypeError(V.expected(op, "min/max", "a number or a Tensor", value))
    return V.int64_scalar(value, op, "min/max")


def _no_int_zero_division(a: "Tensor", b: "Tensor", op: str) -> None:
    """Integer division by zero is an error in PyTorch (NumPy would warn and give 0)."""
    if a._data.dtype.kind in "biu" and b._data.dtype.kind in "biu" and np.any(b._data == 0):
        raise ArgumentError(f"{op}: integer division by zero")


_ROUNDING = (None, "trunc", "floor")


class _MathMethods:
    __slots__ = ()

    # ------------------------------------------------------------------ elementwise functions
    def _floating(self) -> "Tensor":
        """Integer and bool tensors become float32 for functions with real results (as in PyTorch)."""
        return self if self._data.dtype.kind in "fc" else self.to(_DEFAULT_FLOAT)

    def exp(self) -> "Tensor":
        """eˣ elementwise."""
        return ew.ExpOp.apply(self._floating())

    def log(self) -> "Tensor":
        """Natural logarithm elementwise (−inf at 0, NaN below, as in PyTorch)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return ew.LogOp.apply(self._floating())

    def sqrt(self) -> "Tensor":
        """√x elementwise; the gradient at 0 is inf."""
        with np.errstate(invalid="ignore"):
            return ew.SqrtOp.apply(self._floating())

    def sin(self) -> "Tensor":
        """sin x elementwise."""
        return ew.SinOp.apply(self._floating())

    def cos(self) -> "Tensor":
        """cos x elementwise."""
        return ew.CosOp.apply(self._floating())

    def tan(self) -> "Tensor":
        """tan x elementwise."""
        return ew.TanOp.apply(self._floating())

    def log1p(self) -> "Tensor":
        """ln(1 + x) elementwise, accurate for small x."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return ew.Log1pOp.apply(self._floating())

    def expm1(self) -> "Tensor":
        """eˣ − 1 elementwise, accurate for small x."""
        return ew.Expm1Op.apply(self._floating())

    def rsqrt(self) -> "Tensor":
        """1/√x elementwise."""
        return ew.RsqrtOp.apply(self._floating())

    def reciprocal(self) -> "Tensor":
        """1/x elementwise (integers give float32, as in PyTorch)."""
        return ew.ReciprocalOp.apply(self._floating())

    def square(self) -> "Tensor":
        """x² elementwise (keeps integer dtypes)."""
        return ew.SquareOp.apply(self)

    def abs(self) -> "Tensor":
        """|x| elementwise; the gradient at 0 is 0 (PyTorch's convention)."""
        return ew.AbsOp.apply(self)

    def __abs__(self) -> "Tensor":
        return self.abs()

    def neg(self) -> "Tensor":
        """−x elementwise."""
        return -self

    negative = neg

    def _step(self, kind: str, decimals: int = 0) -> "Tensor":
        return ew.StepOp.apply(self, kind=kind, decimals=decimals)

    def sign(self) -> "Tensor":
        """−1, 0 or 1 elementwise; zero gradient."""
        if self._data.dtype.kind == "b":
            return self
        return self._step("sign")

    def floor(self) -> "Tensor":
        """The largest integer ≤ x elementwise (integer tensors are returned as they are); zero gradient."""
        return self if self._data.dtype.kind in "biu" else self._step("floor")

    def ceil(self) -> "Tensor":
        """The smallest integer ≥ x elementwise; zero gradient."""
        return self if self._data.dtype.kind in "biu" else self._step("ceil")

    def round(self, decimals: int = 0) -> "Tensor":
        """Round half to even (to ``decimals`` places); zero gradient."""
        decimals = V.integer(decimals, "round", "decimals")
        return self if self._data.dtype.kind in "biu" and decimals >= 0 else self._step("round", decimals)

    def pow(self, exponent: Any) -> "Tensor":
        """self ** exponent, elementwise (a tensor or a number); gradients flow to both sides."""
        return self ** exponent

    def clamp(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        """Limit every element to [min, max]; the gradient passes where the input lies within the bounds
        (bounds included). With ``min > max`` every element becomes ``max``, as in PyTorch.

        Deliberate difference: tensor bounds are constants (PyTorch also differentiates with respect to them).

        Raises:
            ArgumentError: if neither bound is given, or a bound is a tensor that requires grad.
        """
        if min is None and max is None:
            raise ArgumentError("clamp: at least one of min and max must be given")
        lo, hi = _bound(min, "clamp"), _bound(max, "clamp")
        for b in (lo, hi):
            if isinstance(b, np.ndarray):
                _broadcast_error("clamp", self.shape, b.shape)
        x = self
        if x._data.dtype.kind in "biu" and any(isinstance(v, builtins.float) or np.asarray(v).dtype.kind == "f"
                                              for v in (lo, hi) if v is not None):
            x = x.to(_DEFAULT_FLOAT)
        return ew.ClampOp.apply(x, lo=lo, hi=hi)

    clip = clamp

    def clamp_min(self, min: Any) -> "Tensor":  # noqa: A002
        """``clamp(min=min)``."""
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> "Tensor":  # noqa: A002
        """``clamp(max=max)``."""
        return self.clamp(max=max)

    def maximum(self, other: Any) -> "Tensor":
        """Elementwise larger of self and other; on ties each side gets half the gradient."""
        return _binary(ew.MaximumOp, "maximum", self, self._lift(other, "maximum"))

    def minimum(self, other: Any) -> "Tensor":
        """Elementwise smaller of self and other; on ties each side gets half the gradient."""
        return _binary(ew.MinimumOp, "minimum", self, self._lift(other, "minimum"))

    # ------------------------------------------------------------------ named arithmetic
    def add(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """self + alpha · other."""
        return self + (other if alpha == 1 else self._lift(other) * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """self − alpha · other."""
        return self - (other if alpha == 1 else self._lift(other) * alpha)

    subtract = sub

    def mul(self, other: Any) -> "Tensor":
        """self · other."""
        return self * other

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> "Tensor":
        """self / other: true division (integers give float32), or rounded ``"trunc"``/``"floor"`` in the inputs'
        dtype; the rounded forms have zero gradient, as in PyTorch.

        Raises:
            ArgumentError: for another rounding mode, or integer division by zero in a rounded form.
        """
        if rounding_mode not in _ROUNDING:
            raise ArgumentError(V.expected("div", "rounding_mode", "None, 'trunc' or 'floor'", rounding_mode))
        if rounding_mode is None:
            return self / other
        a, b = self, self._lift(other)
        _no_int_zero_division(a, b, "div")
        return _binary(ew.DivModeOp, "div", a, b, mode=rounding_mode)

    divide = div

    def true_divide(self, other: Any) -> "Tensor":
        """self / other (true division)."""
        return self / other

    def floor_divide(self, other: Any) -> "Tensor":
        """⌊self / other⌋ in the inputs' dtype, like ``//`` (zero gradient)."""
        return self.div(other, rounding_mode="floor")

    def __floordiv__(self, other: Any) -> "Tensor":
        return self.floor_divide(other)

    def __rfloordiv__(self, other: Any) -> "Tensor":
        return self._lift(other).floor_divide(self)

    def _remainder(self, other: Any, mode: str, op: str) -> "Tensor":
        a, b = self, self._lift(other)
        _no_int_zero_division(a, b, op)
        return _binary(ew.RemainderOp, op, a, b, mode=mode)

    def remainder(self, other: Any) -> "Tensor":
        """self − other·⌊self/other⌋: the sign of ``other``, like Python's ``%``."""
        return self._remainder(other, "floor", "remainder")

    def fmod(self, other: Any) -> "Tensor":
        """self − other·trunc(self/other): the sign of ``self``, like C's ``fmod``."""
        return self._remainder(other, "trunc", "fmod")

    def __mod__(self, other: Any) -> "Tensor":
        return self.remainder(other)

    def __rmod__(self, other: Any) -> "Tensor":
        return self._lift(other).remainder(self)

    # ------------------------------------------------------------------ comparisons: no gradient
    def _compare(self, other: Any, fn: Callable, op: str) -> "Tensor":
        o = other._data if isinstance(other, _tensor_class()) else other
        if np.asarray(o).dtype.kind not in "biufc":
            raise DTypeError(V.expected(op, "other", "a Tensor or a number", o))
        _broadcast_error(op, self.shape, np.shape(o))
        return _tensor_class()._from_op(np.asarray(fn(self._data, o)), None)

    def __eq__(self, other: Any) -> "Tensor":  # type: ignore[override]
        if other is None:
            return False  # type: ignore[return-value]
        return self._compare(other, np.equal, "eq")

    def __ne__(self, other: Any) -> "Tensor":  # type: ignore[override]
        if other is None:
            return True  # type: ignore[return-value]
        return self._compare(other, np.not_equal, "ne")

    def __lt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less, "lt")

    def __le__(self, other: Any) -> "Tensor":
        return self._compare(other, np.less_equal, "le")

    def __gt__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater, "gt")

    def __ge__(self, other: Any) -> "Tensor":
        return self._compare(other, np.greater_equal, "ge")

    def eq(self, other: Any) -> "Tensor":
        """self == other elementwise, a bool tensor."""
        return self._compare(other, np.equal, "eq")

    def ne(self, other: Any) -> "Tensor":
        """self != other elementwise."""
        return self._compare(other, np.not_equal, "ne")

    def lt(self, other: Any) -> "Tensor":
        """self < other elementwise."""
        return self._compare(other, np.less, "lt")

    def le(self, other: Any) -> "Tensor":
        """self <= other elementwise."""
        return self._compare(other, np.less_equal, "le")

    def gt(self, other: Any) -> "Tensor":
        """self > other elementwise."""
        return self._compare(other, np.greater, "gt")

    def ge(self, other: Any) -> "Tensor":
        """self >= other elementwise."""
        return self._compare(other, np.greater_equal, "ge")

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def equal(self, other: Any) -> bool:
        """True if ``other`` has the same shape and the same elements (a Python bool)."""
        V.tensor(other, "equal", "other")
        return self.shape == other.shape and bool(np.array_equal(self._data, other._data))

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> "Tensor":
        """|self − other| ≤ atol + rtol·|other| elementwise (a bool tensor)."""
        V.tensor(other, "isclose", "other")
        rtol, atol = V.real(rtol, "isclose", "rtol", 0.0), V.real(atol, "isclose", "atol", 0.0)
        _broadcast_error("isclose", self.shape, other.shape)
        out = np.isclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=V.boolean(equal_nan, "isclose",
                                                                                           "equal_nan"))
        return _tensor_class()._from_op(np.asarray(out), None)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """True if :meth:`isclose` holds everywhere (a Python bool)."""
        return bool(self.isclose(other, rtol, atol, equal_nan)._data.all())

    def _test(self, fn: Callable) -> "Tensor":
        return _tensor_class()._from_op(np.asarray(fn(self._data)), None)

    def isnan(self) -> "Tensor":
        """True where the element is NaN."""
        return self._test(np.isnan)

    def isinf(self) -> "Tensor":
        """True where the element is ±inf."""
        return self._test(np.isinf)

    def isfinite(self) -> "Tensor":
        """True where the element is neither NaN nor ±inf."""
        return self._test(np.isfinite)

    def any(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """True if any element (along ``dim``, an int or a tuple) is non-zero; a bool tensor."""
        V.boolean(keepdim, "any", "keepdim")
        axis = _norm_dims(dim, self.ndim, "any")
        return _tensor_class()._from_op(np.asarray(self._data.any(axis=axis, keepdims=keepdim)), None)

    def all(self, dim: Any = None, keepdim: bool = False) -> "Tensor":
        """True if every element (along ``dim``) is non-zero; a bool tensor."""
        V.boolean(keepdim, "all", "keepdim")
        axis = _norm_dims(dim, self.ndim, "all")
        return _tensor_class()._from_op(np.asarray(self._data.all(axis=axis, keepdims=keepdim)), None)

    # ------------------------------------------------------------------ small matrix products
    def _product(self, other: Any, op: str, ndim: int) -> tuple["Tensor", "Tensor"]:
        V.tensor(other, op, "other")
        for name, t in (("input", self), ("other", other)):
            if t.ndim != ndim:
                raise ShapeError(f"{op}: expected {name} to be {ndim}-D, got shape {t.shape}")
        if self.dtype != other.dtype:
            raise DTypeError(f"{op}: expected both tensors to have the same dtype, got {self.dtype} and "
                             f"{other.dtype}")
        return self, other

    def dot(self, other: Any) -> "Tensor":
        """Σ self_i · other_i of two 1-D tensors of one size and dtype."""
        a, b = self._product(other, "dot", 1)
        if a.shape != b.shape:
            raise ShapeError(f"dot: expected both vectors to have the same size, got {a.shape[0]} and {b.shape[0]}")
        return linalg.MatMulOp.apply(a, b)

    def mm(self, mat2: Any) -> "Tensor":
        """The product of two matrices (n, k) @ (k, m) → (n, m), no broadcasting."""
        self._product(mat2, "mm", 2)
        return self.matmul(mat2)

    def bmm(self, mat2: Any) -> "Tensor":
        """Batched products (b, n, k) @ (b, k, m) → (b, n, m), no broadcasting."""
        self._product(mat2, "bmm", 3)
        if self.shape[0] != mat2.shape[0]:
            raise ShapeError(f"bmm: expected the same batch size, got shapes {self.shape} and {mat2.shape}")
        return self.matmul(mat2)

    def outer(self, vec2: Any) -> "Tensor":
        """The outer product of two 1-D tensors: (n,) ⊗ (m,) → (n, m)."""
        V.tensor(vec2, "outer", "vec2")
        for name, t in (("input", self), ("vec2", vec2)):
            if t.ndim != 1:
                raise ShapeError(f"outer: expected {name} to be 1-D, got shape {t.shape}")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer
