"""Adagrad (Duchi et al., 2011): steps divided by the root of each coordinate's sum of squared gradients."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_flags, _check_nonneg_options
from numnet.tensor import Tensor

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad with PyTorch's exact update (``torch.optim.Adagrad``).

    With gradient :math:`g_t` (negated if ``maximize``, plus :math:`\lambda\theta_{t-1}` with weight decay), at
    step :math:`t = 1, 2, \dots`:

    .. math::
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\,\eta}, \qquad s_t = s_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-2).
        lr_decay: :math:`\eta` (default 0).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        initial_accumulator_value: starting value of :math:`s` (default 0).
        eps: :math:`\epsilon` added to the denominator (default 1e-10).
        foreach: accepted and ignored. fused, differentiable: must be None/False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float) and ``sum`` (:math:`s`). As in PyTorch the state of the parameters
    given to the constructor is created right away (``step`` 0, ``sum`` filled with ``initial_accumulator_value``);
    parameters added later with ``add_param_group`` get theirs at their first step.

    Raises:
        ArgumentError: lr, lr_decay, weight_decay, initial_accumulator_value or eps negative.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.Adagrad([w], lr=0.1)
        >>> w.grad = numnet.tensor([2.0, -0.5])
        >>> opt.step()
        >>> w.detach().numpy().round(4)   # first step: lr * g / |g|
        array([ 0.9, -0.9], dtype=float32)
    """

    _state_keys = frozenset({"step", "sum"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        _check_flags("Adagrad", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch creates the state in the constructor
            for p in group["params"]:
                self._init_state(p._data, self.state[p], group)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg_options("Adagrad", group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                              "eps")

    @staticmethod
    def _init_state(param: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = 0.0
        state["sum"] = np.full_like(param, group["initial_accumulator_value"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        if not state:
            self._init_state(param, state, group)
        state["step"] += 1
        step = state["step"]
        g = _ascent_grad(param, grad, group)
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        state_sum += g * g
        std = np.sqrt(state_sum)
        std += cast(group["eps"])
        upd = np.multiply(g, cast(-clr))  # torch: param.addcdiv_(grad, std, value=-clr)
        upd /= std
        param += upd
