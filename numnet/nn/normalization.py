"""Normalization layers: :class:`BatchNorm1d`, :class:`BatchNorm2d` (math on :func:`numnet.functional.batch_norm`),
:class:`LayerNorm`, :class:`GroupNorm`, :class:`InstanceNorm1d`, :class:`InstanceNorm2d` (math on
:func:`numnet.functional.layer_norm`, :func:`~numnet.functional.group_norm`,
:func:`~numnet.functional.instance_norm`)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import numnet.functional as F
from numnet.nn import init
from numnet import _validation as V
from numnet.device import as_device
from numnet.errors import ArgumentError
from numnet.functional.normalization import normalized_shape_arg, sync_batch_norm
from numnet.nn._utils import check_input
from numnet.nn.module import Module, Parameter
from numnet.tensor import Tensor

__all__ = ["BatchNorm1d", "BatchNorm2d", "SyncBatchNorm", "LayerNorm", "GroupNorm", "InstanceNorm1d",
           "InstanceNorm2d"]


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d; subclasses set ``_layout`` and ``_ok`` (the accepted input shapes)."""

    _layout = "(N, C, *)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = V.integer(num_features, name, "num_features", minimum=1)
        self.eps = V.real(eps, name, "eps", low=0.0, low_open=True)
        self.momentum = None if momentum is None else V.real(momentum, name, "momentum", 0.0, 1.0)
        self.affine = V.boolean(affine, name, "affine")
        self.track_running_stats = V.boolean(track_running_stats, name, "track_running_stats")
        V.boolean(bias, name, "bias")
        dt = V.float_dtype(dtype, name)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dt))
        else:
            self.register_parameter("weight", None)
        if self.affine and bias:
            self.bias = Parameter(np.zeros(c, dtype=dt))
        else:
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype=dt)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype=dt)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self) -> None:
        """Running statistics reset; γ = 1, β = 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _ok(self, shape: tuple[int, ...]) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Batch statistics while training (running statistics updated in place, ``num_batches_tracked`` += 1);
        running statistics in evaluation mode, or batch statistics if ``track_running_stats=False``."""
        if not (isinstance(input, Tensor) and self._ok(input._data.shape)):  # the message built only for an error
            check_input(input, self._layout.format(c=self.num_features), self._ok)
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:  # cumulative moving average over the batches seen
            factor = 1.0 / (int(self.num_batches_tracked._data) + 1)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        out = self._batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                               use_batch_stats, factor)
        if counting:  # after the call, so a rejected batch is not counted
            self.num_batches_tracked._data[...] += 1
        return out

    def _batch_norm(self, input: Tensor, mean: Any, var: Any, training: bool, momentum: float) -> Tensor:  # noqa: A002
        """The normalization itself (SyncBatchNorm reduces the statistics over the ranks here)."""
        return F.batch_norm(input, mean, var, self.weight, self.bias, training, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over ``(N, C)`` or ``(N, C, L)`` inputs, per channel C.

    ``y = (x − μ) / √(σ² + eps) · γ + β``: batch mean and biased variance while training (running averages
    updated with ``momentum``, or a cumulative average if ``momentum=None``), the running ones in ``eval()`` mode.

    Args:
        num_features: C.
        eps: added to the variance. Default 1e-5.
        momentum: weight of each new batch in the running statistics; None for a cumulative average. Default 0.1.
        affine: learn γ (``weight``, ones) and β (``bias``, zeros). Default True.
        bias: (keyword-only, as in PyTorch 2.13) with ``affine``, also learn β; False keeps only γ. Default True.
        track_running_stats: keep ``running_mean``, ``running_var`` and ``num_batches_tracked`` buffers; if False
            batch statistics are used in both modes. Default True.
        dtype: parameter and running-statistics dtype, float32 by default.

    Shape:
        ``(N, C) → (N, C)`` or ``(N, C, L) → (N, C, L)``.
    """

    _layout = "(N, {c}) or (N, {c}, L)"

    def _ok(self, shape: tuple[int, ...]) -> bool:
        return len(shape) in (2, 3) and shape[1] == self.num_features


class BatchNorm2d(_BatchNorm):
    """Batch normalization over ``(N, C, H, W)`` inputs, per channel C (statistics over N, H, W).

    Arguments as :class:`BatchNorm1d`.

    Shape:
        ``(N, C, H, W) → (N, C, H, W)``.

    >>> from numnet import nn
    >>> nn.BatchNorm2d(16)
    BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """

    _layout = "(N, {c}, H, W)"

    def _ok(self, shape: tuple[int, ...]) -> bool:
        return len(shape) == 4 and shape[1] == self.num_features


def _affine_params(layer: Module, shape: Any, affine: bool, bias: bool, dt: np.dtype) -> None:
    """γ (ones) as ``weight`` if ``affine``, β (zeros) as ``bias`` if ``affine and bias``; else None."""
    if affine:
        layer.weight = Parameter(np.ones(shape, dtype=dt))
    else:
        layer.register_parameter("weight", None)
    if affine and bias:
        layer.bias = Parameter(np.zeros(shape, dtype=dt))
    else:
        layer.register_parameter("bias", None)


def _reset_affine(layer: Module) -> None:
    if layer.weight is not None:
        init.ones_(layer.weight)
    if layer.bias is not None:
        init.zeros_(layer.bias)



class SyncBatchNorm(_BatchNorm):
    """BatchNorm whose training statistics are those of the global batch over all MPI ranks (PyTorch's name).

    Under :class:`~numnet.distributed.DistributedDataParallel`, plain BatchNorm normalizes each rank's batch by its
    own statistics (as in PyTorch). SyncBatchNorm sums Σx, Σ(x − μ)² and the counts over the ranks in forward, and
    Σĝ, Σĝ·x̂ in backward (:class:`numnet.ops.normalization.SyncBatchNormOp`). Training on R ranks then matches
    BatchNorm over the concatenated global batch, running statistics included. In eval mode, or alone (one rank), it is
    exactly BatchNorm. Inputs ``(N, C)`` to ``(N, C, D, H, W)``.

    Args:
        num_features, eps, momentum, affine, track_running_stats: as :class:`BatchNorm2d`.
        process_group: the :class:`numnet.distributed.Comm` to reduce over (default: every rank of ``mpirun``).

    Example:
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)      # doctest: +SKIP
    """

    _layout = "(N, {c}, *)"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, process_group: Any = None, dtype: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)
        object.__setattr__(self, "process_group", process_group)

    def _ok(self, shape: tuple[int, ...]) -> bool:
        return 2 <= len(shape) <= 5 and shape[1] == self.num_features

    def _batch_norm(self, input: Tensor, mean: Any, var: Any, training: bool, momentum: float) -> Tensor:  # noqa: A002
        """BatchNorm's call, with the batch statistics of all ranks while training."""
        from numnet.distributed._comm import get_comm

        comm = self.process_group if self.process_group is not None else get_comm()
        return sync_batch_norm(input, mean, var, self.weight, self.bias, training, momentum, self.eps, comm)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm1d/2d (at any depth) replaced by a SyncBatchNorm holding the same
        parameters, buffers, options and mode; a BatchNorm given directly comes back as a new SyncBatchNorm."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            new = cls(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats,
                      process_group)
            for name in ("weight", "bias"):
                p = getattr(module, name)
                if p is not None:
                    setattr(new, name, p)
                elif name in new._parameters:
                    new.register_parameter(name, None)
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                if getattr(module, name, None) is not None:
                    setattr(new, name, getattr(module, name))
            new.train(module.training)
            return new
        for name, child in list(module._modules.items()):
            if child is not None:
                converted = cls.convert_sync_batchnorm(child, process_group)
                if converted is not child:
                    module._modules[name] = converted
        return module

class LayerNorm(Module):
    """Layer normalization over the trailing ``normalized_shape`` dims of each sample (see
    :func:`numnet.functional.layer_norm`): ``y = (x − E[x]) / √(Var[x] + eps) · γ + β``.

    Args:
        normalized_shape: an int or a sequence of ints, the last dims of the input.
        eps: added to the variance. Default 1e-5.
        elementwise_affine: learn γ (``weight``, ones) and β (``bias``, zeros) of shape ``normalized_shape``.
            Default True.
        bias: with ``elementwise_affine``, also learn β. Default True.
        device: the CPU only (numnet's one device).
        dtype: parameter dtype, float32 by default.

    Shape:
        ``(*, *normalized_shape) → same``.

    >>> import numnet
    >>> from numnet import nn
    >>> ln = nn.LayerNorm(4)
    >>> ln
    LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> ln(numnet.zeros(2, 3, 4)).shape
    (2, 3, 4)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        as_device(device, "LayerNorm")
        self.normalized_shape = normalized_shape_arg(normalized_shape, "LayerNorm")
        self.eps = V.real(eps, "LayerNorm", "eps", low=0.0)
        self.elementwise_affine = V.boolean(elementwise_affine, "LayerNorm", "elementwise_affine")
        _affine_params(self, self.normalized_shape, self.elementwise_affine, V.boolean(bias, "LayerNorm", "bias"),
                       V.float_dtype(dtype, "LayerNorm"))

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        k = len(self.normalized_shape)
        layout = "(*, " + ", ".join(map(str, self.normalized_shape)) + ")"
        check_input(input, layout, lambda s: len(s) >= k and tuple(s[len(s) - k:]) == self.normalized_shape)
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalization: the channels in ``num_groups`` groups, each normalised per sample (see
    :func:`numnet.functional.group_norm`), then a per-channel γ, β.

    Args:
        num_groups: G, dividing ``num_channels``.
        num_channels: C.
        eps: added to the variance. Default 1e-5.
        affine: learn γ (``weight``, ones) and β (``bias``, zeros), each ``(C,)``. Default True.
        device: the CPU only (numnet's one device).
        bias: (keyword-only) with ``affine``, also learn β. Default True.
        dtype: parameter dtype, float32 by default.

    Shape:
        ``(N, C, *) → (N, C, *)``.

    >>> from numnet import nn
    >>> nn.GroupNorm(2, 6)
    GroupNorm(2, 6, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        as_device(device, "GroupNorm")
        self.num_groups = V.integer(num_groups, "GroupNorm", "num_groups", minimum=1)
        self.num_channels = V.integer(num_channels, "GroupNorm", "num_channels", minimum=1)
        if self.num_channels % self.num_groups:
            raise ArgumentError(V.expected("GroupNorm", "num_channels", f"divisible by num_groups={self.num_groups}",
                                           num_channels))
        self.eps = V.real(eps, "GroupNorm", "eps", low=0.0)
        self.affine = V.boolean(affine, "GroupNorm", "affine")
        _affine_params(self, self.num_channels, self.affine, V.boolean(bias, "GroupNorm", "bias"),
                       V.float_dtype(dtype, "GroupNorm"))

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        c = self.num_channels
        check_input(input, f"(N, {c}, *)", lambda s: len(s) >= 2 and s[1] == c)
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(Module):
    """Shared by InstanceNorm1d/2d; subclasses set ``_spatial`` (1 or 2) and ``_layout``."""

    _spatial = 2
    _layout = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        as_device(device, name)
        self.num_features = V.integer(num_features, name, "num_features", minimum=1)
        self.eps = V.real(eps, name, "eps", low=0.0)
        self.momentum = None if momentum is None else V.real(momentum, name, "momentum", 0.0, 1.0)
        self.affine = V.boolean(affine, name, "affine")
        self.track_running_stats = V.boolean(track_running_stats, name, "track_running_stats")
        if self.track_running_stats:
            raise ArgumentError(V.expected(name, "track_running_stats", "False (numnet's instance norm keeps no "
                                           "running statistics)", track_running_stats))
        _affine_params(self, self.num_features, self.affine, V.boolean(bias, name, "bias"), V.float_dtype(dtype, name))

    def reset_parameters(self) -> None:
        """γ = 1, β = 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        c, k = self.num_features, self._spatial
        check_input(input, self._layout.format(c=c),
                    lambda s: len(s) in (k + 1, k + 2) and s[len(s) - k - 1] == c)
        if input.ndim == k + 1:  # unbatched (C, *): one sample
            return F.instance_norm(input.unsqueeze(0), weight=self.weight, bias=self.bias,
                                   eps=self.eps).reshape(input.shape)
        return F.instance_norm(input, weight=self.weight, bias=self.bias, eps=self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of ``(N, C, L)`` or ``(C, L)`` inputs: each channel of each sample over its
    positions (see :func:`numnet.functional.instance_norm`).

    Args:
        num_features: C.
        eps: added to the variance. Default 1e-5.
        momentum: accepted and stored (it only matters with running statistics). Default 0.1.
        affine: learn γ and β per channel. Default False, as in PyTorch.
        track_running_stats: must be False (the default): a deliberate difference, numnet keeps no running
            statistics for instance norm, so ``eval()`` changes nothing.
        device: the CPU only (numnet's one device).
        bias: (keyword-only) with ``affine``, also learn β. Default True.
        dtype: parameter dtype, float32 by default.
    """

    _spatial = 1
    _layout = "(N, {c}, L) or ({c}, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)`` or ``(C, H, W)`` inputs (arguments as :class:`InstanceNorm1d`).

    >>> from numnet import nn
    >>> nn.InstanceNorm2d(3)
    InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    _spatial = 2
    _layout = "(N, {c}, H, W) or ({c}, H, W)"
