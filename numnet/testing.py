"""Tools to prove gradients right: :func:`gradcheck` compares autograd with float64 central differences.

Method (after HIPS autograd's ``check_grads`` and Chainer's ``check_backward``): draw a random cotangent ``v`` for
each differentiable output and form the scalar ``L(x) = Σ v·f(x)``. Autograd gives ``∇L``. For each input, along
``k`` random unit directions ``u`` (or along every coordinate when the input is small), the central difference
``(L(x + εu) − L(x − εu)) / 2ε`` must equal ``∇L·u`` within ``atol + rtol·|∇L·u|``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numnet.autograd import no_grad
from numnet.errors import ArgumentError, DTypeError, GradcheckError
from numnet.tensor import Tensor


def _differentiable_positions(result: Any) -> list[int] | None:
    """Where the differentiable outputs sit: ``None`` for a single tensor, else positions in the returned tuple."""
    if isinstance(result, Tensor):
        return None
    return [i for i, r in enumerate(result) if isinstance(r, Tensor) and r.requires_grad]


def _select(result: Any, positions: list[int] | None) -> list[Tensor]:
    """The outputs at ``positions`` (so a ``(values, indices)`` pair always yields ``values``, even under no_grad)."""
    if positions is None:
        return [result]
    return [result[i] for i in positions]


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
        fn: called as ``fn(*inputs)``; returns a tensor, or a tuple whose tensors requiring grad are checked
            (others, such as the indices of ``max(dim)``, are ignored).
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
        DTypeError: if a checked input is not float64.
        ArgumentError: if no input requires grad or ``fn`` returns nothing differentiable.
        GradcheckError: naming the op, the input shapes and the worst error found (input, direction, autograd
            and numeric values).

    >>> import numnet
    >>> x = numnet.tensor([1.0, 2.0], dtype=numnet.float64, requires_grad=True)
    >>> gradcheck(lambda t: (t * t).sum(), [x], name="square")
    True
    """
    label = name or getattr(fn, "__name__", repr(fn))
    rng = np.random.default_rng(seed)
    shapes = [tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__ for x in inputs]
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ArgumentError(f"gradcheck: no input of {label} requires grad (input shapes {shapes})")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise DTypeError(f"gradcheck: input {i} of {label} must be float64 for finite differences, "
                             f"got {inputs[i].dtype}")

    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    result = fn(*inputs)
    positions = _differentiable_positions(result)
    outs = _select(result, positions)
    if not outs or not all(o.requires_grad for o in outs):
        raise ArgumentError(f"gradcheck: {label} returned no output that requires grad (input shapes {shapes})")
    cotangents = [rng.standard_normal(o.shape) for o in outs]

    def scalar(args: Sequence[Any]) -> float:
        with no_grad():
            res = _select(fn(*args), positions)
        return float(sum(np.sum(o._data * v) for o, v in zip(res, cotangents)))

    total = sum((o * Tensor(v)).sum() for o, v in zip(outs, cotangents))
    total.backward()

    worst: tuple[float, str] = (0.0, "")
    for i in checked:
        x = inputs[i]
        analytic = np.zeros(x.shape) if x.grad is None else x.grad._data
        if analytic.shape != x.shape:
            raise GradcheckError(f"gradcheck failed for {label} with input shapes {shapes}: the gradient of input {i} "
                                 f"has shape {analytic.shape}, expected {x.shape}")
        if x._data.size <= max_coords:
            directions = np.eye(x._data.size)
            kinds = [f"element {tuple(int(j) for j in np.unravel_index(k, x.shape))}" for k in range(x._data.size)]
        else:
            directions = rng.standard_normal((n_directions, x._data.size))
            directions /= np.linalg.norm(directions, axis=1, keepdims=True)
            kinds = [f"random direction {k}" for k in range(n_directions)]
        base = x._data
        for u, kind in zip(directions, kinds):
            u = u.reshape(x.shape)
            args = list(inputs)
            args[i] = Tensor(base + eps * u)
            plus = scalar(args)
            args[i] = Tensor(base - eps * u)
            minus = scalar(args)
            numeric = (plus - minus) / (2 * eps)
            auto = float(np.sum(analytic * u))
            err = abs(numeric - auto)
            ratio = err / (atol + rtol * abs(auto))
            if not ratio <= 1.0 and (ratio > worst[0] or worst[0] == 0.0):  # NaN counts as a failure
                worst = (ratio if ratio == ratio else np.inf,
                         f"d/d(input {i}) along {kind}: autograd {auto:.10g}, finite differences {numeric:.10g}, "
                         f"error {err:.3g}")
    if worst[1]:
        raise GradcheckError(f"gradcheck failed for {label} with input shapes {shapes}: worst error "
                             f"{worst[1]} (atol {atol}, rtol {rtol})")
    return True
