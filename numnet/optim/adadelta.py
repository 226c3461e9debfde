"""Adadelta (Zeiler, 2012): a per-coordinate step from running averages of squared gradients and squared steps."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet import _validation as V
from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_flags, _check_nonneg_options
from numnet.tensor import Tensor

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta with PyTorch's exact update (``torch.optim.Adadelta``).

    With gradient :math:`g_t` (negated if ``maximize``, plus :math:`\lambda\theta_{t-1}` with weight decay):

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \qquad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \qquad
        u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2, \qquad \theta_t = \theta_{t-1} - \gamma \Delta_t

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: coefficient :math:`\gamma` that scales the step (default 1.0).
        rho: decay :math:`\rho` of both running averages, in [0, 1] (default 0.9).
        eps: :math:`\epsilon` inside both square roots (default 1e-6).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``square_avg`` (:math:`v`), ``acc_delta`` (:math:`u`).

    Raises:
        ArgumentError: lr, eps or weight_decay negative, or rho outside [0, 1].

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.Adadelta([w])
        >>> w.grad = numnet.tensor([1.0, -1.0])
        >>> opt.step()
        >>> w.detach().numpy().round(5)   # first step: sqrt(eps) / sqrt(0.1 + eps) ~ 0.00316
        array([ 0.99684, -0.99684], dtype=float32)
    """

    _state_keys = frozenset({"step", "square_avg", "acc_delta"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        _check_flags("Adadelta", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg_options("Adadelta", group, "lr")
        V.real(group["rho"], "Adadelta", "rho", 0.0, 1.0)
        _check_nonneg_options("Adadelta", group, "eps", "weight_decay")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        state["step"] += 1
        g = _ascent_grad(param, grad, group)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= cast(rho)
        square_avg += np.multiply(g, cast(1 - rho)) * g
        std = np.sqrt(square_avg + cast(eps))
        delta = np.sqrt(acc_delta + cast(eps))
        delta /= std
        delta *= g
        acc_delta *= cast(rho)
        acc_delta += np.multiply(delta, cast(1 - rho)) * delta
        delta *= cast(-lr)  # torch: param.add_(delta, alpha=-lr)
        param += delta
