"""Schedulers made of other schedulers: SequentialLR (one after another) and ChainedScheduler (all at once)."""

from __future__ import annotations

from bisect import bisect_right
from typing import Any, Sequence

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.optim.lr_scheduler._base import LRScheduler, _check_count, _check_optimizer, _to_plain
from numnet.optim.lr_scheduler._plateau import ReduceLROnPlateau
from numnet.optim.optimizer import Optimizer

__all__ = ["SequentialLR", "ChainedScheduler"]


def _check_schedulers(name: str, schedulers: Any, optimizer: Optimizer | None) -> list[LRScheduler]:
    if not isinstance(schedulers, (list, tuple)):
        raise DTypeError(V.expected(name, "schedulers", "a list of schedulers", got=type(schedulers).__name__))
    if len(schedulers) < 1:
        raise ArgumentError(f"{name}: expects at least one scheduler, but got no scheduler")
    optimizer = optimizer if optimizer is not None else getattr(schedulers[0], "optimizer", None)
    for i, s in enumerate(schedulers):
        if isinstance(s, ReduceLROnPlateau):
            raise ArgumentError(f"{name}: does not support ReduceLROnPlateau (its step needs a metric), but got one "
                                f"at index {i} of schedulers")
        if not isinstance(s, LRScheduler):
            raise DTypeError(V.expected(name, f"schedulers[{i}]", "a learning-rate scheduler",
                                        got=type(s).__name__))
        if s.optimizer is not optimizer:
            raise ArgumentError(f"{name}: expects all schedulers to belong to the same optimizer, but scheduler "
                                f"{type(s).__name__} at index {i} has a different one")
    return list(schedulers)


class _Composite(LRScheduler):
    """Checkpoints of a scheduler of schedulers: its own attributes plus ``_schedulers``, one state dict each."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        state = {k: _to_plain(v) for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "_schedulers" not in state_dict:
            raise ArgumentError(f"{name}: expected a dict with a '_schedulers' list, got "
                                f"{sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__}")
        saved = state_dict["_schedulers"]
        if len(saved) != len(self._schedulers):
            raise ArgumentError(f"{name}: the state dict has {len(saved)} schedulers but this {type(self).__name__} "
                                f"has {len(self._schedulers)}")
        super().load_state_dict({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


class SequentialLR(_Composite):
    r"""Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` (restarted from its epoch 0), and so on.

    At a milestone the next scheduler jumps to its epoch 0 with its closed form (PyTorch's ``_update_lr(0)``), so a
    warm-up such as ``LinearLR`` followed by ``CosineAnnealingLR`` gives exactly PyTorch's sequence.

    Args:
        schedulers: the schedulers, all built on ``optimizer`` (not ReduceLROnPlateau).
        milestones: the epochs at which to switch, one fewer than the schedulers, increasing.

    Raises:
        DTypeError: ``optimizer`` is not an Optimizer, or an entry of ``schedulers`` is not a scheduler.
        ArgumentError: no schedulers, a ReduceLROnPlateau, a scheduler of another optimizer, or the wrong number
            of milestones.

    Example:
        >>> import numnet.optim
        >>> from numnet.optim import lr_scheduler as S
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> warm = S.LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> decay = S.ExponentialLR(opt, gamma=0.5)
        >>> sched = S.SequentialLR(opt, [warm, decay], milestones=[2])
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler], milestones: Sequence[int],
                 last_epoch: int = -1) -> None:
        name = "SequentialLR"
        _check_optimizer(name, optimizer)
        schedulers = _check_schedulers(name, schedulers, optimizer)
        if not isinstance(milestones, (list, tuple)):
            raise DTypeError(V.expected(name, "milestones", "a list of ints", got=type(milestones).__name__))
        milestones = list(milestones)
        if len(milestones) != len(schedulers) - 1:
            raise ArgumentError(f"{name}: expects number of schedulers provided to be one more than the number of "
                                f"milestone points, but got number of schedulers {len(schedulers)} and the number "
                                f"of milestones to be equal to {len(milestones)}")
        for i, m in enumerate(milestones):
            _check_count(name, f"milestones[{i}]", m, minimum=0)
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo the schedulers' own initial steps, as torch does
            group["lr"] = group["initial_lr"]
        for s in schedulers:
            self._undo(s)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    @classmethod
    def _undo(cls, scheduler: LRScheduler) -> None:
        if isinstance(scheduler, _Composite):
            for s in scheduler._schedulers:
                cls._undo(s)
        else:
            scheduler.last_epoch -= 1

    def get_lr(self) -> list[float]:
        return self._lrs()

    def step(self) -> None:
        """Advance one epoch with the scheduler whose span holds it."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Composite):
    r"""Step every scheduler in ``schedulers`` at each ``step()``, so their (chainable) changes multiply.

    Args:
        schedulers: the schedulers, all built on the same optimizer (not ReduceLROnPlateau).
        optimizer: that optimizer (default: the first scheduler's).

    Raises:
        DTypeError: an entry of ``schedulers`` is not a scheduler.
        ArgumentError: no schedulers, a ReduceLROnPlateau, or schedulers of different optimizers.

    Example:
        >>> import numnet.optim
        >>> from numnet.optim import lr_scheduler as S
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=2), S.ExponentialLR(opt, 0.5)])
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Optimizer | None = None) -> None:
        name = "ChainedScheduler"
        if optimizer is not None:
            _check_optimizer(name, optimizer)
        schedulers = _check_schedulers(name, schedulers, optimizer)
        self._schedulers = schedulers
        self.optimizer = optimizer if optimizer is not None else schedulers[0].optimizer
        self._last_lr = self._lrs()

    def get_lr(self) -> list[float]:
        return self._lrs()

    def step(self) -> None:
        """Step every scheduler once, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = self._lrs()
