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
from numnet.errors import ArgumentError, DTypeError, FileFormatError, NumnetError, ShapeError, UnsupportedOpError
from numnet.onnx import _import_ops as ops
from numnet.onnx import _import_shape  # noqa: F401  (registers the shape, data-movement and Resize ops)
from numnet.onnx._import_ops import Node
from numnet.tensor import Tensor

_WHO = "numnet.onnx.load"
_NO_FOLD = ("Dropout",)
_MAX_OPSET = 21  # the newest opset whose operators are read here (onnx 1.23 knows up to 23)
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

    def _float_dtype(self) -> Any:
        """The dtype of the weights now (after ``.double()``, float64 inputs are what the model takes)."""
        p = next(iter(self.parameters()), None)
        return None if p is None else p.dtype

    def _check_inputs(self, inputs: tuple) -> list[Tensor]:
        if len(inputs) != len(self._inputs):
            names = ", ".join(repr(n) for n in self.input_names)
            raise ShapeError(f"OnnxModule({self.source}): expected {len(self._inputs)} input(s) ({names}), "
                             f"got {len(inputs)}")
        out = []
        for x, (name, dims, dt) in zip(inputs, self._inputs):
            if not isinstance(x, Tensor):
                x = creation.tensor(np.asarray(x, dtype=dt))
            elif x.dtype != dt and not (x.is_floating_point() and x.dtype == self._float_dtype()):
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
            try:
                out = ops.OPS[node.op](node, args, self)
            except NumnetError:
                raise
            except MemoryError:
                raise ShapeError(f"{_WHO}: node {node.name!r} ({node.op}) needs more memory than there is") from None
            except (ValueError, TypeError, IndexError, OverflowError) as e:  # the file's values do not fit together
                raise ShapeError(f"{_WHO}: node {node.name!r} ({node.op}): {e}") from None
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
    opset, init, inputs, nodes = _parse(model, where, onnx)
    consts_now = dict(init)
    for n in nodes:
        if n.op == "Constant" and ops.CHECKS["Constant"](n, {}) is None:
            consts_now[n.outputs[0]] = ops.OPS["Constant"](n, [], None)
    _check_supported(nodes, consts_now, {o.name for o in g.output}, where)

    nodes = _sort(nodes, set(init) | {vi.name for vi in inputs}, where)
    made = {o for n in nodes for o in n.outputs} | set(init) | {vi.name for vi in inputs}
    for o in g.output:
        if o.name not in made:
            raise FileFormatError(f"{_WHO}: {where}: graph output {o.name!r} is not produced by any node")
    alias: dict[str, str] = {}  # Identity nodes become aliases
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
    except Exception:  # shapes only pick BatchNorm1d vs 2d; the producer's op type is the fallback
        inferred = g

    m = OnnxModule()
    object.__setattr__(m, "source", where)
    object.__setattr__(m, "opset", opset)
    dtypes = [init[n.inputs[1]].dtype for n in plan if n.op in ("Conv", "Gemm") and n.inputs[1] in init]
    fdt = dtypes[0].type if dtypes and dtypes[0].kind == "f" else np.float32
    taken: set = set()
    _Layers(m, init, consts_now, fdt, taken).build(plan, lambda name: _rank_of(inferred, name, nodes))
    consts = _register_initializers(m, plan, init, outputs, taken)
    for n in plan:
        if n.op == "Cast":
            n.prep["dtype"] = onnx.helper.tensor_dtype_to_np_dtype(n.a("to"))
    m._plan.extend(_fold(m, plan, consts))
    m._outputs.extend(outputs)
    for vi in inputs:
        et = vi.type.tensor_type.elem_type
        dt = onnx.helper.tensor_dtype_to_np_dtype(et) if et else fdt
        m._inputs.append((vi.name, _dims(vi), np.dtype(dt).type))
    return m


def _parse(model: Any, where: str, onnx: Any) -> tuple[int, dict, list, list[Node]]:
    """The default-domain opset, the initializers as arrays, the real graph inputs and the parsed nodes."""
    g = model.graph
    opset = next((imp.version for imp in model.opset_import if imp.domain in ("", "ai.onnx")), None)
    if opset is None:
        raise FileFormatError(f"{_WHO}: {where}: expected an opset_import for the default ONNX domain, got "
                              f"{[(i.domain, i.version) for i in model.opset_import]}")
    if opset > _MAX_OPSET:
        raise FileFormatError(f"{_WHO}: {where}: expected an ONNX opset up to {_MAX_OPSET}, got {opset} (a newer "
                              f"opset may change what an operator means)")
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
    return opset, init, inputs, nodes


def _check_supported(nodes: list[Node], consts: dict, graph_outputs: set, where: str) -> None:
    """One UnsupportedOpError listing every op type numnet cannot run, with its nodes (and why, if a check says)."""
    read = {i for n in nodes for i in n.inputs if i} | graph_outputs
    bad: dict[str, list[str]] = {}
    for n in nodes:
        reason = None
        if n.op not in ops.OPS or n.domain not in ("", "ai.onnx"):
            reason = "" if n.domain in ("", "ai.onnx") else f"domain {n.domain!r}"
        elif n.op in ops.CHECKS:
            reason = ops.CHECKS[n.op](n, consts)
        if n.op in ("Dropout", "MaxPool") and len(n.outputs) > 1 and n.outputs[1] in read:
            reason = f"its {'mask' if n.op == 'Dropout' else 'Indices'} output is not supported"
        if reason is not None:
            bad.setdefault(n.op, []).append(repr(n.name or "?") + (f" ({reason})" if reason else ""))
    if bad:
        listed = "; ".join(f"{op_type}: node{'s' if len(v) > 1 else ''} {', '.join(v)}" for op_type, v in bad.items())
        raise UnsupportedOpError(f"{_WHO}: {where}: unsupported operator(s) {', '.join(bad)} -- {listed}")


_LAYER_ATTRS = {"Conv": ("weight", "bias"), "ConvTranspose": ("weight", "bias"), "Gemm": ("weight", "bias"),
                "BatchNormalization": ("weight", "bias", "running_mean", "running_var"), "Dropout": ()}


class _Layers:
    """Turns Conv / ConvTranspose / Gemm / BatchNormalization / Dropout nodes with constant weights into numnet
    layers on the module, and records which initializer became which Parameter or buffer."""

    def __init__(self, m: OnnxModule, init: dict, consts: dict, fdt: Any, taken: set) -> None:
        self.m, self.init, self.consts, self.fdt, self.taken = m, init, consts, fdt, taken
        self.owned: set = set()
        self.counters: dict[str, int] = {}

    def set_weight(self, p: Any, value: np.ndarray) -> None:
        with no_grad():
            p.copy_(creation.tensor(np.array(value, dtype=self.fdt, order="C")))

    def module_name(self, n: Node, wname: str | None) -> str:
        if wname and wname.endswith(".weight"):
            base = wname[: -len(".weight")]
        elif n.name:
            base = n.name
        else:
            self.counters[n.op] = self.counters.get(n.op, 0) + 1
            base = f"{n.op.lower()}_{self.counters[n.op]}"
        return _name(base, self.taken)

    def build(self, plan: list[Node], rank_of: Any) -> None:
        for n in plan:
            if n.op in ("MaxPool", "AveragePool"):
                n.prep = ops.spatial_prep(n, list(n.a("kernel_shape")))
            elif n.op in ("Conv", "ConvTranspose"):
                w = self.init.get(n.inputs[1])
                n.prep = ops.spatial_prep(n, list(n.a("kernel_shape") or (w.shape[2:] if w is not None else [])))
            made = self.make(n, n.inputs + [""] * 5, rank_of) if n.op in _LAYER_ATTRS else None
            if made is None:
                continue
            layer, names = made
            n.module = self.module_name(n, names[0] if names else None)
            self.m.add_module(n.module, layer)
            for name, attr in zip(names, _LAYER_ATTRS[n.op]):
                self.owned.add(name)
                self.m._refs[name] = (n.module, attr)
                self.m._names[name] = f"{n.module}.{attr}"
            if n.op == "Gemm" and (n.a("alpha", 1.0) != 1.0 or not n.a("transB", 0)):
                # the Linear holds B.T * alpha: what trains in B's place (source_names keeps it); any other reader
                # of B gets the file's value
                for name in names:
                    self.m._refs.pop(name)
                    self.owned.discard(name)

    def make(self, n: Node, ins: list, rank_of: Any) -> tuple[nn.Module, list] | None:
        init, fdt = self.init, self.fdt
        if n.op in ("Conv", "ConvTranspose"):
            w = init.get(ins[1])
            if w is None or ins[1] in self.owned or (ins[2] and ins[2] not in init):
                return None  # the weight is computed, shared or has a computed bias: functional conv
            b = init.get(ins[2]) if ins[2] else None
            p, group, kernel = n.prep, n.a("group", 1), tuple(n.prep["kernel"])
            if n.op == "Conv":
                layer = nn.Conv2d(w.shape[1] * group, w.shape[0], kernel, tuple(p["strides"]), tuple(p["padding"]),
                                  tuple(p["dilations"]), group, bias=b is not None, dtype=fdt)
            else:
                runtime = bool(n.a("output_shape")) or p["auto"] in ("SAME_UPPER", "SAME_LOWER")
                padding = [0, 0] if runtime or p["pre"] else p["padding"]
                p["crop"] = "runtime" if runtime else p["pre"]
                layer = nn.ConvTranspose2d(w.shape[0], w.shape[1] * group, kernel, tuple(p["strides"]),
                                           tuple(padding), tuple(n.a("output_padding", [0, 0])), group,
                                           bias=b is not None, dilation=tuple(p["dilations"]), dtype=fdt)
            self.set_weight(layer.weight, w)
            if b is not None:
                self.set_weight(layer.bias, b)
            return layer, [ins[1]] + ([ins[2]] if b is not None else [])
        if n.op == "Gemm":
            w, c = init.get(ins[1]), init.get(ins[2]) if ins[2] else None
            if w is None or w.ndim != 2 or n.a("transA", 0) or ins[1] in self.owned or (ins[2] and c is None):
                return None
            weight = (w if n.a("transB", 0) else w.T) * n.a("alpha", 1.0)
            if c is not None and c.size not in (1, weight.shape[0]):
                return None  # a per-row bias: functional Gemm
            layer = nn.Linear(weight.shape[1], weight.shape[0], bias=c is not None, dtype=fdt)
            self.set_weight(layer.weight, weight)
            if c is not None:
                self.set_weight(layer.bias, np.broadcast_to(c.reshape(-1), (weight.shape[0],)) * n.a("beta", 1.0))
            return layer, [ins[1]] + ([ins[2]] if c is not None else [])
        if n.op == "BatchNormalization":
            if not all(i in init and i not in self.owned for i in ins[1:5]):
                return None
            scale, bias, mean, var = (init[i] for i in ins[1:5])
            cls = nn.BatchNorm1d if rank_of(n.inputs[0]) in (2, 3) else nn.BatchNorm2d
            layer = cls(scale.shape[0], eps=n.a("epsilon", 1e-5), momentum=1 - n.a("momentum", 0.9), dtype=fdt)
            for attr, value in zip(_LAYER_ATTRS[n.op], (scale, bias, mean, var)):
                self.set_weight(getattr(layer, attr), value)
            return layer, list(ins[1:5])
        # Dropout: the ratio is an attribute before opset 12, an (optional, constant) input since
        ratio = n.a("ratio", 0.5) if n.opset < 12 else float(np.asarray(self.consts.get(ins[1], 0.5)))
        return nn.Dropout(ratio), []


def _register_initializers(m: OnnxModule, plan: list[Node], init: dict, outputs: list, taken: set) -> dict:
    """The initializers no layer took: Parameters if a node computes with them, buffers if they are integers or
    only shapes, axes and bounds. Returns the constants (the buffers' values) for folding."""
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
    return consts


def _fold(m: OnnxModule, plan: list[Node], consts: dict) -> list[Node]:
    """Run the nodes whose inputs are all constants now (Constant, shape arithmetic on constants); return the rest."""
    runtime = []
    for n in plan:
        if n.op not in _NO_FOLD and not n.module and all(not i or i in consts for i in n.inputs):
            try:
                out = ops.OPS[n.op](n, [consts[i] if i else None for i in n.inputs], m)
            except Exception:  # left for forward, which raises with the real input
                out = None
            outs = (out,) if len(n.outputs) == 1 else out
            if out is not None and all(isinstance(v, np.ndarray) or v is None for v in outs):
                for name, v in zip(n.outputs, outs):
                    if name and v is not None:
                        consts[name] = m._consts[name] = v
                continue
        runtime.append(n)
    return runtime


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
