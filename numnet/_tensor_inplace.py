"""The in-place methods of :class:`numnet.Tensor` (``add_``, ``fill_``, ``copy_``, ``uniform_``, ``+=``, ...) and
the rule they share: an in-place op computes the out-of-place result and writes it into the tensor's memory; while
gradients are recorded the tensor takes the new op as its history and the op reads a copy of the old value, so the
gradient stays right (a leaf that requires grad, or a tensor with views, is refused)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from numnet import _validation as V
from numnet import autograd
from numnet.autograd import _tensor_class
from numnet.dtypes import _KIND_RANK, _as_array
from numnet.errors import DTypeError, InPlaceError, ShapeError

if TYPE_CHECKING:
    from numnet.tensor import Tensor


class _InPlaceMethods:
    def _inplace(self, op: str, compute: Callable[["Tensor"], "Tensor"], others: tuple = ()) -> "Tensor":
        """Run ``compute(self)`` (an out-of-place result) and write it into this tensor's memory.

        Untracked (under ``no_grad``, or nothing requires grad) it only writes and bumps the version. Tracked, this
        tensor takes the new op as its history; the op reads a copy of the old value (an alias), so the gradient is
        right, and graph nodes recorded before still reach the old history through ``_history``.
        """
        tensor_cls = _tensor_class()
        tracked = autograd.is_grad_enabled() and (
            self._requires_grad or any(isinstance(o, tensor_cls) and o._requires_grad for o in others))
        if tracked and self._requires_grad and self._ctx is None:
            raise InPlaceError(f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
                               "do it under numnet.no_grad() (or on .data / .detach())")
        if not tracked:
            with autograd.no_grad():
                result = compute(self)
            self._write(op, result._data)
            return self
        if self._vbox[1]:
            raise InPlaceError(f"{op}: an in-place operation recorded for autograd on a tensor that shares its memory "
                               "with another tensor (a view) is not supported by numnet; use the out-of-place form")
        alias = tensor_cls._from_op(self._data.copy(), self._ctx)
        alias._requires_grad = self._requires_grad
        result = compute(alias)
        self._write(op, result._data)
        ctx = result._ctx
        if self._history is None:
            self._history = []
        self._history.append((self._vbox[0] - 1, alias))
        self._ctx, self._requires_grad = ctx, ctx is not None
        if ctx is not None:
            ctx._out = (self._vbox, self._vbox[0], self._data)
        return self

    def _write(self, op: str, values: np.ndarray) -> None:
        if values.shape != self._data.shape:
            raise ShapeError(f"{op}: output with shape {self.shape} doesn't match the broadcast shape {values.shape}")
        if values.dtype != self._data.dtype and _KIND_RANK.get(values.dtype.kind, 4) > \
                _KIND_RANK.get(self._data.dtype.kind, 4):
            raise DTypeError(f"{op}: result type {values.dtype} can't be cast to the desired output type "
                             f"{self._data.dtype}")
        if not self._data.flags.writeable:
            raise InPlaceError(f"{op}: the tensor's memory is read-only")
        self._data[...] = values
        self._vbox[0] += 1

    def add_(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """``self += alpha * other`` in place."""
        return self._inplace("add_", lambda s: s + (other if alpha == 1 else other * alpha), (other,))

    def sub_(self, other: Any, *, alpha: Any = 1) -> "Tensor":
        """``self -= alpha * other`` in place."""
        return self._inplace("sub_", lambda s: s - (other if alpha == 1 else other * alpha), (other,))

    def mul_(self, other: Any) -> "Tensor":
        return self._inplace("mul_", lambda s: s * other, (other,))

    def div_(self, other: Any) -> "Tensor":
        return self._inplace("div_", lambda s: s / other, (other,))

    def pow_(self, exponent: Any) -> "Tensor":
        return self._inplace("pow_", lambda s: s ** exponent, (exponent,))

    def exp_(self) -> "Tensor":
        return self._inplace("exp_", lambda s: s.exp())

    def neg_(self) -> "Tensor":
        return self._inplace("neg_", lambda s: -s)

    def clamp_(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002
        return self._inplace("clamp_", lambda s: s.clamp(min, max))

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return self.fill_(0)

    def fill_(self, value: Any) -> "Tensor":
        """Fill with ``value`` (a number or a one-element tensor) in place."""
        if isinstance(value, _tensor_class()) and value.ndim > 0:
            raise ShapeError(f"fill_: expected value to be a 0-d tensor, got shape {value.shape}")
        value = V.fits(V.scalar(value, "fill_", "value"), self._data.dtype, "fill_", "value")
        return self._overwrite("fill_", np.full(self.shape, value, dtype=self._data.dtype))

    def copy_(self, src: Any, non_blocking: bool = False) -> "Tensor":
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor in place."""
        if isinstance(src, _tensor_class()) and src._requires_grad and autograd.is_grad_enabled():
            raise InPlaceError("copy_: copying a tensor that requires grad while gradients are recorded is not "
                               "supported by numnet; use .detach() or no_grad()")
        arr = src._data if isinstance(src, _tensor_class()) else _as_array(src)
        try:
            arr = np.broadcast_to(arr, self.shape)
        except ValueError:
            raise ShapeError(f"copy_: src of shape {arr.shape} cannot be broadcast to shape {self.shape}") from None
        return self._overwrite("copy_", arr.astype(self._data.dtype, copy=False))

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of U(from, to) in place."""
        from numnet import random

        from_, to = V.real(from_, "uniform_", "from"), V.real(to, "uniform_", "to")
        g = random._gen(generator, "uniform_")
        return self._overwrite("uniform_", g.uniform(from_, to, self.shape).astype(self._data.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> "Tensor":
        """Fill with samples of N(mean, std²) in place."""
        from numnet import random

        mean, std = V.real(mean, "normal_", "mean"), V.real(std, "normal_", "std", 0)
        g = random._gen(generator, "normal_")
        return self._overwrite("normal_", g.normal(mean, std, self.shape).astype(self._data.dtype))

    def _overwrite(self, op: str, values: np.ndarray) -> "Tensor":
        """Write values that do not depend on the old ones. Tracked, the tensor stops depending on its history."""
        if self._requires_grad and autograd.is_grad_enabled():
            if self._ctx is None:
                raise InPlaceError(f"{op}: a leaf tensor that requires grad is being used in an in-place operation; "
                                   "do it under numnet.no_grad()")
            return self._inplace(op, lambda s: s * 0 + _tensor_class()._from_op(values, None))
        self._write(op, values)
        return self

    def __iadd__(self, other: Any) -> "Tensor":
        return self.add_(other)

    def __isub__(self, other: Any) -> "Tensor":
        return self.sub_(other)

    def __imul__(self, other: Any) -> "Tensor":
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> "Tensor":
        return self.div_(other)
