"""Normalization functions: ``batch_norm``.

The math and its backward live in one fused primitive, :class:`numnet.ops.normalization.BatchNorm`.
"""

from __future__ import annotations

from typing import Any

from numnet import _validation as V
from numnet.errors import ArgumentError, ShapeError
from numnet.ops.normalization import BatchNormOp
from numnet.tensor import Tensor

__all__ = ["batch_norm"]


def _check_channel_vector(t: Any, name: str, channels: int, input_shape: tuple[int, ...]) -> None:
    if t is None:
        return
    V.float_tensor(t, "batch_norm", name)
    if t.shape != (channels,):
        raise ShapeError(f"batch_norm: {name} has shape {tuple(t.shape)} but input has {channels} channels "
                         f"(expected ({channels},); input shape {tuple(input_shape)})")


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization over every axis but the channel axis 1 (Ioffe & Szegedy, 2015).

    .. math::
        y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}\\,\\gamma + \\beta

    per channel. With ``training=True``, μ and σ² are the mean and biased variance of the batch (over N and all
    spatial positions) and ``running_mean``/``running_var``, when given, are updated in place:
    ``r ← (1 − momentum)·r + momentum·s`` with the *unbiased* batch variance for ``running_var``. With
    ``training=False`` the running statistics are used and left unchanged. The gradient comes from one fused
    closed-form backward (see :class:`numnet.ops.normalization.BatchNorm`).

    Args:
        input: floating-point tensor ``(N, C)``, ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        running_mean: tensor ``(C,)`` or None; updated in place when training. Required when not training.
        running_var: tensor ``(C,)`` or None; updated in place when training. Required when not training.
        weight: γ, tensor ``(C,)`` or None (no scaling).
        bias: β, tensor ``(C,)`` or None (no shift).
        training: use batch statistics and update the running ones. Default False, as in PyTorch.
        momentum: weight of the new batch statistics in the running averages. Default 0.1.
        eps: added to the variance for numerical stability. Default 1e-5.

    Shape:
        ``(N, C, *) → (N, C, *)``, same dtype.

    Raises:
        DTypeError: an argument is not a floating-point tensor, or ``momentum``/``eps`` is not a number.
        ShapeError: ``input`` has fewer than 2 dimensions, or a per-channel tensor is not ``(C,)``.
        ArgumentError: running statistics missing in evaluation mode, a single value per channel when training,
            a non-finite ``momentum`` or ``eps``, or a negative ``eps``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> x = numnet.tensor([[1.0, 10.0], [3.0, 30.0]])
        >>> mean, var = numnet.zeros(2), numnet.ones(2)
        >>> F.batch_norm(x, mean, var, training=True, eps=0.0)
        tensor([[-1., -1.],
                [ 1.,  1.]])
        >>> mean
        tensor([0.2, 2. ])
        >>> var
        tensor([ 1.1, 20.9])
    """
    V.float_tensor(input, "batch_norm")
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C) or (N, C, *), got {tuple(input.shape)}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check_channel_vector(t, name, c, input.shape)
    momentum = V.real(momentum, "batch_norm", "momentum")
    eps = V.real(eps, "batch_norm", "eps", low=0.0)
    training = bool(training)
    if training:
        per_channel = input.numel() // c if c else 0
        if per_channel <= 1:
            raise ArgumentError(f"batch_norm: expected more than 1 value per channel when training, "
                                f"got input of shape {tuple(input.shape)}")
    elif running_mean is None or running_var is None:
        missing = "running_mean" if running_mean is None else "running_var"
        raise ArgumentError(f"batch_norm: {missing} is required when training=False (evaluation uses the "
                            f"running statistics)")
    params = [t for t in (weight, bias) if t is not None]
    return BatchNormOp.apply(
        input, *params,
        running_mean=None if running_mean is None else running_mean.data,
        running_var=None if running_var is None else running_var.data,
        training=training, momentum=momentum, eps=eps,
        has_weight=weight is not None, has_bias=bias is not None,
    )
