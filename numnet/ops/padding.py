"""Index padding (``reflect``, ``replicate``, ``circular``): every padded axis reads the input at an index map.

For an axis of length ``n`` padded by ``(a, b)``, output position ``t`` (``j = t − a`` in input coordinates) reads

* ``reflect``: ``|j|`` mirrored about ``n − 1`` (``2(n − 1) − |j|`` past the end), the edge not repeated;
* ``replicate``: ``clamp(j, 0, n − 1)``;
* ``circular``: ``j mod n``.

Forward gathers axis by axis (``np.take``); backward sums the gradient back through each map with ``np.add.at``.
"""

from __future__ import annotations

import numpy as np

from numnet.autograd import Function

__all__ = ["IndexPadOp", "pad_index"]


def pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """The input index each of the ``before + n + after`` output positions reads (see the module docstring)."""
    j = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    if mode == "circular":
        return np.mod(j, n)
    i = np.abs(j)  # reflect
    return np.where(i >= n, 2 * (n - 1) - i, i)


class IndexPadOp(Function):
    """``out = x`` read through one index map per trailing axis, ``maps[k]`` for axis ``ndim − len(maps) + k``;
    ``∂L/∂x`` sums the gradient of every output position into the input element it read."""

    def forward(self, x, maps=()):
        self.maps, self.shape = maps, x.shape
        y = x
        for k, idx in enumerate(maps):
            y = np.take(y, idx, axis=x.ndim - len(maps) + k)
        return y

    def backward(self, grad):
        g = grad
        nd = grad.ndim
        for k in range(len(self.maps) - 1, -1, -1):
            axis = nd - len(self.maps) + k
            gm = np.moveaxis(g, axis, 0)
            out = np.zeros((self.shape[axis],) + gm.shape[1:], dtype=g.dtype)
            np.add.at(out, self.maps[k], gm)
            g = np.moveaxis(out, 0, axis)
        return np.ascontiguousarray(g)
