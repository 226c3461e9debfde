"""numnet.functional: 2-D and 1-D pooling (max, average, adaptive average, adaptive max) with PyTorch's signatures.
The 1-D functions run the 2-D ops on an ``(N, C, 1, L)`` view."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.functional.conv import _image_input, _signal_input, _unbatch, single
from numnet.ops.pool import (
    AdaptiveAvgPool2dOp,
    AdaptiveMaxPool2dOp,
    AvgPool2dOp,
    MaxPool2dOp,
    apply_with_indices,
    pool_out_size,
)
from numnet.tensor import Tensor

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d"]

IntPair = Union[int, Sequence[int]]


def _pool_args(op: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1):
    """Normalise and check kernel_size, stride (None → kernel_size), padding and dilation with PyTorch's rules:
    k, s, d >= 1 and 0 <= p <= ⌊k / 2⌋ (of the undilated kernel, as PyTorch). The pooling layers call this in their
    constructors, so a layer and its function refuse the same arguments."""
    k = V.int_or_pair(kernel_size, op, "kernel_size", minimum=1)
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        s = k
    else:
        s = V.int_or_pair(stride, op, "stride", minimum=1)
    p = V.int_or_pair(padding, op, "padding", minimum=0)
    d = V.int_or_pair(dilation, op, "dilation", minimum=1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ArgumentError(V.expected(op, "padding", f"at most half of kernel_size={kernel_size!r}", padding))
    return k, s, p, d


def _check_output(op: str, x: Tensor, k, s, p, d, ceil_mode: bool) -> None:
    h, w = x.shape[2:]
    ho = pool_out_size(h, k[0], s[0], p[0], d[0], ceil_mode)
    wo = pool_out_size(w, k[1], s[1], p[1], d[1], ceil_mode)
    if ho < 1 or wo < 1:
        raise ShapeError(f"{op}: input of size {h} x {w} is too small for kernel_size={k}, stride={s}, "
                         f"padding={p}, dilation={d}: the output would be {ho} x {wo}")


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    stride: Optional[IntPair] = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    r"""2-D max pooling: the largest value in each (dilated) window.

    Math::

        out[n, c, y, x] = max_{i < kH, j < kW} xp[n, c, s_h·y + d_h·i, s_w·x + d_w·j]

    where ``xp`` is the input padded with −∞ (padding never wins). The gradient of each output goes to ONE input
    element: the first maximum in window scan order (row-major), or the last NaN if the window holds NaN (PyTorch's
    rule; ties are common after ReLU).

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``, floating point.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair; ``None`` means ``kernel_size``.
        padding: int or pair of implicit −∞ padding on both sides, at most ``⌊kernel_size / 2⌋`` (PyTorch's rule).
        dilation: int or pair, spacing between window elements.
        ceil_mode: round the output size up instead of down; a window that would start beyond the input and the
            left padding is dropped (PyTorch's rule).
        return_indices: also return, for every output, the flat index ``row·W + col`` of the chosen element in its
            input plane (int64), as PyTorch.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)`` with ``H_out = ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1`` (⌈·⌉ in
        ``ceil_mode``).

    Raises:
        ShapeError: input not 3-D/4-D, or an output smaller than 1 × 1.
        DTypeError: a non-floating input (numnet pools floats only), or a size that is not an int (pair).
        ArgumentError: kernel_size/stride/dilation < 1, negative padding or padding above half the kernel.

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    V.flags("max_pool2d", ceil_mode=ceil_mode, return_indices=return_indices)
    op = "max_pool2d"
    x, batched = _image_input(input, op)
    k, s, p, d = _pool_args(op, kernel_size, stride, padding, dilation)
    ceil_mode = bool(ceil_mode)
    _check_output(op, x, k, s, p, d, ceil_mode)
    kwargs = dict(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode)
    if not return_indices:
        return _unbatch(MaxPool2dOp.apply(x, **kwargs), batched)
    out, idx = apply_with_indices(MaxPool2dOp, x, **kwargs)
    return _unbatch(out, batched), Tensor(idx if batched else idx[0])


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: IntPair,
    stride: Optional[IntPair] = None,
    padding: IntPair = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: Optional[int] = None,
) -> Tensor:
    r"""2-D average pooling.

    Math::

        out[n, c, y, x] = (1 / D[y, x]) · Σ_{i < kH, j < kW} xp[n, c, s_h·y + i, s_w·x + j]

    over the zero-padded input ``xp``. The divisor is PyTorch's: ``divisor_override`` if given; else, with
    ``count_include_pad=True``, the number of window cells inside the padded input ``[−p, H + p)`` (a ``ceil_mode``
    window running past the padded edge counts only its part inside); with ``count_include_pad=False``, the number of
    window cells inside the input itself.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``, floating point.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair; ``None`` means ``kernel_size``.
        padding: int or pair of zero padding on both sides, at most ``⌊kernel_size / 2⌋``.
        ceil_mode: round the output size up (PyTorch's rule, as in :func:`max_pool2d`).
        count_include_pad: count padding cells in the divisor.
        divisor_override: a fixed non-zero divisor for every window.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)`` with ``H_out = ⌊(H + 2p − k) / s⌋ + 1`` (⌈·⌉ in ``ceil_mode``).

    Raises:
        ShapeError: input not 3-D/4-D, or an output smaller than 1 × 1.
        DTypeError: a non-floating input, or a size or ``divisor_override`` that is not an int.
        ArgumentError: kernel_size/stride < 1, bad padding, or ``divisor_override`` of 0.

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.avg_pool2d(x, 2)
        tensor([[[[ 2.5,  4.5],
                  [10.5, 12.5]]]])
    """
    V.flags("avg_pool2d", ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    op = "avg_pool2d"
    x, batched = _image_input(input, op)
    k, s, p, _ = _pool_args(op, kernel_size, stride, padding, 1)
    ceil_mode = bool(ceil_mode)
    if divisor_override is not None:
        divisor_override = _divisor_override(op, divisor_override)
    _check_output(op, x, k, s, p, (1, 1), ceil_mode)
    out = AvgPool2dOp.apply(x, kernel_size=k, stride=s, padding=p, ceil_mode=ceil_mode,
                          count_include_pad=bool(count_include_pad), divisor_override=divisor_override)
    return _unbatch(out, batched)


def _divisor_override(op: str, value: Any) -> int:
    """A non-zero int (PyTorch refuses 0; a negative divisor is allowed there too)."""
    value = V.integer(value, op, "divisor_override")
    if value == 0:
        raise ArgumentError(V.expected(op, "divisor_override", "a non-zero int or None", value))
    return value


def _output_size_pair(op: str, output_size: Any) -> tuple[Optional[int], Optional[int]]:
    """``output_size`` as a pair whose entries are ints >= 1 or None (None keeps that input size)."""
    what = "an int >= 1 or a pair of (int >= 1 or None)"
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ArgumentError(V.expected(op, "output_size", what, output_size))
        sizes = tuple(output_size)
    elif output_size is None:  # None only as an entry of a pair, as in PyTorch
        raise DTypeError(V.expected(op, "output_size", what, output_size))
    else:
        sizes = (output_size, output_size)
    for v in sizes:
        if v is not None and not V.is_int(v):
            raise DTypeError(V.expected(op, "output_size", what, output_size))
        if v is not None and not 1 <= v <= V.INT64_MAX:
            raise ArgumentError(V.expected(op, "output_size", what, output_size))
    return (None if sizes[0] is None else int(sizes[0]), None if sizes[1] is None else int(sizes[1]))


def _adaptive_size(op: str, output_size: Any, h: int, w: int) -> tuple[int, int]:
    sh, sw = _output_size_pair(op, output_size)
    return (h if sh is None else sh), (w if sw is None else sw)


def adaptive_avg_pool2d(input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]]) -> Tensor:  # noqa: A002
    r"""2-D adaptive average pooling: average over windows chosen so the output has ``output_size``.

    Math: output row ``i`` of ``H_out`` averages input rows ``⌊i·H / H_out⌋ ≤ r < ⌈(i + 1)·H / H_out⌉`` (PyTorch's
    windows; they may overlap), likewise for columns. Computed as ``A_h · x · A_wᵀ`` on every plane.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``, floating point.
        output_size: int or ``(H_out, W_out)``; a ``None`` entry keeps that input size.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``.

    Raises:
        ShapeError: input not 3-D/4-D.  DTypeError: a non-floating input.
        ArgumentError: an output size below 1 or not a pair.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.adaptive_avg_pool2d(numnet.arange(9.0).reshape(1, 1, 3, 3), 1)
        tensor([[[[4.]]]])
    """
    op = "adaptive_avg_pool2d"
    x, batched = _image_input(input, op)
    size = _adaptive_size(op, output_size, *x.shape[2:])
    return _unbatch(AdaptiveAvgPool2dOp.apply(x, output_size=size), batched)


def adaptive_max_pool2d(input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]],  # noqa: A002
                        return_indices: bool = False):
    r"""2-D adaptive max pooling over PyTorch's adaptive windows (see :func:`adaptive_avg_pool2d`).

    The gradient goes to the first maximum of each window in scan order (the last NaN if any), as in
    :func:`max_pool2d`; ``return_indices`` gives flat ``row·W + col`` indices into each input plane.

    Args:
        input: ``(N, C, H, W)`` or unbatched ``(C, H, W)``, floating point.
        output_size: int or ``(H_out, W_out)``; a ``None`` entry keeps that input size.
        return_indices: also return the int64 indices of the chosen elements.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``.

    Raises:
        ShapeError: input not 3-D/4-D.  DTypeError: a non-floating input.
        ArgumentError: an output size below 1 or not a pair.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.adaptive_max_pool2d(numnet.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    V.flags("adaptive_max_pool2d", return_indices=return_indices)
    op = "adaptive_max_pool2d"
    x, batched = _image_input(input, op)
    size = _adaptive_size(op, output_size, *x.shape[2:])
    if not return_indices:
        return _unbatch(AdaptiveMaxPool2dOp.apply(x, output_size=size), batched)
    out, idx = apply_with_indices(AdaptiveMaxPool2dOp, x, output_size=size)
    return _unbatch(out, batched), Tensor(idx if batched else idx[0])


# ---------------------------------------------------------------------------------------------------- 1-D
def _pool1d_args(op: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1) -> tuple[int, int, int, int]:
    """1-D :func:`_pool_args`: ints (or 1-tuples); stride None (or ``()``) means kernel_size; p <= ⌊k / 2⌋."""
    k = single(kernel_size, op, "kernel_size", minimum=1)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        single(stride, op, "stride", minimum=1)
    p = single(padding, op, "padding", minimum=0)
    d = single(dilation, op, "dilation", minimum=1)
    if p > k // 2:
        raise ArgumentError(V.expected(op, "padding", f"at most half of kernel_size={kernel_size!r}", padding))
    return k, s, p, d


def _as_2d(x: Tensor) -> Tensor:
    return x.unsqueeze(2)


def _from_2d(out: Tensor, batched: bool) -> Tensor:
    out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def _check_output1d(op: str, x: Tensor, k: int, s: int, p: int, d: int, ceil_mode: bool) -> None:
    length = x.shape[-1]
    out = pool_out_size(length, k, s, p, d, ceil_mode)
    if out < 1:
        raise ShapeError(f"{op}: input of length {length} is too small for kernel_size={k}, stride={s}, "
                         f"padding={p}, dilation={d}: the output length would be {out}")


def max_pool1d(input: Tensor, kernel_size: Union[int, Sequence[int]],  # noqa: A002
               stride: Optional[Union[int, Sequence[int]]] = None, padding: Union[int, Sequence[int]] = 0,
               dilation: Union[int, Sequence[int]] = 1, ceil_mode: bool = False, return_indices: bool = False):
    r"""1-D max pooling: ``out[n, c, t] = max_{i < k} xp[n, c, s·t + d·i]`` over the −∞-padded input (rules and
    gradient as :func:`max_pool2d`; indices index the length axis).

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``, floating point.
        kernel_size, stride (None = kernel_size), padding (<= k/2), dilation: ints or 1-tuples.
        ceil_mode: round the output length up.  return_indices: also return the int64 argmax positions.

    Shape:
        ``(N, C, L) → (N, C, L_out)``, ``L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1``.

    Raises:
        ShapeError: input not 2-D/3-D or output length < 1.  DTypeError: wrong kinds.  ArgumentError: bad sizes.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.max_pool1d(numnet.tensor([[[1.0, 3.0, 2.0, 5.0]]]), 2)
        tensor([[[3., 5.]]])
    """
    V.flags("max_pool1d", ceil_mode=ceil_mode, return_indices=return_indices)
    op = "max_pool1d"
    x, batched = _signal_input(input, op)
    k, s, p, d = _pool1d_args(op, kernel_size, stride, padding, dilation)
    _check_output1d(op, x, k, s, p, d, bool(ceil_mode))
    kwargs = dict(kernel_size=(1, k), stride=(1, s), padding=(0, p), dilation=(1, d), ceil_mode=bool(ceil_mode))
    if not return_indices:
        return _from_2d(MaxPool2dOp.apply(_as_2d(x), **kwargs), batched)
    out, idx = apply_with_indices(MaxPool2dOp, _as_2d(x), **kwargs)
    idx = idx[:, :, 0]
    return _from_2d(out, batched), Tensor(idx if batched else idx[0])


def avg_pool1d(input: Tensor, kernel_size: Union[int, Sequence[int]],  # noqa: A002
               stride: Optional[Union[int, Sequence[int]]] = None, padding: Union[int, Sequence[int]] = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    r"""1-D average pooling: ``out[n, c, t] = (1 / D_t) Σ_{i < k} xp[n, c, s·t + i]`` over the zero-padded input, the
    divisor ``D_t`` as in :func:`avg_pool2d` (PyTorch has no ``divisor_override`` here either).

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``, floating point.
        kernel_size, stride (None = kernel_size), padding (<= k/2): ints or 1-tuples.
        ceil_mode: round the output length up.  count_include_pad: count padding in the divisor.

    Shape:
        ``(N, C, L) → (N, C, L_out)``, ``L_out = ⌊(L + 2p − k) / s⌋ + 1``.

    Raises:
        ShapeError: input not 2-D/3-D or output length < 1.  DTypeError: wrong kinds.  ArgumentError: bad sizes.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.avg_pool1d(numnet.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[2., 4.]]])
    """
    V.flags("avg_pool1d", ceil_mode=ceil_mode, count_include_pad=count_include_pad)
    op = "avg_pool1d"
    x, batched = _signal_input(input, op)
    k, s, p, _ = _pool1d_args(op, kernel_size, stride, padding)
    _check_output1d(op, x, k, s, p, 1, bool(ceil_mode))
    out = AvgPool2dOp.apply(_as_2d(x), kernel_size=(1, k), stride=(1, s), padding=(0, p), ceil_mode=bool(ceil_mode),
                            count_include_pad=bool(count_include_pad), divisor_override=None)
    return _from_2d(out, batched)


def _output_size1d(op: str, output_size: Any, length: int) -> int:
    """An int >= 1 (or a 1-tuple of one), as PyTorch (which has no None here)."""
    if isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = output_size[0]
    if isinstance(output_size, (tuple, list)):
        raise ArgumentError(V.expected(op, "output_size", "an int >= 1 or a 1-tuple of one", output_size))
    return V.integer(output_size, op, "output_size", minimum=1)


def adaptive_avg_pool1d(input: Tensor, output_size: Union[int, Sequence[int]]) -> Tensor:  # noqa: A002
    r"""1-D adaptive average pooling: output ``t`` of ``L_out`` averages ``⌊t·L / L_out⌋ ≤ i < ⌈(t + 1)·L / L_out⌉``.

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``, floating point.
        output_size: int (or 1-tuple) >= 1.

    Shape:
        ``(N, C, L) → (N, C, L_out)``.

    Raises:
        ShapeError: input not 2-D/3-D.  DTypeError: wrong kinds.  ArgumentError: an output size below 1.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.adaptive_avg_pool1d(numnet.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 1)
        tensor([[[3.]]])
    """
    op = "adaptive_avg_pool1d"
    x, batched = _signal_input(input, op)
    size = _output_size1d(op, output_size, x.shape[-1])
    return _from_2d(AdaptiveAvgPool2dOp.apply(_as_2d(x), output_size=(1, size)), batched)


def adaptive_max_pool1d(input: Tensor, output_size: Union[int, Sequence[int]],  # noqa: A002
                        return_indices: bool = False):
    r"""1-D adaptive max pooling over PyTorch's adaptive windows (see :func:`adaptive_avg_pool1d`); gradient and
    indices as :func:`max_pool1d`.

    Args:
        input: ``(N, C, L)`` or unbatched ``(C, L)``, floating point.
        output_size: int (or 1-tuple) >= 1.
        return_indices: also return the int64 argmax positions.

    Shape:
        ``(N, C, L) → (N, C, L_out)``.

    Raises:
        ShapeError: input not 2-D/3-D.  DTypeError: wrong kinds.  ArgumentError: an output size below 1.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.adaptive_max_pool1d(numnet.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2)
        tensor([[[3., 6.]]])
    """
    V.flags("adaptive_max_pool1d", return_indices=return_indices)
    op = "adaptive_max_pool1d"
    x, batched = _signal_input(input, op)
    size = _output_size1d(op, output_size, x.shape[-1])
    if not return_indices:
        return _from_2d(AdaptiveMaxPool2dOp.apply(_as_2d(x), output_size=(1, size)), batched)
    out, idx = apply_with_indices(AdaptiveMaxPool2dOp, _as_2d(x), output_size=(1, size))
    idx = idx[:, :, 0]
    return _from_2d(out, batched), Tensor(idx if batched else idx[0])
