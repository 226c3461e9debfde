"""Adam and AdamW (Adam with decoupled weight decay)."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet.optim.optimizer import Optimizer, _ascent_grad, _check_betas, _check_flags, _check_nonneg
from numnet.tensor import Tensor

__all__ = ["Adam", "AdamW"]


def _lerp_(a: np.ndarray, b: np.ndarray, w: float) -> None:
    """``a.lerp_(b, w)`` in place with PyTorch's two-branch formula (the stabler side for each weight)."""
    cast = a.dtype.type
    d = np.subtract(b, a)
    if abs(w) < 0.5:
        d *= cast(w)
        a += d
    else:
        d *= cast(1 - cast(w))
        np.subtract(b, d, out=a)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with PyTorch's exact update (``torch.optim.Adam``).

    With gradient :math:`g_t` (negated if ``maximize``), at step :math:`t = 1, 2, \dots`:

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \quad\text{(L2; with decoupled weight decay instead }
              \theta_{t-1} \leftarrow (1 - \gamma\lambda)\theta_{t-1}) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2 \\
        \hat v_t &= \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
        \theta_t &= \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
              \frac{m_t}{\sqrt{\hat v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: learning rate :math:`\gamma` (default 1e-3).
        betas: :math:`(\beta_1, \beta_2)`, decay rates of the two running averages (default (0.9, 0.999)).
        eps: :math:`\epsilon` added to the denominator (default 1e-8).
        weight_decay: :math:`\lambda` (default 0): an L2 penalty added to the gradient, or decoupled decay.
        amsgrad: use the running maximum of :math:`v_t` (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: shrink the weights directly instead of adding to the gradient (this is AdamW).
        foreach: accepted and ignored (torch's faster loop; same math). fused, capturable, differentiable: must be
            None/False; numnet has no such step, so True raises ArgumentError.

    State per parameter: ``step`` (a float), ``exp_avg``, ``exp_avg_sq``, and ``max_exp_avg_sq`` with amsgrad.

    Raises:
        ArgumentError: lr, eps or weight_decay negative, betas not of length 2, or a beta outside [0, 1).
        DTypeError: a non-numeric option, or betas that are not a tuple or list.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = numnet.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w.detach().numpy().round(4)   # the first Adam step moves every weight by about lr
        array([ 0.9, -1.9], dtype=float32)
    """

    _state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0,
                 amsgrad: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        _check_flags(type(self).__name__, defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        _check_nonneg(name, "lr", group["lr"])
        _check_nonneg(name, "eps", group["eps"])
        _check_betas(name, group)
        _check_nonneg(name, "weight_decay", group["weight_decay"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        lr, eps = group["lr"], group["eps"]
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(param)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        step = state["step"]

        g = _ascent_grad(param, grad, group)

        _lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= cast(beta2)
        sq = np.multiply(g, cast(1 - beta2))
        sq *= g
        exp_avg_sq += sq

        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2 ** 0.5
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:  # amsgrad switched on after the first step
                state["max_exp_avg_sq"] = np.zeros_like(param)
            v = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        else:
            v = exp_avg_sq
        denom = np.sqrt(v, out=sq)
        denom /= cast(bias_correction2_sqrt)
        denom += cast(eps)
        upd = np.multiply(exp_avg, cast(-step_size))  # torch: param.addcdiv_(exp_avg, denom, value=-step_size)
        upd /= denom
        param += upd


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam whose weight decay shrinks the weights directly.

    Same update as :class:`Adam` with ``decoupled_weight_decay=True``: before the Adam step,
    :math:`\theta_{t-1} \leftarrow (1 - \gamma\lambda)\,\theta_{t-1}`; the decay never enters :math:`m_t` or
    :math:`v_t`. Matches ``torch.optim.AdamW``.

    Args:
        params, lr, betas, eps, amsgrad, maximize: as in :class:`Adam`.
        weight_decay: decoupled decay :math:`\lambda` (default 1e-2).

    Raises:
        ArgumentError: lr, eps or weight_decay negative, betas not of length 2, or a beta outside [0, 1).

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0], requires_grad=True)
        >>> opt = numnet.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = numnet.tensor([0.0])
        >>> opt.step()
        >>> w   # only the decay acted: 1 * (1 - 0.1 * 0.5)
        tensor([0.95], requires_grad=True)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 1e-2,
                 amsgrad: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 capturable: bool = False, differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # like torch: AdamW always decouples, whatever was saved
            group["decoupled_weight_decay"] = True
