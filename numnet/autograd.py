"""Reverse-mode automatic differentiation over a dynamic graph.

Every differentiable primitive is a subclass of :class:`Function` living in ``numnet/ops/``: ``forward`` computes the
result from plain NumPy arrays and keeps on ``self`` only what ``backward`` needs; ``backward`` maps the gradient of
the output to one gradient per input (``None`` for inputs that need none). :meth:`Function.apply` records the call in
the graph when gradients are enabled.

:func:`backward` walks the graph in an explicit, iterative topological order, so a chain of 100,000 operations
differentiates without ``RecursionError``. Gradients of a tensor used several times are summed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor

# the grad modes (no_grad, enable_grad, set_grad_enabled) live in _grad_mode; their names stay here
from numnet._grad_mode import _GradMode, _set_grad_enabled, enable_grad, is_grad_enabled, no_grad  # noqa: E402,F401
from numnet._grad_mode import set_grad_enabled  # noqa: E402,F401
from numnet._grad_mode import _state as _grad_state  # noqa: E402  (read directly on the per-op path)


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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # PyTorch style (``@staticmethod forward(ctx, ...)``): the class gets its own ``apply``; numnet's ops keep
        # Function.apply untouched, so their hot path pays nothing for this.
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            cls.apply = classmethod(_torch_style_apply)  # type: ignore[assignment]

    def __init__(self, *parents: "Tensor") -> None:
        self.parents = parents
        # under no_grad nothing will call backward: forward may skip saving for it. Spelled out for one and two
        # inputs (and the grad mode read from its thread-local directly): this runs once per op on tiny tensors too.
        # ``apply`` inlines these lines for every op that keeps this ``__init__``: change both together.
        if not getattr(_grad_state, "enabled", True):
            self.needs_input_grad = (False,) * len(parents)
        elif len(parents) == 1:
            self.needs_input_grad = (parents[0]._requires_grad,)
        elif len(parents) == 2:
            self.needs_input_grad = (parents[0]._requires_grad, parents[1]._requires_grad)
        else:
            self.needs_input_grad = tuple([p._requires_grad for p in parents])

    def forward(self, *arrays: np.ndarray, **kwargs: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: "Tensor", **kwargs: Any) -> "Tensor":
        """Run ``forward`` on the inputs' arrays and, if any input requires grad, link the result into the graph."""
        n = len(inputs)  # one and two inputs spelled out: a comprehension costs a frame per op
        if cls.__init__ is _function_init and cls.__new__ is _new:  # Function.__init__ inlined (else called)
            ctx = _new(cls)
            ctx.parents = inputs
            if not getattr(_grad_state, "enabled", True):
                ctx.needs_input_grad = (False,) * n
            elif n == 1:
                ctx.needs_input_grad = (inputs[0]._requires_grad,)
            elif n == 2:
                ctx.needs_input_grad = (inputs[0]._requires_grad, inputs[1]._requires_grad)
            else:
                ctx.needs_input_grad = tuple([p._requires_grad for p in inputs])
        else:
            ctx = cls(*inputs)
        if n == 1:  # (and no empty ** dict when there are no keyword arguments)
            out = ctx.forward(inputs[0]._data, **kwargs) if kwargs else ctx.forward(inputs[0]._data)
        elif n == 2:
            out = ctx.forward(inputs[0]._data, inputs[1]._data, **kwargs) if kwargs else \
                ctx.forward(inputs[0]._data, inputs[1]._data)
        else:
            out = ctx.forward(*[t._data for t in inputs], **kwargs)
        from_op = _from_op or _tensor_class()._from_op
        if True in ctx.needs_input_grad:
            t = from_op(out, ctx)
            # versions of the inputs now: backward compares them to find in-place changes made since (_check)
            ctx._snap = (inputs[0]._vbox[0],) if n == 1 else (inputs[0]._vbox[0], inputs[1]._vbox[0]) if n == 2 \
                else tuple([p._vbox[0] for p in inputs])
            if out.base is not None:  # a view of an input shares its storage, hence its version counter
                _share_storage(t, inputs)
            vbox = t._vbox
            ctx._out = (vbox, vbox[0], t._data)
            return t
        t = from_op(out, None)
        if out.base is not None:
            _share_storage(t, inputs)
        return t

    def _release(self) -> None:
        """Drop what forward saved, once backward has used it (``retain_graph=False``)."""
        self.__dict__.clear()
        self.__dict__["_released"] = True

    @property
    def name(self) -> str:
        """The op's name in messages and reprs: the class name without the ``Op`` suffix (``MulOp`` → ``Mul``)."""
        name = type(self).__name__
        return name[:-2] if name.endswith("Op") else name


_function_init = Function.__init__
_new = object.__new__


def _tensor_class() -> type:
    """``numnet.tensor.Tensor``, imported on first use (tensor.py imports this module)."""
    global _Tensor, _from_op
    if _Tensor is None:
        from numnet.tensor import Tensor

        _Tensor = Tensor
        _from_op = Tensor._from_op
    return _Tensor


_Tensor: type | None = None
_from_op: Callable[..., Any] | None = None  # Tensor._from_op, bound once (Function.apply calls it per op)


def _share_storage(t: "Tensor", inputs: tuple) -> None:
    """Make ``t`` (whose array is a view) share the version counter of the input whose memory it views."""
    for p in inputs:
        if np.may_share_memory(t._data, p._data):
            t._vbox = p._vbox
            p._vbox[1] = True  # the storage now has several tensors: a recorded in-place op on it is refused
            return


# ---------------------------------------------------------------------------------------------------- graph nodes
class Node:
    """What ``tensor.grad_fn`` returns: PyTorch's view of a graph node (``name()``, ``next_functions``).

    numnet's graph is made of :class:`Function` instances linked through tensors; a Node is a light handle on one,
    made on demand, so the engine's own data structures stay as they are.
    """

    __slots__ = ("_ctx",)

    def __init__(self, ctx: Function) -> None:
        self._ctx = ctx

    def name(self) -> str:
        """PyTorch's name for the node: ``<Op>Backward0`` (``AddBackward0``, ``MulBackward0``, ...)."""
        return _backward_name(self._ctx)

    @property
    def next_functions(self) -> tuple:
        """One ``(node, 0)`` pair per input: its grad_fn, an :class:`AccumulateGrad` for a leaf that requires
        grad, or ``(None, 0)`` for an input that needs no gradient."""
        out = []
        snap = self._ctx.__dict__.get("_snap")
        for i, p in enumerate(self._ctx.parents):
            p = _resolve(p, snap[i]) if snap else p
            if not p._requires_grad:
                out.append((None, 0))
            elif p._ctx is None:
                out.append((AccumulateGrad(p), 0))
            else:
                out.append((Node(p._ctx), 0))
        return tuple(out)

    @property
    def metadata(self) -> dict:
        return self._ctx.__dict__.setdefault("_metadata", {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other._ctx is self._ctx

    def __hash__(self) -> int:
        return hash(id(self._ctx))

    def __call__(self, *grads: Any) -> Any:
        raise RuntimeError(f"{self.name()}: calling a graph node directly is not supported; use backward()")

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The node of a leaf that requires grad: backward adds into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: "Tensor") -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    next_functions: tuple = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return hash(id(self.variable))

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


# numnet op names whose PyTorch node names differ from "<name>Backward0"
_TORCH_NAMES = {"MatMul": "MmBackward0", "GetItem": "IndexBackward0", "Cast": "ToCopyBackward0",
                "Relu": "ReluBackward0", "ReLU": "ReluBackward0"}


def _backward_name(ctx: Function) -> str:
    if isinstance(ctx, _TorchStyleNode):
        return f"{ctx.fn.__name__}Backward"
    name = ctx.name
    return _TORCH_NAMES.get(name, f"{name}Backward0")


# ---------------------------------------------------------------------------------------------------- PyTorch style
class FunctionCtx:
    """The ``ctx`` of a PyTorch-style :class:`Function`: ``save_for_backward``, ``saved_tensors``,
    ``needs_input_grad``, ``mark_non_differentiable`` and any attribute you set."""

    def save_for_backward(self, *tensors: Any) -> None:
        self._saved = tuple(tensors)
        self._saved_versions = tuple(t._vbox[0] if t is not None and hasattr(t, "_vbox") else None
                                     for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        from numnet.errors import InPlaceError

        saved = self.__dict__.get("_saved", ())
        for i, (t, v) in enumerate(zip(saved, self._saved_versions)):
            if v is not None and t._vbox[0] != v:
                raise InPlaceError(f"backward: saved tensor {i} of {type(self).__name__} was modified by an "
                                   f"in-place operation (version {v} at save, now {t._vbox[0]})")
        return saved

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_diff = tuple(tensors)

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)


class _TorchStyleNode(Function):
    """The graph node of one call of a PyTorch-style Function: backward calls the user's ``backward(ctx, grad)``
    on Tensors and hands arrays back to the engine."""

    def backward(self, grad: np.ndarray) -> tuple:
        from numnet.errors import ArgumentError

        T = _tensor_class()
        with no_grad():
            res = self.fn.backward(self.ctx, T._from_op(grad, None))
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) != self.n_args:
            raise ArgumentError(f"{self.fn.__name__}.backward: returned {len(res)} gradient(s), expected one per "
                                f"argument of forward ({self.n_args})")
        out = []
        for pos in self.positions:
            g = res[pos]
            out.append(None if g is None else (g._data if isinstance(g, T) else np.asarray(g)))
        return tuple(out)


def _torch_style_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``apply`` of a PyTorch-style Function: forward on Tensors without recording, then one graph node whose
    inputs are the tensor arguments."""
    from numnet.errors import ArgumentError

    T = _tensor_class()
    positions = [i for i, a in enumerate(args) if isinstance(a, T)]
    tensors = tuple(args[i] for i in positions)
    enabled = is_grad_enabled()
    ctx = FunctionCtx()
    ctx.needs_input_grad = tuple(bool(enabled and isinstance(a, T) and a._requires_grad) for a in args)
    with no_grad():
        result = cls.forward(ctx, *args, **kwargs)
    if not isinstance(result, T):
        raise ArgumentError(f"{cls.__name__}.forward: expected forward to return one Tensor, got "
                            f"{type(result).__name__} (several outputs are not supported)")
    if not any(ctx.needs_input_grad) or result in ctx.__dict__.get("_non_diff", ()):
        return result if not result._requires_grad else T._from_op(result._data, None)
    node = _TorchStyleNode(*tensors)
    node.fn, node.ctx, node.positions, node.n_args = cls, ctx, positions, len(args)
    node._snap = tuple([p._vbox[0] for p in tensors])
    out = T._from_op(result._data, node)
    if any(result is t for t in tensors) or any(np.may_share_memory(result._data, t._data) for t in tensors):
        _share_storage(out, tensors)
    node._out = (out._vbox, out._vbox[0], out._data)
    return out


# ---------------------------------------------------------------------------------------------------- engine
def _resolve(parent: "Tensor", version: int) -> "Tensor":
    """The tensor an op really read: ``parent`` itself, or, if a recorded in-place op has since rewritten
    ``parent``'s history, the alias that holds the history as of ``version``."""
    hist = parent._history
    if hist is not None:
        for v, alias in hist:
            if version <= v:
                return alias
    return parent


def _parents(ctx: Function) -> list:
    snap = ctx.__dict__.get("_snap")
    if snap is None or len(snap) != len(ctx.parents):
        return list(ctx.parents)
    return [_resolve(p, v) if p._history is not None else p for p, v in zip(ctx.parents, snap)]


def _topological_order(roots: list["Tensor"]) -> list["Tensor"]:
    """Tensors reachable from ``roots`` through ops that need grad, every tensor after all of its inputs.

    An explicit stack replaces recursion: a node is pushed once to expand its inputs and once more (``expanded``)
    to be emitted after them.
    """
    if not isinstance(roots, list):
        roots = [roots]
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(r, False) for r in reversed(roots)]
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
            for parent in _parents(ctx):
                if parent._requires_grad and id(parent) not in visited:
                    stack.append((parent, False))
    return order


def _saves(ctx: Function, arr: np.ndarray) -> bool:
    """Whether ``ctx`` kept (for backward) an array sharing memory with ``arr``."""
    for k, v in ctx.__dict__.items():
        if k == "_out":
            continue
        items = v if isinstance(v, (tuple, list)) else (v,)
        for x in items:
            if isinstance(x, np.ndarray) and np.may_share_memory(x, arr):
                return True
    return False


def _check(ctx: Function) -> None:
    """Raise if an input or the output of ``ctx`` was changed in place after the op ran and the op saved it."""
    from numnet.errors import InPlaceError

    if "_released" in ctx.__dict__:
        raise RuntimeError(f"backward: trying to backward through the graph a second time (through "
                           f"{_backward_name(ctx)}); pass retain_graph=True to the first backward() call")
    snap = ctx.__dict__.get("_snap")
    if snap is not None:
        for i, (p, v) in enumerate(zip(ctx.parents, snap)):
            if p._vbox[0] != v and _saves(ctx, p._data):
                raise InPlaceError(
                    f"backward: one of the variables needed for gradient computation has been modified by an "
                    f"in-place operation: input {i} (shape {p.shape}) of {_backward_name(ctx)} is at version "
                    f"{p._vbox[0]}; expected version {v} instead")
    out = ctx.__dict__.get("_out")
    if out is not None and out[0][0] != out[1] and _saves(ctx, out[2]):
        raise InPlaceError(f"backward: one of the variables needed for gradient computation has been modified by "
                           f"an in-place operation: the output of {_backward_name(ctx)} is at version {out[0][0]}; "
                           f"expected version {out[1]} instead")


def _run(roots: list["Tensor"], root_grads: list[np.ndarray], retain_graph: bool,
         capture: list["Tensor"] | None = None) -> list[np.ndarray | None] | None:
    """The engine. Without ``capture`` it accumulates into ``.grad`` of leaves (and of tensors that retain grad);
    with ``capture`` it returns the gradient of each captured tensor and touches no ``.grad``."""
    from numnet.tensor import Tensor

    if capture is None:
        _final_callbacks.clear()  # left by a backward that raised half-way
    order = _topological_order(roots)
    for node in order:  # fail before any .grad is touched
        if node._ctx is not None:
            _check(node._ctx)
    grads: dict[int, np.ndarray] = {}
    for r, g in zip(roots, root_grads):
        grads[id(r)] = grads[id(r)] + g if id(r) in grads else g
    wanted = None if capture is None else {id(t): i for i, t in enumerate(capture)}
    found: list[np.ndarray | None] = [None] * (len(capture) if capture is not None else 0)
    with no_grad():
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._hooks:
                for hook in list(node._hooks.values()):
                    new = hook(Tensor._from_op(g, None))
                    if new is not None:
                        g = np.asarray(new._data if isinstance(new, Tensor) else new, dtype=node._data.dtype)
                        if g.shape != node.shape:
                            raise RuntimeError(f"backward: a hook returned a gradient of shape {g.shape} for a "
                                               f"tensor of shape {node.shape}")
            ctx = node._ctx
            if wanted is not None:
                if id(node) in wanted:
                    found[wanted[id(node)]] = g
                if ctx is None:
                    continue
            elif ctx is None or node._retains_grad:
                if node.grad is None:
                    node.grad = Tensor(np.array(g, dtype=node._data.dtype, copy=True))
                else:
                    node.grad = Tensor(node.grad._data + g.astype(node._data.dtype, copy=False))
                if ctx is None:
                    if node._post_hooks:
                        for hook in list(node._post_hooks.values()):
                            hook(node)
                    continue
            in_grads = ctx.backward(g)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(ctx.parents):
                raise RuntimeError(f"backward: {ctx.name}.backward returned {len(in_grads)} gradient(s) "
                                   f"for {len(ctx.parents)} input(s)")
            for i, (parent, pg, need) in enumerate(zip(_parents(ctx), in_grads, ctx.needs_input_grad)):
                if pg is None or not need:
                    continue
                pdata = parent._data
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
    if capture is None:
        while _final_callbacks:
            _final_callbacks.pop(0)()
    return found if capture is not None else None


_final_callbacks: list = []


def queue_callback(fn: "Callable[[], None]") -> None:
    """Run ``fn()`` once, when the ``backward`` now running has finished (after every leaf's ``.grad`` is set);
    PyTorch's ``Variable._execution_engine.queue_callback``. DistributedDataParallel waits for its allreduces
    there."""
    _final_callbacks.append(fn)


def backward(root: "Tensor", gradient: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf), contracted with ``gradient``, into ``leaf.grad`` for every leaf requiring grad.

    Raises:
        RuntimeError: when part of the graph was already freed by an earlier ``backward`` without
            ``retain_graph=True``, or when an op's ``backward`` returns a gradient of the wrong shape or count.
        InPlaceError: when a tensor an op saved for backward was changed in place after the op ran.
    """
    _run([root], [gradient], retain_graph)


def _grad_arrays(outputs: list["Tensor"], grad_outputs: Any, op: str) -> list[np.ndarray]:
    from numnet.errors import ShapeError
    from numnet.tensor import Tensor, _to_array

    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor) or not isinstance(grad_outputs, (tuple, list)):
        grad_outputs = [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ShapeError(f"{op}: expected one grad_output per output ({len(outputs)}), got {len(grad_outputs)}")
    out = []
    for o, g in zip(outputs, grad_outputs):
        if g is None:
            if o._data.size != 1:
                raise ShapeError(f"{op}: grad can be implicitly created only for scalar outputs, got an output of "
                                 f"shape {o.shape}; pass grad_outputs")
            out.append(np.ones(o.shape, dtype=o.dtype))
        else:
            arr = np.array(_to_array(g, o.dtype))
            if arr.shape != o.shape:
                raise ShapeError(f"{op}: grad_output has shape {arr.shape} but the output has shape {o.shape}")
            out.append(arr)
    return out


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned as a tuple (``.grad`` is not touched):
    ``Σ_k grad_outputs[k] · ∂outputs[k]/∂inputs[i]`` for each input ``i``.

    Differences from PyTorch: ``create_graph=True`` (higher-order derivatives) is not supported, because numnet's
    ops compute their backward on arrays, outside the graph; it raises ArgumentError.

    Raises:
        ArgumentError: for ``create_graph=True``, or an input that is not used by the outputs (unless
            ``allow_unused=True``, which gives ``None`` for it, or ``materialize_grads=True``, zeros).
        RuntimeError: if an output does not require grad.
    """
    from numnet.errors import ArgumentError
    from numnet.tensor import Tensor

    if create_graph:
        raise ArgumentError("grad: create_graph=True (higher-order gradients) is not supported by numnet; the ops' "
                            "backward runs on arrays, outside the graph")
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for i, t in enumerate(outs + ins):
        if not isinstance(t, Tensor):
            raise ArgumentError(f"grad: expected outputs and inputs to be Tensors, got {type(t).__name__}")
    for o in outs:
        if not o.requires_grad:
            raise RuntimeError("grad: element 0 of tensors does not require grad and does not have a grad_fn")
    for t in ins:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the differentiated Tensors does not require grad")
    gs = _grad_arrays(outs, grad_outputs, "grad")
    found = _run(outs, gs, bool(retain_graph), capture=ins)
    result = []
    for i, (t, g) in enumerate(zip(ins, found)):
        if g is None:
            if materialize_grads:
                g = np.zeros(t.shape, dtype=t.dtype)
            elif not allow_unused:
                raise ArgumentError(f"grad: input {i} was not used in the graph of the outputs; pass "
                                    "allow_unused=True to get None for it")
        result.append(None if g is None else Tensor(np.array(g, dtype=t.dtype, copy=True)))
    return tuple(result)


def gradcheck(func: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **kwargs: Any) -> bool:
    """PyTorch's ``torch.autograd.gradcheck``: compare autograd with finite differences (float64 inputs).

    Wraps :func:`numnet.testing.gradcheck`. ``inputs`` is a Tensor or a tuple of arguments. Returns True, or raises
    GradcheckError (returns False with ``raise_exception=False``). Other torch options (``nondet_tol``,
    ``check_undefined_grad``, ...) are accepted and ignored.
    """
    from numnet.errors import GradcheckError
    from numnet.testing import gradcheck as _gradcheck
    from numnet.tensor import Tensor

    args = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    try:
        return _gradcheck(func, args, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
