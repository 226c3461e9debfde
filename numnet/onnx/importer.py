"""``numnet.onnx.load``: an ONNX model (from numnet, ``torch.onnx.export`` or elsewhere) as a trainable Module.

``load`` parses the protobuf (nothing in the file is ever executed), checks the graph (every node input defined,
every op supported: one error lists all the unsupported ones), sorts the nodes topologically, folds constant
subgraphs, and builds an :class:`OnnxModule`:

- Conv / ConvTranspose with a constant weight → ``nn.Conv2d`` / ``nn.ConvTranspose2d``; Gemm with a constant 2-D
  weight → ``nn.Linear``; BatchNormalization with constant statistics → ``nn.BatchNorm2d`` / ``nn.BatchNorm1d``
  (running stats as buffers); Dropout → ``nn.Dropout``. Submodules are named after their weights
  (``features.0.weight`` → ``features_0``), else the node's name, else the op type and a counter.
- Every other float initializer that a node computes with (a PRelu slope, a Mul constant) → a Parameter; integer
  initializers and those only used as shapes, axes or bounds → buffers.
- Everything else runs through numnet's functional and tensor ops at forward, so gradients flow; shapes are
  computed from the actual input (``Shape`` gives an int64 array), so a dynamic batch works.
"""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

from numnet import creation
from numnet import nn
from numnet._grad_mode import no_grad
from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError, UnsupportedOpError
from numnet.onnx import _import_ops as ops
from numnet.onnx import _import_shape  # noqa: F401  (registers the shape, data-movement and Resize ops)
from numnet.onnx._import_ops import Node
from numnet.tensor import Tensor

_WHO = "numnet.onnx.load"
_LAYER_OPS = ("Conv", "ConvTranspose", "Gemm", "BatchNormalization", "Dropout")
_NO_FOLD = ("Dropout",)
_RESERVED = {"training", "source", "opset"}


def _require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ArgumentError(f"{_WHO}: reading ONNX files needs the onnx package: pip install 'numnet[onnx]'") \
            from None
    return onnx


def supported_ops() -> list[str]:
    """The ONNX op types ``load`` can run (default domain)."""
    return sorted(ops.OPS)


class OnnxModule(nn.Module):
    """An ONNX graph run by numnet: ``forward(*inputs)`` executes the nodes in topological order and returns one
    Tensor, or a tuple for several graph outputs. Its layers are real numnet submodules and its weights Parameters,
    so ``train()``/``eval()``, ``parameters()``, ``state_dict()`` and optimizers work as for any Module."""

    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "_plan", [])           # [Node] in run order
        object.__setattr__(self, "_consts", {})         # value name -> np.ndarray (folded constants)
        object.__setattr__(self, "_refs", {})           # value name -> (owner path, attribute) of a Parameter/buffer
        object.__setattr__(self, "_names", {})          # initializer name -> state_dict name (incl. transformed)
        object.__setattr__(self, "_inputs", [])         # [(name, dims, np dtype)]
        object.__setattr__(self, "_outputs", [])        # [name]
        object.__setattr__(self, "source", "")
        object.__setattr__(self, "opset", 0)

    @property
    def input_names(self) -> list[str]:
        return [n for n, _, _ in self._inputs]

    @property
    def output_names(self) -> list[str]:
        return list(self._outputs)

    @property
    def source_names(self) -> dict[str, str]:
        """Each initializer of the file that numnet keeps, mapped to its name in ``state_dict()``
        (``{"features.0.weight": "features_0.weight", ...}``)."""
        return dict(self._names)

    def _ref(self, path: str, attr: str) -> Any:
        owner = self.get_submodule(path) if path else self
        v = getattr(owner, attr)
        return v if attr not in owner._buffers else v.numpy().reshape(v.shape)

    def _check_inputs(self, inputs: tuple) -> list[Tensor]:
        if len(inputs) != len(self._inputs):
            names = ", ".join(repr(n) for n in self.input_names)
            raise ShapeError(f"OnnxModule({self.source}): expected {len(self._inputs)} input(s) ({names}), "
                             f"got {len(inputs)}")
        out = []
        for x, (name, dims, dt) in zip(inputs, self._inputs):
            if not isinstance(x, Tensor):
                x = creation.tensor(np.asarray(x, dtype=dt))
            elif x.dtype != dt:
                raise DTypeError(f"OnnxModule({self.source}): expected input {name!r} to be {np.dtype(dt).name}, "
                                 f"got {np.dtype(x.dtype).name}")
            shown = "(" + ", ".join(str(d) if isinstance(d, int) else str(d or "?") for d in dims) + ")"
            if dims is not None and (x.ndim != len(dims) or any(
                    isinstance(d, int) and i > 0 and d != s for i, (d, s) in enumerate(zip(dims, x.shape)))):
                raise ShapeError(f"OnnxModule({self.source}): expected input {name!r} of shape {shown}, "
                                 f"got {tuple(x.shape)}")
            out.append(x)
        return out

    def forward(self, *inputs: Any) -> Any:
        env: dict[str, Any] = dict(self._consts)
        for name, (path, attr) in self._refs.items():
            env[name] = self._ref(path, attr)
        for (name, _, _), x in zip(self._inputs, self._check_inputs(inputs)):
            env[name] = x
        for node in self._plan:
            names = node.inputs[:1] if node.module else node.inputs  # a layer reads its weights itself
            args = [env[n] if n else None for n in names]
            out = ops.OPS[node.op](node, args, self)
            if len(node.outputs) == 1:
                env[node.outputs[0]] = out
            else:
                for n, v in zip(node.outputs, out):
                    if n:
                        env[n] = v
        res = [env[n] if isinstance(env[n], Tensor) else creation.tensor(np.asarray(env[n])) for n in self._outputs]
        return res[0] if len(res) == 1 else tuple(res)

    def extra_repr(self) -> str:
        return f"source={self.source!r}, opset={self.opset}, nodes={len(self._plan)}"


# ---------------------------------------------------------------- reading

def _read(src: Any, onnx: Any) -> tuple[Any, str]:
    if isinstance(src, onnx.ModelProto):
        return src, "<ModelProto>"
    if isinstance(src, (bytes, bytearray, memoryview)):
        data, where = bytes(src), "<bytes>"
    else:
        where = os.fspath(src)
        with open(where, "rb") as f:
            data = f.read()
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as e:  # protobuf's DecodeError and friends
        raise FileFormatError(f"{_WHO}: {where} is not an ONNX model (truncated or corrupt protobuf: {e})") \
            from None
    if not model.HasField("graph") or model.ir_version <= 0 or not (len(model.graph.node) or len(model.graph.output)):
        raise FileFormatError(f"{_WHO}: {where} is not an ONNX model (expected a ModelProto with an ir_version and "
                              f"a graph, got ir_version={model.ir_version}, {len(model.graph.node)} nodes)")
    return model, where


def _attrs(node: Any, onnx: Any) -> dict:
    out = {}
    for a in node.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            v = onnx.numpy_helper.to_array(a.t)
        elif a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            v = "<graph>"
        else:
            v = onnx.helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            elif isinstance(v, list) and v and isinstance(v[0], bytes):
                v = [s.decode("utf-8", "replace") for s in v]
        out[a.name] = v
    return out


def _dims(vi: Any) -> list | None:
    t = vi.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in t.shape.dim]


def _sort(nodes: list[Node], known: set, where: str) -> list[Node]:
    """Topological order (stable: a sorted graph keeps its order); an input nobody defines is a FileFormatError."""
    produced = {o for n in nodes for o in n.outputs if o}
    for n in nodes:
        for i in n.inputs:
            if i and i not in known and i not in produced:
                raise FileFormatError(f"{_WHO}: {where}: {n.label()} reads {i!r}, which is not a graph input, an "
                                      f"initializer or the output of any node")
    order, remaining, have = [], list(nodes), set(known)
    while remaining:
        left = [n for n in remaining if not all(not i or i in have for i in n.inputs)]
        ready = [n for n in remaining if all(not i or i in have for i in n.inputs)]
        if not ready:
            raise FileFormatError(f"{_WHO}: {where}: the graph has a cycle through {left[0].label()}")
        for n in ready:
            order.append(n)
            have.update(o for o in n.outputs if o)
        remaining = left
    return order


def _name(base: str, taken: set) -> str:
    s = re.sub(r"[^0-9A-Za-z_]", "_", base).strip("_") or "node"
    name, k = s, 1
    while name in taken or name in _RESERVED or hasattr(OnnxModule, name):
        k += 1
        name = f"{s}_{k}"
    taken.add(name)
    return name


# ---------------------------------------------------------------- building

def load(src: Any) -> OnnxModule:
    """Read an ONNX model (a path, its bytes, or an ``onnx.ModelProto``) into a trainable :class:`OnnxModule`.

    Raises:
        FileFormatError: not an ONNX file, truncated, an undefined node input or graph output, external data.
        UnsupportedOpError: the model uses ops numnet cannot run; the message lists every one with its nodes.
    """
    onnx = _require_onnx()
    model, where = _read(src, onnx)
    g = model.graph
    opset = next((imp.version for imp in model.opset_import if imp.domain in ("", "ai.onnx")), None)
    if opset is None:
        raise FileFormatError(f"{_WHO}: {where}: expected an opset_import for the default ONNX domain, got "
                              f"{[(i.domain, i.version) for i in model.opset_import]}")
    for t in g.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            loc = next((e.value for e in t.external_data if e.key == "location"), "?")
            raise FileFormatError(f"{_WHO}: {where}: initializer {t.name!r} keeps its data in an external file "
                                  f"({loc!r}); numnet does not read external data (re-save the model as one file)")
    if len(g.sparse_initializer):
        raise FileFormatError(f"{_WHO}: {where}: sparse initializers are not supported")
    try:
        init = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
    except Exception as e:
        raise FileFormatError(f"{_WHO}: {where}: an initializer cannot be read ({e})") from None
    inputs = [vi for vi in g.input if vi.name not in init]
    nodes = []
    for proto in g.node:
        nodes.append(Node(proto.op_type, proto.name, list(proto.input), list(proto.output), _attrs(proto, onnx), opset))
        nodes[-1].domain = proto.domain

    # one error for every op numnet cannot run
    bad: dict[str, list[str]] = {}
    read = {i for n in nodes for i in n.inputs if i} | {o.name for o in g.output}
    consts_now = dict(init)
    for n in nodes:
        if n.op == "Constant" and "value" in n.attrs:
            consts_now[n.outputs[0]] = n.attrs["value"]
    for n in nodes:
        reason = None
        if n.op not in ops.OPS or n.domain not in ("", "ai.onnx"):
            reason = ""
        elif n.op in ops.CHECKS:
            reason = ops.CHECKS[n.op](n, consts_now)
        if n.op in ("Dropout", "MaxPool") and len(n.outputs) > 1 and n.outputs[1] in read:
            reason = "the mask output of Dropout is not supported"
        if reason is not None:
            bad.setdefault(n.op, []).append(repr(n.name or "?") + (f" ({reason})" if reason else ""))
    if bad:
        listed = "; ".join(f"{op_type}: node{'s' if len(v) > 1 else ''} {', '.join(v)}" for op_type, v in bad.items())
        raise UnsupportedOpError(f"{_WHO}: {where}: unsupported operator(s) {', '.join(bad)} -- {listed}")

    nodes = _sort(nodes, set(init) | {vi.name for vi in inputs}, where)
    for o in g.output:
        if o.name not in init and o.name not in {vi.name for vi in inputs} and \
                not any(o.name in n.outputs for n in nodes):
            raise FileFormatError(f"{_WHO}: {where}: graph output {o.name!r} is not produced by any node")

    # Identity nodes become aliases
    alias: dict[str, str] = {}
    plan: list[Node] = []
    for n in nodes:
        n.inputs = [alias.get(i, i) for i in n.inputs]
        if n.op == "Identity":
            alias[n.outputs[0]] = n.inputs[0]
        else:
            plan.append(n)
    outputs = [alias.get(o.name, o.name) for o in g.output]

    try:
        inferred = onnx.shape_inference.infer_shapes(model).graph
    except Exception:
        inferred = g
    m = OnnxModule()
    object.__setattr__(m, "source", where)
    object.__setattr__(m, "opset", opset)
    taken: set = set()
    owned: set = set()
    counters: dict[str, int] = {}
    dtypes = [init[n.inputs[1]].dtype for n in plan if n.op in ("Conv", "Gemm") and n.inputs[1] in init]
    fdt = dtypes[0].type if dtypes and dtypes[0].kind == "f" else np.float32

    def set_weight(p: Any, value: np.ndarray) -> None:
        with no_grad():
            p.copy_(creation.tensor(np.array(value, dtype=fdt, order="C")))

    def module_name(n: Node, wname: str | None) -> str:
        if wname and wname.endswith(".weight"):
            base = wname[: -len(".weight")]
        elif n.name:
            base = n.name
        else:
            counters[n.op] = counters.get(n.op, 0) + 1
            base = f"{n.op.lower()}_{counters[n.op]}"
        return _name(base, taken)

    for n in plan:
        ins = n.inputs + [""] * 5
        if n.op in ("MaxPool", "AveragePool"):
            n.prep = ops.spatial_prep(n, list(n.a("kernel_shape")))
        if n.op in ("Conv", "ConvTranspose"):
            w = init.get(ins[1])
            kernel = list(n.a("kernel_shape") or (w.shape[2:] if w is not None else []))
            n.prep = ops.spatial_prep(n, kernel)
            if w is None or ins[1] in owned or (ins[2] and ins[2] not in init):
                continue
            b = init.get(ins[2]) if ins[2] else None
            p, group = n.prep, n.a("group", 1)
            if n.op == "Conv":
                layer = nn.Conv2d(w.shape[1] * group, w.shape[0], tuple(kernel), tuple(p["strides"]),
                                  tuple(p["padding"]), tuple(p["dilations"]), group, bias=b is not None, dtype=fdt)
            else:
                outpad = list(n.a("output_padding", [0, 0]))
                runtime = bool(n.a("output_shape")) or p["auto"] in ("SAME_UPPER", "SAME_LOWER")
                padding = [0, 0] if runtime or p["pre"] else p["padding"]
                p["crop"] = "runtime" if runtime else p["pre"]
                layer = nn.ConvTranspose2d(w.shape[0], w.shape[1] * group, tuple(kernel), tuple(p["strides"]),
                                           tuple(padding), tuple(outpad), group, bias=b is not None,
                                           dilation=tuple(p["dilations"]), dtype=fdt)
            set_weight(layer.weight, w)
            if b is not None:
                set_weight(layer.bias, b)
            names = [ins[1]] + ([ins[2]] if b is not None else [])
        elif n.op == "Gemm":
            w, c = init.get(ins[1]), init.get(ins[2]) if ins[2] else None
            if w is None or w.ndim != 2 or n.a("transA", 0) or ins[1] in owned or (ins[2] and c is None):
                continue
            weight = (w if n.a("transB", 0) else w.T) * n.a("alpha", 1.0)
            if c is not None and c.size not in (1, weight.shape[0]):
                continue
            layer = nn.Linear(weight.shape[1], weight.shape[0], bias=c is not None, dtype=fdt)
            set_weight(layer.weight, weight)
            if c is not None:
                set_weight(layer.bias, np.broadcast_to(c.reshape(-1), (weight.shape[0],)) * n.a("beta", 1.0))
            names = [ins[1]] + ([ins[2]] if c is not None else [])
        elif n.op == "BatchNormalization":
            if not all(i in init and i not in owned for i in ins[1:5]):
                continue
            scale, bias, mean, var = (init[i] for i in ins[1:5])
            rank = _rank_of(inferred, n.inputs[0], nodes)
            cls = nn.BatchNorm1d if rank in (2, 3) else nn.BatchNorm2d
            layer = cls(scale.shape[0], eps=n.a("epsilon", 1e-5), momentum=1 - n.a("momentum", 0.9), dtype=fdt)
            set_weight(layer.weight, scale)
            set_weight(layer.bias, bias)
            set_weight(layer.running_mean, mean)
            set_weight(layer.running_var, var)
            names = list(ins[1:5])
        elif n.op == "Dropout":
            if opset < 12:
                ratio = n.a("ratio", 0.5)
            elif ins[1]:
                if ins[1] in init:
                    ratio = float(init[ins[1]])
                elif ins[1] in consts_now:
                    ratio = float(np.asarray(consts_now[ins[1]]))
                else:
                    ratio = 0.5
            else:
                ratio = 0.5
            layer, names = nn.Dropout(ratio), []
        else:
            continue
        n.module = module_name(n, names[0] if names else None)
        m.add_module(n.module, layer)
        attrs = {"Conv": ["weight", "bias"], "ConvTranspose": ["weight", "bias"], "Gemm": ["weight", "bias"],
                 "BatchNormalization": ["weight", "bias", "running_mean", "running_var"]}.get(n.op, [])
        for name, attr in zip(names, attrs):
            owned.add(name)
            m._refs[name] = (n.module, attr)
            m._names[name] = f"{n.module}.{attr}"
        if n.op == "Gemm" and (n.a("alpha", 1.0) != 1.0 or not n.a("transB", 0)):
            for name in names:  # the layer holds a scaled or transposed copy: other readers get the file's value
                m._refs.pop(name)
                owned.discard(name)
                # _names keeps it: the Linear's weight is what trains in its place (as B.T * alpha)

    # the remaining initializers: Parameters if computed with, buffers if only shapes/axes/integers
    dynamic_use: set = set()
    used: set = set()
    for n in plan:
        static = ops.STATIC_INPUTS.get(n.op, ())
        for k, i in enumerate(n.inputs):
            if not i or (n.module and n.op != "Dropout" and k > 0):
                continue  # omitted, or read by its layer
            used.add(i)
            if k not in static:
                dynamic_use.add(i)
    consts: dict[str, np.ndarray] = {}
    for name, value in init.items():
        if name in m._refs or (name not in used and name not in outputs):
            continue
        attr = _name(name, taken)
        if value.dtype.kind == "f" and name in dynamic_use:
            m.register_parameter(attr, nn.Parameter(creation.tensor(np.array(value, order="C"))))
        else:
            m.register_buffer(attr, creation.tensor(np.array(value, order="C")))
            consts[name] = value
        m._refs[name] = ("", attr)
        m._names[name] = attr

    # fold constant subgraphs (Constant nodes, shape arithmetic on constants)
    runtime_plan = []
    for n in plan:
        if n.op == "Cast":
            n.prep["dtype"] = onnx.helper.tensor_dtype_to_np_dtype(n.a("to"))
        if n.op not in _NO_FOLD and not n.module and all(not i or i in consts for i in n.inputs):
            try:
                out = ops.OPS[n.op](n, [consts[i] if i else None for i in n.inputs], m)
            except Exception:
                out = None
            outs = (out,) if len(n.outputs) == 1 else out
            if out is not None and all(isinstance(v, np.ndarray) or v is None for v in outs):
                for name, v in zip(n.outputs, outs):
                    if name and v is not None:
                        consts[name] = v
                        m._consts[name] = v
                continue
        runtime_plan.append(n)
    m._plan.extend(runtime_plan)
    m._outputs.extend(outputs)
    for vi in inputs:
        et = vi.type.tensor_type.elem_type
        dt = onnx.helper.tensor_dtype_to_np_dtype(et) if et else fdt
        m._inputs.append((vi.name, _dims(vi), np.dtype(dt).type))
    return m


def _rank_of(g: Any, name: str, nodes: list[Node]) -> int | None:
    """The rank of a value from the graph's declared shapes or its producer (for choosing BatchNorm1d/2d)."""
    for vi in list(g.value_info) + list(g.input):
        if vi.name == name and vi.type.tensor_type.HasField("shape"):
            return len(vi.type.tensor_type.shape.dim)
    prod = next((n for n in nodes if name in n.outputs), None)
    if prod is None:
        return None
    if prod.op in ("Conv", "ConvTranspose", "MaxPool", "AveragePool"):
        return 4
    if prod.op in ("Gemm", "Flatten", "MatMul"):
        return 2
    if prod.op in ("Relu", "Add", "Mul", "Identity", "Sigmoid", "LeakyRelu") and prod.inputs:
        return _rank_of(g, prod.inputs[0], nodes)
    return None
