"""Trace one forward pass of any Module into a graph of numnet ops.

Every differentiable primitive in numnet is a :class:`~numnet.autograd.Function` called through
``Function.apply``, with arrays and already-normalised arguments (see docs/architecture.md). While a trace runs,
``apply`` also writes down each call: the op, which values went in, its keyword arguments, which value came out, and
the module that was running. A tensor that went in without coming out of a recorded op is a constant: a parameter
or buffer (named by its place in the model, ``features.0.weight``) or another constant (``const_3``).

Two guards make sure the graph computes what the model computes, for every input, not just the example:

- **The model is traced twice**, on the example and on a second input with other values (and, for a symbolic batch
  dimension, one more row). The two tapes must agree op for op; a constant that differs between them was computed
  from the input outside the traced ops (a comparison, ``.numpy()``, a Python branch on values) and is refused.
- **Shapes that follow the batch.** An argument such as the target shape of ``x.view(x.size(0), -1)`` holds the batch
  size. Where an integer equals the batch size in the first trace and batch + 1 in the second, it is marked
  :data:`BATCH`; the ONNX writer turns it into a dynamic dimension. Any other difference is refused.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Sequence

import numpy as np

from numnet import autograd, kernels
from numnet._grad_mode import no_grad
from numnet.errors import ExportError
from numnet.nn.module import Module
from numnet.tensor import Tensor


class _Batch:
    """The symbolic batch size in a traced argument (``BATCH``)."""

    def __repr__(self) -> str:
        return "BATCH"


BATCH = _Batch()

# keyword arguments that carry an array computed from the op's own input by its caller, not a constant
_DERIVED = {"MaxDim": ("indices",)}


@dataclasses.dataclass
class Node:
    """One recorded op call: ``outputs = op(inputs, **attrs)``, run inside the module at ``scope``."""

    op: str                     # the op's name: the Function class name without "Op" ("Conv2d", "Add")
    inputs: list[str]           # value names, in the op's positional order
    attrs: dict[str, Any]       # the op's keyword arguments (a ValueRef where an argument is a traced value)
    outputs: list[str]
    scope: str                  # module path ("features.0"), "" for the model itself
    module_type: str            # that module's class name


@dataclasses.dataclass(frozen=True)
class ValueRef:
    """A keyword argument that is a traced value (an array computed from the input), by name."""

    name: str


@dataclasses.dataclass
class Graph:
    """A traced model: inputs, nodes in execution order, outputs, and the constants they read."""

    inputs: list[str]
    outputs: list[str]
    nodes: list[Node]
    constants: dict[str, np.ndarray]           # parameters and buffers by model name; other constants const_N
    shapes: dict[str, tuple]                   # every value's shape, BATCH where it follows the batch
    dtypes: dict[str, np.dtype]
    model_type: str = ""

    def consumers(self, name: str) -> list[Node]:
        return [n for n in self.nodes if name in n.inputs or any(isinstance(v, ValueRef) and v.name == name
                                                                  for v in n.attrs.values())]


class _Tape:
    """What one traced forward pass recorded (see the module docstring)."""

    def __init__(self, model: Module):
        self.names: dict[int, str] = {}          # id(Tensor) or id(ndarray) -> value or constant name
        self.keep: list[Any] = []                # everything whose id is a key: keeps ids from being reused
        self.nodes: list[Node] = []
        self.constants: dict[str, np.ndarray] = {}
        self.shapes: dict[str, tuple] = {}
        self.dtypes: dict[str, np.dtype] = {}
        self.values: set[str] = set()
        self.scope: list[Module] = []
        self.module_names = {id(m): name for name, m in model.named_modules()}
        self.param_names: dict[int, str] = {}
        for name, t in list(model.named_parameters()) + list(model.named_buffers()):
            self.param_names.setdefault(id(t), name)
            self.param_names.setdefault(id(t._data), name)
        self.model = model

    def _value(self, name: str, obj: Any, arr: np.ndarray) -> str:
        self.names[id(obj)] = name
        self.names[id(arr)] = name
        self.keep += [obj, arr]
        self.values.add(name)
        self.shapes[name], self.dtypes[name] = tuple(arr.shape), arr.dtype
        return name

    def input(self, t: Tensor, name: str) -> str:
        return self._value(name, t, t._data)

    def _constant(self, obj: Any, arr: np.ndarray) -> str:
        name = self.names.get(id(obj)) or self.names.get(id(arr))
        if name is not None:
            return name
        name = self.param_names.get(id(obj)) or self.param_names.get(id(arr)) or f"const_{len(self.constants)}"
        self.names[id(obj)] = self.names[id(arr)] = name
        self.keep += [obj, arr]
        self.constants[name] = np.array(arr)
        self.shapes[name], self.dtypes[name] = tuple(arr.shape), arr.dtype
        return name

    def ref(self, t: Tensor) -> str:
        """The name of a tensor going into an op: a traced value, or a constant registered now."""
        return self.names.get(id(t)) or self._constant(t, t._data)

    def record(self, op: str, inputs: Sequence[Tensor], kwargs: dict, out: Tensor) -> None:
        ins = [self.ref(t) for t in inputs]
        attrs: dict[str, Any] = {}
        for k, v in kwargs.items():
            if isinstance(v, np.ndarray) and k not in _DERIVED.get(op, ()):
                name = self.names.get(id(v))
                if name is not None and name in self.values:
                    attrs[k] = ValueRef(name)
                    continue
                if id(v) in self.param_names:
                    attrs[k] = ValueRef(self._constant(v, v))
                    continue
            attrs[k] = v
        scope = self.scope[-1] if self.scope else self.model
        name = f"v{len(self.nodes)}"
        self.nodes.append(Node(op, ins, attrs, [name], self.module_names.get(id(scope), "?"), type(scope).__name__))
        self._value(name, out, out._data)


_active: list[_Tape] = []


def _traced_apply(cls: type, *inputs: Tensor, **kwargs: Any) -> Tensor:
    out = _plain_apply(cls, *inputs, **kwargs)
    if _active:
        name = cls.__name__
        _active[-1].record(name[:-2] if name.endswith("Op") else name, inputs, kwargs, out)
    return out


_plain_apply = autograd.Function.__dict__["apply"].__func__


def _traced_call(self: Module, *args: Any, **kwargs: Any) -> Any:
    tape = _active[-1]
    tape.scope.append(self)
    try:
        return _plain_call(self, *args, **kwargs)
    finally:
        tape.scope.pop()


_plain_call = Module.__call__


def _run(model: Module, inputs: Sequence[Tensor], names: Sequence[str]) -> tuple[_Tape, list[Tensor]]:
    """One forward pass of ``model`` with ``Function.apply`` and ``Module.__call__`` recording into a new tape."""
    tape = _Tape(model)
    for t, n in zip(inputs, names):
        tape.input(t, n)
    _active.append(tape)
    autograd.Function.apply = classmethod(_traced_apply)
    Module.__call__ = _traced_call
    try:
        # the written layer order (no ReLU→MaxPool swap): the exported graph reads like the model
        with no_grad(), kernels.using(fuse_relu_pool=False):
            out = model(*inputs)
    finally:
        _active.pop()
        if not _active:
            autograd.Function.apply = classmethod(_plain_apply)
            Module.__call__ = _plain_call
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise ExportError(f"onnx.export: expected the model to return a Tensor or a tuple of Tensors, "
                              f"got {type(o).__name__} at output {i}")
    return tape, outs


def _as_inputs(example: Any) -> list[Tensor]:
    items = list(example) if isinstance(example, (tuple, list)) else [example]
    out = []
    for i, x in enumerate(items):
        if isinstance(x, np.ndarray):
            x = Tensor(x)
        if not isinstance(x, Tensor):
            raise ExportError(f"onnx.export: expected example_input to be a Tensor, an array or a tuple of them, "
                              f"got {type(x).__name__} at position {i}")
        if x.ndim == 0:
            raise ExportError("onnx.export: expected example_input to have a batch dimension, got a 0-d tensor")
        out.append(x)
    return out


def _second_inputs(inputs: list[Tensor], extra_row: bool) -> list[Tensor]:
    """Inputs with other values (same dtype, similar scale) and, for a symbolic batch, one more row."""
    rng = np.random.default_rng(12345)
    out = []
    for x in inputs:
        a = x._data
        shape = (a.shape[0] + extra_row,) + a.shape[1:]
        if a.dtype.kind == "f":
            scale = float(np.std(a)) or 1.0
            b = (rng.standard_normal(shape) * scale + float(np.mean(a))).astype(a.dtype)
        elif a.dtype.kind == "b":
            b = rng.random(shape) < 0.5
        else:
            lo, hi = int(a.min()), int(a.max())
            b = rng.integers(lo, hi + 1, size=shape).astype(a.dtype)
        out.append(Tensor(b))
    return out


def _same(a: Any, b: Any, batch: tuple[int, int] | None) -> Any:
    """``a`` if two traced arguments agree, with BATCH where ``a``/``b`` are the two batch sizes; else raise."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype \
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
            return a
        raise _Differs()
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and len(a) == len(b) and type(a) is type(b):
        return type(a)(_same(x, y, batch) for x, y in zip(a, b))
    if isinstance(a, (int, np.integer)) and not isinstance(a, bool) and isinstance(b, (int, np.integer)) \
            and not isinstance(b, bool) and a != b:
        if batch is not None and (a, b) == batch:
            return BATCH
        raise _Differs()
    if type(a) is not type(b) or a != b:
        raise _Differs()
    return a


class _Differs(Exception):
    pass


def _where(node: Node) -> str:
    return f"{node.op} in {node.scope or 'the model'} ({node.module_type})"


def trace(model: Module, example_input: Any, dynamic_batch: bool = True,
          input_names: Iterable[str] | None = None) -> Graph:
    """Trace ``model`` (in eval mode) on ``example_input`` into a :class:`Graph`, checked by a second trace.

    Raises:
        ExportError: the model's computation cannot be written as a graph (see the module docstring).
    """
    inputs = _as_inputs(example_input)
    names = list(input_names) if input_names is not None else (
        ["input"] if len(inputs) == 1 else [f"input_{i}" for i in range(len(inputs))])
    if len(names) != len(inputs):
        raise ExportError(f"onnx.export: expected {len(inputs)} input names, got {len(names)}")
    was_training = model.training
    model.eval()
    try:
        tape, outs = _run(model, inputs, names)
        tape2, outs2 = _run(model, _second_inputs(inputs, dynamic_batch), names)
    finally:
        model.train(was_training)
    batch = (inputs[0].shape[0], inputs[0].shape[0] + 1) if dynamic_batch else None
    if len(tape.nodes) != len(tape2.nodes) or len(outs) != len(outs2):
        raise ExportError("onnx.export: the model ran different ops on two inputs (control flow that depends on "
                          "the input's values or batch size cannot be exported as one graph)")
    for n1, n2 in zip(tape.nodes, tape2.nodes):
        if n1.op != n2.op or n1.inputs != n2.inputs or n1.scope != n2.scope or set(n1.attrs) != set(n2.attrs):
            raise ExportError(f"onnx.export: the model ran different ops on two inputs at {_where(n1)} (control "
                              f"flow that depends on the input cannot be exported as one graph)")
        for k in n1.attrs:
            if k in _DERIVED.get(n1.op, ()):
                n1.attrs[k] = None
                continue
            try:
                n1.attrs[k] = _same(n1.attrs[k], n2.attrs[k], batch)
            except _Differs:
                raise ExportError(f"onnx.export: argument {k!r} of {_where(n1)} depends on the input's values "
                                  f"(it was computed outside numnet's ops, so a graph cannot reproduce it)") from None
    for name, arr in tape.constants.items():
        other = tape2.constants.get(name)
        try:
            _same(arr, other, None)
        except _Differs:
            user = next((n for n in tape.nodes if name in n.inputs), None)
            where = _where(user) if user is not None else "the model's output"
            raise ExportError(f"onnx.export: a tensor read by {where} depends on the input but was computed "
                              f"outside numnet's ops (a comparison, .numpy(), a new tensor of the input's size); "
                              f"a graph cannot reproduce it") from None
    out_names = [tape.ref(o) for o in outs]
    if [tape2.ref(o) for o in outs2] != out_names:
        raise ExportError("onnx.export: the model's outputs came from different values on two inputs")
    shapes = {}
    for name, shp in tape.shapes.items():
        shp2 = tape2.shapes.get(name, shp)
        shapes[name] = tuple(BATCH if batch is not None and (a, b) == batch else a for a, b in zip(shp, shp2)) \
            if len(shp) == len(shp2) else shp
    graph = Graph(names, out_names, tape.nodes, tape.constants, shapes, tape.dtypes, type(model).__name__)
    return _prune(graph)


def _prune(graph: Graph) -> Graph:
    """Drop nodes no output depends on, and the constants only they read."""
    needed = set(graph.outputs)
    kept = []
    for node in reversed(graph.nodes):
        if any(o in needed for o in node.outputs):
            kept.append(node)
            needed.update(node.inputs)
            needed.update(v.name for v in node.attrs.values() if isinstance(v, ValueRef))
    graph.nodes = kept[::-1]
    graph.constants = {k: v for k, v in graph.constants.items() if k in needed}
    return graph
