"""Execution-plan passes over a chain of modules: rewrites that change the speed, never the result.

:func:`relu_pool_plan` is the one pass today. :class:`~numnet.nn.Sequential` applies it (switch it off with
``numnet.kernels.using(fuse_relu_pool=False)``); the modules the user wrote stay as written, so ``state_dict``,
``summary`` and hooks see exactly them.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from numnet.nn.activation import ReLU
from numnet.nn.module import Module
from numnet.nn.pooling import MaxPool2d

__all__ = ["relu_pool_plan", "PoolThenReLU"]

Step = Callable[[Any], Any]


def _plain(module: Module) -> bool:
    """No hooks: a hook must see the module's input and output in the order the user wrote."""
    return not (module._forward_hooks or module._forward_pre_hooks)


class PoolThenReLU:
    """One step of a plan: a written ``ReLU`` → ``MaxPool2d`` pair run as ``MaxPool2d`` → ``ReLU``.

    Checked at every call, not only when the plan is made, because a hook or ``return_indices`` can be set on the
    modules afterwards: then the pair runs in the written order.
    """

    __slots__ = ("relu", "pool")

    def __init__(self, relu: ReLU, pool: MaxPool2d) -> None:
        self.relu, self.pool = relu, pool

    def __call__(self, input: Any) -> Any:  # noqa: A002
        relu, pool = self.relu, self.pool
        if pool.return_indices or not (_plain(relu) and _plain(pool)):
            return pool(relu(input))
        return relu(pool(input))

    def __repr__(self) -> str:
        return f"PoolThenReLU({self.pool!r}, {self.relu!r})"


def relu_pool_plan(modules: Sequence[Module]) -> tuple[Step, ...]:
    """The execution plan of ``modules`` (applied one after another): every ``ReLU`` directly followed by a
    ``MaxPool2d`` becomes one :class:`PoolThenReLU` step, everything else is called as written.

    Why it is exact: ReLU is monotone, so it commutes with a maximum,
    ``relu(max(a, b)) == max(relu(a), relu(b))`` (also for NaN, which both propagate, and −inf padding, which ReLU
    maps to 0 either way; a window whose maximum is ≤ 0 gives 0 in both orders). The gradients agree as well: in the
    written order the gradient reaches the window's first maximum of ``relu(x)`` and passes ReLU only where that
    element is positive; pooling first picks the first maximum of ``x``, which is the same element whenever the
    maximum is positive, and ReLU then lets the gradient through exactly then; when the maximum is ≤ 0 both give 0.
    Pooling first runs ReLU (forward and backward) on a tensor ``kH·kW`` times smaller.

    Only exact types are fused (a subclass may change either module's math).
    """
    plan: list[Step] = []
    i = 0
    while i < len(modules):
        first = modules[i]
        second = modules[i + 1] if i + 1 < len(modules) else None
        if type(first) is ReLU and type(second) is MaxPool2d:
            plan.append(PoolThenReLU(first, second))
            i += 2
        else:
            plan.append(first)
            i += 1
    return tuple(plan)
