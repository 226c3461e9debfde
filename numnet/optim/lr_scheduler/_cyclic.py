"""Annealing schedules: cosine annealing and the 1cycle policy."""

from __future__ import annotations

import math
from typing import Sequence

from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.optim.lr_scheduler._base import (
    LRScheduler,
    _check_count,
    _check_number,
    _check_optimizer,
    _format_param,
)
from numnet.optim.optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "OneCycleLR"]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial rate :math:`\eta_{max}` down to ``eta_min`` over ``T_max`` epochs.

    .. math::
        \eta_t = \eta_{min} + \tfrac12(\eta_{max} - \eta_{min})\left(1 + \cos\tfrac{t\pi}{T_{max}}\right)

    computed, as in PyTorch, recursively from the previous rate:
    :math:`\eta_{t} = \eta_{min} + (\eta_{t-1} - \eta_{min}) \frac{1 + \cos(t\pi/T_{max})}{1 + \cos((t-1)\pi/T_{max})}`
    (so other changes to ``lr`` are respected), and past ``T_max`` it rises again (a cosine with period
    ``2 T_max``).

    Args:
        T_max: half-period, in epochs (a positive integer).
        eta_min: minimum rate (default 0).

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self._set_options(counts={"T_max": T_max}, numbers={"eta_min": eta_min})
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and t > 0:
            return [eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / T)) / 2 for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._lrs())]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (lr - eta_min) + eta_min
                for lr in self._lrs()]


class OneCycleLR(LRScheduler):
    r"""The 1cycle policy (Smith & Topin, 2017): warm the rate up to ``max_lr``, then anneal far below the start.

    The rate starts at ``max_lr / div_factor``, rises to ``max_lr`` over the first ``pct_start`` of the
    ``total_steps`` and falls to ``initial_lr / final_div_factor`` at the last step. Momentum (SGD's ``momentum``,
    or Adam's ``beta1``) moves the opposite way between ``max_momentum`` and ``base_momentum``. With
    ``three_phase=True`` the rate comes back down to ``initial_lr`` symmetrically before the final annealing.
    Each phase interpolates with ``'cos'`` (:math:`e + (s - e)(1 + \cos\pi p)/2`) or ``'linear'`` over the fraction
    :math:`p` of the phase done. Call ``step()`` after every batch.

    Args:
        max_lr: peak rate, one value or one per param group.
        total_steps: number of steps in the cycle; or give ``epochs`` and ``steps_per_epoch``.
        epochs, steps_per_epoch: ``total_steps = epochs * steps_per_epoch`` when ``total_steps`` is None.
        pct_start: fraction of the cycle spent warming up (default 0.3).
        anneal_strategy: ``'cos'`` (default) or ``'linear'``.
        cycle_momentum: also cycle momentum / beta1 (default True; needs an optimizer with ``momentum`` or
            ``betas``).
        base_momentum: lowest momentum, reached at the peak rate (default 0.85).
        max_momentum: highest momentum, at the start and end (default 0.95).
        div_factor: ``initial_lr = max_lr / div_factor`` (default 25).
        final_div_factor: ``min_lr = initial_lr / final_div_factor`` (default 1e4).
        three_phase: use the three-phase schedule (default False).
        last_epoch: index of the last batch when resuming (default -1).

    Raises:
        DTypeError: a count that is not an int, or a rate, factor or ``pct_start`` that is not a number.
        ArgumentError: neither ``total_steps`` nor ``epochs`` and ``steps_per_epoch``, non-positive counts,
            ``pct_start`` outside [0, 1], an unknown ``anneal_strategy``, a list with the wrong length,
            ``cycle_momentum`` with an optimizer that has no momentum, or stepping past ``total_steps``.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = numnet.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> round(sched.get_last_lr()[0], 12), opt.param_groups[0]['momentum']   # max_lr / div_factor
        (0.04, 0.95)
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85, max_momentum: float | Sequence[float] = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        name = "OneCycleLR"
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if total_steps is not None:
            _check_count(name, "total_steps", total_steps)
            self.total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            _check_count(name, "epochs", epochs)
            _check_count(name, "steps_per_epoch", steps_per_epoch)
            self.total_steps = int(epochs) * int(steps_per_epoch)
        else:
            raise ArgumentError(V.expected(name, "total_steps", "given, or epochs and steps_per_epoch both",
                                           got=f"total_steps={total_steps}, epochs={epochs}, "
                                               f"steps_per_epoch={steps_per_epoch}"))
        V.probability(pct_start, name, "pct_start")
        V.choice(anneal_strategy, name, "anneal_strategy", ("cos", "linear"))
        _check_number(name, "div_factor", div_factor)
        _check_number(name, "final_div_factor", final_div_factor)
        pct_start = float(pct_start)
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        self._anneal_func_type = anneal_strategy

        max_lrs = _format_param(name, optimizer, "max_lr", max_lr)
        if last_epoch == -1:
            for m, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = m / div_factor
                group["max_lr"] = m
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ArgumentError(f"{name}: optimizer must support momentum or beta1 with `cycle_momentum` "
                                    f"option enabled ({type(optimizer).__name__} has neither; pass "
                                    "cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentums = _format_param(name, optimizer, "max_momentum", max_momentum)
            base_momentums = _format_param(name, optimizer, "base_momentum", base_momentum)
            if last_epoch == -1:
                for m_mom, b_mom, group in zip(max_momentums, base_momentums, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (m_mom, *group["betas"][1:])
                    else:
                        group["momentum"] = m_mom
                    group["max_momentum"] = m_mom
                    group["base_momentum"] = b_mom
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _annealing_cos(start: float, end: float, pct: float) -> float:
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    @staticmethod
    def _annealing_linear(start: float, end: float, pct: float) -> float:
        return (end - start) * pct + start

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return self._annealing_cos(start, end, pct)
        return self._annealing_linear(start, end, pct)

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ArgumentError(f"OneCycleLR: Tried to step {step_num} times. The specified number of total steps "
                                f"is {self.total_steps}")
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == last:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs
