"""The numnet-op → ONNX-operator rules of :mod:`numnet.onnx._lower`: one ``_op_<Name>`` per numnet op.

Each receives the :class:`~numnet.onnx._lower.Builder`, the numnet node, its input names and the output name to
write, and emits ONNX nodes (or raises :class:`~numnet.onnx._lower._Unsupported` with the reason).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from numnet.onnx._lower import _INT64_MAX, ONNX_DTYPES, Builder, _axes_of, _reduce, _Unsupported
from numnet.onnx.trace import BATCH, Node, ValueRef

# Each receives the builder, the numnet node, its (already renamed) input names and the output name to write.

def _op_Conv2d(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    top, bottom, left, right = a["padding"]
    b.emit("Conv", ins, {"strides": list(a["stride"]), "pads": [top, left, bottom, right],
                         "dilations": list(a["dilation"]), "group": int(a["groups"]),
                         "kernel_shape": list(b.shape(n.inputs[1])[2:])}, out=out)


def _op_ConvTranspose2d(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    (sh, sw), (ph, pw), (dh, dw) = a["stride"], a["padding"], a["dilation"]
    x_shape, w_shape = b.shape(n.inputs[0]), b.shape(n.inputs[1])
    kh, kw = w_shape[2:]
    oh, ow = a["out_hw"]
    # ONNX: out = s·(in − 1) + output_padding + d·(k − 1) + 1 − pad_begin − pad_end
    op_h = oh - (sh * (x_shape[2] - 1) + dh * (kh - 1) + 1 - 2 * ph)
    op_w = ow - (sw * (x_shape[3] - 1) + dw * (kw - 1) + 1 - 2 * pw)
    b.emit("ConvTranspose", ins, {"strides": [sh, sw], "pads": [ph, pw, ph, pw], "dilations": [dh, dw],
                                  "group": int(a["groups"]), "output_padding": [op_h, op_w],
                                  "kernel_shape": [kh, kw]}, out=out)


def _op_MaxPool2d(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    ph, pw = a["padding"]
    b.emit("MaxPool", ins, {"kernel_shape": list(a["kernel_size"]), "strides": list(a["stride"]),
                            "pads": [ph, pw, ph, pw], "dilations": list(a["dilation"]),
                            "ceil_mode": int(a["ceil_mode"])}, out=out)


def _op_AvgPool2d(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    if a.get("divisor_override") is not None:
        raise _Unsupported("divisor_override has no ONNX form")
    (ph, pw), (kh, kw), (sh, sw) = a["padding"], a["kernel_size"], a["stride"]
    h, w = b.shape(n.inputs[0])[2:]
    if a["ceil_mode"] and a["count_include_pad"] and (ph or pw):
        # PyTorch divides a window that runs past the padding by the part inside input + padding; ONNX by the
        # whole kernel. They agree unless ceil_mode adds a window beyond the padding.
        oh, ow = n_out(h, kh, sh, ph, True), n_out(w, kw, sw, pw, True)
        if (oh - 1) * sh + kh > h + 2 * ph or (ow - 1) * sw + kw > w + 2 * pw:
            raise _Unsupported("ceil_mode with count_include_pad and padding, where a window runs past the "
                               "padding, divides differently in ONNX")
    b.emit("AveragePool", ins, {"kernel_shape": [kh, kw], "strides": [sh, sw], "pads": [ph, pw, ph, pw],
                                "ceil_mode": int(a["ceil_mode"]), "count_include_pad": int(a["count_include_pad"])},
           out=out)


def n_out(size: int, k: int, s: int, p: int, ceil: bool) -> int:
    """Pooled length, PyTorch's rule (a last window must start inside the input or its left padding)."""
    span = size + 2 * p - k
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= size + p:
        o -= 1
    return o


def _adaptive(b: Builder, n: Node, ins: list[str], out: str, global_op: str, pool_op: str) -> None:
    h, w = b.shape(n.inputs[0])[2:]
    oh, ow = n.attrs["output_size"]
    if (oh, ow) == (1, 1):
        b.emit(global_op, ins, out=out)
    elif h % oh == 0 and w % ow == 0:
        k = [h // oh, w // ow]
        b.emit(pool_op, ins, {"kernel_shape": k, "strides": k}, out=out)
    else:
        raise _Unsupported(f"output size {(oh, ow)} does not divide the input size {(h, w)}; ONNX has no "
                           f"adaptive pooling")


def _op_AdaptiveAvgPool2d(b, n, ins, out):
    _adaptive(b, n, ins, out, "GlobalAveragePool", "AveragePool")


def _op_AdaptiveMaxPool2d(b, n, ins, out):
    _adaptive(b, n, ins, out, "GlobalMaxPool", "MaxPool")


def _op_Linear(b: Builder, n: Node, ins: list[str], out: str) -> None:
    """The fused MatMul(x, Wᵀ) + bias of a 2-D input (see :func:`_fuse_linear`): one Gemm, as PyTorch exports."""
    b.emit("Gemm", ins, {"transB": 1}, out=out)


def _op_MatMul(b, n, ins, out):
    b.emit("MatMul", ins, out=out)


def _op_BatchNorm(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    if a["training"] or a["running_mean"] is None:
        raise _Unsupported("batch statistics (track_running_stats=False) are not exported; ONNX BatchNormalization "
                           "uses stored statistics")
    c = b.shape(n.inputs[0])[1]
    dt = b.dtype(n.inputs[0])
    x, rest = ins[0], ins[1:]
    scale = rest.pop(0) if a["has_weight"] else b.const(np.ones(c), dt)
    bias = rest.pop(0) if a["has_bias"] else b.const(np.zeros(c), dt)
    mean, var = (b.name(r.name) if isinstance(r, ValueRef) else b.const(r, dt, b.fresh("stat"))
                 for r in (a["running_mean"], a["running_var"]))
    b.emit("BatchNormalization", [x, scale, bias, mean, var], {"epsilon": float(a["eps"])}, out=out)


def _normalize_tail(b: Builder, x: str, axes: list[int], eps: float, dtype: np.dtype) -> str:
    """(x − mean)/√(var + ε) over ``axes`` (biased variance), the core of LayerNorm and GroupNorm."""
    mean = _reduce(b, "ReduceMean", x, axes, True)
    d = b.emit("Sub", [x, mean])
    var = _reduce(b, "ReduceMean", b.emit("Mul", [d, d]), axes, True)
    return b.emit("Div", [d, b.emit("Sqrt", [b.emit("Add", [var, b.scalar(eps, dtype)])])])


def _op_LayerNorm(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    x, params = ins[0], ins[1:]
    shape = b.shape(n.inputs[0])
    nd = int(a["ndim"])
    norm_shape = shape[len(shape) - nd:]
    dt = b.dtype(n.inputs[0])
    w = params.pop(0) if a["has_weight"] else None
    bias = params.pop(0) if a["has_bias"] else None
    if b.opset >= 17:
        w = w or b.const(np.ones(norm_shape), dt)
        b.emit("LayerNormalization", [x, w] + ([bias] if bias else []),
               {"axis": -nd, "epsilon": float(a["eps"])}, out=out)
        return
    y = _normalize_tail(b, x, list(range(len(shape) - nd, len(shape))), float(a["eps"]), dt)
    if w:
        y = b.emit("Mul", [y, w])
    b.emit("Add", [y, bias], out=out) if bias else b.emit("Identity", [y], out=out)


def _op_GroupNorm(b: Builder, n: Node, ins: list[str], out: str) -> None:
    a = n.attrs
    x, params = ins[0], ins[1:]
    shape = b.shape(n.inputs[0])
    g = int(a["num_groups"])
    grouped = b.emit("Reshape", [x, b.const([0, g, -1])])
    y = _normalize_tail(b, grouped, [2], float(a["eps"]), b.dtype(n.inputs[0]))
    y = b.emit("Reshape", [y, b.emit("Shape", [x])])
    c_shape = [shape[1]] + [1] * (len(shape) - 2)
    for flag, op in (("has_weight", "Mul"), ("has_bias", "Add")):
        if a[flag]:
            p = params.pop(0)
            y = b.emit(op, [y, b.emit("Reshape", [p, b.const(c_shape)])])
    b.emit("Identity", [y], out=out)


# activations ---------------------------------------------------------------------------------------------
def _simple(op_type: str, **attrs: Any) -> Callable:
    def lower(b: Builder, n: Node, ins: list[str], out: str) -> None:
        b.emit(op_type, ins, {k: (f(n.attrs) if callable(f) else f) for k, f in attrs.items()}, out=out)
    return lower


_op_ReLU = _simple("Relu")
_op_Sigmoid = _simple("Sigmoid")
_op_Tanh = _simple("Tanh")
_op_Softsign = _simple("Softsign")
_op_LeakyReLU = _simple("LeakyRelu", alpha=lambda a: float(a["negative_slope"]))
_op_Softmax = _simple("Softmax", axis=lambda a: int(a["axis"]))
_op_LogSoftmax = _simple("LogSoftmax", axis=lambda a: int(a["axis"]))
_op_Hardsigmoid = _simple("HardSigmoid", alpha=1.0 / 6.0, beta=0.5)
for _name, _onnx in (("Neg", "Neg"), ("Exp", "Exp"), ("Log", "Log"), ("Sqrt", "Sqrt"), ("Abs", "Abs"),
                     ("Sin", "Sin"), ("Cos", "Cos"), ("Tan", "Tan"), ("Reciprocal", "Reciprocal"), ("Erf", "Erf"),
                     ("Add", "Add"), ("Sub", "Sub"), ("Mul", "Mul"), ("Div", "Div"), ("Pow", "Pow"),
                     ("Maximum", "Max"), ("Minimum", "Min"), ("Einsum", "Einsum"), ("Contiguous", "Identity")):
    globals()[f"_op_{_name}"] = _simple(_onnx)
_op_Einsum = _simple("Einsum", equation=lambda a: ",".join(a["inputs"]) + "->" + a["output"])


def _op_GELU(b: Builder, n: Node, ins: list[str], out: str) -> None:
    approx = n.attrs.get("approximate", "none")
    x, like = ins[0], n.inputs[0]
    if b.opset >= 20:
        b.emit("Gelu", [x], {"approximate": approx}, out=out)
        return
    half_x = b.emit("Mul", [x, b.scalar(0.5, like)])
    if approx == "tanh":   # ½x(1 + tanh(√(2/π)(x + 0.044715x³)))
        x3 = b.emit("Mul", [b.emit("Mul", [x, x]), x])
        u = b.emit("Mul", [b.emit("Add", [x, b.emit("Mul", [x3, b.scalar(0.044715, like)])]),
                           b.scalar(math.sqrt(2.0 / math.pi), like)])
        inner = b.emit("Tanh", [u])
    else:                  # ½x(1 + erf(x/√2))
        inner = b.emit("Erf", [b.emit("Mul", [x, b.scalar(1.0 / math.sqrt(2.0), like)])])
    b.emit("Mul", [half_x, b.emit("Add", [inner, b.scalar(1.0, like)])], out=out)


def _op_ELU(b: Builder, n: Node, ins: list[str], out: str) -> None:
    # numnet: s·x (x > 0), s·α(e^(x·β) − 1) otherwise  =  (s/β)·Elu(β·x, α·β)
    a = n.attrs
    alpha, s, beta = float(a.get("alpha", 1.0)), float(a.get("scale", 1.0)), float(a.get("input_scale", 1.0))
    x, like = ins[0], n.inputs[0]
    if beta == 1.0 and abs(s - 1.0507009873554805) < 1e-12 and abs(alpha - 1.6732632423543772) < 1e-12:
        b.emit("Selu", [x], {"alpha": alpha, "gamma": s}, out=out)
        return
    if beta != 1.0:
        x = b.emit("Mul", [x, b.scalar(beta, like)])
    y = b.emit("Elu", [x], {"alpha": alpha * beta}, out=None if s / beta != 1.0 else out)
    if s / beta != 1.0:
        b.emit("Mul", [y, b.scalar(s / beta, like)], out=out)


def _op_SiLU(b, n, ins, out):
    b.emit("Mul", [ins[0], b.emit("Sigmoid", ins)], out=out)


def _softplus(b: Builder, x: str, beta: float, like: str) -> str:
    if beta == 1.0:
        return b.emit("Softplus", [x])
    return b.emit("Div", [b.emit("Softplus", [b.emit("Mul", [x, b.scalar(beta, like)])]), b.scalar(beta, like)])


def _op_Softplus(b, n, ins, out):
    b.emit("Identity", [_softplus(b, ins[0], float(n.attrs.get("beta", 1.0)), n.inputs[0])], out=out)


def _op_Mish(b, n, ins, out):
    b.emit("Mul", [ins[0], b.emit("Tanh", [_softplus(b, ins[0], 1.0, n.inputs[0])])], out=out)


def _op_LogSigmoid(b, n, ins, out):
    b.emit("Neg", [b.emit("Softplus", [b.emit("Neg", ins)])], out=out)


def _op_Hardtanh(b, n, ins, out):
    like = n.inputs[0]
    b.emit("Clip", [ins[0], b.scalar(n.attrs["min_val"], like), b.scalar(n.attrs["max_val"], like)], out=out)


def _op_Hardswish(b, n, ins, out):
    if b.opset >= 14:
        b.emit("HardSwish", ins, out=out)
    else:
        b.emit("Mul", [ins[0], b.emit("HardSigmoid", ins, {"alpha": 1.0 / 6.0, "beta": 0.5})], out=out)


def _op_Tanhshrink(b, n, ins, out):
    b.emit("Sub", [ins[0], b.emit("Tanh", ins)], out=out)


def _op_Threshold(b, n, ins, out):
    like = n.inputs[0]
    above = b.emit("Greater", [ins[0], b.scalar(n.attrs["threshold"], like)])
    b.emit("Where", [above, ins[0], b.scalar(n.attrs["value"], like)], out=out)


def _op_PReLU(b: Builder, n: Node, ins: list[str], out: str) -> None:
    x_shape, w_shape = b.shape(n.inputs[0]), b.shape(n.inputs[1])
    slope = ins[1]
    if len(x_shape) > 2 and w_shape[0] > 1:   # one slope per channel (axis 1): broadcast over the spatial axes
        slope = b.emit("Reshape", [slope, b.const([w_shape[0]] + [1] * (len(x_shape) - 2))])
    b.emit("PRelu", [ins[0], slope], out=out)


def _op_Dropout(b, n, ins, out):
    if n.attrs.get("mask") is not None:
        raise _Unsupported("dropout in training mode (export runs the model in eval mode; this one drops anyway)")
    b.emit("Identity", ins, out=out)


# elementwise ---------------------------------------------------------------------------------------------
def _op_Clamp(b, n, ins, out):
    like = n.inputs[0]
    lo, hi = n.attrs.get("lo"), n.attrs.get("hi")
    b.emit("Clip", [ins[0], "" if lo is None else b.scalar(lo, like), "" if hi is None else b.scalar(hi, like)],
           out=out)


def _op_Where(b, n, ins, out):
    cond = n.attrs["cond"]
    cond = b.name(cond.name) if isinstance(cond, ValueRef) else b.const(cond, np.bool_)
    b.emit("Where", [cond, ins[0], ins[1]], out=out)


def _op_Cast(b, n, ins, out):
    dt = np.dtype(n.attrs["dtype"])
    if dt not in ONNX_DTYPES:
        raise _Unsupported(f"dtype {dt} has no ONNX type here")
    b.emit("Cast", ins, {"to": ONNX_DTYPES[dt]}, out=out)


def _op_Log1p(b, n, ins, out):
    b.emit("Log", [b.emit("Add", [ins[0], b.scalar(1.0, n.inputs[0])])], out=out)


def _op_Expm1(b, n, ins, out):
    b.emit("Sub", [b.emit("Exp", ins), b.scalar(1.0, n.inputs[0])], out=out)


def _op_Rsqrt(b, n, ins, out):
    b.emit("Reciprocal", [b.emit("Sqrt", ins)], out=out)


def _op_Square(b, n, ins, out):
    b.emit("Mul", [ins[0], ins[0]], out=out)


def _op_Step(b, n, ins, out):
    kind, decimals = n.attrs.get("kind", "floor"), n.attrs.get("decimals", 0)
    if decimals:
        raise _Unsupported("round with decimals")
    b.emit({"floor": "Floor", "ceil": "Ceil", "round": "Round", "sign": "Sign"}[kind], ins, out=out)


def _op_DivMode(b, n, ins, out):
    if n.attrs.get("mode") != "floor":
        raise _Unsupported(f"division with rounding_mode={n.attrs.get('mode')!r}")
    b.emit("Floor", [b.emit("Div", ins)], out=out)


def _op_Remainder(b, n, ins, out):   # Python's remainder: a − floor(a/b)·b
    if n.attrs.get("mode", "floor") != "floor":
        raise _Unsupported(f"remainder with mode={n.attrs.get('mode')!r}")
    q = b.emit("Floor", [b.emit("Div", ins)])
    b.emit("Sub", [ins[0], b.emit("Mul", [q, ins[1]])], out=out)


# reductions ----------------------------------------------------------------------------------------------
def _reduction(op_type: str) -> Callable:
    def lower(b: Builder, n: Node, ins: list[str], out: str) -> None:
        if n.attrs.get("axis") is None:
            _reduce(b, op_type, ins[0], None, False, out=out)
        else:
            _reduce(b, op_type, ins[0], n.attrs["axis"], n.attrs.get("keepdims", False), out=out)
    return lower


_op_Sum = _reduction("ReduceSum")
_op_Mean = _reduction("ReduceMean")
_op_Prod = _reduction("ReduceProd")
_op_LogSumExp = _reduction("ReduceLogSumExp")


def _op_Amax(b, n, ins, out):
    _reduction("ReduceMin" if n.attrs.get("minimum") else "ReduceMax")(b, n, ins, out)


def _op_MaxAll(b, n, ins, out):
    _reduce(b, "ReduceMin" if n.attrs.get("minimum") else "ReduceMax", ins[0], None, False, out=out)


def _op_MaxDim(b, n, ins, out):
    _reduce(b, "ReduceMin" if n.attrs.get("minimum") else "ReduceMax", ins[0], n.attrs["axis"],
            n.attrs.get("keepdims", False), out=out)


def _op_Var(b: Builder, n: Node, ins: list[str], out: str) -> None:
    shape = b.shape(n.inputs[0])
    axes = _axes_of(n.attrs.get("axis"), len(shape)) or list(range(len(shape)))
    if any(shape[a] is BATCH for a in axes):
        raise _Unsupported("a variance over the batch dimension with a symbolic batch (export with "
                           "dynamic_batch=False)")
    count = int(np.prod([shape[a] for a in axes])) - float(n.attrs.get("correction", 1))
    x = ins[0]
    d = b.emit("Sub", [x, _reduce(b, "ReduceMean", x, axes, True)])
    total = _reduce(b, "ReduceSum", b.emit("Mul", [d, d]), axes, n.attrs.get("keepdims", False))
    b.emit("Div", [total, b.scalar(count, n.inputs[0])], out=out)


def _op_Norm(b, n, ins, out):
    p = float(n.attrs.get("p", 2.0))
    op_type = {2.0: "ReduceL2", 1.0: "ReduceL1"}.get(p)
    if op_type is None:
        raise _Unsupported(f"p={p} norm")
    axis = n.attrs.get("axis")
    _reduce(b, op_type, ins[0], axis, n.attrs.get("keepdims", False) if axis is not None else False, out=out)


def _op_Cumsum(b, n, ins, out):
    b.emit("CumSum", [ins[0], b.const(int(n.attrs.get("axis", 0)))], out=out)


# shape ---------------------------------------------------------------------------------------------------
def _op_Reshape(b: Builder, n: Node, ins: list[str], out: str) -> None:
    target = tuple(n.attrs["shape"])
    syms = [i for i, d in enumerate(target) if d is BATCH]
    if len(syms) == 1:       # one dimension follows the batch: let Reshape infer it
        b.emit("Reshape", [ins[0], b.const([-1 if d is BATCH else d for d in target])], out=out)
    else:
        b.emit("Reshape", [ins[0], b.shape_tensor(target)], out=out)


def _op_Permute(b, n, ins, out):
    b.emit("Transpose", ins, {"perm": [int(d) for d in n.attrs["dims"]]}, out=out)


def _op_Expand(b: Builder, n: Node, ins: list[str], out: str) -> None:
    in_shape = b.shape(n.inputs[0])
    target = tuple(n.attrs["shape"])
    lead = len(target) - len(in_shape)
    # BATCH where the input already has the batch there: Expand keeps it with a 1 (bidirectional broadcast)
    dims = tuple(1 if d is BATCH and i >= lead and in_shape[i - lead] is BATCH else d for i, d in enumerate(target))
    b.emit("Expand", [ins[0], b.shape_tensor(dims)], out=out)


def _op_Cat(b, n, ins, out):
    axis = int(n.attrs.get("axis", 0)) % len(b.shape(n.inputs[0]))
    b.emit("Concat", ins, {"axis": axis}, out=out)


def _op_Stack(b, n, ins, out):
    axis = int(n.attrs.get("axis", 0)) % (len(b.shape(n.inputs[0])) + 1)
    ax = b.const([axis])
    b.emit("Concat", [b.emit("Unsqueeze", [x, ax]) for x in ins], {"axis": axis}, out=out)


def _op_Pad(b, n, ins, out):
    widths = n.attrs["pad_width"]
    pads = [int(p[0]) for p in widths] + [int(p[1]) for p in widths]
    b.emit("Pad", [ins[0], b.const(pads), b.scalar(n.attrs.get("value", 0.0), n.inputs[0])],
           {"mode": "constant"}, out=out)


def _op_IndexPad(b: Builder, n: Node, ins: list[str], out: str) -> None:
    """Reflect/replicate/circular padding is a read through one index map per trailing axis: one Gather each."""
    maps = n.attrs["maps"]
    nd = len(b.shape(n.inputs[0]))
    y = ins[0]
    for k, idx in enumerate(maps):
        last = k == len(maps) - 1
        y = b.emit("Gather", [y, b.const(np.asarray(idx, np.int64))], {"axis": nd - len(maps) + k},
                   out=out if last else None)
    if not maps:
        b.emit("Identity", [y], out=out)


def _op_Resize(b: Builder, n: Node, ins: list[str], out: str) -> None:
    """numnet's resize plans, one per trailing axis (nearest: an index map; linear: two index maps and their
    weights), written exactly as Gathers, Muls and Adds in the same order."""
    plans = n.attrs["plans"]
    shape = b.shape(n.inputs[0])
    nd = len(shape)
    y = ins[0]
    dt = b.dtype(n.inputs[0])
    for k in range(len(plans) - 1, -1, -1):
        axis = nd - len(plans) + k
        plan = plans[k]
        if plan[0] == "nearest":
            y = b.emit("Gather", [y, b.const(np.asarray(plan[1], np.int64))], {"axis": axis})
        else:
            _, i0, i1, l0, l1 = plan
            w_shape = [-1] + [1] * (nd - axis - 1)
            w0 = b.const(np.asarray(l0, dt).reshape(w_shape), dt)
            w1 = b.const(np.asarray(l1, dt).reshape(w_shape), dt)
            g0 = b.emit("Gather", [y, b.const(np.asarray(i0, np.int64))], {"axis": axis})
            g1 = b.emit("Gather", [y, b.const(np.asarray(i1, np.int64))], {"axis": axis})
            y = b.emit("Add", [b.emit("Mul", [g0, w0]), b.emit("Mul", [g1, w1])])
    b.emit("Identity", [y], out=out)


def _op_Flip(b, n, ins, out):
    axes = [int(a) for a in n.attrs["axes"]]
    k = len(axes)
    b.emit("Slice", [ins[0], b.const([-1] * k), b.const([-_INT64_MAX] * k), b.const(axes), b.const([-1] * k)],
           out=out)


def _op_Repeat(b, n, ins, out):
    reps = [int(r) for r in n.attrs["reps"]]
    x = ins[0]
    nd = len(b.shape(n.inputs[0]))
    if len(reps) > nd:   # torch's repeat adds leading axes first
        x = b.emit("Reshape", [x, b.const([1] * (len(reps) - nd) + [0] * nd)])
    b.emit("Tile", [x, b.const(reps)], out=out)


def _op_GetItem(b: Builder, n: Node, ins: list[str], out: str) -> None:
    """Basic indexing (ints, slices, None, ...) as Slice → Squeeze → Unsqueeze; one integer-array index as Gather."""
    index = n.attrs["index"]
    index = index if isinstance(index, tuple) else (index,)
    shape = b.shape(n.inputs[0])
    if any(isinstance(i, np.ndarray) for i in index):
        arrays = [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]
        rest = [i for k, i in enumerate(index) if k not in arrays]
        if len(arrays) != 1 or any(not (isinstance(i, slice) and i == slice(None)) for i in rest) \
                or index[arrays[0]].dtype.kind not in "iu":
            raise _Unsupported("advanced indexing other than one integer array")
        b.emit("Gather", [ins[0], b.const(index[arrays[0]].astype(np.int64))], {"axis": arrays[0]}, out=out)
        return
    if Ellipsis in index:
        k = index.index(Ellipsis)
        fill = len(shape) - (len(index) - 1 - sum(i is None for i in index))
        index = index[:k] + (slice(None),) * fill + index[k + 1:]
    starts, ends, axes, steps, squeeze, unsqueeze = [], [], [], [], [], []
    axis = 0
    out_axis = 0
    for i in index:
        if i is None:
            unsqueeze.append(out_axis)
            out_axis += 1
            continue
        if isinstance(i, (int, np.integer)):
            starts.append(int(i)), ends.append(int(i) + 1 if int(i) != -1 else _INT64_MAX)
            axes.append(axis), steps.append(1), squeeze.append(axis)
        elif isinstance(i, slice):
            if i != slice(None):
                step = 1 if i.step is None else int(i.step)
                start = (0 if step > 0 else -1) if i.start is None else int(i.start)
                stop = (_INT64_MAX if step > 0 else -_INT64_MAX) if i.stop is None else int(i.stop)
                starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
            out_axis += 1
        else:
            raise _Unsupported(f"an index of type {type(i).__name__}")
        axis += 1
    y = ins[0]
    if axes:
        y = b.emit("Slice", [y, b.const(starts), b.const(ends), b.const(axes), b.const(steps)])
    if squeeze:
        y = b.emit("Squeeze", [y, b.const(squeeze)])
    if unsqueeze:
        y = b.emit("Unsqueeze", [y, b.const(unsqueeze)])
    b.emit("Identity", [y], out=out)


def _op_Embedding(b, n, ins, out):
    idx = n.attrs["indices"]
    idx = b.name(idx.name) if isinstance(idx, ValueRef) else b.const(np.asarray(idx, np.int64))
    b.emit("Gather", [ins[0], idx], {"axis": 0}, out=out)


def _op_IndexSelect(b, n, ins, out):
    idx = n.attrs["index"]
    idx = b.name(idx.name) if isinstance(idx, ValueRef) else b.const(np.asarray(idx, np.int64))
    b.emit("Gather", [ins[0], idx], {"axis": int(n.attrs.get("axis", 0))}, out=out)


def _op_Gather(b, n, ins, out):
    idx = n.attrs["index"]
    idx = b.name(idx.name) if isinstance(idx, ValueRef) else b.const(np.asarray(idx, np.int64))
    b.emit("GatherElements", [ins[0], idx], {"axis": int(n.attrs.get("axis", 0))}, out=out)


