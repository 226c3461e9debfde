"""numnet.functional: 1-D and 2-D convolutions and transposed convolutions, with the image-input check shared by the
pooling functions."""

from __future__ import annotations

from typing import Any, Sequence, Union

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops.conv import Conv2dOp, ConvTranspose2dOp
from numnet.tensor import Tensor

__all__ = ["conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d"]

IntPair = Union[int, Sequence[int]]


# ---------------------------------------------------------------------------------------------------- shared checks
def _batched_input(x: Any, op: str, spatial: tuple[str, ...]) -> tuple[Tensor, bool]:
    """Check an (N, C, *spatial) or unbatched (C, *spatial) float input; return it batched and whether it was."""
    x = V.float_tensor(x, op)
    rank = 2 + len(spatial)
    if x.ndim not in (rank - 1, rank):
        dims = ", ".join(spatial)
        raise ShapeError(f"{op}: expected input of shape (N, C, {dims}) or (C, {dims}), "
                         f"got {x.ndim}-D input of shape {tuple(x.shape)}")
    if x.ndim == rank - 1:
        return x.unsqueeze(0), False
    return x, True


def _image_input(x: Any, op: str) -> tuple[Tensor, bool]:
    """Check an (N, C, H, W) or unbatched (C, H, W) float input; return it as 4-D and whether it was batched."""
    return _batched_input(x, op, ("H", "W"))


def _unbatch(out: Tensor, batched: bool) -> Tensor:
    return out if batched else out.squeeze(0)


def same_padding(size: int, k: int, s: int, d: int) -> tuple[int, int]:
    """(before, after) zero padding for ``padding='same'``: output length ⌈n/s⌉, total padding
    ``max((⌈n/s⌉ − 1)·s + d·(k − 1) + 1 − n, 0)``, the smaller half before (see :func:`conv2d`)."""
    out = -(-size // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - size, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------------------------------------------- conv2d
def _same_dtype(t: Tensor, x: Tensor, op: str, name: str) -> None:
    """The weight or bias has the input's dtype (numnet does not promote inside a layer, as PyTorch)."""
    if t.dtype != x.dtype:
        raise DTypeError(f"{op}: input dtype {x.dtype} and {name} dtype {t.dtype} differ; "
                         f"convert one of them with .to()")


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    r"""2-D convolution (a cross-correlation, as in every deep-learning library) over a batch of images.

    Math (``C_g = C_in / groups`` channels per group; channel ``o`` belongs to group ``⌊o / (C_out/groups)⌋``)::

        out[n, o, y, x] = bias[o] + Σ_{c < C_g} Σ_{i < kH} Σ_{j < kW}
                          weight[o, c, i, j] · xp[n, group(o)·C_g + c, s_h·y + d_h·i, s_w·x + d_w·j]

    where ``xp`` is the input zero-padded by ``padding``.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, floating point.
        weight: ``(C_out, C_in / groups, kH, kW)``, same dtype as ``input``.
        bias: optional ``(C_out,)``, same dtype.
        stride: int or ``(s_h, s_w)``, each >= 1.
        padding: int or ``(p_h, p_w)`` (>= 0, applied on both sides), ``'valid'`` (no padding) or ``'same'``.
            ``'same'`` pads so that the output has ``⌈H / s_h⌉ × ⌈W / s_w⌉`` pixels: the total padding along an axis
            is ``max((⌈n/s⌉ − 1)·s + d·(k − 1) + 1 − n, 0)``, split with the smaller half on top/left and the extra
            pixel on the bottom/right. With stride 1 this is PyTorch's rule (total ``d·(k − 1)``, output size = input
            size). Note: PyTorch refuses ``'same'`` with stride > 1; numnet follows Keras/TensorFlow there.
        dilation: int or ``(d_h, d_w)``, spacing between kernel taps, each >= 1.
        groups: split the channels into ``groups`` independent convolutions; divides ``C_in`` and ``C_out``.

    Shape:
        ``(N, C_in, H, W) → (N, C_out, H_out, W_out)`` with ``H_out = ⌊(H + 2p_h − d_h(kH − 1) − 1) / s_h⌋ + 1``
        (likewise ``W_out``); unbatched ``(C_in, H, W) → (C_out, H_out, W_out)``.

    Raises:
        ShapeError: input not 3-D/4-D, weight not 4-D, channel mismatch, bias of the wrong length, or a (dilated)
            kernel larger than the padded input.
        DTypeError: input/weight/bias not Tensors (an ``np.ndarray`` too: wrap it with ``numnet.tensor``), integer
            input, input/weight/bias dtypes that differ, or a stride/padding/dilation/groups that is not an int (pair).
        ArgumentError: stride < 1, negative padding, dilation < 1, groups < 1 or not dividing the channels, or an
            unknown padding string.

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.ones(1, 1, 4, 4)
        >>> w = numnet.ones(1, 1, 3, 3)
        >>> F.conv2d(x, w, padding=1)[0, 0]
        tensor([[4., 6., 6., 4.],
                [6., 9., 9., 6.],
                [6., 9., 9., 6.],
                [4., 6., 6., 4.]])
    """
    op = "conv2d"
    x, batched = _image_input(input, op)
    weight = V.float_tensor(weight, op, "weight")
    if weight.ndim != 4:
        raise ShapeError(f"{op}: expected weight of shape (C_out, C_in/groups, kH, kW), "
                         f"got {weight.ndim}-D weight of shape {tuple(weight.shape)}")
    _same_dtype(weight, x, op, "weight")
    groups = V.integer(groups, op, "groups", minimum=1)
    n, c, h, w = x.shape
    c_out, c_g, kh, kw = weight.shape
    if c % groups:
        raise ArgumentError(f"{op}: groups={groups} must divide the input channels, got {c} input channels")
    if c != c_g * groups:
        extra = f", groups={groups}" if groups > 1 else ""
        raise ShapeError(f"{op}: input has {c} channels but weight expects {c_g * groups} "
                         f"(weight shape {tuple(weight.shape)}{extra})")
    if c_out % groups:
        raise ArgumentError(f"{op}: groups={groups} must divide the output channels, "
                            f"got {c_out} output channels (weight shape {tuple(weight.shape)})")
    if bias is not None:
        bias = V.float_tensor(bias, op, "bias")
        if bias.shape != (c_out,):
            raise ShapeError(f"{op}: bias must have shape ({c_out},) to match the weight's {c_out} output channels, "
                             f"got shape {tuple(bias.shape)}")
        _same_dtype(bias, x, op, "bias")
    stride = V.int_or_pair(stride, op, "stride", minimum=1)
    dilation = V.int_or_pair(dilation, op, "dilation", minimum=1)
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            pads = same_padding(h, kh, stride[0], dilation[0]) + same_padding(w, kw, stride[1], dilation[1])
        else:
            raise ArgumentError(V.expected(op, "padding", "an int >= 0, a pair of them, 'valid' or 'same'", padding))
    else:
        ph, pw = V.int_or_pair(padding, op, "padding", minimum=0)
        pads = (ph, ph, pw, pw)
    padded = (h + pads[0] + pads[1], w + pads[2] + pads[3])
    kernel = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if kernel[0] > padded[0] or kernel[1] > padded[1]:
        dil = f" (dilated to {kernel[0]} x {kernel[1]})" if kernel != (kh, kw) else ""
        raise ShapeError(f"{op}: kernel size {kh} x {kw}{dil} is larger than the padded input "
                         f"{padded[0]} x {padded[1]} (input {h} x {w}, padding {pads})")
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = Conv2dOp.apply(*inputs, stride=stride, padding=pads, dilation=dilation, groups=groups)
    return _unbatch(out, batched)



# ---------------------------------------------------------------------------------------------------- 1-D helpers
def single(value: Any, op: str, name: str, minimum: int | None = None) -> int:
    """An int or a 1-tuple of one (PyTorch's ``_single``), at least ``minimum`` when given."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    elif isinstance(value, (tuple, list)):
        raise ArgumentError(V.expected(op, name, f"{V._int_what(minimum)} or a 1-tuple of one", value))
    return V.integer(value, op, name, minimum=minimum)


def _signal_input(x: Any, op: str) -> tuple[Tensor, bool]:
    """Check an (N, C, L) or unbatched (C, L) float input; return it as 3-D and whether it was batched."""
    return _batched_input(x, op, ("L",))


def _weights(op: str, x: Tensor, weight: Any, bias: Any, groups: Any, ndim: int, transposed: bool):
    """Check weight (``ndim``-D), bias and groups against the (batched) input ``x``; return them normalised.

    Plain weights are ``(C_out, C_in/groups, k…)``; transposed ones ``(C_in, C_out/groups, k…)``."""
    weight = V.float_tensor(weight, op, "weight")
    kernel = ("kH", "kW") if ndim == 4 else ("kL",)
    layout = "(C_in, C_out/groups, " if transposed else "(C_out, C_in/groups, "
    if weight.ndim != ndim:
        raise ShapeError(f"{op}: expected weight of shape {layout}{', '.join(kernel)}), "
                         f"got {weight.ndim}-D weight of shape {tuple(weight.shape)}")
    _same_dtype(weight, x, op, "weight")
    groups = V.integer(groups, op, "groups", minimum=1)
    c = x.shape[1]
    if c % groups:
        raise ArgumentError(f"{op}: groups={groups} must divide the input channels, got {c} input channels")
    if transposed:
        expect, c_out = weight.shape[0], weight.shape[1] * groups
    else:
        expect, c_out = weight.shape[1] * groups, weight.shape[0]
        if c_out % groups:
            raise ArgumentError(f"{op}: groups={groups} must divide the output channels, "
                                f"got {c_out} output channels (weight shape {tuple(weight.shape)})")
    if c != expect:
        extra = f", groups={groups}" if groups > 1 else ""
        raise ShapeError(f"{op}: input has {c} channels but weight expects {expect} "
                         f"(weight shape {tuple(weight.shape)}{extra})")
    if bias is not None:
        bias = V.float_tensor(bias, op, "bias")
        if bias.shape != (c_out,):
            raise ShapeError(f"{op}: bias must have shape ({c_out},) to match the {c_out} output channels, "
                             f"got shape {tuple(bias.shape)}")
        _same_dtype(bias, x, op, "bias")
    return weight, bias, groups, c_out


# ---------------------------------------------------------------------------------------------------- conv1d
def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    r"""1-D convolution (cross-correlation) over a batch of signals.

    Math::

        out[n, o, t] = bias[o] + Σ_{c < C_g} Σ_{i < k} weight[o, c, i] · xp[n, group(o)·C_g + c, s·t + d·i]

    with ``xp`` the zero-padded input; computed as :func:`conv2d` on an ``(N, C, 1, L)`` view.

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``, floating point.
        weight: ``(C_out, C_in / groups, k)``, same dtype.
        bias: optional ``(C_out,)``.
        stride, dilation: int (or 1-tuple) >= 1.
        padding: int (or 1-tuple) >= 0 on both sides, ``'valid'`` or ``'same'`` (as :func:`conv2d`: with stride > 1
            numnet pads to ``⌈L / s⌉`` outputs where PyTorch refuses).
        groups: independent channel groups; divides ``C_in`` and ``C_out``.

    Shape:
        ``(N, C_in, L) → (N, C_out, L_out)``, ``L_out = ⌊(L + 2p − d(k − 1) − 1) / s⌋ + 1``.

    Raises:
        ShapeError: input not 2-D/3-D, weight not 3-D, channel or bias mismatch, kernel longer than the padded
            input.  DTypeError: wrong kinds or dtypes.  ArgumentError: bad sizes, groups, or padding string.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.conv1d(numnet.ones(1, 1, 4), numnet.ones(1, 1, 3), padding=1)
        tensor([[[2., 3., 3., 2.]]])
    """
    op = "conv1d"
    x, batched = _signal_input(input, op)
    weight, bias, groups, _ = _weights(op, x, weight, bias, groups, 3, transposed=False)
    s = single(stride, op, "stride", minimum=1)
    d = single(dilation, op, "dilation", minimum=1)
    length, k = x.shape[2], weight.shape[2]
    if isinstance(padding, str):
        pad2: Any = V.choice(padding, op, "padding", ("valid", "same"))
        total = 0 if padding == "valid" else sum(same_padding(length, k, s, d))
    else:
        p = single(padding, op, "padding", minimum=0)
        pad2, total = (0, p), 2 * p
    if d * (k - 1) + 1 > length + total:
        raise ShapeError(f"{op}: kernel size {k} (dilated to {d * (k - 1) + 1}) is larger than the padded input "
                         f"{length + total} (input {length}, padding {padding!r})")
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), pad2, (1, d), groups)
    out = out.squeeze(2)
    return out if batched else out.squeeze(0)


# ---------------------------------------------------------------------------------------------------- transposed
def transposed_size(op: str, size: int, k: int, s: int, p: int, op_: int, d: int, axis: str) -> int:
    """PyTorch's transposed-conv output length ``(n − 1)·s − 2p + d·(k − 1) + output_padding + 1``, checked >= 1."""
    if op_ >= s and op_ >= d:
        raise ArgumentError(f"{op}: expected output_padding to be smaller than either stride or dilation, "
                            f"got output_padding={op_} with stride={s}, dilation={d}")
    out = (size - 1) * s - 2 * p + d * (k - 1) + op_ + 1
    if out < 1:
        raise ShapeError(f"{op}: input {axis} {size} with kernel_size={k}, stride={s}, padding={p}, dilation={d} "
                         f"gives an output {axis} of {out}; it must be >= 1")
    return out


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    r"""2-D transposed convolution ("deconvolution"): the gradient of :func:`conv2d` with respect to its input.

    Math (``C_g = C_in / groups``; every input pixel scatters a weighted kernel into the output)::

        out[n, o, s_h·y + d_h·i − p_h, s_w·x + d_w·j − p_w] += Σ_{c in group(o)} x[n, c, y, x] · weight[c, o mod (C_out/groups), i, j]

    plus ``bias[o]``; positions outside ``[0, H_out) × [0, W_out)`` are dropped.

    Args:
        input: ``(N, C_in, H, W)`` or unbatched ``(C_in, H, W)``, floating point.
        weight: ``(C_in, C_out / groups, kH, kW)`` (PyTorch's layout: in-channels first), same dtype.
        bias: optional ``(C_out,)``.
        stride, dilation: int or pair, >= 1.
        padding: int or pair >= 0: ``d·(k − 1) − p`` zero rows/cols are implicitly added to the input's sides.
        output_padding: int or pair >= 0 added to the bottom/right of the output, smaller than stride or dilation.
        groups: divides ``C_in`` and ``C_out``.

    Shape:
        ``(N, C_in, H, W) → (N, C_out, H_out, W_out)``, ``H_out = (H − 1)·s_h − 2p_h + d_h·(kH − 1) + op_h + 1``.

    Raises:
        ShapeError: input not 3-D/4-D, weight not 4-D, channel or bias mismatch, output smaller than 1.
        DTypeError: wrong kinds or dtypes.  ArgumentError: bad sizes or groups, output_padding too large.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.conv_transpose2d(numnet.ones(1, 1, 2, 2), numnet.ones(1, 1, 2, 2), stride=2).shape
        (1, 1, 4, 4)
    """
    op = "conv_transpose2d"
    x, batched = _image_input(input, op)
    weight, bias, groups, _ = _weights(op, x, weight, bias, groups, 4, transposed=True)
    s = V.int_or_pair(stride, op, "stride", minimum=1)
    p = V.int_or_pair(padding, op, "padding", minimum=0)
    o = V.int_or_pair(output_padding, op, "output_padding", minimum=0)
    d = V.int_or_pair(dilation, op, "dilation", minimum=1)
    kh, kw = weight.shape[2:]
    out_hw = (transposed_size(op, x.shape[2], kh, s[0], p[0], o[0], d[0], "height"),
              transposed_size(op, x.shape[3], kw, s[1], p[1], o[1], d[1], "width"))
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = ConvTranspose2dOp.apply(*inputs, stride=s, padding=p, dilation=d, groups=groups, out_hw=out_hw)
    return _unbatch(out, batched)


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> Tensor:
    r"""1-D transposed convolution, :func:`conv_transpose2d` on an ``(N, C, 1, L)`` view.

    Math::

        out[n, o, s·t + d·i − p] += Σ_{c in group(o)} x[n, c, t] · weight[c, o mod (C_out/groups), i]   (+ bias[o])

    Args:
        input: ``(N, C_in, L)`` or unbatched ``(C_in, L)``.
        weight: ``(C_in, C_out / groups, k)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, groups, dilation: as :func:`conv_transpose2d`, ints (or 1-tuples).

    Shape:
        ``(N, C_in, L) → (N, C_out, L_out)``, ``L_out = (L − 1)·s − 2p + d·(k − 1) + output_padding + 1``.

    Raises:
        ShapeError, DTypeError, ArgumentError: as :func:`conv_transpose2d`.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.conv_transpose1d(numnet.ones(1, 1, 3), numnet.ones(1, 1, 2))
        tensor([[[1., 2., 2., 1.]]])
    """
    op = "conv_transpose1d"
    x, batched = _signal_input(input, op)
    weight, bias, groups, _ = _weights(op, x, weight, bias, groups, 3, transposed=True)
    s = single(stride, op, "stride", minimum=1)
    p = single(padding, op, "padding", minimum=0)
    o = single(output_padding, op, "output_padding", minimum=0)
    d = single(dilation, op, "dilation", minimum=1)
    length = transposed_size(op, x.shape[2], weight.shape[2], s, p, o, d, "length")
    inputs = (x.unsqueeze(2), weight.unsqueeze(2)) if bias is None else (x.unsqueeze(2), weight.unsqueeze(2), bias)
    out = ConvTranspose2dOp.apply(*inputs, stride=(1, s), padding=(0, p), dilation=(1, d), groups=groups,
                                  out_hw=(1, length)).squeeze(2)
    return out if batched else out.squeeze(0)
