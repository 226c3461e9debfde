"""ASGD (Polyak & Juditsky, 1992): SGD with a decaying rate and a running average of the iterates."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.optimizer import (Optimizer, _as_float32, _ascent_grad, _check_flags,
                                    _check_nonneg_options, _check_real)
from numnet.tensor import Tensor

__all__ = ["ASGD"]


class ASGD(Optimizer):
    r"""Averaged SGD with PyTorch's exact update (``torch.optim.ASGD``).

    With gradient :math:`g_t` (negated if ``maximize``, plus :math:`w\theta_{t-1}` with weight decay), rate
    :math:`\eta_{t-1}` (:math:`\eta_0 = \gamma`) and averaging weight :math:`\mu_{t-1}` (:math:`\mu_0 = 1`):

    .. math::
        \theta_t &= (1 - \lambda\eta_{t-1})\,\theta_{t-1} - \eta_{t-1} g_t, \qquad
        \bar\theta_t = \bar\theta_{t-1} + \mu_{t-1}(\theta_t - \bar\theta_{t-1}) \\
        \eta_t &= \frac{\gamma}{(1 + \lambda\gamma t)^\alpha}, \qquad \mu_t = \frac{1}{\max(1, t - t_0)}

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-2).
        lambd: decay term :math:`\lambda` (default 1e-4).
        alpha: power :math:`\alpha` of the rate's decay (default 0.75).
        t0: step :math:`t_0` at which averaging starts (default 1e6).
        weight_decay: L2 penalty :math:`w` (default 0).
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``eta`` and ``mu`` (floats, rounded to float32 as torch's float32
    scalar tensors are, so the steps agree exactly), ``ax`` (:math:`\bar\theta`, the average).

    Raises:
        ArgumentError: lr or weight_decay negative.
        DTypeError: a non-numeric lambd, alpha or t0.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> w.grad = numnet.tensor([1.0, -1.0])
        >>> opt.step()
        >>> w.detach().numpy().round(4), opt.state[w]['ax'].round(4)
        (array([ 0.9, -0.9], dtype=float32), array([ 0.9, -0.9], dtype=float32))
    """

    _state_keys = frozenset({"step", "eta", "mu", "ax"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        _check_flags("ASGD", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg_options("ASGD", group, "lr", "weight_decay")
        for option in ("lambd", "alpha", "t0"):
            _check_real("ASGD", option, group[option])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, lambd, alpha, t0 = (group[k] for k in ("lr", "lambd", "alpha", "t0"))
        if not state:
            state["step"] = 0.0
            state["eta"] = _as_float32(lr)
            state["mu"] = 1.0
            state["ax"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        g = _ascent_grad(param, grad, group)
        eta, mu = state["eta"], state["mu"]
        param *= cast(1 - lambd * eta)
        param -= g * cast(eta)  # torch: param.add_(grad, alpha=-eta)
        ax = state["ax"]
        if mu != 1:
            d = np.subtract(param, ax)
            d *= cast(mu)
            ax += d
        else:
            ax[...] = param
        state["eta"] = _as_float32(lr / ((1 + lambd * lr * step) ** alpha))
        state["mu"] = _as_float32(1 / max(1, step - t0))
