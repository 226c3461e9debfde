"""The activation methods of :class:`numnet.Tensor` (``relu``, ``sigmoid``, ``tanh``, ``softmax``,
``log_softmax``): each checks its argument and calls one primitive of :mod:`numnet.ops.activation`.

They repeat the checks and messages of their ``numnet.functional`` twins (tests/test_tensor.py compares both)
rather than calling them, so the Tensor layer sits below functional and never imports it. The math is documented
once, on the ``F.*`` functions.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from numnet._dims import _norm_dim
from numnet.errors import ArgumentError, DTypeError
from numnet.ops import activation as act

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor


class _ActivationMethods:
    __slots__ = ()

    def relu(self) -> "Tensor":
        """max(x, 0) elementwise; see :func:`numnet.functional.relu`."""
        if self.data.dtype.kind not in "fiu":
            raise DTypeError(f"relu: expected a numeric tensor, got dtype {self.dtype}")
        return act.ReLU.apply(self)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e⁻ˣ) elementwise; see :func:`numnet.functional.sigmoid`."""
        return act.Sigmoid.apply(self._float_input("sigmoid"))

    def tanh(self) -> "Tensor":
        """tanh(x) elementwise; see :func:`numnet.functional.tanh`."""
        return act.Tanh.apply(self._float_input("tanh"))

    def softmax(self, dim: int) -> "Tensor":
        """Softmax along ``dim``; see :func:`numnet.functional.softmax`."""
        return act.Softmax.apply(self, axis=self._softmax_dim(dim, "softmax"))

    def log_softmax(self, dim: int) -> "Tensor":
        """Log-softmax along ``dim``; see :func:`numnet.functional.log_softmax`."""
        return act.LogSoftmax.apply(self, axis=self._softmax_dim(dim, "log_softmax"))

    def _float_input(self, op: str) -> "Tensor":
        if self.data.dtype.kind != "f":
            raise DTypeError(f"{op}: expected input to be a floating-point tensor, got dtype {self.dtype}")
        return self

    def _softmax_dim(self, dim: Any, op: str) -> int:
        if dim is None:
            raise ArgumentError(f"{op}: dim is required (numnet does not guess it, unlike PyTorch's deprecated "
                                f"implicit choice); e.g. {op}(x, dim=1) for (N, C) logits")
        if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (int, np.integer)):
            raise ArgumentError(f"{op}: dim must be an int, got {type(dim).__name__}")
        self._float_input(op)
        return _norm_dim(int(dim), self.ndim, op)
