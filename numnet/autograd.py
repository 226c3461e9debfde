"""Reverse-mode automatic differentiation over a dynamic graph.

Every differentiable primitive is a subclass of :class:`Function` living in ``numnet/ops/``: ``forward`` computes the
result from plain NumPy arrays and keeps on ``self`` only what ``backward`` needs; ``backward`` maps the gradient of
the output to one gradient per input (``None`` for inputs that need none). :meth:`Function.apply` records the call in
the graph when gradients are enabled.

:func:`backward` walks the graph in an explicit, iterative topological order, so a chain of 100,000 operations
differentiates without ``RecursionError``. Gradients of a tensor used several times are summed.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor

_state = threading.local()
F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Whether operations are currently recorded for differentiation."""
    return getattr(_state, "enabled", True)


def _set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """Context manager and decorator that sets gradient recording to ``self.mode`` and restores it afterwards."""

    mode = True

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set_grad_enabled(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_grad_enabled(self._prev)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Disable gradient recording inside a ``with`` block or a decorated function (like ``torch.no_grad``).

    >>> import numnet
    >>> x = numnet.tensor([1.0], requires_grad=True)
    >>> with numnet.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Re-enable gradient recording inside a ``no_grad`` region."""

    mode = True


class Function:
    """A differentiable primitive: ``forward`` on arrays, ``backward`` (the vector-Jacobian product) beside it.

    Subclasses implement ``forward(self, *arrays, **kwargs) -> np.ndarray`` and
    ``backward(self, grad) -> np.ndarray | None | tuple``. ``self.needs_input_grad[i]`` tells whether input ``i``
    needs a gradient, so ``backward`` can skip work.
    """

    __slots__ = ("parents", "needs_input_grad", "__dict__")

    def __init__(self, *parents: "Tensor") -> None:
        self.parents = parents
        self.needs_input_grad = tuple(p.requires_grad for p in parents)

    def forward(self, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: "Tensor", **kwargs: Any) -> "Tensor":
        """Run ``forward`` on the inputs' arrays and, if any input requires grad, link the result into the graph."""
        from numnet.tensor import Tensor

        ctx = cls(*inputs)
        out = ctx.forward(*[t.data for t in inputs], **kwargs)
        requires = is_grad_enabled() and any(ctx.needs_input_grad)
        return Tensor._from_op(out, ctx if requires else None)

    def _release(self) -> None:
        """Drop what forward saved, once backward has used it (``retain_graph=False``)."""
        self.__dict__.clear()
        self.__dict__["_released"] = True

    @property
    def name(self) -> str:
        return type(self).__name__


def _topological_order(root: "Tensor") -> list["Tensor"]:
    """Tensors reachable from ``root`` through ops that need grad, every tensor after all of its inputs."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for parent in ctx.parents:
                if parent.requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def backward(root: "Tensor", gradient: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), contracted with ``gradient``, into ``leaf.grad`` for every leaf requiring grad."""
    from numnet.tensor import Tensor

    order = _topological_order(root)
    grads: dict[int, np.ndarray] = {id(root): gradient}
    with no_grad():
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            ctx = node._ctx
            if ctx is None or node._retains_grad:
                g = np.asarray(g, dtype=node.data.dtype)
                if node.grad is None:
                    node.grad = Tensor(np.array(g, copy=True))
                else:
                    node.grad = Tensor(node.grad.data + g)
                if ctx is None:
                    continue
            if getattr(ctx, "_released", False):
                raise RuntimeError(
                    "backward: trying to backward through the graph a second time; "
                    "pass retain_graph=True to the first backward() call"
                )
            in_grads = ctx.backward(g)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_input_grad):
                if pg is None or not need:
                    continue
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + pg
                else:
                    grads[key] = pg
            if not retain_graph:
                ctx._release()
