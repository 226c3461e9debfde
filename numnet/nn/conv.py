"""Convolution layer: :class:`Conv2d` (the math lives on :func:`numnet.functional.conv2d`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import numnet.functional as F
from numnet.errors import ArgumentError
from numnet.nn import init
from numnet import _validation as V
from numnet.nn._utils import check_input
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor


class Conv2d(Module):
    """2-D convolution layer: ``out = bias + Σ_c weight ⋆ input`` (see :func:`numnet.functional.conv2d`).

    Args:
        in_channels: channels of the input, ``C_in``.
        out_channels: channels of the output, ``C_out`` (number of filters).
        kernel_size: int or ``(kH, kW)``, each >= 1.
        stride: int or pair, each >= 1. Default 1.
        padding: int or pair (>= 0, both sides), ``'valid'`` or ``'same'``. Default 0. Note: unlike PyTorch,
            ``'same'`` is allowed with stride > 1 (output ``⌈H / s⌉``, as in Keras).
        dilation: int or pair, each >= 1. Default 1.
        groups: independent channel groups; must divide ``in_channels`` and ``out_channels``. Default 1.
        bias: learn an additive bias per output channel. Default True.
        padding_mode: only ``'zeros'`` is supported.
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(C_out, C_in / groups, kH, kW)``, initialised from U(−1/√fan_in, 1/√fan_in) with
            ``fan_in = C_in / groups · kH · kW`` (PyTorch's ``kaiming_uniform_(a=√5)``).
        bias: ``(C_out,)`` from the same distribution, or None.

    Shape:
        ``(N, C_in, H, W) → (N, C_out, H_out, W_out)``, ``H_out = ⌊(H + 2p − d(kH − 1) − 1)/s⌋ + 1``; also
        unbatched ``(C_in, H, W)``.

    Raises:
        ArgumentError: (constructor) a size is not a positive int, groups does not divide the channels, padding is
            negative or an unknown string, or padding_mode is not 'zeros'.
        ShapeError: (forward) the input is not ``(N, C_in, H, W)``, or the kernel is larger than the padded input.

    >>> import numnet
    >>> from numnet import nn
    >>> conv = nn.Conv2d(1, 6, 5, padding=2)
    >>> conv
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
    >>> conv(numnet.zeros(8, 1, 28, 28)).shape
    (8, 6, 28, 28)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] | str = 0,
                 dilation: int | tuple[int, int] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__()
        name = "Conv2d"
        self.in_channels = V.integer(in_channels, name, "in_channels", minimum=1)
        self.out_channels = V.integer(out_channels, name, "out_channels", minimum=1)
        self.groups = V.integer(groups, name, "groups", minimum=1)
        for what, n in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if n % self.groups:
                raise ArgumentError(V.expected(name, what, f"divisible by groups={self.groups}", n))
        self.kernel_size = V.int_or_pair(kernel_size, name, "kernel_size", minimum=1)
        self.stride = V.int_or_pair(stride, name, "stride", minimum=1)
        self.dilation = V.int_or_pair(dilation, name, "dilation", minimum=1)
        if isinstance(padding, str):
            self.padding: tuple[int, int] | str = V.choice(padding, name, "padding", ("same", "valid"))
        else:
            self.padding = V.int_or_pair(padding, name, "padding", minimum=0)
        # 'zeros' is the only mode numnet implements
        self.padding_mode = V.choice(padding_mode, name, "padding_mode", ("zeros",))
        V.boolean(bias, name, "bias")
        dt = V.float_dtype(dtype, name)
        kh, kw = self.kernel_size
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels // self.groups, kh, kw), dtype=dt))
        self.bias = Parameter(np.empty((self.out_channels,), dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: weight ~ kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in), bias likewise."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * self.weight.shape[2] * self.weight.shape[3]
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        c = self.in_channels
        check_input(input, f"(N, {c}, H, W)", lambda s: len(s) in (3, 4) and s[-3] == c)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


__all__ = ["Conv2d"]
