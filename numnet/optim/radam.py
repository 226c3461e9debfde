"""RAdam (Liu et al., 2020): Adam whose adaptive step is switched on, and rectified, once its variance is finite."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.adam import _lerp_
from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_betas, _check_flags, _check_nonneg
from numnet.tensor import Tensor

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam with PyTorch's exact update (``torch.optim.RAdam``).

    With gradient :math:`g_t` (negated if ``maximize``; weight decay as L2 or, with ``decoupled_weight_decay``,
    :math:`\theta_{t-1} \leftarrow (1-\gamma\lambda)\theta_{t-1}`), :math:`m_t, v_t` as in Adam, and
    :math:`\rho_\infty = 2/(1-\beta_2) - 1`, :math:`\rho_t = \rho_\infty - 2t\beta_2^t/(1-\beta_2^t)`:

    .. math::
        \hat m_t = \frac{m_t}{1-\beta_1^t}, \qquad
        \theta_t = \theta_{t-1} - \gamma \hat m_t \cdot \begin{cases}
            r_t \dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon}, &
            r_t = \sqrt{\dfrac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}
            \quad\text{if } \rho_t > 5 \\
            1 & \text{otherwise}\end{cases}

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
        eps: :math:`\epsilon` (default 1e-8).
        weight_decay: :math:`\lambda` (default 0).
        decoupled_weight_decay: decay the weights directly, as AdamW does.
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``exp_avg``, ``exp_avg_sq``.

    Raises:
        ArgumentError: lr, eps or weight_decay negative, or a beta outside [0, 1).

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.RAdam([w], lr=0.1)
        >>> w.grad = numnet.tensor([2.0, -2.0])
        >>> opt.step()
        >>> w.detach().numpy().round(4)   # early steps are plain momentum SGD: lr * m_hat = lr * g
        array([ 0.8, -0.8], dtype=float32)
    """

    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        _check_flags("RAdam", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg("RAdam", "lr", group["lr"])
        _check_nonneg("RAdam", "eps", group["eps"])
        _check_betas("RAdam", group)
        _check_nonneg("RAdam", "weight_decay", group["weight_decay"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        g = _ascent_grad(param, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        _lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= cast(beta2)
        exp_avg_sq += np.multiply(g, cast(1 - beta2)) * g
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        upd = exp_avg / cast(bias_correction1)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        upd *= cast(lr)
        if rho_t > 5.0:  # the variance of the adaptive rate is finite: rectify it
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = np.sqrt(exp_avg_sq)
            adaptive += cast(eps)
            np.divide(cast(bias_correction2 ** 0.5), adaptive, out=adaptive)
            upd *= adaptive
            upd *= cast(rect)
        param -= upd
