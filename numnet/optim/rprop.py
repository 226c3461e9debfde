"""Rprop (Riedmiller & Braun, 1993): per-coordinate steps that grow while the gradient keeps its sign."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.optim.optimizer import Optimizer, _check_flags, _check_nonneg
from numnet.tensor import Tensor

__all__ = ["Rprop"]


def _check_pair(group: dict[str, Any], key: str, what: str) -> tuple[float, float]:
    value = group[key]
    if not isinstance(value, (tuple, list)):
        raise DTypeError(V.expected("Rprop", key, what, value))
    if len(value) != 2:
        raise ArgumentError(V.expected("Rprop", key, what, value))
    for i, v in enumerate(value):
        V.real(v, "Rprop", f"{key}[{i}]", finite=False)
    group[key] = tuple(value)
    return group[key]


class Rprop(Optimizer):
    r"""Resilient backpropagation with PyTorch's exact update (``torch.optim.Rprop``).

    With gradient :math:`g_t` (negated if ``maximize``) and the previous step's :math:`g_{t-1}` (0 at first):

    .. math::
        s_t = \operatorname{clip}\big(s_{t-1}\cdot\begin{cases}\eta_+ & g_t g_{t-1} > 0\\ \eta_- & g_t g_{t-1} < 0
              \\ 1 & \text{else}\end{cases},\ \Gamma_{min}, \Gamma_{max}\big), \qquad
        g_t \leftarrow 0 \text{ where } g_t g_{t-1} < 0, \qquad
        \theta_t = \theta_{t-1} - s_t \operatorname{sign}(g_t)

    and :math:`g_t` (zeroed where the sign flipped) is kept as ``prev``; :math:`s_0 = \gamma`.

    Args:
        params: tensors to optimize, or dicts defining parameter groups.
        lr: initial step size :math:`\gamma` (default 1e-2).
        etas: :math:`(\eta_-, \eta_+)` with :math:`0 < \eta_- < 1 < \eta_+` (default (0.5, 1.2)).
        step_sizes: :math:`(\Gamma_{min}, \Gamma_{max})` (default (1e-6, 50)).
        capturable, differentiable: must be False (True raises ArgumentError). foreach: accepted and ignored.
        maximize: maximize the objective instead of minimizing it.

    State per parameter: ``step`` (a float), ``prev``, ``step_size``.

    Raises:
        ArgumentError: lr negative, etas not of length 2 or not with 0 < etaminus < 1 < etaplus.
        DTypeError: etas or step_sizes not a pair of numbers.

    Example:
        >>> import numnet.optim
        >>> w = numnet.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = numnet.optim.Rprop([w], lr=0.1)
        >>> for _ in range(2):
        ...     w.grad = numnet.tensor([3.0, -0.5])
        ...     opt.step()
        >>> w.detach().numpy().round(4)   # 0.1, then 0.1 * 1.2: the sign did not change
        array([ 0.78, -0.78], dtype=float32)
    """

    _state_keys = frozenset({"step", "prev", "step_size"})

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2), step_sizes: tuple[float, float] = (1e-6, 50), *,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        _check_flags("Rprop", defaults)
        self._check_group(defaults)
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_nonneg("Rprop", "lr", group["lr"])
        what = "a pair (etaminus, etaplus) with 0 < etaminus < 1 < etaplus"
        etaminus, etaplus = _check_pair(group, "etas", what)
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ArgumentError(V.expected("Rprop", "etas", what, group["etas"]))
        _check_pair(group, "step_sizes", "a pair (min, max) of numbers")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        cast = param.dtype.type
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        if not state:
            state["step"] = 0.0
            state["prev"] = np.zeros_like(param)
            state["step_size"] = np.full_like(param, group["lr"])
        state["step"] += 1
        g = np.negative(grad) if group["maximize"] else np.array(grad, copy=True)
        prev, step_size = state["prev"], state["step_size"]
        product = g * prev
        factor = np.where(product > 0, cast(etaplus), np.where(product < 0, cast(etaminus), cast(1)))
        step_size *= factor
        np.clip(step_size, cast(step_size_min), cast(step_size_max), out=step_size)
        g[product < 0] = 0  # a sign change: skip this coordinate and forget its gradient
        param -= np.sign(g) * step_size  # torch: param.addcmul_(grad.sign(), step_size, value=-1)
        prev[...] = g
