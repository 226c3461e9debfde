"""numnet.functional: 2-D convolution, with the image-input check shared by the pooling functions."""

from __future__ import annotations

from typing import Any, Sequence, Union

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops.conv import Conv2dOp
from numnet.tensor import Tensor

__all__ = ["conv2d"]

IntPair = Union[int, Sequence[int]]


# ---------------------------------------------------------------------------------------------------- shared checks
def _image_input(x: Any, op: str) -> tuple[Tensor, bool]:
    """Check an (N, C, H, W) or unbatched (C, H, W) float input; return it as 4-D and whether it was batched."""
    x = V.float_tensor(x, op)
    if x.ndim not in (3, 4):
        raise ShapeError(f"{op}: expected input of shape (N, C, H, W) or (C, H, W), "
                         f"got {x.ndim}-D input of shape {tuple(x.shape)}")
    if x.ndim == 3:
        return x.unsqueeze(0), False
    return x, True


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

