"""Dropout: ``dropout`` (elementwise), channel dropout ``dropout1d``, ``dropout2d``, ``dropout3d``, and
``alpha_dropout``. Masks come from numnet's seeded generator; the mask's derivative lives in
:mod:`numnet.ops.activation`. The output keeps the input's dtype.
"""

from __future__ import annotations

import numpy as np

from numnet import _validation as V
from numnet.errors import ShapeError
from numnet.ops import activation as act
from numnet.random import default_generator
from numnet.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """Inverted dropout: zero each element with probability ``p`` and scale the survivors by 1/(1 − p).

    .. math:: y = x \\odot m / (1 - p), \\quad m_i \\sim \\mathrm{Bernoulli}(1 - p)

    The expected value of ``y`` is ``x``, so nothing changes at evaluation time. The mask is drawn from numnet's
    default generator (:func:`numnet.random.default_generator`), so :func:`numnet.manual_seed` makes it
    reproducible; the same mask multiplies the gradient. With ``p == 0`` or ``training=False`` the input itself is
    returned; with ``p == 1`` the result is all zeros.

    Args:
        input: a floating-point tensor of any shape.
        p: probability of zeroing an element, in [0, 1]. Default 0.5.
        training: apply dropout only when True. Default True.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].

    Example:
        >>> import numnet, numnet.functional as F
        >>> _ = numnet.manual_seed(0)
        >>> F.dropout(numnet.ones(6), p=0.5)
        tensor([2., 0., 0., 0., 2., 2.])
    """
    V.flags("dropout", inplace=inplace)
    V.float_tensor(input, "dropout")
    rate = V.probability(p, "dropout", "p")
    V.boolean(training, "dropout", "training")
    if not training or rate == 0.0:
        return input
    keep = default_generator().random(input.shape) >= rate
    scale = 0.0 if rate == 1.0 else 1.0 / (1.0 - rate)
    mask = keep * input.dtype.type(scale)
    return act.DropoutOp.apply(input, mask=mask)


# ---------------------------------------------------------------------- channel dropout
def _feature_dropout(input: Tensor, p: float, training: bool, op: str, spatial: int) -> Tensor:  # noqa: A002
    """Zero whole channels: one Bernoulli(1 − p) draw per (sample, channel), broadcast over the ``spatial`` dims.

    A batched input has ``spatial + 2`` dims, an unbatched one ``spatial + 1`` (then one draw per channel)."""
    V.float_tensor(input, op)
    rate = V.probability(p, op, "p")
    V.boolean(training, op, "training")
    layouts = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (N, C, L)", 3: "(N, C, D, H, W) or (C, D, H, W)"}
    ok = (spatial + 1, spatial + 2)
    if input.ndim not in ok:
        raise ShapeError(f"{op}: expected input of shape {layouts[spatial]}, got {tuple(input.shape)}")
    if not training or rate == 0.0:
        return input
    if spatial == 2:
        lead = 2  # PyTorch: a 3-D input to dropout2d is read as (N, C, L), a 4-D one as (N, C, H, W)
    else:
        lead = 2 if input.ndim == spatial + 2 else 1
    mask_shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    keep = default_generator().random(mask_shape) >= rate
    scale = 0.0 if rate == 1.0 else 1.0 / (1.0 - rate)
    mask = np.broadcast_to(keep * input.dtype.type(scale), input.shape)
    return act.DropoutOp.apply(input, mask=mask)


_CHANNEL_DROPOUT_DOC = """Channel dropout for {what}: zero each whole channel with probability ``p`` and scale
    the rest by 1/(1 − p).

    .. math:: y_{{n,c}} = x_{{n,c}} \\cdot m_{{n,c}} / (1 - p), \\quad m_{{n,c}} \\sim \\mathrm{{Bernoulli}}(1 - p)

    One draw per (sample, channel) from numnet's default generator (so :func:`numnet.manual_seed` makes it
    reproducible); the same mask scales the gradient. With ``p == 0`` or ``training=False`` the input itself is
    returned; ``p == 1`` gives zeros. {note}

    Args:
        input: a floating-point tensor {shapes}.
        p: probability of zeroing a channel, in [0, 1]. Default 0.5.
        training: apply dropout only when True. Default True.
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].
        ShapeError: ``input`` has another number of dimensions{extra}.
"""


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    V.flags("dropout1d", training=training, inplace=inplace)
    return _feature_dropout(input, p, training, "dropout1d", 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    V.flags("dropout2d", training=training, inplace=inplace)
    return _feature_dropout(input, p, training, "dropout2d", 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    V.flags("dropout3d", training=training, inplace=inplace)
    return _feature_dropout(input, p, training, "dropout3d", 3)


dropout1d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="1-D feature maps", shapes="``(N, C, L)`` or unbatched ``(C, L)``", note="", extra="")
dropout2d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="2-D feature maps", shapes="``(N, C, H, W)``, or ``(N, C, L)``",
    note=("A 3-D input is read as ``(N, C, L)``, as PyTorch 2.13 does (it warns that this will change); "
          "PyTorch only warns for other ranks, numnet raises."),
    extra=" (PyTorch only warns)") + """
    Example:
        >>> import numnet, numnet.functional as F
        >>> _ = numnet.manual_seed(0)
        >>> F.dropout2d(numnet.ones(1, 4, 1, 2), p=0.5)[0, :, 0]
        tensor([[2., 2.],
                [0., 0.],
                [0., 0.],
                [0., 0.]])
"""
dropout3d.__doc__ = _CHANNEL_DROPOUT_DOC.format(
    what="3-D feature maps", shapes="``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)``", note="", extra="")

# SELU's fixed point: α' = −λα is the value a dropped SELU unit saturates to
_ALPHA_PRIME = 1.7580993408473766


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Alpha dropout (Klambauer et al., 2017) for SELU networks: keeps zero mean and unit variance.

    Dropped elements are set to −α' (α' = λα ≈ 1.7581, SELU's negative saturation), then an affine map restores the
    moments:

    .. math:: y = a\\,(x \\odot m - \\alpha'(1 - m)) + a\\alpha' p, \\quad a = ((1 - p)(1 + p\\alpha'^2))^{-1/2},
        \\quad m_i \\sim \\mathrm{Bernoulli}(1 - p)

    The gradient is ``a·m``. ``training`` defaults to False, as in PyTorch. With ``p == 1`` the result is zeros.

    Args:
        input: a floating-point tensor of any shape.
        p: probability of dropping an element, in [0, 1]. Default 0.5.
        training: apply only when True. Default False (PyTorch's default here).
        inplace: accepted for PyTorch compatibility; numnet always returns a new tensor.

    Shape:
        ``(*) → (*)``, same dtype.

    Raises:
        DTypeError: ``input`` is not a floating-point tensor, or ``p`` is not a number.
        ArgumentError: ``p`` is outside [0, 1].

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.ones(3)
        >>> F.alpha_dropout(x, 0.5) is x
        True
    """
    V.flags("alpha_dropout", training=training, inplace=inplace)
    V.float_tensor(input, "alpha_dropout")
    rate = V.probability(p, "alpha_dropout", "p")
    if not training or rate == 0.0:
        return input
    if rate == 1.0:
        return act.DropoutOp.apply(input, mask=np.zeros(input.shape, input.dtype))
    keep = default_generator().random(input.shape) >= rate
    a = (1.0 / np.sqrt((_ALPHA_PRIME * _ALPHA_PRIME * rate + 1.0) * (1.0 - rate)))
    mask = (keep * a).astype(input.dtype)
    shift = ((keep - 1.0) * (_ALPHA_PRIME * a) + _ALPHA_PRIME * a * rate).astype(input.dtype)
    return act.DropoutOp.apply(input, mask=mask) + Tensor(shift)
