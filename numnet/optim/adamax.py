"""Adamax (Kingma & Ba, 2015, section 7.1): Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.adam import _lerp_
from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_betas, _check_flags, _check_nonneg
from numnet.tensor import Tensor

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax with PyTorch's exact update (``torch.optim.Adamax``).

    With gradient :math:`g_t` (negated if ``maximize``, plus :math:`\lambda\theta_{t-1}` with weight decay):

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \qquad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t} \frac{m_t}{u_t}

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 2e-3).
        betas: :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
        eps: :math:`\epsilon` (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``exp_avg`` (:math:`m`), ``exp_inf`` (:math:`u`).

    Raises:
        ArgumentError: lr, eps or weight_decay negative, betas not of length 2, or a beta outside [0, 1).

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.Adamax([w], lr=0.1)
        >>> w.grad = numnet.tensor([3.0, -0.5])
        >>> opt.step()
        >>> w.detach().numpy().round(4)   # first step: lr * sign(g)
        array([ 0.9, -0.9], dtype=float32)
    """

    _state_keys = frozenset({"step", "exp_avg", "exp_inf"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 foreach: bool | None = None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        _check_flags("Adamax", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg("Adamax", "lr", group["lr"])
        _check_nonneg("Adamax", "eps", group["eps"])
        _check_betas("Adamax", group)
        _check_nonneg("Adamax", "weight_decay", group["weight_decay"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_inf"] = np.zeros_like(param)
        state["step"] += 1
        g = _ascent_grad(param, grad, group)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        _lerp_(exp_avg, g, 1 - beta1)
        exp_inf *= cast(beta2)
        norm = np.abs(g)
        norm += cast(group["eps"])
        np.maximum(exp_inf, norm, out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** state["step"])
        upd = np.multiply(exp_avg, cast(-clr))  # torch: param.addcdiv_(exp_avg, exp_inf, value=-clr)
        upd /= exp_inf
        param += upd
