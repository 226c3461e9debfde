"""Lower a traced numnet graph (:mod:`numnet.onnx.trace`) to ONNX operators, without the onnx package.

The result is a plain list of :class:`OnnxNode` (op type, input names, output names, attributes) plus initializers
as NumPy arrays. :mod:`numnet.onnx._export` turns it into an ONNX protobuf; :mod:`numnet.onnx.numpy_export` turns
the same list into a standalone NumPy program, so both files compute the same thing.

Canonical form: attributes and inputs follow opset 18 (reductions take ``axes`` as an input, as do ``Squeeze``,
``Unsqueeze``, ``Pad``, ``Clip``); the ONNX writer moves ``axes`` back into an attribute for older opsets. Ops that an
opset lacks are written out in older ones (``Gelu`` before 20, ``LayerNormalization`` before 17, ``HardSwish`` before
14), with the same math.

Each numnet op has one ``_op_<Name>`` function in :mod:`numnet.onnx._lower_ops`. An op without one, or an option ONNX cannot express, is
collected and reported in one :class:`~numnet.errors.ExportError` naming every op and its place in the model.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from numnet.errors import ExportError
from numnet.onnx.trace import BATCH, Graph, Node, ValueRef

MIN_OPSET, MAX_OPSET = 13, 21
_INT64_MAX = np.iinfo(np.int64).max

# ONNX TensorProto element types
ONNX_DTYPES = {np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3, np.dtype(np.int16): 5,
               np.dtype(np.int32): 6, np.dtype(np.int64): 7, np.dtype(np.bool_): 9, np.dtype(np.float16): 10,
               np.dtype(np.float64): 11}


@dataclasses.dataclass
class OnnxNode:
    op_type: str
    inputs: list[str]
    outputs: list[str]
    attrs: dict[str, Any]
    name: str
    scope: str                  # the numnet module the node came from ("" for the model itself)


@dataclasses.dataclass
class Lowered:
    """A model as ONNX operators: what the ONNX writer and the NumPy writer both read."""

    inputs: list[tuple[str, tuple, np.dtype]]       # name, shape (BATCH where symbolic), dtype
    outputs: list[tuple[str, tuple, np.dtype]]
    nodes: list[OnnxNode]
    initializers: dict[str, np.ndarray]
    opset: int
    model_type: str


class _Unsupported(Exception):
    """Raised by an ``_op_`` function: this op, with these options, has no ONNX form."""


class Builder:
    """Collects ONNX nodes and initializers while the numnet nodes are lowered one by one."""

    def __init__(self, graph: Graph, opset: int):
        self.graph, self.opset = graph, opset
        self.nodes: list[OnnxNode] = []
        self.initializers: dict[str, np.ndarray] = {}
        self.alias: dict[str, str] = {}          # numnet value -> the ONNX name that holds it (Identity-free ops)
        self.scope = ""
        self._count = 0
        self._consts: dict[tuple, str] = {}
        self._batch: str | None = None

    # ---------------------------------------------------------------------------------------------- naming
    def name(self, v: str) -> str:
        while v in self.alias:
            v = self.alias[v]
        return v

    def fresh(self, hint: str) -> str:
        """A new ONNX name; ``::`` keeps it apart from the trace's names (``v3``, ``const_2``, ``fc.weight``)."""
        self._count += 1
        return f"{hint}::{self._count}"

    def emit(self, op_type: str, inputs: list[str], attrs: dict | None = None, out: str | None = None) -> str:
        """Add one ONNX node; returns its output name (a fresh one unless ``out`` is given)."""
        out = out or self.fresh(op_type.lower())
        prefix = f"{self.scope}/" if self.scope else ""
        self.nodes.append(OnnxNode(op_type, inputs, [out], dict(attrs or {}), f"{prefix}{op_type}_{len(self.nodes)}",
                                   self.scope))
        return out

    def const(self, value: Any, dtype: Any = np.int64, name: str | None = None) -> str:
        """An initializer holding ``value`` (shared between nodes when the same small value is asked for again)."""
        arr = np.asarray(value, dtype=dtype)
        key = (arr.dtype.str, arr.shape, arr.tobytes()) if arr.size <= 64 and name is None else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = name or self.fresh("const")
        self.initializers[name] = arr
        if key is not None:
            self._consts[key] = name
        return name

    # -------------------------------------------------------------------------------------------- values
    def is_const(self, v: str) -> bool:
        return v in self.graph.constants

    def value(self, v: str) -> np.ndarray:
        return self.graph.constants[v]

    def shape(self, v: str) -> tuple:
        return self.graph.shapes[v]

    def dtype(self, v: str) -> np.dtype:
        return self.graph.dtypes[v]

    def scalar(self, x: float, like: Any) -> str:
        """A 0-d initializer of the dtype of value ``like`` (or of dtype ``like``), for arithmetic with constants."""
        return self.const(x, self.graph.dtypes[like] if isinstance(like, str) else np.dtype(like))

    def shape_tensor(self, dims: tuple) -> str:
        """A 1-D int64 tensor of ``dims``, where BATCH is read at run time from the first graph input."""
        if not any(d is BATCH for d in dims):
            return self.const(list(dims))
        parts, run = [], []
        for d in dims:
            if d is BATCH:
                if run:
                    parts.append(self.const(run))
                    run = []
                parts.append(self.batch_dim())
            else:
                run.append(int(d))
        if run:
            parts.append(self.const(run))
        return parts[0] if len(parts) == 1 else self.emit("Concat", parts, {"axis": 0})

    def batch_dim(self) -> str:
        """A 1-D int64 tensor holding the batch size of the first input (computed once)."""
        if self._batch is None:
            shape = self.emit("Shape", [self.graph.inputs[0]], out="batch_shape")
            self._batch = self.emit("Slice", [shape, self.const([0]), self.const([1])], out="batch_size")
        return self._batch


def _axes_of(axis: Any, ndim: int) -> list[int] | None:
    if axis is None:
        return None
    axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
    return [int(a) % ndim if ndim else int(a) for a in axes]


def _reduce(b: Builder, op_type: str, x: str, axis: Any, keepdims: bool, out: str | None = None,
            ndim: int | None = None) -> str:
    """``op_type`` over ``axis`` (None: all axes); ``ndim`` is needed only for negative axes of a non-traced value."""
    axes = _axes_of(axis, ndim if ndim is not None else len(b.shape(x)) if x in b.graph.shapes else 0)
    ins = [x] if axes is None else [x, b.const(axes)]
    return b.emit(op_type, ins, {"keepdims": int(bool(keepdims))}, out=out)


_LOSSES = {"MSELoss", "CrossEntropy", "SoftCrossEntropy", "NLLLoss", "BCELoss", "BCEWithLogits"}


# ---------------------------------------------------------------------------------------------- passes
def _fuse_linear(graph: Graph) -> list[Node]:
    """MatMul(x, Permute(W, (1, 0))) [+ b] with W, b constants and x 2-D → one ``Linear`` node (Gemm, transB=1).

    ``F.linear`` runs as these three ops; PyTorch exports Linear as one Gemm with the (out, in) weight, and so does
    numnet, which keeps the weight's name and layout for whoever imports the file.
    """
    producer = {o: k for k, nd in enumerate(graph.nodes) for o in nd.outputs}
    uses: dict[str, int] = {}
    for nd in graph.nodes:
        for v in nd.inputs:
            uses[v] = uses.get(v, 0) + 1
    for v in graph.outputs:
        uses[v] = uses.get(v, 0) + 1
    drop: set[int] = set()
    out_nodes: list[Node] = []
    replace: dict[int, Node] = {}
    for k, nd in enumerate(graph.nodes):
        if nd.op != "MatMul" or len(graph.shapes[nd.inputs[0]]) != 2:
            continue
        t = producer.get(nd.inputs[1])
        if t is None:
            continue
        perm = graph.nodes[t]
        if perm.op != "Permute" or tuple(perm.attrs["dims"]) != (1, 0) or perm.inputs[0] not in graph.constants \
                or uses.get(perm.outputs[0], 0) != 1:
            continue
        inputs = [nd.inputs[0], perm.inputs[0]]
        outputs = nd.outputs
        consumers = [j for j, c in enumerate(graph.nodes) if nd.outputs[0] in c.inputs]
        if uses.get(nd.outputs[0], 0) == 1 and len(consumers) == 1:
            add = graph.nodes[consumers[0]]
            bias = add.inputs[1] if add.inputs[0] == nd.outputs[0] else add.inputs[0]
            if add.op == "Add" and bias in graph.constants and graph.constants[bias].ndim == 1:
                inputs.append(bias)
                outputs = add.outputs
                drop.add(consumers[0])
        drop.add(t)
        replace[k] = Node("Linear", inputs, {}, outputs, nd.scope, nd.module_type)
    for k, nd in enumerate(graph.nodes):
        if k in replace:
            out_nodes.append(replace[k])
        elif k not in drop:
            out_nodes.append(nd)
    return out_nodes


def _op_classes() -> dict[str, type]:
    """numnet's op classes by traced name (``ReshapeOp`` → ``Reshape``)."""
    from numnet import autograd, ops

    import importlib
    import pkgutil

    found = {}
    for info in pkgutil.iter_modules(ops.__path__):
        mod = importlib.import_module(f"numnet.ops.{info.name}")
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and issubclass(obj, autograd.Function) and name.endswith("Op") \
                    and obj.__module__ == mod.__name__:
                found[name[:-2]] = obj
    return found


def _has_batch(v: Any) -> bool:
    return v is BATCH or (isinstance(v, (tuple, list)) and any(_has_batch(x) for x in v))


def _fold_constants(graph: Graph, nodes: list[Node]) -> list[Node]:
    """Compute, once, every numnet op whose inputs are all constants (a weight reshaped for ConvTranspose1d, a
    scale times 2): the file then holds the result as a weight, as PyTorch's exporter writes it.

    A reshaped weight used nowhere else keeps its name (``up.weight``); other results are named after the weight
    and the op (``fc.weight.permute``).
    """
    from numnet._grad_mode import no_grad
    from numnet.tensor import Tensor

    classes = None
    uses: dict[str, int] = {}
    for nd in nodes:
        for v in nd.inputs:
            uses[v] = uses.get(v, 0) + 1
    out = []
    for nd in nodes:
        refs = [v for v in nd.attrs.values() if isinstance(v, ValueRef)]
        if nd.op == "Linear" or not nd.inputs or any(v not in graph.constants for v in nd.inputs) \
                or any(r.name not in graph.constants for r in refs):
            out.append(nd)
            continue
        classes = classes or _op_classes()
        cls = classes.get(nd.op)
        if cls is None:
            out.append(nd)
            continue
        attrs = {k: graph.constants[v.name] if isinstance(v, ValueRef) else v for k, v in nd.attrs.items()}
        if any(_has_batch(v) for v in attrs.values()):
            out.append(nd)
            continue
        with no_grad():
            value = cls.apply(*[Tensor(graph.constants[v]) for v in nd.inputs], **attrs)._data
        src = nd.inputs[0]
        name = src if nd.op == "Reshape" and uses.get(src) == 1 and src not in graph.outputs else \
            f"{src}.{nd.op.lower()}"
        while name in graph.constants and name != src:
            name += "_"
        graph.constants[name] = np.array(value)
        graph.shapes[name], graph.dtypes[name] = tuple(value.shape), value.dtype
        for later in nodes:
            later.inputs = [name if v == nd.outputs[0] else v for v in later.inputs]
            later.attrs = {k: ValueRef(name) if isinstance(v, ValueRef) and v.name == nd.outputs[0] else v
                           for k, v in later.attrs.items()}
        graph.outputs = [name if v == nd.outputs[0] else v for v in graph.outputs]
    return out


def lower(graph: Graph, opset: int = 17) -> Lowered:
    """The ONNX operators that compute ``graph`` at ``opset`` (see the module docstring).

    Raises:
        ExportError: one message listing every op that has no ONNX form, with its place in the model.
    """
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"onnx.export: expected opset to be an int in [{MIN_OPSET}, {MAX_OPSET}], got {opset!r}")
    from numnet.onnx import _lower_ops  # the rules (they import this module's Builder)

    b = Builder(graph, opset)
    problems: list[str] = []
    for node in _fold_constants(graph, _fuse_linear(graph)):
        fn = getattr(_lower_ops, f"_op_{node.op}", None)
        where = f"{node.scope or '(the model)'} ({node.module_type})"
        if fn is None:
            why = "a loss is not part of an exported model" if node.op in _LOSSES else "no ONNX form"
            problems.append(f"{node.op} at {where}: {why}")
            continue
        b.scope = node.scope
        try:
            fn(b, node, [b.name(v) for v in node.inputs], node.outputs[0])
        except _Unsupported as exc:
            problems.append(f"{node.op} at {where}: {exc}")
    if problems:
        raise ExportError("onnx.export: cannot export " + "; ".join(problems))
    # outputs that are inputs or constants get an Identity node, so every graph output is a node's output
    outs = []
    for i, v in enumerate(graph.outputs):
        name = b.name(v)
        if name in graph.inputs or name in graph.constants:
            name = b.emit("Identity", [name], out=f"output_{i}")
        outs.append(name)
    used = {v for nd in b.nodes for v in nd.inputs}
    inits = {k: v for k, v in graph.constants.items() if k in used}
    inits.update({k: v for k, v in b.initializers.items() if k in used})
    inputs = [(v, graph.shapes[v], graph.dtypes[v]) for v in graph.inputs]
    outputs = [(name, graph.shapes[v], graph.dtypes[v]) for name, v in zip(outs, graph.outputs)]
    lowered = Lowered(inputs, outputs, b.nodes, inits, opset, graph.model_type)
    return _rename_outputs(lowered)


def _rename_outputs(low: Lowered) -> Lowered:
    """Call the graph outputs ``output`` (``output_i`` for several), as PyTorch's exporter does by default."""
    names = ["output"] if len(low.outputs) == 1 else [f"output_{i}" for i in range(len(low.outputs))]
    mapping = {old: new for (old, _, _), new in zip(low.outputs, names) if old != new}
    if not mapping or any(new in low.initializers for new in mapping.values()):
        return low
    for nd in low.nodes:
        nd.inputs = [mapping.get(v, v) for v in nd.inputs]
        nd.outputs = [mapping.get(v, v) for v in nd.outputs]
    low.outputs = [(mapping.get(n, n), s, d) for n, s, d in low.outputs]
    return low
