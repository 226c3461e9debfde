"""The scheduler base class, :class:`LRScheduler`, and the argument checks every scheduler shares."""

from __future__ import annotations

from collections import Counter
from typing import Any

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.optim.optimizer import Optimizer

__all__ = ["LRScheduler"]


def _check_optimizer(name: str, optimizer: Any) -> None:
    if not isinstance(optimizer, Optimizer):
        raise DTypeError(V.expected(name, "optimizer", "a numnet.optim.Optimizer", got=type(optimizer).__name__))


def _check_count(name: str, option: str, value: Any, minimum: int = 1) -> None:
    """An int >= ``minimum``; the scheduler keeps the value as given (its state dict is unchanged)."""
    V.integer(value, name, option, minimum)


def _check_number(name: str, option: str, value: Any) -> None:
    """A real number (inf allowed, as PyTorch); kept as given."""
    V.real(value, name, option, finite=False)


def _format_param(name: str, optimizer: Optimizer, option: str, value: Any) -> list[Any]:
    """One value per param group: a scalar is repeated, a list must have one entry per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ArgumentError(V.expected(name, option, f"a number or a list of {n} (one per param group)",
                                           got=f"{len(value)} values"))
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


# Counters in a scheduler's state and their least value; a state with e.g. ``last_epoch = -5`` or ``step_size = 0``
# would fail later with a raw ZeroDivisionError or silently give other rates.
_STATE_MINIMUM = {"last_epoch": -1, "_step_count": 0, "step_size": 1, "T_max": 1, "T_0": 1, "T_i": 1, "T_mult": 1,
                  "total_steps": 1, "total_iters": 0, "T_cur": 0, "patience": 0, "cooldown": 0,
                  "cooldown_counter": 0, "num_bad_epochs": 0}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_state_value(name: str, key: str, value: Any, current: Any) -> None:
    """A loaded state value must have the kind of the scheduler's own (number, bool, str, list of the same length
    for per-group lists), no NaN, and counters at least their minimum."""
    def bad(what: str) -> ArgumentError:
        return ArgumentError(V.expected(name, f"state {key!r}", what, value)[:300])

    if current is None or isinstance(current, dict):
        return  # optional callables' attributes (custom scale functions, lambdas): restored as given
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise bad("True or False")
    elif _is_number(current):
        if not _is_number(value) or value != value:
            raise bad("a number (not NaN)")
        if key in _STATE_MINIMUM:
            if not isinstance(value, int) or value < _STATE_MINIMUM[key]:
                raise bad(f"an int >= {_STATE_MINIMUM[key]}")
    elif isinstance(current, str):
        if not isinstance(value, str):
            raise bad("a str")
    elif isinstance(current, list):
        if not isinstance(value, list):
            raise bad("a list")
        if key != "milestones" and len(value) != len(current):
            raise bad(f"a list of {len(current)} (one per parameter group)")
        for v, c in zip(value, current):
            if _is_number(c) and (not _is_number(v) or v != v):
                raise bad("numbers (not NaN)")
        if key == "milestones" and not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
            raise bad("ints >= 0")


class LRScheduler:
    """Base class of the epoch-indexed schedulers (like ``torch.optim.lr_scheduler.LRScheduler``).

    The constructor stores each group's starting rate as ``group['initial_lr']`` (``base_lrs``) and takes one
    initial step, which sets ``last_epoch`` to 0. Each ``step()`` increments ``last_epoch``, asks ``get_lr()`` for
    the new rates and writes them into the optimizer.

    Args:
        optimizer: the wrapped optimizer.
        last_epoch: index of the last epoch when resuming (default -1: start fresh). Resuming needs
            ``'initial_lr'`` in every param group, as a loaded optimizer state dict has.

    Every scheduler takes ``optimizer`` first and (all but ReduceLROnPlateau) ``last_epoch`` last, meaning what they
    mean here; each scheduler's docstring lists only its own arguments.

    Raises:
        DTypeError: ``optimizer`` is not a numnet Optimizer; in every scheduler, an argument of the wrong kind (a
            count that is not an int, a rate or factor that is not a number).
        ArgumentError: resuming (``last_epoch >= 0``) without ``'initial_lr'`` in a param group; in every
            scheduler, a value out of range (a count below 1, a negative milestone, ...). The message names the
            scheduler and the argument.
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

    def _set_options(self, counts: dict[str, Any] | None = None, numbers: dict[str, Any] | None = None) -> None:
        """Check a scheduler's own options — ints >= 1 (``counts``) and real numbers (``numbers``) — and store them
        as attributes, as given (so the state dict holds the values the user passed)."""
        name = type(self).__name__
        for option, value in (counts or {}).items():
            _check_count(name, option, value)
            setattr(self, option, value)
        for option, value in (numbers or {}).items():
            _check_number(name, option, value)
            setattr(self, option, value)

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

    def _update_lr(self, epoch: int | None = None) -> None:
        """Torch's helper for :class:`SequentialLR`: jump to ``epoch`` with the closed form (when the scheduler
        has one), or take one recursive step when ``epoch`` is None."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._lrs()

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
        loaded = {k: _to_plain(v) for k, v in state_dict.items() if k != "optimizer"}
        for k, v in loaded.items():  # everything is checked before anything is set: all or nothing
            _check_state_value(name, k, v, _to_plain(self.__dict__[k]))
        for k, v in loaded.items():
            self.__dict__[k] = self._from_plain(k, v)
