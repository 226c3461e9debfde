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
    """Context manager and decorator that sets gradient recording to ``self.mode`` and restores it afterwards.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``; the previous mode comes back in every case,
    also when the block raises. One instance may be entered several times (nested or recursive use).
    """

    mode = True

    def __new__(cls, *args: Any, **kwargs: Any):
        self = super().__new__(cls)
        if len(args) == 1 and callable(args[0]) and not kwargs and cls.__init__ is _GradMode.__init__:
            return self(args[0])  # bare ``@no_grad`` on a function
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._prev: list[bool] = []

    def __enter__(self) -> None:
        self._prev.append(is_grad_enabled())
        _set_grad_enabled(self.mode)

    def __exit__(self, *exc: object) -> None:
        _set_grad_enabled(self._prev.pop())

    def _clone(self) -> "_GradMode":
        return self.__class__()

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
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


class set_grad_enabled(_GradMode):
    """Set gradient recording to ``mode``: at once when called, and as a context manager restoring the old mode.

    >>> import numnet
    >>> with numnet.autograd.set_grad_enabled(False):
    ...     numnet.is_grad_enabled()
    False
    """

    def __init__(self, mode: bool) -> None:
        super().__init__()
        self.mode = bool(mode)
        self._prev.append(is_grad_enabled())
        _set_grad_enabled(self.mode)

    def __enter__(self) -> None:
        pass  # the mode was already set by __init__ (as in PyTorch)

    def _clone(self) -> "_GradMode":
        clone = _GradMode()
        clone.mode = self.mode
        return clone


class Function:
    """A differentiable primitive: ``forward`` on arrays, ``backward`` (the vector-Jacobian product) beside it.

    Subclasses implement ``forward(self, *arrays, **kwargs) -> np.ndarray`` and
    ``backward(self, grad) -> np.ndarray | None | tuple`` (one entry per input, each with that input's shape).
    ``self.needs_input_grad[i]`` tells whether input ``i`` needs a gradient (never under ``no_grad``), so ``forward``
    can skip saving and ``backward`` can skip work.
    ``backward`` must not write into ``grad`` (the same array may be handed to several ops) and may return read-only
    views; the engine checks each returned gradient's shape and casts it to its input's dtype.

    >>> import numpy as np, numnet
    >>> class Square(Function):
    ...     def forward(self, a):
    ...         self.a = a
    ...         return a * a
    ...     def backward(self, grad):
    ...         return 2 * self.a * grad
    >>> x = numnet.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad
    tensor([6.])
    """

    __slots__ = ("parents", "needs_input_grad", "__dict__")

    def __init__(self, *parents: "Tensor") -> None:
        self.parents = parents
        enabled = is_grad_enabled()  # under no_grad nothing will call backward: forward may skip saving for it
        self.needs_input_grad = tuple([enabled and p._requires_grad for p in parents])

    def forward(self, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: "Tensor", **kwargs: Any) -> "Tensor":
        """Run ``forward`` on the inputs' arrays and, if any input requires grad, link the result into the graph."""
        ctx = cls(*inputs)
        out = ctx.forward(*[t.data for t in inputs], **kwargs)
        requires = any(ctx.needs_input_grad)
        return _tensor_class()._from_op(out, ctx if requires else None)

    def _release(self) -> None:
        """Drop what forward saved, once backward has used it (``retain_graph=False``)."""
        self.__dict__.clear()
        self.__dict__["_released"] = True

    @property
    def name(self) -> str:
        """The op's name in messages and reprs: the class name without the ``Op`` suffix (``MulOp`` → ``Mul``)."""
        name = type(self).__name__
        return name[:-2] if name.endswith("Op") else name


def _tensor_class() -> type:
    """``numnet.tensor.Tensor``, imported on first use (tensor.py imports this module)."""
    global _Tensor
    if _Tensor is None:
        from numnet.tensor import Tensor

        _Tensor = Tensor
    return _Tensor


_Tensor: type | None = None


def _topological_order(root: "Tensor") -> list["Tensor"]:
    """Tensors reachable from ``root`` through ops that need grad, every tensor after all of its inputs.

    An explicit stack replaces recursion: a node is pushed once to expand its inputs and once more (``expanded``)
    to be emitted after them.
    """
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
                if parent._requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def backward(root: "Tensor", gradient: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), contracted with ``gradient``, into ``leaf.grad`` for every leaf requiring grad.

    Raises:
        RuntimeError: when part of the graph was already freed by an earlier ``backward`` without
            ``retain_graph=True``, or when an op's ``backward`` returns a gradient of the wrong shape or count.
    """
    from numnet.tensor import Tensor

    order = _topological_order(root)
    for node in order:  # fail before any .grad is touched
        if node._ctx is not None and "_released" in node._ctx.__dict__:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time (through {node._ctx.name}); "
                "pass retain_graph=True to the first backward() call"
            )
    grads: dict[int, np.ndarray] = {id(root): gradient}
    with no_grad():
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            ctx = node._ctx
            if ctx is None or node._retains_grad:
                if node.grad is None:
                    node.grad = Tensor(np.array(g, dtype=node.data.dtype, copy=True))
                else:
                    node.grad = Tensor(node.grad.data + g.astype(node.data.dtype, copy=False))
                if ctx is None:
                    continue
            in_grads = ctx.backward(g)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(ctx.parents):
                raise RuntimeError(f"backward: {ctx.name}.backward returned {len(in_grads)} gradient(s) "
                                   f"for {len(ctx.parents)} input(s)")
            for i, (parent, pg, need) in enumerate(zip(ctx.parents, in_grads, ctx.needs_input_grad)):
                if pg is None or not need:
                    continue
                pdata = parent.data
                if pg.shape != pdata.shape:
                    raise RuntimeError(f"backward: {ctx.name}.backward returned a gradient of shape {pg.shape} "
                                       f"for input {i} of shape {pdata.shape}")
                if pg.dtype != pdata.dtype:
                    pg = pg.astype(pdata.dtype)
                key = id(parent)
                if key in grads:
                    grads[key] = grads[key] + pg
                else:
                    grads[key] = pg
            if not retain_graph:
                ctx._release()
