"""Pooling layers: :class:`MaxPool2d`, :class:`AvgPool2d`, :class:`AdaptiveAvgPool2d`, :class:`AdaptiveMaxPool2d` and
the 1-D :class:`MaxPool1d`, :class:`AvgPool1d`, :class:`AdaptiveAvgPool1d`, :class:`AdaptiveMaxPool1d` (math on the matching
``numnet.functional`` functions, which also check the input)."""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numnet.functional as F
from numnet.functional.pool import _divisor_override, _output_size1d, _output_size_pair, _pool1d_args, _pool_args
from numnet.nn.module import Module
from numnet.tensor import Tensor

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxPool1d", "AvgPool1d",
           "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]

IntPair = Union[int, "tuple[int, int]"]


class MaxPool2d(Module):
    """Max over each ``kernel_size`` window (see :func:`numnet.functional.max_pool2d`).

    Args:
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair; None (default) means ``kernel_size``.
        padding: implicit −∞ padding on both sides, at most half the kernel. Default 0.
        dilation: spacing between window elements. Default 1.
        return_indices: also return the flat indices of the maxima. Default False.
        ceil_mode: round the output size up. Default False.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``, ``H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1``.

    >>> from numnet import nn
    >>> nn.MaxPool2d(2)
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def __init__(self, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0,
                 dilation: IntPair = 1, return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        # the function's own rules (padding at most half the undilated kernel, as PyTorch), checked up front
        _pool_args("MaxPool2d", kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """Mean over each ``kernel_size`` window (see :func:`numnet.functional.avg_pool2d`).

    Args:
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair; None (default) means ``kernel_size``.
        padding: zero padding on both sides, at most half the kernel. Default 0.
        ceil_mode: round the output size up. Default False.
        count_include_pad: count padding cells in the divisor. Default True.
        divisor_override: a fixed non-zero divisor, or None.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``, ``H_out = ⌊(H + 2p − k)/s⌋ + 1``.
    """

    def __init__(self, kernel_size: IntPair, stride: Optional[IntPair] = None, padding: IntPair = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: Optional[int] = None) -> None:
        super().__init__()
        _pool_args("AvgPool2d", kernel_size, stride, padding)
        if divisor_override is not None:
            divisor_override = _divisor_override("AvgPool2d", divisor_override)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input size (``1`` gives global average pooling).

    See :func:`numnet.functional.adaptive_avg_pool2d`.

    Args:
        output_size: int or ``(H_out, W_out)``; a None entry keeps that input size.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``.
    """

    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]]) -> None:
        super().__init__()
        _output_size_pair("AdaptiveAvgPool2d", output_size)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed ``output_size`` over PyTorch's adaptive windows ``[⌊i·H/H_out⌋, ⌈(i+1)·H/H_out⌉)``.

    See :func:`numnet.functional.adaptive_max_pool2d`.

    Args:
        output_size: int or ``(H_out, W_out)``; a None entry keeps that input size.
        return_indices: also return the flat indices of the maxima. Default False.

    Shape:
        ``(N, C, H, W) → (N, C, H_out, W_out)``.

    >>> from numnet import nn
    >>> nn.AdaptiveMaxPool2d((None, 3))
    AdaptiveMaxPool2d(output_size=(None, 3))
    """

    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False) -> None:
        super().__init__()
        _output_size_pair("AdaptiveMaxPool2d", output_size)
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxPool1d(Module):
    """Max over each ``kernel_size`` window of a signal (see :func:`numnet.functional.max_pool1d`).

    Args: as :class:`MaxPool2d`, ints (or 1-tuples).

    Shape:
        ``(N, C, L) → (N, C, L_out)``, ``L_out = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1``.

    >>> from numnet import nn
    >>> nn.MaxPool1d(3, stride=2)
    MaxPool1d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=False)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        _pool1d_args("MaxPool1d", kernel_size, stride, padding, dilation)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.dilation = dilation
        self.return_indices = bool(return_indices)
        self.ceil_mode = bool(ceil_mode)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """Mean over each ``kernel_size`` window of a signal (see :func:`numnet.functional.avg_pool1d`).

    Args: kernel_size, stride (None = kernel_size), padding, ceil_mode, count_include_pad, as :class:`AvgPool2d`.

    Shape:
        ``(N, C, L) → (N, C, L_out)``, ``L_out = ⌊(L + 2p − k)/s⌋ + 1``.
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        _pool1d_args("AvgPool1d", kernel_size, stride, padding)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Average pooling of a signal to ``output_size`` (see :func:`numnet.functional.adaptive_avg_pool1d`).

    Shape:
        ``(N, C, L) → (N, C, L_out)``.
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        _output_size1d("AdaptiveAvgPool1d", output_size, 1)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max pooling of a signal to ``output_size`` (see :func:`numnet.functional.adaptive_max_pool1d`).

    Shape:
        ``(N, C, L) → (N, C, L_out)``.
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        _output_size1d("AdaptiveMaxPool1d", output_size, 1)
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, input: Tensor) -> Any:  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
