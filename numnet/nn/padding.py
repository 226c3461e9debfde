"""Padding layers over :func:`numnet.functional.pad`: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad`` and
``ReplicationPad`` in 1-D and 2-D, ``CircularPad`` too. ``padding`` is an int (every side) or one int per side:
``(left, right)`` in 1-D, ``(left, right, top, bottom)`` in 2-D."""

from __future__ import annotations

from typing import Any, Sequence, Union

import numnet.functional as F
from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.nn._utils import check_input
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
           "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d"]

Padding = Union[int, Sequence[int]]


def _sides(name: str, padding: Any, nd: int) -> tuple[int, ...]:
    """An int, or ``2·nd`` ints, each >= 0, as a ``2·nd``-tuple (PyTorch's ``_pair``/``_quadruple``)."""
    what = f"an int >= 0 or {2 * nd} of them"
    items = (padding,) * (2 * nd) if V.is_int(padding) else padding
    if not isinstance(items, (tuple, list)) or not all(V.is_int(p) for p in items):
        raise DTypeError(V.expected(name, "padding", what, padding))
    if len(items) != 2 * nd or min(items) < 0:
        raise ArgumentError(V.expected(name, "padding", what, padding))
    return tuple(V.integer(p, name, "padding", 0) for p in items)


class _PadNd(Module):
    mode = "constant"
    nd = 2

    def __init__(self, padding: Padding) -> None:
        super().__init__()
        self.padding = _sides(type(self).__name__, padding, self.nd)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        nd = self.nd
        layout = "(N, C, L) or (C, L)" if nd == 1 else "(N, C, H, W) or (C, H, W)"
        check_input(input, layout, lambda s: len(s) in (nd + 1, nd + 2))
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding: Padding, value: float) -> None:
        super().__init__(padding)
        self.value = V.real(value, type(self).__name__, "value", finite=False)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        nd = self.nd
        layout = "(N, C, L) or (C, L)" if nd == 1 else "(N, C, H, W) or (C, H, W)"
        check_input(input, layout, lambda s: len(s) in (nd + 1, nd + 2))
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``(N, C, L) → (N, C, left + L + right)``.

    >>> from numnet import nn
    >>> nn.ConstantPad1d(2, 3.5)
    ConstantPad1d(padding=(2, 2), value=3.5)
    """

    nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: ``(N, C, H, W) → (N, C, top + H + bottom, left + W + right)``.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.ConstantPad2d((1, 0, 2, 0), -1.0)(numnet.zeros(1, 1, 2, 2)).shape
    (1, 1, 4, 3)
    """

    nd = 2


class ZeroPad1d(ConstantPad1d):
    """``ConstantPad1d(padding, 0.0)``."""

    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """``ConstantPad2d(padding, 0.0)``.

    >>> from numnet import nn
    >>> nn.ZeroPad2d(1)
    ZeroPad2d((1, 1, 1, 1))
    """

    def __init__(self, padding: Padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dim without repeating the edge (each padding < the dim size): ``[1, 2, 3]`` padded by 2 on the
    left reads ``[3, 2, 1, 2, 3]``."""

    mode, nd = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims without repeating the edge (see :func:`numnet.functional.pad`).

    >>> import numnet
    >>> from numnet import nn
    >>> nn.ReflectionPad2d((1, 1, 0, 0))(numnet.tensor([[[[1.0, 2.0, 3.0]]]]))
    tensor([[[[2., 1., 2., 3., 2.]]]])
    """

    mode, nd = "reflect", 2


class ReplicationPad1d(_PadNd):
    """Repeat the edge value of the last dim."""

    mode, nd = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.ReplicationPad2d((2, 0, 0, 0))(numnet.tensor([[[[1.0, 2.0]]]]))
    tensor([[[[1., 1., 1., 2.]]]])
    """

    mode, nd = "replicate", 2


class CircularPad1d(_PadNd):
    """Wrap the last dim around (each padding <= the dim size)."""

    mode, nd = "circular", 1


class CircularPad2d(_PadNd):
    """Wrap the last two dims around (each padding <= the dim size)."""

    mode, nd = "circular", 2
