"""Convolution layers: :class:`Conv2d`, :class:`Conv1d`, :class:`ConvTranspose2d`, :class:`ConvTranspose1d` (the math
lives on the matching ``numnet.functional`` functions)."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

import numnet.functional as F
from numnet.errors import ArgumentError
from numnet.nn import init
from numnet import _validation as V
from numnet.functional.conv import single
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
        shape = input._data.shape if isinstance(input, Tensor) else ()
        if not (len(shape) in (3, 4) and shape[-3] == c):  # the check (and its message) only off the common path
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




def _reset(weight: Parameter, bias: Optional[Parameter]) -> None:
    """PyTorch's conv default: weight ~ kaiming_uniform_(a=√5) = U(−1/√fan_in, 1/√fan_in) with
    ``fan_in = weight.shape[1]·∏kernel`` (for a transposed conv that is ``C_out/groups·∏k``), bias likewise."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(int(np.prod(weight.shape[1:])))
        init.uniform_(bias, -bound, bound)


def _channels(name: str, in_channels: Any, out_channels: Any, groups: Any) -> tuple[int, int, int]:
    c_in = V.integer(in_channels, name, "in_channels", minimum=1)
    c_out = V.integer(out_channels, name, "out_channels", minimum=1)
    g = V.integer(groups, name, "groups", minimum=1)
    for what, n in (("in_channels", c_in), ("out_channels", c_out)):
        if n % g:
            raise ArgumentError(V.expected(name, what, f"divisible by groups={g}", n))
    return c_in, c_out, g


def _conv_repr(m: Module, zero: tuple) -> str:
    s = f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}"
    if m.padding != zero:
        s += f", padding={m.padding}"
    if getattr(m, "output_padding", zero) != zero:
        s += f", output_padding={m.output_padding}"
    if m.dilation != tuple(1 for _ in zero):
        s += f", dilation={m.dilation}"
    if m.groups != 1:
        s += f", groups={m.groups}"
    if m.bias is None:
        s += ", bias=False"
    return s


class Conv1d(Module):
    """1-D convolution layer over ``(N, C_in, L)`` signals (see :func:`numnet.functional.conv1d`).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: int (or 1-tuple) >= 1.
        stride, dilation: int >= 1. Default 1.
        padding: int >= 0, ``'valid'`` or ``'same'``. Default 0 (``'same'`` with stride > 1 allowed, as Conv2d).
        groups: independent channel groups. Default 1.
        bias: learn a bias per output channel. Default True.
        padding_mode: only ``'zeros'``.
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(C_out, C_in / groups, k)`` from U(−1/√fan_in, 1/√fan_in), ``fan_in = C_in/groups·k`` (PyTorch's).
        bias: ``(C_out,)`` likewise, or None.

    Shape:
        ``(N, C_in, L) → (N, C_out, L_out)``, ``L_out = ⌊(L + 2p − d(k − 1) − 1)/s⌋ + 1``; also unbatched ``(C_in, L)``.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.Conv1d(2, 4, 3, padding=1)(numnet.zeros(8, 2, 10)).shape
    (8, 4, 10)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int = 1,
                 padding: int | str = 0, dilation: int = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__()
        name = "Conv1d"
        self.in_channels, self.out_channels, self.groups = _channels(name, in_channels, out_channels, groups)
        self.kernel_size = (single(kernel_size, name, "kernel_size", minimum=1),)
        self.stride = (single(stride, name, "stride", minimum=1),)
        self.dilation = (single(dilation, name, "dilation", minimum=1),)
        if isinstance(padding, str):
            self.padding: tuple[int] | str = V.choice(padding, name, "padding", ("same", "valid"))
        else:
            self.padding = (single(padding, name, "padding", minimum=0),)
        self.padding_mode = V.choice(padding_mode, name, "padding_mode", ("zeros",))
        V.boolean(bias, name, "bias")
        dt = V.float_dtype(dtype, name)
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels // self.groups) + self.kernel_size,
                                         dtype=dt))
        self.bias = Parameter(np.empty((self.out_channels,), dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=√5) weight, U(−1/√fan_in, 1/√fan_in) bias."""
        _reset(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        c = self.in_channels
        check_input(input, f"(N, {c}, L)", lambda s: len(s) in (2, 3) and s[-2] == c)
        pad = self.padding if isinstance(self.padding, str) else self.padding[0]
        return F.conv1d(input, self.weight, self.bias, self.stride[0], pad, self.dilation[0], self.groups)

    def extra_repr(self) -> str:
        return _conv_repr(self, (0,))


class _ConvTransposeNd(Module):
    """Shared constructor and ``output_size`` rule of the transposed convolutions (``nd`` spatial dims)."""

    nd = 2

    def __init__(self, in_channels: Any, out_channels: Any, kernel_size: Any, stride: Any, padding: Any,
                 output_padding: Any, groups: Any, bias: Any, dilation: Any, padding_mode: str, dtype: Any) -> None:
        super().__init__()
        name = type(self).__name__
        size = (lambda v, what, lo: (single(v, name, what, minimum=lo),)) if self.nd == 1 else \
            (lambda v, what, lo: V.int_or_pair(v, name, what, minimum=lo))
        self.in_channels, self.out_channels, self.groups = _channels(name, in_channels, out_channels, groups)
        self.kernel_size = size(kernel_size, "kernel_size", 1)
        self.stride = size(stride, "stride", 1)
        self.padding = size(padding, "padding", 0)
        self.output_padding = size(output_padding, "output_padding", 0)
        self.dilation = size(dilation, "dilation", 1)
        for o, s, d in zip(self.output_padding, self.stride, self.dilation):
            if o >= s and o >= d:
                raise ArgumentError(V.expected(name, "output_padding", "smaller than either stride or dilation",
                                               output_padding))
        self.padding_mode = V.choice(padding_mode, name, "padding_mode", ("zeros",))
        V.boolean(bias, name, "bias")
        dt = V.float_dtype(dtype, name)
        self.weight = Parameter(np.empty((self.in_channels, self.out_channels // self.groups) + self.kernel_size,
                                         dtype=dt))
        self.bias = Parameter(np.empty((self.out_channels,), dtype=dt)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=√5) with ``fan_in = C_out/groups·∏k`` (weight.shape[1]·∏k)."""
        _reset(self.weight, self.bias)

    def _output_padding(self, input: Tensor, output_size: Optional[Sequence[int]]) -> tuple[int, ...]:
        """PyTorch's rule: ``output_size`` (the spatial sizes, optionally with N and C in front) must lie in
        ``[min, min + stride − 1]`` per dim, ``min = (n − 1)·s − 2p + d·(k − 1) + 1``; the excess is the padding."""
        if output_size is None:
            return self.output_padding
        name, nd = type(self).__name__, self.nd
        sizes = [output_size] if V.is_int(output_size) else list(output_size)
        if len(sizes) == nd + 2 or (len(sizes) == nd + 1 and input.ndim == nd + 1):
            sizes = sizes[-nd:]
        if len(sizes) != nd or not all(V.is_int(v) for v in sizes):
            raise ArgumentError(V.expected(name, "output_size", f"{nd} ints (optionally after N and C)",
                                           output_size))
        pads = []
        for i, want in enumerate(sizes):
            n = input.shape[input.ndim - nd + i]
            lo = ((n - 1) * self.stride[i] - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            hi = lo + self.stride[i] - 1
            if not lo <= want <= hi:
                raise ArgumentError(f"{name}: requested an output size of {tuple(sizes)}, but valid sizes of dim "
                                    f"{i} range from {lo} to {hi} (for an input of {tuple(input.shape)})")
            pads.append(int(want) - lo)
        return tuple(pads)

    def extra_repr(self) -> str:
        return _conv_repr(self, (0,) * self.nd)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution layer (see :func:`numnet.functional.conv_transpose2d`).

    Args:
        in_channels, out_channels: channels of the input and the output.
        kernel_size: int or ``(kH, kW)``.
        stride: int or pair >= 1. Default 1.
        padding: int or pair >= 0 (removes ``p`` rows/cols from each side of the full output). Default 0.
        output_padding: int or pair added at the bottom/right, smaller than stride or dilation. Default 0.
        groups: independent channel groups. Default 1.
        bias: learn a bias per output channel. Default True.
        dilation: int or pair >= 1. Default 1.
        padding_mode: only ``'zeros'`` (PyTorch supports no other for transposed convs either).
        dtype: parameter dtype, float32 by default.

    Attributes:
        weight: ``(C_in, C_out / groups, kH, kW)`` (PyTorch's layout), kaiming_uniform_(a=√5) with
            ``fan_in = C_out/groups·kH·kW`` as PyTorch computes it.
        bias: ``(C_out,)`` from U(−1/√fan_in, 1/√fan_in), or None.

    Shape:
        ``(N, C_in, H, W) → (N, C_out, H_out, W_out)``, ``H_out = (H − 1)s − 2p + d(kH − 1) + output_padding + 1``;
        ``forward(input, output_size=...)`` picks the output_padding that gives ``output_size`` instead.

    >>> import numnet
    >>> from numnet import nn
    >>> up = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1)
    >>> up(numnet.zeros(2, 8, 5, 5)).shape
    (2, 4, 9, 9)
    >>> up(numnet.zeros(2, 8, 5, 5), output_size=(10, 10)).shape
    (2, 4, 10, 10)
    """

    nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                 output_padding: int | tuple[int, int] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, int] = 1, padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, dtype)

    def forward(self, input: Tensor, output_size: Optional[Sequence[int]] = None) -> Tensor:  # noqa: A002
        c = self.in_channels
        check_input(input, f"(N, {c}, H, W)", lambda s: len(s) in (3, 4) and s[-3] == c)
        op = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op, self.groups,
                                  self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution layer (see :func:`numnet.functional.conv_transpose1d`); arguments as
    :class:`ConvTranspose2d`, each an int (or 1-tuple). Weight ``(C_in, C_out / groups, k)``.

    Shape:
        ``(N, C_in, L) → (N, C_out, L_out)``, ``L_out = (L − 1)s − 2p + d(k − 1) + output_padding + 1``.

    >>> import numnet
    >>> from numnet import nn
    >>> nn.ConvTranspose1d(2, 3, 4, stride=2, padding=1)(numnet.zeros(1, 2, 5)).shape
    (1, 3, 10)
    """

    nd = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int], stride: int = 1,
                 padding: int = 0, output_padding: int = 0, groups: int = 1, bias: bool = True, dilation: int = 1,
                 padding_mode: str = "zeros", dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias,
                         dilation, padding_mode, dtype)

    def forward(self, input: Tensor, output_size: Optional[Sequence[int]] = None) -> Tensor:  # noqa: A002
        c = self.in_channels
        check_input(input, f"(N, {c}, L)", lambda s: len(s) in (2, 3) and s[-2] == c)
        op = self._output_padding(input, output_size)
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride[0], self.padding[0], op[0],
                                  self.groups, self.dilation[0])


__all__ = ["Conv2d", "Conv1d", "ConvTranspose2d", "ConvTranspose1d"]
