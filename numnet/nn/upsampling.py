"""Upsampling layers: :class:`Upsample`, :class:`UpsamplingNearest2d`, :class:`UpsamplingBilinear2d` (math on
:func:`numnet.functional.interpolate`, which also checks the input)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numnet.functional as F
from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.functional.resize import _MODES, _UNSUPPORTED
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

Size = Union[int, Sequence[int], None]
Scale = Union[float, Sequence[float], None]


class Upsample(Module):
    """Resize the spatial dims to ``size`` or by ``scale_factor`` (see :func:`numnet.functional.interpolate`).

    Args:
        size: output size, an int or one per spatial dim.
        scale_factor: multiplier, a number or one per spatial dim (exactly one of size and scale_factor).
        mode: ``'nearest'`` (default), ``'nearest-exact'``, ``'linear'``, ``'bilinear'`` or ``'area'``.
        align_corners: linear modes only; None means False.
        recompute_scale_factor: compute the coordinate ratio from the sizes.

    Shape:
        ``(N, C, L) → (N, C, L_out)`` or ``(N, C, H, W) → (N, C, H_out, W_out)``.

    >>> import numnet
    >>> from numnet import nn
    >>> up = nn.Upsample(scale_factor=2, mode="bilinear")
    >>> up
    Upsample(scale_factor=2.0, mode='bilinear')
    >>> up(numnet.zeros(1, 3, 4, 5)).shape
    (1, 3, 8, 10)
    """

    def __init__(self, size: Size = None, scale_factor: Scale = None, mode: str = "nearest",
                 align_corners: Optional[bool] = None, recompute_scale_factor: Optional[bool] = None) -> None:
        super().__init__()
        name = type(self).__name__
        if (size is None) == (scale_factor is None):
            raise ArgumentError(f"{name}: expected exactly one of size and scale_factor, got size={size!r}, "
                                f"scale_factor={scale_factor!r}")
        if mode in _UNSUPPORTED:
            raise ArgumentError(f"{name}: mode={mode!r} is not implemented in numnet")
        V.choice(mode, name, "mode", _MODES)
        if align_corners is not None:
            V.boolean(align_corners, name, "align_corners")
        self.size = size
        # PyTorch stores the factor as float(s)
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor: Any = tuple(V.real(f, name, "scale_factor", 0, low_open=True) for f in scale_factor)
        else:
            self.scale_factor = V.real(scale_factor, name, "scale_factor", 0, low_open=True) \
                if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` for 4-D inputs.

    >>> from numnet import nn
    >>> nn.UpsamplingNearest2d(scale_factor=2)
    UpsamplingNearest2d(scale_factor=2.0, mode='nearest')
    """

    def __init__(self, size: Size = None, scale_factor: Scale = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` for 4-D inputs (PyTorch's choice of
    align_corners for this class).

    >>> from numnet import nn
    >>> nn.UpsamplingBilinear2d(size=(4, 6))
    UpsamplingBilinear2d(size=(4, 6), mode='bilinear')
    """

    def __init__(self, size: Size = None, scale_factor: Scale = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
