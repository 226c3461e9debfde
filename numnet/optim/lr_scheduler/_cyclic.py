"""Annealing and cyclical schedules: cosine annealing (with warm restarts), the 1cycle policy, cyclical rates."""

from __future__ import annotations

import math
import types
from functools import partial
from typing import Any, Callable, Sequence

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

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "CyclicLR"]


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

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    r"""SGDR (Loshchilov & Hutter, 2017): cosine annealing that restarts at the initial rate every :math:`T_i`
    epochs, with :math:`T_0` given and :math:`T_{i+1} = T_{mult}\,T_i`:

    .. math::
        \eta_t = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})\left(1 + \cos\frac{T_{cur}\,\pi}{T_i}\right)

    where :math:`T_{cur}` counts the epochs since the last restart. ``step(epoch)`` accepts a fractional epoch
    (``epoch + i / iters`` inside an epoch) and jumps there, as PyTorch does.

    Args:
        T_0: length of the first period, in epochs (a positive integer).
        T_mult: growth factor of the period after each restart (an int >= 1, default 1).
        eta_min: minimum rate (default 0).

    Raises:
        DTypeError: T_0 or T_mult not an int, eta_min or ``step``'s epoch not a number.
        ArgumentError: T_0 < 1, T_mult < 1, or a negative epoch given to ``step``.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
        >>> lrs
        [1.0, 0.5, 1.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        name = "CosineAnnealingWarmRestarts"
        _check_count(name, "T_0", T_0)
        _check_count(name, "T_mult", T_mult)
        _check_number(name, "eta_min", eta_min)
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or jump to ``epoch`` (may be fractional, e.g. ``epoch + batch / batches``)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            V.real(epoch, "CosineAnnealingWarmRestarts.step", "epoch", low=0.0)
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._lrs()


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


class CyclicLR(LRScheduler):
    r"""Cyclical learning rates (Smith, 2017): the rate goes from ``base_lr`` up to ``max_lr`` in ``step_size_up``
    steps and back down in ``step_size_down``, over and over; call ``step()`` after every batch.

    With :math:`c = \lfloor 1 + t/S \rfloor` (the cycle, :math:`S` = up + down steps), :math:`x = 1 + t/S - c`
    and :math:`r` = up / :math:`S`, the height is :math:`h = x/r` while rising and :math:`(x-1)/(r-1)` while
    falling, and

    .. math::
        \eta_t = \eta_{base} + (\eta_{max} - \eta_{base})\, h\, s(\cdot), \qquad
        m_t = m_{max} - (m_{max} - m_{base})\, h\, s(\cdot)

    where :math:`s` is the scale function of :math:`c` (``scale_mode='cycle'``) or :math:`t` (``'iterations'``):
    1 for ``'triangular'``, :math:`1/2^{c-1}` for ``'triangular2'``, :math:`\gamma^t` for ``'exp_range'``, or the
    given ``scale_fn``. With ``cycle_momentum`` the momentum (SGD's ``momentum``, Adam's ``beta1``) moves the
    other way.

    Args:
        base_lr: lower rate, one value or one per param group (it replaces each group's ``lr``).
        max_lr: upper rate, one value or one per param group.
        step_size_up: steps in the rising half (default 2000).
        step_size_down: steps in the falling half (default: ``step_size_up``).
        mode: ``'triangular'`` (default), ``'triangular2'`` or ``'exp_range'``; ignored when ``scale_fn`` is given.
        gamma: the base of ``'exp_range'`` (default 1.0).
        scale_fn: a custom function of one argument, with values in [0, 1].
        scale_mode: ``'cycle'`` (default) or ``'iterations'``, the argument given to ``scale_fn``.
        cycle_momentum: also cycle momentum / beta1 (default True).
        base_momentum: lower momentum (default 0.8), reached at the peak rate.
        max_momentum: upper momentum (default 0.9).

    ``state_dict()`` keeps the ``__dict__`` of a callable-object ``scale_fn``, not a plain function (as PyTorch).

    Raises:
        DTypeError: a rate, momentum, gamma or step count that is not a number; a scale_fn that is not callable.
        ArgumentError: a non-positive step count, an unknown mode (without scale_fn) or scale_mode, a list with
            the wrong length, or ``cycle_momentum`` with an optimizer that has no momentum.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
        >>> sched = numnet.optim.lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
        >>> lrs = []
        >>> for batch in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
        >>> lrs
        [0.1, 0.3, 0.5, 0.3, 0.1]
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | Sequence[float], max_lr: float | Sequence[float],
                 step_size_up: int = 2000, step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None, scale_mode: str = "cycle",
                 cycle_momentum: bool = True, base_momentum: float | Sequence[float] = 0.8,
                 max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1) -> None:
        name = "CyclicLR"
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        base_lrs = _format_param(name, optimizer, "base_lr", base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _format_param(name, optimizer, "max_lr", max_lr)
        V.real(step_size_up, name, "step_size_up", low=0.0, low_open=True)
        if step_size_down is not None:
            V.real(step_size_down, name, "step_size_down", low=0.0, low_open=True)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None:
            V.choice(mode, name, "mode", ("triangular", "triangular2", "exp_range"))
        else:
            V.function(scale_fn, name, "scale_fn")
        V.choice(scale_mode, name, "scale_mode", ("cycle", "iterations"))
        _check_number(name, "gamma", gamma)
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ArgumentError(f"{name}: optimizer must support momentum or beta1 with `cycle_momentum` "
                                    f"option enabled ({type(optimizer).__name__} has neither; pass "
                                    "cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _format_param(name, optimizer, "base_momentum", base_momentum)
            self.max_momentums = _format_param(name, optimizer, "max_momentum", max_momentum)
            if last_epoch == -1:
                for m_mom, b_mom, group in zip(self.max_momentums, self.base_momentums, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (m_mom, *group["betas"][1:])
                    else:
                        group["momentum"] = m_mom
                    group["max_momentum"] = m_mom
                    group["base_momentum"] = b_mom
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self) -> None:
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref = self._triangular_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = self._triangular2_scale_fn
            self.scale_mode = "cycle"
        else:
            self._scale_fn_ref = partial(self._exp_range_scale_fn, self.gamma)
            self.scale_mode = "iterations"

    def scale_fn(self, x: float) -> float:
        """The scale factor at ``x`` (a cycle number or an iteration, after ``scale_mode``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        return 1 / (2.0 ** (x - 1))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        return gamma ** x

    def get_lr(self) -> list[float]:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        arg = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = [base + (top - base) * scale_factor * self.scale_fn(arg) for base, top in zip(self.base_lrs,
                                                                                              self.max_lrs)]
        if self.cycle_momentum:
            for group, b_mom, m_mom in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                momentum = m_mom - (m_mom - b_mom) * scale_factor * self.scale_fn(arg)
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As torch: the scale function is not saved, only a callable object's ``__dict__``."""
        fn = self._scale_fn_custom
        saved = {k: v for k, v in self.__dict__.items() if k in ("_scale_fn_ref", "_scale_fn_custom")}
        for k in saved:
            del self.__dict__[k]
        try:
            state = super().state_dict()
        finally:
            self.__dict__.update(saved)
        state["_scale_fn_custom"] = (dict(fn.__dict__) if fn is not None and not isinstance(fn, types.FunctionType)
                                     else None)
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        fn = state_dict.pop("_scale_fn_custom", None)
        super().load_state_dict(state_dict)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)
        self._init_scale_fn()
