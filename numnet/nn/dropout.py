"""Channel and alpha dropout layers: :class:`Dropout1d`, :class:`Dropout2d`, :class:`Dropout3d`,
:class:`AlphaDropout` (plain :class:`~numnet.nn.Dropout` lives in :mod:`numnet.nn.linear`).

Each zeroes (or, for AlphaDropout, sets to SELU's saturation value) with probability ``p`` while training, draws
from numnet's seeded default generator, and is the identity in ``eval()`` mode. The math is on the matching
``numnet.functional`` function.
"""

from __future__ import annotations

import numnet.functional as F
from numnet import _validation as V
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout"]


class _DropoutNd(Module):
    _fn = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.p = V.probability(p, name, "p")
        self.inplace = V.boolean(inplace, name, "inplace")

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` inputs with probability ``p``, scaling the rest by
    1/(1 − p) (see :func:`numnet.functional.dropout1d`). ``inplace`` is accepted; numnet computes out of place."""

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` inputs with probability ``p``, scaling the rest by 1/(1 − p) (see
    :func:`numnet.functional.dropout2d`; a 3-D input is read as ``(N, C, L)``, as PyTorch 2.13 does).

    >>> import numnet
    >>> from numnet import nn
    >>> drop = nn.Dropout2d(0.5)
    >>> _ = numnet.manual_seed(0)
    >>> drop(numnet.ones(1, 4, 2, 2))[0, :, 0, 0]
    tensor([2., 0., 0., 0.])
    >>> drop.eval()(numnet.ones(1, 4, 2, 2))[0, :, 0, 0]
    tensor([1., 1., 1., 1.])
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` inputs with probability ``p``, scaling the
    rest by 1/(1 − p) (see :func:`numnet.functional.dropout3d`)."""

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Alpha dropout for SELU networks: keeps zero mean and unit variance (see
    :func:`numnet.functional.alpha_dropout`)."""

    _fn = staticmethod(F.alpha_dropout)
