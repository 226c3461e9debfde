"""Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError
from numnet.optim.optimizer import Optimizer, _check_flags, _check_nonneg_options, _check_real
from numnet.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, with PyTorch's exact update (``torch.optim.SGD``).

    With gradient :math:`g_t`, weight decay :math:`\lambda`, momentum :math:`\mu`, dampening :math:`\tau`:

    .. math::
        g_t &\leftarrow -g_t \text{ if maximize}, \qquad g_t \leftarrow g_t + \lambda\theta_{t-1} \\
        b_t &= g_t \text{ at the first step, else } \mu b_{t-1} + (1-\tau) g_t \\
        g_t &\leftarrow g_t + \mu b_t \text{ if nesterov, else } b_t \qquad (\text{when } \mu \ne 0) \\
        \theta_t &= \theta_{t-1} - \gamma g_t

    Note that the momentum buffer starts at the first gradient (no dampening on step 1), as in PyTorch.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        momentum: momentum factor :math:`\mu` (default 0).
        dampening: dampening :math:`\tau` for momentum (default 0).
        weight_decay: L2 penalty :math:`\lambda` (default 0).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: maximize the objective instead of minimizing it.
        foreach: accepted and ignored (torch's faster loop; same math). fused, differentiable: must be None/False;
            numnet has no such step, so True raises ArgumentError.

    State per parameter: ``momentum_buffer`` (only when momentum is used).

    Raises:
        ArgumentError: lr, momentum or weight_decay negative; nesterov without momentum or with dampening.
        DTypeError: a non-numeric option.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()
        ...     opt.step()
        >>> w
        tensor([ 0.46, -0.46], requires_grad=True)
    """

    _state_keys = frozenset({"momentum_buffer"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        _check_flags("SGD", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg_options("SGD", group, "lr", "momentum")
        _check_real("SGD", "dampening", group["dampening"])
        _check_nonneg_options("SGD", group, "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ArgumentError(V.expected("SGD", "momentum", "> 0 with dampening=0 for nesterov=True",
                                           got=f"momentum={group['momentum']}, dampening={group['dampening']}"))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        wd, momentum, lr = group["weight_decay"], group["momentum"], group["lr"]
        g, owned = grad, False  # ``owned``: g is a scratch array of ours that may be overwritten
        if wd != 0:
            g = np.multiply(param, cast(wd))  # torch: grad.add(param, alpha=wd)
            if group["maximize"]:
                np.subtract(g, grad, out=g)
            else:
                np.add(g, grad, out=g)
            owned = True
        elif group["maximize"]:
            g, owned = np.negative(grad), True
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:
                buf *= cast(momentum)
                buf += g * cast(1 - group["dampening"])
            if group["nesterov"]:
                d = np.multiply(buf, cast(momentum))
                g, owned = np.add(g, d, out=d), True
            else:
                g, owned = buf, False
        if owned:
            g *= cast(lr)
            param -= g
        else:
            param -= g * cast(lr)
