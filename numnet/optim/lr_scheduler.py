"""Learning-rate schedulers with ``torch.optim.lr_scheduler``'s names, arguments and exact values.

Call ``scheduler.step()`` once per epoch (or per batch for :class:`OneCycleLR`) *after* ``optimizer.step()``.
Each scheduler writes the new rate into every ``optimizer.param_groups[i]['lr']``; ``get_last_lr()`` returns them.
Chainable schedulers use PyTorch's recursive formulas (each value computed from the group's current ``lr``), so the
sequences agree with PyTorch's to the last bit.

``state_dict()`` holds only plain Python values (numbers, strings, lists, dicts), ready for JSON.

Note:
    PyTorch's deprecated ``step(epoch)`` argument and its warnings about calling ``scheduler.step()`` before
    ``optimizer.step()`` are not implemented.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from typing import Any, Iterable, Sequence

from numnet.errors import ArgumentError, DTypeError
from numnet.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR",
           "ReduceLROnPlateau"]


def _check_optimizer(name: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise DTypeError(f"{name}: {type(optimizer).__name__} is not an Optimizer")


def _check_positive_int(name: str, option: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ArgumentError(f"{name}: expected a positive integer {option}, but got {value!r}")


def _check_number(name: str, option: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise DTypeError(f"{name}: {option} must be a real number, got {type(value).__name__} {value!r}")


def _format_param(name: str, optimizer: Optimizer, option: str, value: Any) -> list[Any]:
    """One value per param group: a scalar is repeated, a list must have one entry per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ArgumentError(f"{name}: {option} must have the same length as optimizer.param_groups. {option} "
                                f"has {len(value)} values, param_groups has {n}.")
        values = list(value)
    else:
        values = [value] * n
    for v in values:
        _check_number(name, option, v)
    return values


def _to_plain(value: Any) -> Any:
    if isinstance(value, Counter):
        return sorted(value.elements())
    if isinstance(value, (list, tuple)):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    if hasattr(value, "item") and not isinstance(value, (int, float, str, bool)):
        return value.item()  # NumPy scalar
    return value


class LRScheduler:
    """Base class of the epoch-indexed schedulers (like ``torch.optim.lr_scheduler.LRScheduler``).

    The constructor stores each group's starting rate as ``group['initial_lr']`` (``base_lrs``) and takes one
    initial step, which sets ``last_epoch`` to 0. Each ``step()`` increments ``last_epoch``, asks ``get_lr()`` for
    the new rates and writes them into the optimizer.

    Args:
        optimizer: the wrapped optimizer.
        last_epoch: index of the last epoch when resuming (default -1: start fresh). Resuming needs
            ``'initial_lr'`` in every param group, as a loaded optimizer state dict has.

    Raises:
        DTypeError: ``optimizer`` is not a numnet Optimizer.
        ArgumentError: resuming (``last_epoch >= 0``) without ``'initial_lr'`` in a param group.
    """

    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ArgumentError(f"{name}: param 'initial_lr' is not specified in param_groups[{i}] when "
                                        f"resuming scheduler with last_epoch={last_epoch} >= 0 (load the "
                                        "optimizer's state dict first, or use last_epoch=-1)")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial  # back to the class attribute False, so it stays out of state_dict

    def get_lr(self) -> list[float]:
        """The rates for the current ``last_epoch`` (called by :meth:`step`; use :meth:`get_last_lr` to read)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def get_last_lr(self) -> list[float]:
        """The learning rate of every param group as last set by this scheduler."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch (or batch) and write the new rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        values = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer, as plain Python values (ready for JSON)."""
        return {k: _to_plain(v) for k, v in self.__dict__.items() if k != "optimizer"}

    def _from_plain(self, key: str, value: Any) -> Any:
        """Undo :func:`_to_plain` for attributes that are not plain (subclasses override)."""
        return value

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict`.

        Raises:
            ArgumentError: not a dict, or keys this scheduler does not have (e.g. saved from another scheduler).
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise ArgumentError(f"{name}: expected a dict, got {type(state_dict).__name__}")
        unknown = sorted(set(state_dict) - set(self.__dict__) - {"optimizer"})
        if unknown:
            raise ArgumentError(f"{name}: unexpected keys {unknown}; was the state dict saved from another "
                                "scheduler?")
        for k, v in state_dict.items():
            if k != "optimizer":
                self.__dict__[k] = self._from_plain(k, _to_plain(v))


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs: :math:`\eta_t = \eta_0\,\gamma^{\lfloor t / s
    \rfloor}`.

    Args:
        optimizer: the wrapped optimizer.
        step_size: period of decay, in epochs (a positive integer).
        gamma: multiplicative factor (default 0.1).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ArgumentError: ``step_size`` is not a positive integer.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        _check_positive_int("StepLR", "step_size", step_size)
        _check_number("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class MultiStepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` at each milestone epoch:
    :math:`\eta_t = \eta_0\,\gamma^{\#\{m \in \text{milestones}: m \le t\}}`.

    Args:
        optimizer: the wrapped optimizer.
        milestones: epoch indices (a milestone listed twice decays twice).
        gamma: multiplicative factor (default 0.1).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ArgumentError: a milestone that is not a non-negative integer.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=1.0)
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
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
                raise ArgumentError(f"MultiStepLR: milestones must be non-negative integers, got {milestones}")
        _check_number("MultiStepLR", "gamma", gamma)
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = gamma
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
        optimizer: the wrapped optimizer.
        gamma: multiplicative factor.
        last_epoch: see :class:`LRScheduler`.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _check_number("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial rate :math:`\eta_{max}` down to ``eta_min`` over ``T_max`` epochs.

    .. math::
        \eta_t = \eta_{min} + \tfrac12(\eta_{max} - \eta_{min})\left(1 + \cos\tfrac{t\pi}{T_{max}}\right)

    computed, as in PyTorch, recursively from the previous rate:
    :math:`\eta_{t} = \eta_{min} + (\eta_{t-1} - \eta_{min}) \frac{1 + \cos(t\pi/T_{max})}{1 + \cos((t-1)\pi/T_{max})}`
    (so other changes to ``lr`` are respected), and past ``T_max`` it rises again (a cosine with period
    ``2 T_max``).

    Args:
        optimizer: the wrapped optimizer.
        T_max: half-period, in epochs (a positive integer).
        eta_min: minimum rate (default 0).
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ArgumentError: ``T_max`` is not a positive integer.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        _check_number("CosineAnnealingLR", "eta_min", eta_min)
        self.T_max = T_max
        self.eta_min = eta_min
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
        optimizer: the wrapped optimizer.
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
        ArgumentError: neither ``total_steps`` nor ``epochs`` and ``steps_per_epoch``, non-positive counts,
            ``pct_start`` outside [0, 1], an unknown ``anneal_strategy``, a list with the wrong length,
            ``cycle_momentum`` with an optimizer that has no momentum, or stepping past ``total_steps``.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=0.1, momentum=0.9)
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
            _check_positive_int(name, "total_steps", total_steps)
            self.total_steps = int(total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            _check_positive_int(name, "epochs", epochs)
            _check_positive_int(name, "steps_per_epoch", steps_per_epoch)
            self.total_steps = int(epochs) * int(steps_per_epoch)
        else:
            raise ArgumentError(f"{name}: You must define either total_steps OR (epochs AND steps_per_epoch), got "
                                f"total_steps={total_steps}, epochs={epochs}, steps_per_epoch={steps_per_epoch}")
        if isinstance(pct_start, bool) or not isinstance(pct_start, numbers.Real) or not 0 <= pct_start <= 1:
            raise ArgumentError(f"{name}: Expected float between 0 and 1 pct_start, but got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"{name}: anneal_strategy must be one of 'cos' or 'linear', instead got "
                                f"{anneal_strategy!r}")
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


class ReduceLROnPlateau(LRScheduler):
    r"""Divide the rate by ``1/factor`` when a metric has stopped improving for ``patience`` epochs.

    ``step(metric)`` after each validation. In ``'min'`` mode a value improves on the best when it is below
    ``best * (1 - threshold)`` (``threshold_mode='rel'``) or ``best - threshold`` (``'abs'``); ``'max'`` mirrors
    this. After more than ``patience`` epochs without improvement each group's rate becomes
    ``max(lr * factor, min_lr)`` (skipped when the change would be below ``eps``), then ``cooldown`` epochs pass
    before bad epochs are counted again.

    Args:
        optimizer: the wrapped optimizer.
        mode: ``'min'`` (default) or ``'max'``.
        factor: multiplicative reduction, < 1 (default 0.1).
        patience: bad epochs tolerated before reducing (default 10).
        threshold: significance of an improvement (default 1e-4).
        threshold_mode: ``'rel'`` (default) or ``'abs'``.
        cooldown: epochs to wait after a reduction (default 0).
        min_lr: lower bound, one value or one per param group (default 0).
        eps: minimal change applied to the rate (default 1e-8).

    Raises:
        ArgumentError: ``factor >= 1``, an unknown mode or threshold_mode, negative patience or cooldown, a
            ``min_lr`` list of the wrong length.

    Example:
        >>> import numnet.optim
        >>> w = numnet.zeros(2, requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
        >>> for val_loss in [1.0, 1.0, 1.0, 0.5]:
        ...     sched.step(val_loss)
        >>> sched.get_last_lr()
        [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0,
                 min_lr: float | Sequence[float] = 0, eps: float = 1e-8) -> None:
        name = "ReduceLROnPlateau"
        _check_number(name, "factor", factor)
        if factor >= 1.0:
            raise ArgumentError(f"{name}: Factor should be < 1.0, got factor={factor}")
        _check_optimizer(name, optimizer)
        for option, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ArgumentError(f"{name}: {option} must be a non-negative integer, got {value!r}")
        _check_number(name, "threshold", threshold)
        _check_number(name, "eps", eps)
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ArgumentError(f"{name}: expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            _check_number(name, "min_lr", min_lr)
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ArgumentError(f"ReduceLROnPlateau: mode {mode!r} is unknown! (expected 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown! (expected "
                                "'rel' or 'abs')")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record one epoch's ``metrics`` (a number or one-element tensor) and reduce the rate if it plateaued."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise DTypeError(f"ReduceLROnPlateau.step: metrics must be a number or a one-element tensor, got "
                             f"{type(metrics).__name__}") from None
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # ignore any bad epochs in cooldown
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise ArgumentError(f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups but "
                                    f"{len(self.min_lrs)} min_lrs were given (was a param group added?); set "
                                    "min_lrs to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, group in enumerate(groups):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
