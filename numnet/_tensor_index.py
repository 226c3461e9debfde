"""Indexing of :class:`numnet.Tensor`: ``x[index]`` (a recorded op; its gradient scatters back) and ``x[index] =
value`` (in place: a version bump; recorded on a non-leaf, the gradient flows to the elements not overwritten).
NumPy's IndexError becomes numnet's: an index out of range is an IndexOutOfRangeError, a bad kind of index a
DTypeError, a value of the wrong shape a ShapeError."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from numnet import _validation as V
from numnet import autograd
from numnet.autograd import _tensor_class
from numnet.errors import DTypeError, IndexOutOfRangeError, InPlaceError, ShapeError
from numnet.ops import shape

if TYPE_CHECKING:
    from numnet.tensor import Tensor


class _IndexMethods:
    def __getitem__(self, index: Any) -> "Tensor":
        index = _convert_index(index)
        try:
            return shape.GetItemOp.apply(self, index=index)
        except IndexError as exc:
            raise _index_error("index", exc, self.shape) from None

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value`` in place (a version bump, as every in-place op).

        Recorded for autograd on a non-leaf: the gradient flows to the elements not overwritten. Differences from
        PyTorch: a ``value`` that requires grad (while gradients are recorded) is refused with InPlaceError.

        Raises:
            InPlaceError: on a leaf that requires grad outside ``no_grad``, or for a ``value`` that requires grad.
        """
        idx = _convert_index(index)
        if value is None:  # NumPy would write NaN (float) or refuse (int); PyTorch refuses
            raise DTypeError(V.expected("setitem", "value", "a number, a sequence or a Tensor", value))
        val = value._data if isinstance(value, _tensor_class()) else V.int64_scalar(value, "setitem", "value")
        enabled = autograd.is_grad_enabled()
        if enabled and isinstance(value, _tensor_class()) and value._requires_grad:
            raise InPlaceError("setitem: assigning a tensor that requires grad is not supported by numnet while "
                               "gradients are recorded; assign value.detach() or build the result with where/cat")
        if self._requires_grad and enabled:
            if self._ctx is None:
                raise InPlaceError("setitem: in-place assignment into a tensor that requires grad (a leaf) is not "
                                   "allowed while gradients are recorded; use numnet.no_grad()")
            keep = np.ones(self.shape, dtype=self._data.dtype)
            keep[idx] = 0
            put = np.zeros(self.shape, dtype=self._data.dtype)
            put[idx] = val
            tensor_cls = _tensor_class()
            self._inplace("setitem", lambda s: s * tensor_cls._from_op(keep, None) + tensor_cls._from_op(put, None))
            return
        try:
            self._data[idx] = val
        except IndexError as exc:
            raise _index_error("setitem", exc, self.shape) from None
        except ValueError as exc:  # NumPy's "could not broadcast input array from shape ..."
            raise ShapeError(f"setitem: cannot assign a value of shape {np.shape(val)} to x[{index!r}] of a tensor "
                             f"of shape {self.shape} ({exc})") from None
        except TypeError as exc:
            raise DTypeError(f"setitem: cannot assign {type(value).__name__} {value!r} ({exc})") from None
        self._vbox[0] += 1


def _index_error(op: str, exc: IndexError, shape: tuple) -> Exception:
    """NumPy's IndexError as numnet's: out of range → IndexOutOfRangeError; a bad kind of index → DTypeError."""
    if "out of bounds" in str(exc):
        return IndexOutOfRangeError(f"{op}: {exc} (tensor shape {shape})")
    return DTypeError(f"{op}: {exc} (tensor shape {shape})")


def _convert_index(index: Any) -> Any:
    for i in (index if isinstance(index, tuple) else (index,)):
        if V.is_int(i) and not V.INT64_MIN <= i <= V.INT64_MAX:
            raise IndexOutOfRangeError(f"index: index {i} is out of range (beyond int64)")
    tensor_cls = _tensor_class()
    if isinstance(index, tensor_cls):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, tensor_cls) else i for i in index)
    return index
