"""The operators of ``numnet.onnx.load``: one function per ONNX op type, run by :class:`OnnxModule` at forward.

A value in the graph is either a :class:`~numnet.Tensor` (anything that depends on a graph input or a Parameter, so
gradients flow) or a NumPy array (a constant, or a shape computed at run time by ``Shape``). Every op accepts both; an
op whose inputs are all arrays computes on NumPy and returns arrays, which is how shape subgraphs such as
``Shape → Gather → Unsqueeze → Concat → Reshape`` work with a dynamic batch and how constants are folded at load time.

Each op is ``fn(node, args, module) -> value | tuple``: ``node`` is the parsed :class:`Node` (attributes, opset, the
name of its submodule if it became a layer), ``args`` the input values (``None`` for an omitted optional input).
``CHECKS`` holds the load-time checks that reject a node numnet cannot run with the reason, so that ``load`` can list
every problem at once instead of failing at forward.
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable

import numpy as np

from numnet import creation, functions
from numnet.errors import ShapeError
from numnet.nn import functional as F
from numnet.ops.activation import ErfOp
from numnet.tensor import Tensor

OPS: dict[str, Callable] = {}
CHECKS: dict[str, Callable] = {}
# input positions that carry shapes, axes, sizes or bounds: constants, never Parameters
STATIC_INPUTS: dict[str, tuple[int, ...]] = {
    "Reshape": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3), "Resize": (1, 2, 3), "Upsample": (1,),
    "Squeeze": (1,), "Unsqueeze": (1,), "Split": (1,), "ReduceMean": (1,), "ReduceSum": (1,), "ReduceMax": (1,),
    "ReduceMin": (1,), "Tile": (1,), "Expand": (1,), "ConstantOfShape": (0,), "Clip": (1, 2), "Dropout": (1, 2),
    "Gather": (1,),
}
_INT_MAX = 2 ** 62


class Node:
    """One ONNX node, parsed: ``op``, ``name``, ``inputs``/``outputs`` (names, ``""`` for omitted), ``attrs``."""

    def __init__(self, op: str, name: str, inputs: list, outputs: list, attrs: dict, opset: int) -> None:
        self.op, self.name, self.inputs, self.outputs, self.attrs, self.opset = op, name, inputs, outputs, attrs, opset
        self.module: str | None = None  # name of the submodule this node runs, if it became a layer
        self.prep: dict = {}
        self.domain = ""

    def a(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def label(self) -> str:
        return f"{self.op} node {self.name!r}" if self.name else f"{self.op} node"


def op(*names: str) -> Callable:
    def deco(fn: Callable) -> Callable:
        for n in names:
            OPS[n] = fn
        return fn
    return deco


def check(*names: str) -> Callable:
    def deco(fn: Callable) -> Callable:
        for n in names:
            CHECKS[n] = fn
        return fn
    return deco


# ---------------------------------------------------------------- value helpers

def is_t(v: Any) -> bool:
    return isinstance(v, Tensor)


def arr(v: Any) -> np.ndarray:
    """The value as a NumPy array (shapes, axes, indices: no gradient)."""
    if v is None:
        return None
    return v.detach().numpy() if is_t(v) else np.asarray(v)


def _memory_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # no sysconf: the largest array NumPy can address
        return 2**62


def bounded(node: "Node", shape: Any, itemsize: int = 4) -> tuple:
    """``shape`` as a tuple, refused before anything is allocated when a tensor of it would not fit in this
    machine's memory (a file can ask ConstantOfShape, Tile, Expand, Range or Pad for terabytes)."""
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise ShapeError(f"numnet.onnx: node {node.name!r} ({node.op}): expected non-negative sizes, got {shape}")
    need = math.prod(float(d) for d in shape) * itemsize
    if need > _memory_bytes():
        raise ShapeError(f"numnet.onnx: node {node.name!r} ({node.op}): a result of shape {shape} needs "
                         f"{need / 2**30:.3g} GiB, more than this machine's memory")
    return shape


def ints(v: Any) -> list[int]:
    return [int(i) for i in arr(v).reshape(-1)]


def T(v: Any, like: Tensor | None = None) -> Tensor:
    """The value as a Tensor; a float array takes the dtype of ``like`` (the model's float type)."""
    if is_t(v):
        return v
    a = np.asarray(v)
    if like is not None and a.dtype.kind == "f" and like.dtype != a.dtype and like.is_floating_point():
        a = a.astype(like.dtype)
    return creation.tensor(np.array(a, order="C"))


def _like(args: list) -> Tensor | None:
    return next((v for v in args if is_t(v)), None)


def _axis(ax: int, rank: int) -> int:
    return ax + rank if ax < 0 else ax


# ---------------------------------------------------------------- elementwise

def _elementwise(np_fn: Callable, t_fn: Callable) -> Callable:
    def run(node: Node, args: list, module: Any) -> Any:
        like = _like(args)
        if like is None:
            return np.asarray(np_fn(*[np.asarray(a) for a in args]))
        return t_fn(*[T(a, like) for a in args])
    return run


def _np_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        return np.trunc(a / b).astype(np.result_type(a, b))
    return a / b


def _t_pow(a: Tensor, b: Tensor) -> Tensor:
    if not b.requires_grad and b.numel() == 1:
        return a ** float(b.item())
    return functions.pow(a, b)


OPS["Add"] = _elementwise(np.add, lambda a, b: a + b)
OPS["Sub"] = _elementwise(np.subtract, lambda a, b: a - b)
OPS["Mul"] = _elementwise(np.multiply, lambda a, b: a * b)
OPS["Div"] = _elementwise(_np_div, lambda a, b: a / b)
OPS["Pow"] = _elementwise(lambda a, b: np.power(a, b).astype(a.dtype), _t_pow)
OPS["Neg"] = _elementwise(np.negative, lambda a: -a)
OPS["Exp"] = _elementwise(np.exp, functions.exp)
OPS["Log"] = _elementwise(np.log, functions.log)
OPS["Sqrt"] = _elementwise(np.sqrt, functions.sqrt)
OPS["Abs"] = _elementwise(np.abs, functions.abs)
OPS["Reciprocal"] = _elementwise(lambda a: (1 / a).astype(a.dtype), functions.reciprocal)
OPS["Floor"] = _elementwise(np.floor, functions.floor)
OPS["Ceil"] = _elementwise(np.ceil, functions.ceil)
OPS["Sigmoid"] = _elementwise(lambda a: 1 / (1 + np.exp(-a)), functions.sigmoid)
OPS["Tanh"] = _elementwise(np.tanh, functions.tanh)
OPS["Relu"] = _elementwise(lambda a: np.maximum(a, 0), F.relu)
OPS["Softsign"] = _elementwise(lambda a: a / (1 + np.abs(a)), F.softsign)
OPS["Equal"] = _elementwise(np.equal, lambda a, b: a.eq(b))
OPS["Greater"] = _elementwise(np.greater, lambda a, b: a.gt(b))
OPS["Less"] = _elementwise(np.less, lambda a, b: a.lt(b))
OPS["GreaterOrEqual"] = _elementwise(np.greater_equal, lambda a, b: a.ge(b))
OPS["LessOrEqual"] = _elementwise(np.less_equal, lambda a, b: a.le(b))
OPS["Sin"] = _elementwise(np.sin, functions.sin)
OPS["Cos"] = _elementwise(np.cos, functions.cos)
OPS["Tan"] = _elementwise(np.tan, functions.tan)
OPS["Round"] = _elementwise(np.round, functions.round)   # both round half to even, as ONNX
OPS["Sign"] = _elementwise(np.sign, functions.sign)
OPS["Where"] = _elementwise(np.where, lambda c, a, b: creation.where(c.bool(), a, b))


def _variadic(np_fn: Callable, t_fn: Callable) -> Callable:
    def run(node: Node, args: list, module: Any) -> Any:
        like = _like(args)
        vals = [np.asarray(a) for a in args] if like is None else [T(a, like) for a in args]
        out = vals[0]
        for v in vals[1:]:
            out = np_fn(out, v) if like is None else t_fn(out, v)
        return out
    return run


OPS["Sum"] = _variadic(np.add, lambda a, b: a + b)
OPS["Max"] = _variadic(np.maximum, creation.maximum)
OPS["Min"] = _variadic(np.minimum, creation.minimum)
OPS["Mean"] = lambda node, args, m: OPS["Sum"](node, args, m) / len(args)


@op("Identity")
def _identity(node: Node, args: list, module: Any) -> Any:
    return args[0]


def _erf(a: np.ndarray) -> np.ndarray:
    """erf of a constant (folded at load time), by the same op numnet.erf runs."""
    return ErfOp().forward(np.asarray(a))


OPS["Erf"] = _elementwise(_erf, ErfOp.apply)


# ---------------------------------------------------------------- activations

@op("LeakyRelu")
def _leaky(node: Node, args: list, module: Any) -> Tensor:
    return F.leaky_relu(T(args[0]), node.a("alpha", 0.01))


@op("PRelu")
def _prelu(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    slope = T(args[1], x)
    pos = F.relu(x)
    return pos + slope * (x - pos)


@op("Elu")
def _elu(node: Node, args: list, module: Any) -> Tensor:
    return F.elu(T(args[0]), node.a("alpha", 1.0))


@op("Selu")
def _selu(node: Node, args: list, module: Any) -> Tensor:
    return F.elu(T(args[0]), node.a("alpha", 1.67326319217681884765625)) * node.a("gamma", 1.05070102214813232421875)


@op("Celu")
def _celu(node: Node, args: list, module: Any) -> Tensor:
    return F.celu(T(args[0]), node.a("alpha", 1.0))


@op("Gelu")
def _gelu(node: Node, args: list, module: Any) -> Tensor:
    return F.gelu(T(args[0]), approximate=node.a("approximate", "none"))


@op("Softplus")
def _softplus(node: Node, args: list, module: Any) -> Tensor:
    return F.softplus(T(args[0]))


@op("HardSigmoid")
def _hardsigmoid(node: Node, args: list, module: Any) -> Tensor:
    return (T(args[0]) * node.a("alpha", 0.2) + node.a("beta", 0.5)).clamp(0.0, 1.0)


@op("HardSwish")
def _hardswish(node: Node, args: list, module: Any) -> Tensor:
    return F.hardswish(T(args[0]))


def _softmax_like(fn: Callable) -> Callable:
    def run(node: Node, args: list, module: Any) -> Tensor:
        x = T(args[0])
        if node.opset >= 13:
            return fn(x, dim=node.a("axis", -1))
        # before opset 13: the input is seen as a 2-D matrix [prod(shape[:axis]), prod(shape[axis:])]
        ax = _axis(node.a("axis", 1), x.ndim)
        rows = int(np.prod(x.shape[:ax], dtype=np.int64))
        return fn(x.reshape(rows, -1), dim=1).reshape(x.shape)
    return run


OPS["Softmax"] = _softmax_like(F.softmax)
OPS["LogSoftmax"] = _softmax_like(F.log_softmax)


@op("Clip")
def _clip(node: Node, args: list, module: Any) -> Any:
    if node.opset < 11:
        lo, hi = node.a("min"), node.a("max")
    else:
        lo = None if len(args) < 2 or args[1] is None else float(arr(args[1]))
        hi = None if len(args) < 3 or args[2] is None else float(arr(args[2]))
    if not is_t(args[0]):
        return np.clip(args[0], lo, hi)
    return T(args[0]).clamp(lo, hi)


# ---------------------------------------------------------------- layers (Conv, ConvTranspose, Gemm, BN, Dropout)

def pad_nd(x: Tensor, begins: list, ends: list, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad (positive) or crop (negative) the last ``len(begins)`` dims of ``x``."""
    n = len(begins)
    pos = [(max(b, 0), max(e, 0)) for b, e in zip(begins, ends)]
    if any(b or e for b, e in pos):
        flat: list[int] = []
        for b, e in reversed(pos):
            flat += [b, e]
        while flat and flat[-1] == 0 and flat[-2] == 0:
            flat = flat[:-2]
        x = F.pad(x, tuple(flat), mode=mode, value=value if mode == "constant" else None)
    if any(b < 0 or e < 0 for b, e in zip(begins, ends)):
        lead = x.ndim - n
        idx = [slice(None)] * lead
        for i, (b, e) in enumerate(zip(begins, ends)):
            size = x.shape[lead + i]
            idx.append(slice(-b if b < 0 else 0, size + e if e < 0 else size))
        x = x[tuple(idx)]
    return x


def same_pads(sizes: tuple, kernel: list, strides: list, dil: list, upper: bool) -> tuple[list, list]:
    begins, ends = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dil):
        out = -(-n // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - n)
        small = total // 2
        begins.append(small if upper else total - small)
        ends.append(total - small if upper else small)
    return begins, ends


def spatial_prep(node: Node, kernel: list) -> dict:
    """Strides, dilations and padding of a conv or pool: a symmetric ``padding`` for the layer, or the explicit
    (begins, ends) to pad before it, or the auto_pad rule evaluated at run time."""
    k = len(kernel)
    p = {"kernel": list(kernel), "strides": list(node.a("strides", [1] * k)),
         "dilations": list(node.a("dilations", [1] * k)), "auto": node.a("auto_pad", "NOTSET"), "pre": None}
    pads = list(node.a("pads", [0] * (2 * k)))
    begins, ends = pads[:k], pads[k:]
    if p["auto"] in ("SAME_UPPER", "SAME_LOWER", "VALID"):
        p["padding"] = [0] * k
    elif begins == ends:
        p["padding"] = begins
    else:
        p["padding"], p["pre"] = [0] * k, (begins, ends)
    return p


def _pre_pad(x: Tensor, p: dict, value: float = 0.0) -> Tensor:
    if p["auto"] in ("SAME_UPPER", "SAME_LOWER"):
        b, e = same_pads(x.shape[2:], p["kernel"], p["strides"], p["dilations"], p["auto"] == "SAME_UPPER")
        return pad_nd(x, b, e, value=value)
    if p["pre"] is not None:
        return pad_nd(x, *p["pre"], value=value)
    return x


def _kernel_rank_check(node: Node, kernel: Any) -> str | None:
    if kernel is None or len(kernel) != 2:
        return f"only 2-D kernels are supported, got kernel_shape {kernel}"
    return None


@check("Conv")
def _check_conv(node: Node, consts: dict) -> str | None:
    w = consts.get(node.inputs[1])
    kernel = node.a("kernel_shape") or (list(w.shape[2:]) if w is not None else None)
    if kernel is None:
        return "a Conv needs kernel_shape or a constant weight"
    return _kernel_rank_check(node, kernel)


@op("Conv")
def _conv(node: Node, args: list, module: Any) -> Tensor:
    x = _pre_pad(T(args[0]), node.prep)
    if node.module:
        return getattr(module, node.module)(x)
    p = node.prep
    b = args[2] if len(args) > 2 and args[2] is not None else None
    return F.conv2d(x, T(args[1], x), None if b is None else T(b, x), tuple(p["strides"]), tuple(p["padding"]),
                    tuple(p["dilations"]), node.a("group", 1))


@check("ConvTranspose")
def _check_convt(node: Node, consts: dict) -> str | None:
    w = consts.get(node.inputs[1])
    if w is None:
        return "ConvTranspose needs a constant weight"
    return _kernel_rank_check(node, node.a("kernel_shape") or list(w.shape[2:]))


@op("ConvTranspose")
def _conv_transpose(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    y = getattr(module, node.module)(x)
    p = node.prep
    if p["crop"] is None:
        return y
    if p["crop"] == "runtime":  # output_shape or auto_pad SAME_*: crop the full output to the size asked for
        if node.a("output_shape"):
            want = list(node.a("output_shape"))[-2:]
        else:
            want = [n * s for n, s in zip(x.shape[2:], p["strides"])]
        begins, ends = [], []
        for full, w in zip(y.shape[2:], want):
            total = full - w
            small = total // 2
            first = small if p["auto"] == "SAME_UPPER" else total - small
            begins.append(-first)
            ends.append(-(total - first))
        return pad_nd(y, begins, ends)
    begins, ends = p["crop"]
    return pad_nd(y, [-b for b in begins], [-e for e in ends])


@op("Gemm")
def _gemm(node: Node, args: list, module: Any) -> Tensor:
    if node.module:
        return getattr(module, node.module)(T(args[0]))
    like = _like(args)
    a, b = T(args[0], like), T(args[1], like)
    if node.a("transA", 0):
        a = a.t()
    if node.a("transB", 0):
        b = b.t()
    y = functions.matmul(a, b) * node.a("alpha", 1.0)
    if len(args) > 2 and args[2] is not None:
        y = y + T(args[2], like) * node.a("beta", 1.0)
    return y


@op("MatMul")
def _matmul(node: Node, args: list, module: Any) -> Any:
    like = _like(args)
    if like is None:
        return np.matmul(args[0], args[1])
    return functions.matmul(T(args[0], like), T(args[1], like))


@op("BatchNormalization")
def _batch_norm(node: Node, args: list, module: Any) -> Any:
    x = T(args[0])
    if node.module:
        m = getattr(module, node.module)
        rank_ok = x.ndim == 4 if type(m).__name__ == "BatchNorm2d" else x.ndim in (2, 3)
        if rank_ok:
            y = m(x)
        else:
            y = F.batch_norm(x, m.running_mean, m.running_var, m.weight, m.bias, m.training, m.momentum or 0.1,
                             m.eps)
        extra = [m.running_mean.detach(), m.running_var.detach()]
    else:
        y = F.batch_norm(x, T(args[3], x), T(args[4], x), T(args[1], x), T(args[2], x), False,
                         eps=node.a("epsilon", 1e-5))
        extra = [args[3], args[4]]
    if len(node.outputs) == 1:
        return y
    return tuple([y] + (extra + [None, None])[:len(node.outputs) - 1])


@op("Dropout")
def _dropout(node: Node, args: list, module: Any) -> Any:
    y = getattr(module, node.module)(T(args[0]))
    return y if len(node.outputs) == 1 else (y, None)


@op("LayerNormalization")
def _layer_norm(node: Node, args: list, module: Any) -> Any:
    x = T(args[0])
    ax = _axis(node.a("axis", -1), x.ndim)
    w = T(args[1], x) if len(args) > 1 and args[1] is not None else None
    b = T(args[2], x) if len(args) > 2 and args[2] is not None else None
    return F.layer_norm(x, tuple(x.shape[ax:]), w, b, eps=node.a("epsilon", 1e-5))


# ---------------------------------------------------------------- pooling

@check("MaxPool", "AveragePool")
def _check_pool(node: Node, consts: dict) -> str | None:
    if node.op == "AveragePool" and any(d != 1 for d in node.a("dilations", [1])):
        return "dilated AveragePool is not supported"
    return _kernel_rank_check(node, node.a("kernel_shape"))


@op("MaxPool")
def _max_pool(node: Node, args: list, module: Any) -> Tensor:
    p = node.prep
    x = _pre_pad(T(args[0]), p, value=float("-inf"))
    return F.max_pool2d(x, tuple(p["kernel"]), tuple(p["strides"]), tuple(p["padding"]), tuple(p["dilations"]),
                        ceil_mode=bool(node.a("ceil_mode", 0)))


@op("AveragePool")
def _avg_pool(node: Node, args: list, module: Any) -> Tensor:
    p = node.prep
    x = T(args[0])
    ceil, include = bool(node.a("ceil_mode", 0)), bool(node.a("count_include_pad", 0))
    kernel, strides = tuple(p["kernel"]), tuple(p["strides"])
    if p["pre"] is None and p["auto"] not in ("SAME_UPPER", "SAME_LOWER"):
        return F.avg_pool2d(x, kernel, strides, tuple(p["padding"]), ceil_mode=ceil, count_include_pad=include)
    y = F.avg_pool2d(_pre_pad(x, p), kernel, strides, 0, ceil_mode=ceil, count_include_pad=True)
    if include:
        return y
    # asymmetric padding that must not count: divide the zero-padded mean by the fraction of real cells
    ones = creation.ones(1, 1, *x.shape[2:], dtype=x.dtype)
    frac = F.avg_pool2d(_pre_pad(ones, p), kernel, strides, 0, ceil_mode=ceil, count_include_pad=True)
    return y / frac


@op("GlobalAveragePool")
def _gap(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    return x.mean(dim=tuple(range(2, x.ndim)), keepdim=True)


@op("GlobalMaxPool")
def _gmp(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    return functions.amax(x, dim=tuple(range(2, x.ndim)), keepdim=True)
