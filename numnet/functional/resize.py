"""numnet.functional: resizing, ``interpolate`` (nearest, nearest-exact, (bi)linear, area) and the ``upsample*``
aliases, with PyTorch's coordinate rules."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Union

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.functional.pool import adaptive_avg_pool1d, adaptive_avg_pool2d
from numnet.ops.resize import ResizeOp, linear_plan, nearest_plan
from numnet.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "area")
_LINEAR = {"linear": 3, "bilinear": 4}
_UNSUPPORTED = ("bicubic", "trilinear")


def _per_dim(op: str, name: str, value: Any, nd: int, kind: str) -> list:
    """A scalar or a sequence of ``nd`` values, as a list of ``nd``."""
    what = f"{'an int >= 1' if kind == 'int' else 'a number > 0'} or a sequence of {nd} of them"
    items = list(value) if isinstance(value, (tuple, list)) else [value] * nd
    if len(items) != nd:
        raise ArgumentError(f"{op}: expected {name} to have {nd} entries for a {nd + 2}-D input "
                            f"(one per spatial dim), got {value!r}")
    out = []
    for v in items:
        if kind == "int":
            if not V.is_int(v):
                raise DTypeError(V.expected(op, name, what, value))
            if v < 1:
                raise ArgumentError(V.expected(op, name, what, value))
            out.append(int(v))
        else:
            if not V._is_real(v):  # not a bool, an array or a dtype
                raise DTypeError(V.expected(op, name, what, value))
            out.append(V.real(v, op, name, 0.0, low_open=True))
    return out


def interpolate(
    input: Tensor,  # noqa: A002
    size: Union[int, Sequence[int], None] = None,
    scale_factor: Union[float, Sequence[float], None] = None,
    mode: str = "nearest",
    align_corners: Optional[bool] = None,
    recompute_scale_factor: Optional[bool] = None,
    antialias: bool = False,
) -> Tensor:
    r"""Resize the spatial dims of an ``(N, C, L)`` or ``(N, C, H, W)`` input, with PyTorch's exact source
    coordinates.

    Math, per spatial axis of input length ``n`` and output length ``m``, output position ``t``; ``r = 1/scale_factor``
    when a scale factor is given (and ``recompute_scale_factor`` is not True), else ``r = n/m``:

    * ``'nearest'``: ``x[min(⌊t·r⌋, n − 1)]`` (``r`` in float32, as PyTorch's CPU kernel).
    * ``'nearest-exact'``: ``x[min(⌊(t + ½)·r⌋, n − 1)]``.
    * ``'linear'`` (3-D) / ``'bilinear'`` (4-D): ``src = t·(n − 1)/(m − 1)`` with ``align_corners=True``, else
      ``src = max((t + ½)·r − ½, 0)``; ``i0 = ⌊src⌋``, ``i1 = min(i0 + 1, n − 1)``, ``λ = src − i0``;
      ``out = (1 − λ)·x[i0] + λ·x[i1]``, separably over H then W.
    * ``'area'``: adaptive average pooling to the output size.

    Output size: ``size``, or ``⌊n · scale_factor⌋`` per axis.

    Args:
        input: ``(N, C, L)`` or ``(N, C, H, W)``, floating point (a batch dim is required, as in PyTorch).
        size: int or one int per spatial dim.
        scale_factor: number or one per spatial dim, > 0. Exactly one of ``size`` and ``scale_factor``.
        mode: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D), ``'bilinear'`` (4-D) or ``'area'``.
            ``'bicubic'`` and ``'trilinear'`` are not implemented.
        align_corners: linear modes only; ``None`` means False (PyTorch warns; numnet does not).
        recompute_scale_factor: True computes ``r`` from the sizes instead of the given scale factor.
        antialias: only False is supported.

    Shape:
        ``(N, C, *in) → (N, C, *out)``.

    Raises:
        ShapeError: input not 3-D/4-D, or a linear mode for the wrong rank.
        DTypeError: non-floating input, or a size/scale of the wrong kind.
        ArgumentError: both or neither of size and scale_factor, a bad mode, align_corners with a non-linear mode,
            antialias=True, sizes below 1 or scale factors <= 0.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.interpolate(numnet.tensor([[[1.0, 2.0]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]])
        >>> F.interpolate(numnet.tensor([[[1.0, 2.0]]]), size=4, mode="linear")
        tensor([[[1.  , 1.25, 1.75, 2.  ]]])
    """
    op = "interpolate"
    x = V.float_tensor(input, op)
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected input of shape (N, C, L) or (N, C, H, W), got {x.ndim}-D input of shape "
                         f"{tuple(x.shape)} (5-D inputs and trilinear are not implemented)")
    if not isinstance(mode, str):
        raise DTypeError(V.expected(op, "mode", "one of " + ", ".join(map(repr, _MODES)), mode))
    if mode in _UNSUPPORTED:
        raise ArgumentError(f"{op}: mode={mode!r} is not implemented in numnet (supported: "
                            f"{', '.join(map(repr, _MODES))})")
    mode = V.choice(mode, op, "mode", _MODES)
    if mode in _LINEAR and x.ndim != _LINEAR[mode]:
        raise ShapeError(f"{op}: got {x.ndim}-D input, but mode={mode!r} needs {_LINEAR[mode]}-D input")
    if align_corners is not None:
        if mode not in _LINEAR:
            raise ArgumentError(f"{op}: align_corners can only be set with the linear modes "
                                f"('linear', 'bilinear'), got mode={mode!r}")
        V.boolean(align_corners, op, "align_corners")
    if antialias:
        raise ArgumentError(V.expected(op, "antialias", "False (antialiasing is not implemented)", antialias))
    nd = x.ndim - 2
    spatial = tuple(x.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ArgumentError(f"{op}: expected exactly one of size and scale_factor, got "
                            f"size={size!r}, scale_factor={scale_factor!r}")
    if size is not None:
        out = _per_dim(op, "size", size, nd, "int")
        scales: list = [None] * nd
    else:
        scales = _per_dim(op, "scale_factor", scale_factor, nd, "float")
        out = [math.floor(n * s) for n, s in zip(spatial, scales)]
        if min(out) < 1:
            raise ArgumentError(f"{op}: scale_factor={scale_factor!r} gives an output size of {tuple(out)} for "
                                f"input size {spatial}; every size must be >= 1")
        V.element_count((x.shape[0], x.shape[1], *out), op, f"scale_factor={scale_factor!r} on input size "
                        f"{spatial}")
        if recompute_scale_factor:
            scales = [None] * nd
    if mode == "area":
        return (adaptive_avg_pool1d if nd == 1 else adaptive_avg_pool2d)(x, out[0] if nd == 1 else tuple(out))
    if mode in _LINEAR:
        plans = tuple(linear_plan(n, m, s, bool(align_corners), x.dtype) for n, m, s in zip(spatial, out, scales))
    else:
        exact = mode == "nearest-exact"
        plans = tuple(nearest_plan(n, m, s, exact) for n, m, s in zip(spatial, out, scales))
    return ResizeOp.apply(x, plans=plans)


def upsample(input: Tensor, size: Union[int, Sequence[int], None] = None,  # noqa: A002
             scale_factor: Union[float, Sequence[float], None] = None, mode: str = "nearest",
             align_corners: Optional[bool] = None) -> Tensor:
    """PyTorch's deprecated alias of :func:`interpolate` (same math and checks).

    >>> import numnet, numnet.functional as F
    >>> F.upsample(numnet.ones(1, 1, 2, 2), scale_factor=2).shape
    (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Union[int, Sequence[int], None] = None,  # noqa: A002
                     scale_factor: Union[float, Sequence[float], None] = None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode='nearest')`` (PyTorch's deprecated alias).

    >>> import numnet, numnet.functional as F
    >>> F.upsample_nearest(numnet.ones(1, 1, 2, 2), 3).shape
    (1, 1, 3, 3)
    """
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Union[int, Sequence[int], None] = None,  # noqa: A002
                      scale_factor: Union[float, Sequence[float], None] = None) -> Tensor:
    """``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)`` (PyTorch's deprecated alias).

    >>> import numnet, numnet.functional as F
    >>> F.upsample_bilinear(numnet.tensor([[[[0.0, 1.0]]]]), size=(1, 3))
    tensor([[[[0. , 0.5, 1. ]]]])
    """
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
