"""Tools to prove gradients right: :func:`gradcheck` compares autograd with float64 central differences.

Method (after HIPS autograd's ``check_grads`` and Chainer's ``check_backward``): draw a random cotangent ``v`` for the
output and form the scalar ``L(x) = Σ v·f(x)``. Autograd gives ``∇L``. For each input, along ``k`` random unit
directions ``u`` (or along every coordinate when the input is small), the central difference
``(L(x + εu) − L(x − εu)) / 2ε`` must equal ``∇L·u`` within ``atol + rtol·|∇L·u|``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numnet.errors import DTypeError, GradcheckError
from numnet.tensor import Tensor


def _outputs(result: Any) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    return [r for r in result if isinstance(r, Tensor) and r.requires_grad]


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    *,
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    max_coords: int = 64,
    n_directions: int = 8,
    seed: int = 0,
    name: str | None = None,
) -> bool:
    """Check ``fn``'s autograd gradients against central differences in float64.

    Args:
        fn: called as ``fn(*inputs)``; returns a tensor (or a tuple whose differentiable tensors are checked).
        inputs: tensors (those with ``requires_grad=True`` are checked; they must be float64) and other arguments.
        eps: finite-difference step.
        atol, rtol: tolerance on each directional derivative.
        max_coords: inputs with at most this many elements are checked coordinate by coordinate; larger ones along
            ``n_directions`` random unit directions.
        seed: seeds the cotangent and the directions.
        name: the op's name in the report (defaults to ``fn.__name__``).

    Returns:
        True when every check passes.

    Raises:
        GradcheckError: naming the op, the input shapes and the worst error found.
    """
    label = name or getattr(fn, "__name__", repr(fn))
    rng = np.random.default_rng(seed)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise DTypeError(f"gradcheck: input {i} of {label} must be float64 for finite differences, "
                             f"got {inputs[i].dtype}")
    shapes = [tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__ for x in inputs]

    outs = _outputs(fn(*inputs))
    cotangents = [rng.standard_normal(o.shape) for o in outs]

    def scalar(args: Sequence[Any]) -> float:
        from numnet.autograd import no_grad

        with no_grad():
            res = _outputs_all(fn(*args), len(outs))
        return float(sum(np.sum(o.data * v) for o, v in zip(res, cotangents)))

    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    total = sum((o * Tensor(v)).sum() for o, v in zip(outs, cotangents))
    total.backward()

    worst = (0.0, None)
    for i in checked:
        x = inputs[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad.data
        if x.data.size <= max_coords:
            directions = list(np.eye(x.data.size))
        else:
            directions = [d / np.linalg.norm(d) for d in rng.standard_normal((n_directions, x.data.size))]
        for u in directions:
            u = u.reshape(x.shape)
            base = x.data
            args = list(inputs)
            args[i] = Tensor(base + eps * u)
            plus = scalar(args)
            args[i] = Tensor(base - eps * u)
            minus = scalar(args)
            numeric = (plus - minus) / (2 * eps)
            auto = float(np.sum(analytic * u))
            err = abs(numeric - auto)
            if err > worst[0]:
                worst = (err, (i, numeric, auto))
            if not err <= atol + rtol * abs(auto):
                raise GradcheckError(
                    f"gradcheck failed for {label} with input shapes {shapes}: d/d(input {i}) along a direction: "
                    f"autograd {auto:.10g}, finite differences {numeric:.10g}, error {err:.3g} "
                    f"(atol {atol}, rtol {rtol})"
                )
    return True


def _outputs_all(result: Any, n: int) -> list[Tensor]:
    if isinstance(result, Tensor):
        return [result]
    return [r for r in result if isinstance(r, Tensor)][:n]
