"""Normalization functions: ``batch_norm``, ``layer_norm``, ``group_norm``, ``instance_norm``.

The math and its backward live in one fused primitive each in :mod:`numnet.ops.normalization`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.ops.normalization import BatchNormOp, GroupNormOp, LayerNormOp, SyncBatchNormOp
from numnet.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


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
    params, kwargs = _batch_norm_args(input, running_mean, running_var, weight, bias, training, momentum, eps)
    return BatchNormOp.apply(input, *params, **kwargs)


def sync_batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
                    weight: Tensor | None, bias: Tensor | None, training: bool, momentum: float, eps: float,
                    comm: Any) -> Tensor:
    """:func:`batch_norm` with training statistics over the global batch of every rank of ``comm`` (the
    process group of :mod:`numnet.distributed`); see :class:`numnet.ops.normalization.SyncBatchNormOp`. What
    :class:`numnet.nn.SyncBatchNorm` calls; the same checks as :func:`batch_norm`."""
    params, kwargs = _batch_norm_args(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not kwargs["training"] or comm.size == 1:
        return BatchNormOp.apply(input, *params, **kwargs)
    return SyncBatchNormOp.apply(input, *params, comm=comm, **kwargs)


def _batch_norm_args(input: Any, running_mean: Any, running_var: Any, weight: Any, bias: Any, training: Any,  # noqa: A002
                     momentum: Any, eps: Any) -> tuple[list, dict]:
    """The checks of :func:`batch_norm`; the op's inputs after ``input`` and its keyword arguments."""
    V.flags("batch_norm", training=training)
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
    return params, dict(
        running_mean=None if running_mean is None else running_mean._data,
        running_var=None if running_var is None else running_var._data,
        training=training, momentum=momentum, eps=eps,
        has_weight=weight is not None, has_bias=bias is not None,
    )



def normalized_shape_arg(value: Any, op: str) -> tuple[int, ...]:
    """``normalized_shape`` as a tuple: an int >= 1 or a non-empty sequence of them (PyTorch's forms)."""
    what = "an int >= 1 or a non-empty sequence of them"
    if V.is_int(value):
        items: tuple[Any, ...] = (value,)
    elif isinstance(value, Sequence) and not isinstance(value, str) and all(V.is_int(v) for v in value):
        items = tuple(value)
    else:
        raise DTypeError(V.expected(op, "normalized_shape", what, value))
    if not items or min(items) < 1:
        raise ArgumentError(V.expected(op, "normalized_shape", what, value))
    return tuple(int(v) for v in items)


def _check_param(t: Any, op: str, name: str, shape: tuple[int, ...], why: str) -> None:
    if t is None:
        return
    V.float_tensor(t, op, name)
    if tuple(t.shape) != shape:
        raise ShapeError(f"{op}: expected {name} of shape {shape} ({why}), got {tuple(t.shape)}")


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalization (Ba et al., 2016) over the trailing ``normalized_shape`` dimensions of each sample.

    .. math:: y = \\frac{x - \\mathrm{E}[x]}{\\sqrt{\\mathrm{Var}[x] + \\epsilon}} \\odot \\gamma + \\beta

    with the mean and the biased variance over the last ``len(normalized_shape)`` dims, and γ, β (if given) of
    shape ``normalized_shape``. The backward is one fused closed form (:class:`numnet.ops.normalization.LayerNormOp`).

    Args:
        input: a floating-point tensor whose last dims equal ``normalized_shape``.
        normalized_shape: an int or a sequence of ints.
        weight: γ, a tensor of shape ``normalized_shape``, or None.
        bias: β, a tensor of shape ``normalized_shape``, or None.
        eps: added to the variance, >= 0. Default 1e-5.

    Shape:
        ``(*, *normalized_shape) → same``, same dtype.

    Raises:
        DTypeError: a tensor argument is not a floating-point tensor, or ``normalized_shape``/``eps`` is the wrong
            kind.
        ArgumentError: ``normalized_shape`` is empty or has a size < 1, or ``eps`` is negative or not finite.
        ShapeError: ``input`` does not end with ``normalized_shape``, or ``weight``/``bias`` has another shape.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.layer_norm(numnet.tensor([[1.0, 3.0], [10.0, 30.0]]), 2, eps=0.0)
        tensor([[-1.,  1.],
                [-1.,  1.]])
    """
    V.float_tensor(input, "layer_norm")
    shape = normalized_shape_arg(normalized_shape, "layer_norm")
    k = len(shape)
    if tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise ShapeError(f"layer_norm: expected input of shape (*, {', '.join(map(str, shape))}) (ending with "
                         f"normalized_shape), got {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        _check_param(t, "layer_norm", name, shape, "normalized_shape")
    eps = V.real(eps, "layer_norm", "eps", low=0.0)
    params = [t for t in (weight, bias) if t is not None]
    return LayerNormOp.apply(input, *params, ndim=k, eps=eps, has_weight=weight is not None,
                             has_bias=bias is not None)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization (Wu & He, 2018): the C channels in ``num_groups`` groups, normalised per sample and group.

    .. math:: y_{n,c} = \\frac{x_{n,c} - \\mu_{n,g(c)}}{\\sqrt{\\sigma^2_{n,g(c)} + \\epsilon}}\\,\\gamma_c + \\beta_c

    μ and the biased σ² are over the C/G channels of group g and all their positions. The backward is one fused
    closed form (:class:`numnet.ops.normalization.GroupNormOp`).

    Args:
        input: a floating-point tensor ``(N, C, *)``.
        num_groups: G, an int >= 1 dividing C.
        weight: γ, a tensor ``(C,)``, or None.
        bias: β, a tensor ``(C,)``, or None.
        eps: added to the variance, >= 0. Default 1e-5.

    Shape:
        ``(N, C, *) → (N, C, *)``, same dtype.

    Raises:
        DTypeError: a tensor argument is not a floating-point tensor, or ``num_groups``/``eps`` is the wrong kind.
        ArgumentError: ``num_groups`` < 1 or does not divide C, or ``eps`` is negative or not finite.
        ShapeError: ``input`` has fewer than 2 dims, or ``weight``/``bias`` is not ``(C,)``.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.group_norm(numnet.tensor([[[1.0], [3.0], [4.0], [8.0]]]), 2, eps=0.0)[0, :, 0]
        tensor([-1.,  1., -1.,  1.])
    """
    V.float_tensor(input, "group_norm")
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    c = input.shape[1]
    g = V.integer(num_groups, "group_norm", "num_groups", minimum=1)
    if c % g:
        raise ArgumentError(V.expected("group_norm", "num_groups", f"a divisor of the {c} input channels",
                                       num_groups))
    for name, t in (("weight", weight), ("bias", bias)):
        _check_param(t, "group_norm", name, (c,), "one value per channel")
    eps = V.real(eps, "group_norm", "eps", low=0.0)
    params = [t for t in (weight, bias) if t is not None]
    return GroupNormOp.apply(input, *params, num_groups=g, eps=eps, has_weight=weight is not None,
                             has_bias=bias is not None)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None, bias: Tensor | None = None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalization (Ulyanov et al., 2016): each channel of each sample normalised over its positions.

    .. math:: y_{n,c} = \\frac{x_{n,c} - \\mu_{n,c}}{\\sqrt{\\sigma^2_{n,c} + \\epsilon}}\\,\\gamma_c + \\beta_c

    This is :func:`group_norm` with one group per channel (the same fused op).

    Deliberate difference: numnet supports only batch statistics (``use_input_stats=True``) and no running
    statistics; passing ``running_mean``/``running_var`` or ``use_input_stats=False`` raises ArgumentError.

    Args:
        input: a floating-point tensor ``(N, C, *)`` with at least one spatial dim.
        running_mean, running_var: must be None (see above).
        weight: γ, a tensor ``(C,)``, or None.
        bias: β, a tensor ``(C,)``, or None.
        use_input_stats: must be True.
        momentum: accepted and unused (it only affects running statistics).
        eps: added to the variance, >= 0. Default 1e-5.

    Shape:
        ``(N, C, *) → (N, C, *)``, same dtype.

    Raises:
        DTypeError, ShapeError, ArgumentError: as :func:`group_norm`; ArgumentError also for running statistics.

    Example:
        >>> import numnet, numnet.functional as F
        >>> F.instance_norm(numnet.tensor([[[1.0, 3.0], [0.0, 10.0]]]), eps=0.0)
        tensor([[[-1.,  1.],
                 [-1.,  1.]]])
    """
    V.float_tensor(input, "instance_norm")
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise ArgumentError("instance_norm: running statistics are not supported by numnet (expected "
                            "running_mean=None, running_var=None and use_input_stats=True)")
    if input.ndim < 3:
        raise ShapeError(f"instance_norm: expected input of shape (N, C, *) with at least one spatial dim, got "
                         f"{tuple(input.shape)}")
    V.real(momentum, "instance_norm", "momentum")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        _check_param(t, "instance_norm", name, (c,), "one value per channel")
    eps = V.real(eps, "instance_norm", "eps", low=0.0)
    params = [t for t in (weight, bias) if t is not None]
    return GroupNormOp.apply(input, *params, num_groups=c, eps=eps, has_weight=weight is not None,
                             has_bias=bias is not None)
