"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.adam import _lerp_
from numnet.optim.optimizer import (Optimizer, _as_float32, _ascent_grad, _check_betas,
                                    _check_flags, _check_nonneg)
from numnet.tensor import Tensor

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam with PyTorch's exact update (``torch.optim.NAdam``).

    With gradient :math:`g_t` (negated if ``maximize``; weight decay as L2 or, with ``decoupled_weight_decay``,
    :math:`\theta_{t-1} \leftarrow (1-\gamma\lambda)\theta_{t-1}`), at step :math:`t = 1, 2, \dots`:

    .. math::
        \mu_t &= \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right), \qquad \Pi_t = \prod_{i \le t} \mu_i \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma\left(\frac{(1-\mu_t)\, g_t}{1-\Pi_t}
              + \frac{\mu_{t+1}\, m_t}{1-\Pi_t\mu_{t+1}}\right) \Big/ \left(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\right)

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 2e-3).
        betas: :math:`(\beta_1, \beta_2)` (default (0.9, 0.999)).
        eps: :math:`\epsilon` (default 1e-8).
        weight_decay: :math:`\lambda` (default 0).
        momentum_decay: :math:`\psi` (default 4e-3).
        decoupled_weight_decay: decay the weights directly, as AdamW does (NAdamW).
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``mu_product`` (:math:`\Pi_t`, a float rounded to float32 after each
    product as torch's float32 scalar tensor is, so the steps agree exactly), ``exp_avg``, ``exp_avg_sq``.

    Raises:
        ArgumentError: lr, eps, weight_decay or momentum_decay negative, or a beta outside [0, 1).

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.NAdam([w], lr=0.1)
        >>> w.grad = numnet.tensor([1.0, -1.0])
        >>> opt.step()
        >>> w.detach().numpy().round(3)   # a bit more than lr: the Nesterov look-ahead adds the next momentum term
        array([ 0.894, -0.894], dtype=float32)
    """

    _state_keys = frozenset({"step", "mu_product", "exp_avg", "exp_avg_sq"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        _check_flags("NAdam", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg("NAdam", "lr", group["lr"])
        _check_nonneg("NAdam", "eps", group["eps"])
        _check_betas("NAdam", group)
        _check_nonneg("NAdam", "weight_decay", group["weight_decay"])
        _check_nonneg("NAdam", "momentum_decay", group["momentum_decay"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, eps, psi = group["lr"], group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        bias_correction2 = 1 - beta2 ** step
        g = _ascent_grad(param, grad, group)
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = state["mu_product"] = _as_float32(np.float32(state["mu_product"]) * np.float32(mu))
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        _lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= cast(beta2)
        exp_avg_sq += np.multiply(g, cast(1 - beta2)) * g
        denom = np.sqrt(exp_avg_sq / cast(bias_correction2))
        denom += cast(eps)
        mu_product_next = mu_product * mu_next
        upd = np.multiply(g, cast(-lr * (1.0 - mu) / (1.0 - mu_product)))  # torch: two addcdiv_ calls
        upd /= denom
        param += upd
        upd = np.multiply(exp_avg, cast(-lr * mu_next / (1.0 - mu_product_next)))
        upd /= denom
        param += upd
