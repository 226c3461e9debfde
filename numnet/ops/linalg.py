"""Matrix product with NumPy's ``matmul`` semantics (batched, broadcasting, 1-D operands promoted)."""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function
from numnet.ops.elementwise import unbroadcast


class MatMulOp(Function):
    """Z = A @ B;  ∂L/∂A = G @ Bᵀ, ∂L/∂B = Aᵀ @ G (batch axes summed back where they were broadcast).

    A 1-D A is treated as a row (1, k) and a 1-D B as a column (k, 1); the gradient re-inserts the dims that
    ``matmul`` dropped for them (B's column dim first, then A's row dim, so two 1-D operands work too).
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_input_grad[1]:
            gb = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return ga, gb
