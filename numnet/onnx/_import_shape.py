"""``numnet.onnx.load``'s shape, data-movement, reduction, Pad and Resize ops (see ``_import_ops`` for the
conventions: values are Tensors or NumPy arrays, and an op on arrays alone computes on NumPy)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from numnet import creation, functions
from numnet.errors import ArgumentError, ShapeError
from numnet.onnx._import_ops import OPS, Node, T, _axis, _like, arr, bounded, check, ints, is_t, op, pad_nd
from numnet.tensor import Tensor

_INT_MAX = 2 ** 62


# ---------------------------------------------------------------- shapes and data movement

def _reshape_any(x: Any, shape: tuple) -> Any:
    return np.reshape(x, shape) if not is_t(x) else x.reshape(*shape) if shape else x.reshape(())


@op("Shape")
def _shape(node: Node, args: list, module: Any) -> np.ndarray:
    s = np.array(np.shape(args[0]) if not is_t(args[0]) else args[0].shape, dtype=np.int64)
    start, end = node.a("start", 0), node.a("end")
    return s[start:end]


@op("Size")
def _size(node: Node, args: list, module: Any) -> np.ndarray:
    return np.array(int(np.prod(np.shape(args[0]) if not is_t(args[0]) else args[0].shape)), dtype=np.int64)


@op("Constant")
def _constant(node: Node, args: list, module: Any) -> np.ndarray:
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in node.attrs:
            v = node.attrs[key]
            if key.startswith("value_float"):
                return np.array(v, dtype=np.float32)
            if key.startswith("value_int"):
                return np.array(v, dtype=np.int64)
            return np.array(v)
    raise ArgumentError(f"numnet.onnx: {node.label()}: expected a value, value_float(s) or value_int(s) attribute, "
                        f"got {sorted(node.attrs)}")


@check("Constant")
def _check_constant(node: Node, consts: dict) -> str | None:
    if not any(k in node.attrs for k in ("value", "value_float", "value_floats", "value_int", "value_ints")):
        return f"Constant with attribute {sorted(node.attrs)} is not supported"
    return None


@op("ConstantOfShape")
def _constant_of_shape(node: Node, args: list, module: Any) -> np.ndarray:
    value = np.asarray(node.a("value", np.zeros(1, np.float32))).reshape(-1)
    return np.full(bounded(node, ints(args[0]), value.dtype.itemsize), value[0], dtype=value.dtype)


@op("Cast")
def _cast(node: Node, args: list, module: Any) -> Any:
    dt = node.prep["dtype"]
    x = args[0]
    if is_t(x) and np.dtype(dt).kind == "f" and x.is_floating_point():
        return x if x.dtype == dt else x.to(dt)
    return arr(x).astype(dt)


@op("Reshape")
def _reshape(node: Node, args: list, module: Any) -> Any:
    x, shape = args[0], ints(args[1])
    in_shape = np.shape(x) if not is_t(x) else x.shape
    if not node.a("allowzero", 0):
        shape = [in_shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return _reshape_any(x, tuple(shape))


@op("Flatten")
def _flatten(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    shape = np.shape(x) if not is_t(x) else x.shape
    ax = _axis(node.a("axis", 1), len(shape))
    return _reshape_any(x, (int(np.prod(shape[:ax], dtype=np.int64)), -1))


@op("Transpose")
def _transpose(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    rank = np.ndim(x) if not is_t(x) else x.ndim
    perm = node.a("perm", list(range(rank))[::-1])
    return np.transpose(x, perm) if not is_t(x) else x.permute(*perm)


def _axes_arg(node: Node, args: list, since: int) -> list | None:
    if node.opset >= since:
        return ints(args[1]) if len(args) > 1 and args[1] is not None else None
    return node.a("axes")


@op("Squeeze")
def _squeeze(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    shape = list(np.shape(x) if not is_t(x) else x.shape)
    axes = _axes_arg(node, args, 13)
    axes = [i for i, s in enumerate(shape) if s == 1] if axes is None else [_axis(a, len(shape)) for a in axes]
    return _reshape_any(x, tuple(s for i, s in enumerate(shape) if i not in axes))


@op("Unsqueeze")
def _unsqueeze(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    shape = list(np.shape(x) if not is_t(x) else x.shape)
    axes = _axes_arg(node, args, 13)
    rank = len(shape) + len(axes)
    for a in sorted(_axis(a, rank) for a in axes):
        shape.insert(a, 1)
    return _reshape_any(x, tuple(shape))


@op("Concat")
def _concat(node: Node, args: list, module: Any) -> Any:
    args = [a for a in args if a is not None]
    like = _like(args)
    ax = node.a("axis")
    if like is None:
        return np.concatenate([np.atleast_1d(a) for a in args], axis=ax)
    return creation.cat([T(a, like) for a in args], dim=ax)


@op("Gather")
def _gather(node: Node, args: list, module: Any) -> Any:
    x, idx = args[0], arr(args[1]).astype(np.int64)
    shape = np.shape(x) if not is_t(x) else x.shape
    ax = _axis(node.a("axis", 0), len(shape))
    idx = np.where(idx < 0, idx + shape[ax], idx)
    if not is_t(x):
        return np.take(x, idx, axis=ax)
    if idx.ndim == 0:
        return x[(slice(None),) * ax + (int(idx),)]
    out = x.index_select(ax, creation.tensor(idx.reshape(-1)))
    return out.reshape(*(tuple(shape[:ax]) + idx.shape + tuple(shape[ax + 1:])))


@op("Slice")
def _slice(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    shape = np.shape(x) if not is_t(x) else x.shape
    if node.opset < 10:
        starts, ends, axes, steps = node.a("starts"), node.a("ends"), node.a("axes"), None
    else:
        starts, ends = ints(args[1]), ints(args[2])
        axes = ints(args[3]) if len(args) > 3 and args[3] is not None else None
        steps = ints(args[4]) if len(args) > 4 and args[4] is not None else None
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    idx = [slice(None)] * len(shape)
    for s, e, a, st in zip(starts, ends, axes, steps):
        a = _axis(a, len(shape))
        n = shape[a]
        s, e = max(min(s, _INT_MAX), -_INT_MAX), max(min(e, _INT_MAX), -_INT_MAX)
        s, e = s + n if s < 0 else s, e + n if e < 0 else e
        if st > 0:
            s, e = min(max(s, 0), n), min(max(e, 0), n)
        else:
            s, e = min(max(s, 0), n - 1), min(max(e, -1), n - 1)
        idx[a] = slice(s, None if e < 0 else e, st)
    return x[tuple(idx)]


@op("Split")
def _split(node: Node, args: list, module: Any) -> tuple:
    x = args[0]
    shape = np.shape(x) if not is_t(x) else x.shape
    ax = _axis(node.a("axis", 0), len(shape))
    if node.opset >= 13:
        sizes = ints(args[1]) if len(args) > 1 and args[1] is not None else None
    else:
        sizes = node.a("split")
    if sizes is None:
        k = len(node.outputs)
        chunk = -(-shape[ax] // k)
        sizes = [min(chunk, shape[ax] - i * chunk) for i in range(k)]
    if sum(sizes) != shape[ax]:
        raise ShapeError(f"numnet.onnx: {node.label()}: expected split sizes summing to {shape[ax]} (axis {ax}), "
                         f"got {sizes}")
    out, start = [], 0
    for s in sizes:
        idx = (slice(None),) * ax + (slice(start, start + s),)
        out.append(x[idx])
        start += s
    return tuple(out)


@op("Expand")
def _expand(node: Node, args: list, module: Any) -> Any:
    x = args[0]
    shape = np.shape(x) if not is_t(x) else x.shape
    try:
        out = np.broadcast_shapes(tuple(shape), tuple(ints(args[1])))
    except ValueError:
        raise ShapeError(f"numnet.onnx: node {node.name!r} (Expand): expected a shape that {tuple(shape)} "
                         f"broadcasts to, got {tuple(ints(args[1]))}") from None
    bounded(node, out, 8)
    if not is_t(x):
        return np.broadcast_to(x, out).copy()
    return x.expand(*out) if out != tuple(x.shape) else x


@op("Tile")
def _tile(node: Node, args: list, module: Any) -> Any:
    reps = tuple(ints(args[1]))
    shape = np.shape(args[0]) if not is_t(args[0]) else args[0].shape
    bounded(node, [a * b for a, b in zip((1,) * (len(reps) - len(shape)) + tuple(shape),
                                          (1,) * (len(shape) - len(reps)) + reps)], 8)
    return np.tile(args[0], reps) if not is_t(args[0]) else args[0].repeat(*reps)


@op("Range")
def _range(node: Node, args: list, module: Any) -> np.ndarray:
    start, limit, delta = (arr(a) for a in args)
    if float(delta) == 0:
        raise ArgumentError(f"numnet.onnx: node {node.name!r} (Range): expected a non-zero delta, got 0")
    bounded(node, [max(0, math.ceil((float(limit) - float(start)) / float(delta)))], 8)
    return np.arange(start, limit, delta).astype(np.result_type(start))


def _reduce(np_fn: Callable, t_fn: Callable, axes_since: int) -> Callable:
    def run(node: Node, args: list, module: Any) -> Any:
        x = args[0]
        rank = np.ndim(x) if not is_t(x) else x.ndim
        axes = _axes_arg(node, args, axes_since)
        keep = bool(node.a("keepdims", 1))
        if not axes:
            if node.a("noop_with_empty_axes", 0):
                return x
            axes = list(range(rank))
        axes = tuple(sorted(_axis(a, rank) for a in axes))
        if not is_t(x):
            return np_fn(x, axis=axes, keepdims=keep)
        return t_fn(x, axes, keep)
    return run


OPS["ReduceMean"] = _reduce(np.mean, lambda x, d, k: x.mean(dim=d, keepdim=k), 18)
OPS["ReduceSum"] = _reduce(np.sum, lambda x, d, k: x.sum(dim=d, keepdim=k), 13)
OPS["ReduceMax"] = _reduce(np.max, lambda x, d, k: functions.amax(x, dim=d, keepdim=k), 18)
OPS["ReduceMin"] = _reduce(np.min, lambda x, d, k: functions.amin(x, dim=d, keepdim=k), 18)


@op("Pad")
def _pad(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    mode = node.a("mode", "constant")
    if node.opset < 11:
        pads, value, axes = list(node.a("pads")), float(node.a("value", 0.0)), None
    else:
        pads = ints(args[1])
        value = float(arr(args[2]).reshape(-1)[0]) if len(args) > 2 and args[2] is not None and \
            arr(args[2]).size else 0.0
        axes = ints(args[3]) if len(args) > 3 and args[3] is not None else None
    axes = list(range(x.ndim)) if axes is None else [_axis(a, x.ndim) for a in axes]
    k = len(axes)
    begins, ends = [0] * x.ndim, [0] * x.ndim
    for i, a in enumerate(axes):
        begins[a], ends[a] = pads[i], pads[k + i]
    bounded(node, [n + b + e for n, b, e in zip(x.shape, begins, ends)], x.dtype.itemsize)
    first = next((i for i in range(x.ndim) if begins[i] or ends[i]), x.ndim)
    if first == x.ndim:
        return x
    return pad_nd(x, begins[first:], ends[first:], mode={"edge": "replicate"}.get(mode, mode), value=value)


@check("Pad")
def _check_pad(node: Node, consts: dict) -> str | None:
    mode = node.a("mode", "constant")
    if mode not in ("constant", "reflect", "edge"):
        return f"Pad mode {mode!r} is not supported (constant, reflect, edge are)"
    return None


# ---------------------------------------------------------------- Resize / Upsample

@check("Resize", "Upsample")
def _check_resize(node: Node, consts: dict) -> str | None:
    mode = node.a("mode", "nearest")
    if mode not in ("nearest", "linear", "bilinear"):
        return f"mode {mode!r} is not supported (nearest and linear are)"
    ctm = node.a("coordinate_transformation_mode", "half_pixel")
    if ctm not in ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"):
        return f"coordinate_transformation_mode {ctm!r} is not supported"
    if node.a("antialias", 0):
        return "antialias=1 is not supported"
    if node.a("keep_aspect_ratio_policy", "stretch") != "stretch":
        return "keep_aspect_ratio_policy other than 'stretch' is not supported"
    return None


def _src_coords(out_n: int, in_n: int, scale: float, ctm: str) -> np.ndarray:
    d = np.arange(out_n, dtype=np.float64)
    if ctm == "align_corners":
        return d * ((in_n - 1) / (out_n - 1)) if out_n > 1 else np.zeros(out_n)
    if ctm == "asymmetric":
        return d / scale
    if ctm == "pytorch_half_pixel":
        return (d + 0.5) / scale - 0.5 if out_n > 1 else np.zeros(out_n)
    if ctm == "half_pixel_symmetric":
        adj = out_n / (scale * in_n)
        return (in_n / 2) * (1 - adj) + (d + 0.5) / scale - 0.5
    return (d + 0.5) / scale - 0.5  # half_pixel


def _round_nearest(src: np.ndarray, nearest_mode: str) -> np.ndarray:
    if nearest_mode == "floor":
        return np.floor(src)
    if nearest_mode == "ceil":
        return np.ceil(src)
    if nearest_mode == "round_prefer_ceil":
        return np.floor(src + 0.5)
    return np.ceil(src - 0.5)  # round_prefer_floor


@op("Resize", "Upsample")
def _resize(node: Node, args: list, module: Any) -> Tensor:
    x = T(args[0])
    rank = x.ndim
    if node.op == "Upsample":
        scales = node.a("scales") if node.opset < 9 else [float(s) for s in arr(args[1]).reshape(-1)]
        sizes = None
        ctm, nearest_mode = "asymmetric", "floor"
    else:
        if node.opset < 11:
            scales_v, sizes_v = args[1], None
        else:
            scales_v = args[2] if len(args) > 2 else None
            sizes_v = args[3] if len(args) > 3 else None
        scales = [float(s) for s in arr(scales_v).reshape(-1)] if scales_v is not None and arr(scales_v).size \
            else None
        sizes = ints(sizes_v) if sizes_v is not None and arr(sizes_v).size else None
        ctm = node.a("coordinate_transformation_mode", "half_pixel" if node.opset >= 11 else "asymmetric")
        nearest_mode = node.a("nearest_mode", "round_prefer_floor" if node.opset >= 11 else "floor")
    axes = node.a("axes")
    axes = list(range(rank)) if axes is None else [_axis(a, rank) for a in axes]
    full_scales, full_sizes = [1.0] * rank, list(x.shape)
    for i, a in enumerate(axes):
        if sizes is not None:
            full_sizes[a] = sizes[i]
            full_scales[a] = sizes[i] / x.shape[a]
        else:
            full_scales[a] = scales[i]
            full_sizes[a] = int(math.floor(x.shape[a] * scales[i]))
    bounded(node, full_sizes, x.dtype.itemsize)
    linear = node.a("mode", "nearest") != "nearest"
    for a in range(rank):
        n_in, n_out, s = x.shape[a], full_sizes[a], full_scales[a]
        if n_in == n_out and s == 1.0:
            continue
        src = _src_coords(n_out, n_in, s, ctm)
        if not linear:
            i = np.clip(_round_nearest(src, nearest_mode), 0, n_in - 1).astype(np.int64)
            x = x.index_select(a, creation.tensor(i))
            continue
        src = np.clip(src, 0, n_in - 1)
        i0 = np.floor(src).astype(np.int64)
        i1 = np.minimum(i0 + 1, n_in - 1)
        w = (src - i0).astype(x.dtype).reshape((-1,) + (1,) * (rank - a - 1))
        lo, hi = x.index_select(a, creation.tensor(i0)), x.index_select(a, creation.tensor(i1))
        x = lo + (hi - lo) * creation.tensor(w)
    return x
