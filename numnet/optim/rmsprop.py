"""RMSprop (Hinton's lecture 6e), optionally centered and with momentum."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.adam import _lerp_
from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_flags, _check_nonneg_options
from numnet.tensor import Tensor

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop with PyTorch's exact update (``torch.optim.RMSprop``).

    With gradient :math:`g_t` (negated if ``maximize``, plus :math:`\lambda\theta_{t-1}` with weight decay):

    .. math::
        v_t &= \alpha v_{t-1} + (1-\alpha) g_t^2, \qquad
        \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \text{ (centered only)} \\
        d_t &= \sqrt{v_t - \bar g_t^2} + \epsilon \text{ if centered, else } \sqrt{v_t} + \epsilon \\
        b_t &= \mu b_{t-1} + g_t / d_t,\quad \theta_t = \theta_{t-1} - \gamma b_t \quad (\mu > 0) \qquad
        \text{else}\quad \theta_t = \theta_{t-1} - \gamma\, g_t / d_t

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-2).
        alpha: smoothing constant :math:`\alpha` (default 0.99).
        eps: :math:`\epsilon` added to the denominator (default 1e-8).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        momentum: momentum factor :math:`\mu` (default 0).
        centered: normalise by the estimated variance of the gradient instead of its second moment.
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted and ignored. capturable, differentiable: must be False (True raises ArgumentError).

    State per parameter: ``step`` (a float), ``square_avg``, ``momentum_buffer`` (momentum > 0), ``grad_avg``
    (centered).

    Raises:
        ArgumentError: lr, alpha, eps, momentum or weight_decay negative.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w.detach().numpy().round(4)   # first step: g / sqrt(0.01 g^2) = 10 sign(g), times lr
        array([ 0.9, -0.9], dtype=float32)
    """

    _state_keys = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        _check_flags("RMSprop", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg_options("RMSprop", group, "lr", "eps", "momentum", "weight_decay", "alpha")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, alpha, eps, momentum = (group[k] for k in ("lr", "alpha", "eps", "momentum"))
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1

        g = _ascent_grad(param, grad, group)

        square_avg = state["square_avg"]
        square_avg *= cast(alpha)
        avg = np.multiply(g, cast(1 - alpha))
        avg *= g
        square_avg += avg
        if group["centered"]:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(param))
            _lerp_(grad_avg, g, 1 - alpha)
            np.multiply(grad_avg, grad_avg, out=avg)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(square_avg, out=avg)
        avg += cast(eps)

        if momentum > 0:
            buf = state.setdefault("momentum_buffer", np.zeros_like(param))
            buf *= cast(momentum)
            np.divide(g, avg, out=avg)
            buf += avg
            np.multiply(buf, cast(lr), out=avg)
            param -= avg
        else:
            upd = np.multiply(g, cast(-lr))  # torch: param.addcdiv_(grad, avg, value=-lr)
            upd /= avg
            param += upd
