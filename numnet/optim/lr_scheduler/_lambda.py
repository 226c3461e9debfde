"""Schedules given by the user's functions of the epoch: LambdaLR and MultiplicativeLR."""

from __future__ import annotations

import types
from typing import Any, Callable, Sequence

from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.optim.lr_scheduler._base import LRScheduler, _check_optimizer
from numnet.optim.optimizer import Optimizer

__all__ = ["LambdaLR", "MultiplicativeLR"]


class _LambdaScheduler(LRScheduler):
    """Shared by both: one function per param group, and torch's checkpoints (a plain function is not saved, a
    callable object's ``__dict__`` is)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        name = type(self).__name__
        _check_optimizer(name, optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ArgumentError(V.expected(name, "lr_lambda", f"a function or a list of {n} (one per param "
                                                                  "group)", got=f"{len(lr_lambda)} functions"))
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n
        for fn in lambdas:
            V.function(fn, name, "lr_lambda")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        """As torch: ``lr_lambdas`` holds ``None`` for a plain function and the ``__dict__`` of a callable object."""
        lambdas = self.__dict__.pop("lr_lambdas")
        try:
            state = super().state_dict()
        finally:
            self.lr_lambdas = lambdas
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state_dict)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class LambdaLR(_LambdaScheduler):
    r"""Set the rate to the initial rate times a function of the epoch: :math:`\eta_t = \eta_0 \cdot f(t)`.

    Args:
        lr_lambda: a function of the epoch index, or a list of them, one per param group.

    ``state_dict()`` saves the ``__dict__`` of callable objects, not plain functions or lambdas (as PyTorch).

    Raises:
        DTypeError: ``lr_lambda`` (or an entry) is not callable.
        ArgumentError: a list whose length is not the number of param groups.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.5 ** epoch)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    r"""Multiply the rate by a function of the epoch at every step: :math:`\eta_t = \eta_{t-1} \cdot f(t)`.

    Args:
        lr_lambda: a function of the epoch index, or a list of them, one per param group.

    Raises:
        DTypeError: ``lr_lambda`` (or an entry) is not callable.
        ArgumentError: a list whose length is not the number of param groups.

    Example:
        >>> import numnet.optim
        >>> opt = numnet.optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
        >>> sched = numnet.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.5)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._lrs())]
