"""The activation methods of :class:`numnet.Tensor` (``relu``, ``sigmoid``, ``tanh``, ``softmax``,
``log_softmax``): each checks its argument with :mod:`numnet._validation` and calls one primitive of
:mod:`numnet.ops.activation`.

Their ``numnet.functional`` twins run the same checks (softmax's through :func:`softmax_args`, defined here so the
Tensor layer never imports functional), so both give the same errors; tests/test_tensor.py compares them. The math
is documented once, on the ``F.*`` functions.

A mixin so that tensor.py stays readable; :class:`numnet.tensor.Tensor` is the only class that inherits it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.ops import activation as act

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor


def softmax_args(input: Any, dim: Any, dtype: Any, op: str) -> tuple["Tensor", int]:  # noqa: A002
    """The checked input (cast to ``dtype`` if given) and the normalised ``dim`` of softmax and log-softmax."""
    V.tensor(input, op)
    if dim is None:
        raise ArgumentError(V.expected(op, "dim", "given", None) + f" (numnet does not guess it, unlike PyTorch's "
                            f"deprecated implicit choice); e.g. {op}(x, dim=1) for (N, C) logits")
    if dtype is not None:
        input = input.to(V.float_dtype(dtype, op))
    V.float_tensor(input, op)
    return input, V.dim(dim, input.ndim, op)


class _ActivationMethods:
    __slots__ = ()

    def relu(self) -> "Tensor":
        """max(x, 0) elementwise; see :func:`numnet.functional.relu`."""
        V.tensor(self, "relu", kinds="fiu")
        return act.ReLUOp.apply(self)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e⁻ˣ) elementwise; see :func:`numnet.functional.sigmoid`."""
        return act.SigmoidOp.apply(V.float_tensor(self, "sigmoid"))

    def erf(self) -> "Tensor":
        """The error function erf x = (2/√π)∫₀ˣ e^(−t²) dt elementwise (torch.erf); integers become float32."""
        x = self if self._data.dtype.kind in "fc" else self.to("float32")
        return act.ErfOp.apply(V.float_tensor(x, "erf"))

    def tanh(self) -> "Tensor":
        """tanh(x) elementwise; see :func:`numnet.functional.tanh`."""
        return act.TanhOp.apply(V.float_tensor(self, "tanh"))

    def softmax(self, dim: int, dtype: Any = None) -> "Tensor":
        """Softmax along ``dim``; see :func:`numnet.functional.softmax`."""
        x, axis = softmax_args(self, dim, dtype, "softmax")
        return act.SoftmaxOp.apply(x, axis=axis)

    def log_softmax(self, dim: int, dtype: Any = None) -> "Tensor":
        """Log-softmax along ``dim``; see :func:`numnet.functional.log_softmax`."""
        x, axis = softmax_args(self, dim, dtype, "log_softmax")
        return act.LogSoftmaxOp.apply(x, axis=axis)
