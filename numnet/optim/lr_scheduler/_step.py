"""Step-type schedules: the rate is multiplied by ``gamma`` at chosen epochs (StepLR, MultiStepLR, ExponentialLR)."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from numnet.optim.lr_scheduler._base import LRScheduler, _check_count
from numnet.optim.optimizer import Optimizer

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR"]


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs: :math:`\eta_t = \eta_0\,\gamma^{\lfloor t / s
    \rfloor}`.

    Args:
        step_size: period of decay, in epochs (a positive integer).
        gamma: multiplicative factor (default 0.1).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self._set_options(counts={"step_size": step_size}, numbers={"gamma": gamma})
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each milestone epoch:
    :math:`\eta_t = \eta_0\,\gamma^{\#\{m \in \text{milestones}: m \le t\}}`.

    Args:
        milestones: epoch indices (a milestone listed twice decays twice).
        gamma: multiplicative factor (default 0.1).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        milestones = list(milestones)
        for i, m in enumerate(milestones):
            _check_count("MultiStepLR", f"milestones[{i}]", m, minimum=0)
        self.milestones = Counter(int(m) for m in milestones)
        self._set_options(numbers={"gamma": gamma})
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]

    def _from_plain(self, key: str, value: Any) -> Any:
        return Counter(value) if key == "milestones" else value


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: :math:`\eta_t = \eta_0\,\gamma^t`.

    Args:
        gamma: multiplicative factor.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self._set_options(numbers={"gamma": gamma})
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]
