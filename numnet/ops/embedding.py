"""Embedding primitive: a row lookup whose backward scatter-adds the gradient into the looked-up rows."""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function


class EmbeddingOp(Function):
    """z[i…] = W[idx[i…]] (rows of W, shape (num_embeddings, D));
    ∂L/∂W[r] = Σ over the positions i… with idx[i…] = r of g[i…]  (a row used twice gets both gradients),
    except row ``padding_idx``, which gets none.

    ``indices`` is an integer array (checked in range by the caller), passed as a keyword: it is not differentiable.
    """

    def forward(self, weight, indices=None, padding_idx=None):
        self.indices, self.padding_idx, self.wshape = indices, padding_idx, weight.shape
        return weight[indices]

    def backward(self, g):
        n, d = self.wshape
        flat = self.indices.reshape(-1)
        rows = g.reshape(flat.size, d)
        gw = np.zeros((n, d), dtype=g.dtype)
        np.add.at(gw, flat, rows)  # unbuffered: a repeated index accumulates every one of its rows
        if self.padding_idx is not None:
            gw[self.padding_idx] = 0
        return gw
