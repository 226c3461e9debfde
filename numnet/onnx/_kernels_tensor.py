"""ONNX kernels, part 2: elementwise math, comparisons, shapes and indexing, reductions and Resize (see
:mod:`numnet.onnx._numpy_kernels` for the conventions)."""

import numpy as np

# ----------------------------------------------------------------------------------------------------------------
# Element-wise arithmetic and comparison (NumPy broadcasting is ONNX's multidirectional broadcasting)
# ----------------------------------------------------------------------------------------------------------------


def Add(A, B):
    """C = A + B."""
    return np.add(A, B)


def Sub(A, B):
    """C = A - B."""
    return np.subtract(A, B)


def Mul(A, B):
    """C = A * B."""
    return np.multiply(A, B)


def Div(A, B):
    """C = A / B; integer division truncates toward zero, as in C."""
    if np.issubdtype(A.dtype, np.integer):
        q = np.abs(A) // np.abs(B)
        return (np.sign(A) * np.sign(B) * q).astype(A.dtype)
    return np.divide(A, B)


def Pow(X, Y):
    """Z = X ** Y; the result has X's dtype."""
    return np.power(X, Y).astype(X.dtype, copy=False)


def Mod(A, B, *, fmod=0):
    """C = A mod B: with fmod=1 the C fmod (sign of A, required for floats), else the sign of B like Python."""
    return np.fmod(A, B) if fmod else np.mod(A, B)


def Neg(X):
    """Y = -X."""
    return np.negative(X)


def Sign(X):
    """Y = -1, 0 or 1 by the sign of X."""
    return np.sign(X)


def Abs(X):
    """Y = |X|."""
    return np.abs(X)


def Exp(input):
    """Y = exp(X)."""
    return np.exp(input)


def Log(input):
    """Y = log(X) (natural logarithm)."""
    return np.log(input)


def Sqrt(X):
    """Y = sqrt(X)."""
    return np.sqrt(X)


def Sin(input):
    """Y = sin(X)."""
    return np.sin(input)


def Cos(input):
    """Y = cos(X)."""
    return np.cos(input)


def Tan(input):
    """Y = tan(X)."""
    return np.tan(input)


def Reciprocal(X):
    """Y = 1 / X."""
    return np.reciprocal(X)


def Floor(X):
    """Y = floor(X)."""
    return np.floor(X)


def Ceil(X):
    """Y = ceil(X)."""
    return np.ceil(X)


def Round(X):
    """Y = X rounded to the nearest integer, halves to even (0.5 -> 0, 1.5 -> 2), which is np.round."""
    return np.round(X)


def Max(*data_0):
    """Element-wise maximum of any number of broadcasting inputs."""
    y = data_0[0]
    for x in data_0[1:]:
        y = np.maximum(y, x)
    return np.asarray(y)


def Min(*data_0):
    """Element-wise minimum of any number of broadcasting inputs."""
    y = data_0[0]
    for x in data_0[1:]:
        y = np.minimum(y, x)
    return np.asarray(y)


def Where(condition, X, Y):
    """Z = X where condition else Y."""
    return np.where(condition, X, Y)


def Greater(A, B):
    """C = A > B (bool)."""
    return np.greater(A, B)


def Less(A, B):
    """C = A < B (bool)."""
    return np.less(A, B)


def Equal(A, B):
    """C = A == B (bool)."""
    return np.equal(A, B)


def Not(X):
    """Y = logical not X (bool)."""
    return np.logical_not(X)


# ONNX TensorProto.DataType codes -> NumPy dtypes.
_ONNX_DTYPES = {
    1: np.float32,
    2: np.uint8,
    3: np.int8,
    4: np.uint16,
    5: np.int16,
    6: np.int32,
    7: np.int64,
    9: np.bool_,
    10: np.float16,
    11: np.float64,
    12: np.uint32,
    13: np.uint64,
}


def Cast(input, *, to, saturate=1):
    """Y = input converted to the ONNX dtype code ``to`` (1 float32, 11 float64, 6 int32, 7 int64, 9 bool,
    10 float16); float -> int truncates toward zero."""
    return input.astype(_ONNX_DTYPES[int(to)])


# ----------------------------------------------------------------------------------------------------------------
# Shape and indexing
# ----------------------------------------------------------------------------------------------------------------


def Concat(*inputs, axis):
    """Join the inputs along ``axis``."""
    return np.concatenate(inputs, axis=axis)


def Reshape(data, shape, *, allowzero=0):
    """Y = data with the given shape; 0 copies the input's dim (unless allowzero=1), -1 is inferred."""
    shape = [int(s) for s in shape]
    if not allowzero:
        shape = [data.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return data.reshape(shape)


def Flatten(input, *, axis=1):
    """Y = input as a matrix (prod(shape[:axis]), prod(shape[axis:]))."""
    axis = axis + input.ndim if axis < 0 else axis  # axis == rank is allowed: (prod(shape), 1)
    rows = int(np.prod(input.shape[:axis]))
    return input.reshape(rows, int(np.prod(input.shape[axis:])))


def Transpose(data, *, perm=None):
    """Permute the axes (reversed by default)."""
    return np.transpose(data, perm)


def Pad(data, pads, constant_value=None, *, mode="constant"):
    """Pad by ``pads`` = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (negative amounts crop).

    mode: "constant" (with constant_value, default 0), "reflect" (mirror, edge not repeated) or "edge".
    """
    r = data.ndim
    pads = [int(p) for p in pads]
    crop = tuple(slice(max(0, -pads[i]), data.shape[i] - max(0, -pads[i + r])) for i in range(r))
    data = data[crop]
    width = [(max(0, pads[i]), max(0, pads[i + r])) for i in range(r)]
    if mode == "constant":
        value = 0 if constant_value is None else np.asarray(constant_value).reshape(-1)[0]
        return np.pad(data, width, mode="constant", constant_values=value)
    return np.pad(data, width, mode=mode)


def Slice(data, starts, ends, axes=None, steps=None):
    """data[starts:ends:steps] along ``axes`` (default all leading axes).

    Like ONNX, negative starts/ends count from the end, and out-of-range values are clamped: to [0, dim] for a
    positive step, to [0, dim - 1] (starts) and [-1, dim - 1] (ends, -1 meaning "past the beginning") for a
    negative one.
    """
    starts = [int(s) for s in starts]
    axes = list(range(len(starts))) if axes is None else [int(a) % data.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else [int(s) for s in steps]
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, [int(e) for e in ends], axes, steps):
        dim = data.shape[axis]
        start = start + dim if start < 0 else start
        end = end + dim if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
        index[axis] = slice(start, None if end < 0 else end, step)
    return data[tuple(index)]


def Gather(data, indices, *, axis=0):
    """Y = data indexed by ``indices`` along ``axis`` (negative indices count from the end); the shape is
    data.shape[:axis] + indices.shape + data.shape[axis+1:]."""
    return np.asarray(np.take(data, indices.astype(np.int64), axis=axis))


def GatherElements(data, indices, *, axis=0):
    """Y[i][j] = data[indices[i][j]][j] for axis=0 (and likewise for other axes); Y has the shape of indices."""
    idx = indices.astype(np.int64)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    return np.take_along_axis(data, idx, axis=axis)


def ScatterElements(data, indices, updates, *, axis=0, reduction="none"):
    """Y = copy of data with Y[indices[i][j]][j] = updates[i][j] (axis=0); reduction "add"/"mul"/"max"/"min"
    combines with the existing value instead (repeated indices accumulate)."""
    y = data.copy()
    axis = axis % data.ndim
    idx = indices.astype(np.int64)
    idx = np.where(idx < 0, idx + data.shape[axis], idx)
    # Full index: every position of ``updates``, with the ``axis`` coordinate replaced by ``indices``.
    where = list(np.indices(idx.shape, sparse=True))
    where[axis] = idx
    where = tuple(where)
    if reduction == "none":
        y[where] = updates
    else:
        ufunc = {"add": np.add, "mul": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]
        ufunc.at(y, where, updates)
    return y


def Expand(input, shape):
    """Broadcast input to ``shape`` (bidirectionally: the result has the broadcast of both shapes)."""
    out = np.broadcast_shapes(input.shape, tuple(int(s) for s in shape))
    return np.broadcast_to(input, out).copy()


def Tile(input, repeats):
    """Repeat the whole input repeats[i] times along axis i."""
    return np.tile(input, [int(r) for r in repeats])


def Unsqueeze(data, axes):
    """Insert size-1 axes at ``axes`` (positions in the output; negative counts from the output's end)."""
    return np.expand_dims(data, tuple(int(a) for a in axes))


def Squeeze(data, axes=None):
    """Remove size-1 axes: the given ``axes``, or all of them."""
    if axes is None:
        return np.squeeze(data)
    return np.squeeze(data, axis=tuple(int(a) for a in axes))


# ----------------------------------------------------------------------------------------------------------------
# Reductions (axes is always the second positional input; None or empty means all axes, or no-op with
# noop_with_empty_axes=1)
# ----------------------------------------------------------------------------------------------------------------


def _reduce_axes(data, axes, noop_with_empty_axes):
    """The axes tuple to reduce over, or None when the reduction is a no-op."""
    if axes is None or np.size(axes) == 0:
        return None if noop_with_empty_axes else tuple(range(data.ndim))
    return tuple(int(a) % data.ndim for a in np.reshape(axes, -1))


def ReduceSum(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = sum of data over axes."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    return np.asarray(np.sum(data, axis=ax, keepdims=bool(keepdims), dtype=data.dtype))


def ReduceMean(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = mean of data over axes."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    return np.asarray(np.mean(data, axis=ax, keepdims=bool(keepdims))).astype(data.dtype, copy=False)


def ReduceMax(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = max of data over axes."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    return np.asarray(np.max(data, axis=ax, keepdims=bool(keepdims)))


def ReduceMin(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = min of data over axes."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    return np.asarray(np.min(data, axis=ax, keepdims=bool(keepdims)))


def ReduceProd(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = product of data over axes."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    return np.asarray(np.prod(data, axis=ax, keepdims=bool(keepdims), dtype=data.dtype))


def ReduceLogSumExp(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = log(sum(exp(data))) over axes, as m + log(sum(exp(data - m))) with m the max, so it cannot overflow."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return data
    m = np.max(data, axis=ax, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # an all -inf (or inf) slice: no shift, the plain formula is right
    y = np.log(np.sum(np.exp(data - m), axis=ax, keepdims=True)) + m
    if not keepdims:
        y = np.squeeze(y, axis=ax)
    return np.asarray(y).astype(data.dtype, copy=False)


def ReduceL2(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = sqrt(sum(data^2)) over axes; as a no-op reduction it still takes sqrt(data^2) = |data|."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return np.abs(data)
    y = np.sqrt(np.sum(data * data, axis=ax, keepdims=bool(keepdims)))
    return np.asarray(y).astype(data.dtype, copy=False)


def ReduceL1(data, axes=None, *, keepdims=1, noop_with_empty_axes=0):
    """Y = sum(|data|) over axes; as a no-op reduction, |data|."""
    ax = _reduce_axes(data, axes, noop_with_empty_axes)
    if ax is None:
        return np.abs(data)
    return np.asarray(np.sum(np.abs(data), axis=ax, keepdims=bool(keepdims), dtype=data.dtype))


def Shape(data, *, start=0, end=None):
    """The dimensions of data (from start to end) as a 1-D int64 array."""
    return np.array(data.shape[start:end], dtype=np.int64)


def CumSum(x, axis, *, exclusive=0, reverse=0):
    """Y[i] = sum_{j <= i} x[j] along axis; exclusive sums j < i only, reverse sums from the end."""
    axis = int(np.reshape(axis, -1)[0]) % x.ndim
    y = np.flip(x, axis) if reverse else x
    y = np.cumsum(y, axis=axis, dtype=x.dtype)
    if exclusive:
        # Shift by one along axis: Y[0] = 0, Y[i] = inclusive[i - 1].
        zero = np.zeros_like(np.take(y, [0], axis=axis))
        y = np.concatenate([zero, np.take(y, np.arange(x.shape[axis] - 1), axis=axis)], axis=axis)
    return np.flip(y, axis).copy() if reverse else y


# ----------------------------------------------------------------------------------------------------------------
# Resize
# ----------------------------------------------------------------------------------------------------------------


def _resize_coordinates(out_size, in_size, scale, mode):
    """For each output index along one axis, the (fractional) input coordinate it samples."""
    x = np.arange(out_size, dtype=np.float64)
    if mode == "asymmetric":
        return x / scale
    if mode == "align_corners":
        return x * ((in_size - 1) / (out_size - 1)) if out_size > 1 else np.zeros_like(x)
    if mode == "pytorch_half_pixel" and out_size == 1:
        return np.zeros_like(x)
    if mode in ("half_pixel", "pytorch_half_pixel"):
        return (x + 0.5) / scale - 0.5
    raise NotImplementedError(f"Resize coordinate_transformation_mode {mode!r}")


def Resize(
    X,
    roi=None,
    scales=None,
    sizes=None,
    *,
    coordinate_transformation_mode="half_pixel",
    cubic_coeff_a=-0.75,
    exclude_outside=0,
    extrapolation_value=0.0,
    mode="nearest",
    nearest_mode="round_prefer_floor",
):
    """Resize X by ``scales`` (out = floor(in * scale)) or to ``sizes``, one axis at a time.

    mode "nearest" picks input index round(coordinate) per nearest_mode (floor, ceil, round_prefer_floor,
    round_prefer_ceil); mode "linear" interpolates between the two neighbours, coordinates clamped to the input
    (separable, so per axis it is multilinear overall). coordinate_transformation_mode maps output index x to an
    input coordinate: asymmetric x / scale, half_pixel (x + 0.5) / scale - 0.5, align_corners
    x * (in - 1) / (out - 1), pytorch_half_pixel (half_pixel, but 0 when out == 1).
    """
    if sizes is not None and np.size(sizes) > 0:
        out_shape = [int(s) for s in sizes]
        scale_list = [o / i for o, i in zip(out_shape, X.shape)]
    else:
        scale_list = [float(s) for s in scales]
        out_shape = [int(np.floor(i * s)) for i, s in zip(X.shape, scale_list)]
    y = X.astype(np.float64) if mode == "linear" else X
    for axis, (in_size, out_size, scale) in enumerate(zip(X.shape, out_shape, scale_list)):
        if in_size == out_size and scale == 1:
            continue  # every transformation maps x to x here
        c = _resize_coordinates(out_size, in_size, scale, coordinate_transformation_mode)
        if mode == "nearest":
            if nearest_mode == "floor":
                index = np.floor(c)
            elif nearest_mode == "ceil":
                index = np.ceil(c)
            elif nearest_mode == "round_prefer_ceil":
                index = np.floor(c + 0.5)
            else:  # round_prefer_floor
                index = np.ceil(c - 0.5)
            y = np.take(y, np.clip(index, 0, in_size - 1).astype(np.int64), axis=axis)
        elif mode == "linear":
            c = np.clip(c, 0, in_size - 1)
            lo = np.floor(c).astype(np.int64)
            hi = np.minimum(lo + 1, in_size - 1)
            w = (c - lo).reshape((-1,) + (1,) * (X.ndim - axis - 1))
            y = np.take(y, lo, axis=axis) * (1 - w) + np.take(y, hi, axis=axis) * w
        else:
            raise NotImplementedError(f"Resize mode {mode!r}")
    return y.astype(X.dtype, copy=False)
