"""Step-type schedules: the rate is multiplied by ``gamma`` at chosen epochs (StepLR, MultiStepLR, ExponentialLR),
or by a factor over the first ``total_iters`` epochs (ConstantLR, LinearLR, PolynomialLR)."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from typing import Any, Iterable

from numnet import _validation as V
from numnet._validation import expected
from numnet.errors import DTypeError
from numnet.optim.lr_scheduler._base import LRScheduler, _check_count
from numnet.optim.optimizer import Optimizer

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "ConstantLR", "LinearLR", "PolynomialLR"]


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

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


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
        if not isinstance(milestones, (list, tuple, range, set, frozenset)):
            raise DTypeError(expected("MultiStepLR", "milestones", "a sequence of ints", milestones))
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

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch) for base in self.base_lrs]

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

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class ConstantLR(LRScheduler):
    r"""Multiply the rate by ``factor`` until epoch ``total_iters``, then restore it:
    :math:`\eta_t = \eta_0 \cdot (\text{factor if } t < \text{total\_iters else } 1)` (PyTorch's recursive form).

    Args:
        factor: the constant factor, in [0, 1] (default 1/3).
        total_iters: the number of epochs the factor applies (default 5).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.9)
        >>> sched = numnet.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.45, 0.45, 0.9, 0.9]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        V.real(factor, "ConstantLR", "factor", 0.0, 1.0)
        _check_count("ConstantLR", "total_iters", total_iters, minimum=0)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self.last_epoch != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    r"""Change the rate linearly from ``start_factor`` to ``end_factor`` times the initial rate over ``total_iters``
    epochs, then keep it: :math:`\eta_t = \eta_0 (s + (e - s)\min(t, T)/T)`, computed recursively as PyTorch does.

    Args:
        start_factor: factor at epoch 0, in (0, 1] (default 1/3).
        end_factor: factor from epoch ``total_iters`` on, in [0, 1] (default 1.0).
        total_iters: the number of epochs of the ramp (default 5).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
        >>> lrs = []
        >>> for epoch in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        V.real(start_factor, "LinearLR", "start_factor", 0.0, 1.0, low_open=True)
        V.real(end_factor, "LinearLR", "end_factor", 0.0, 1.0)
        _check_count("LinearLR", "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        s, e, t = self.start_factor, self.end_factor, self.last_epoch
        return [lr * (1.0 + (e - s) / (self.total_iters * s + (t - 1) * (e - s))) for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        s, e = self.start_factor, self.end_factor
        return [base * (s + (e - s) * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    r"""Decay the rate to 0 over ``total_iters`` epochs with a polynomial of degree ``power``:
    :math:`\eta_t = \eta_0 (1 - \min(t, T)/T)^p`, computed recursively as PyTorch does.

    Args:
        total_iters: the number of epochs of the decay (default 5).
        power: the degree :math:`p` (default 1.0).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.PolynomialLR(opt, total_iters=4)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self._set_options(counts={"total_iters": total_iters}, numbers={"power": power})
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        t, T = self.last_epoch, self.total_iters
        decay = ((1.0 - t / T) / (1.0 - (t - 1) / T)) ** self.power
        return [lr * decay for lr in self._lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base in self.base_lrs]
