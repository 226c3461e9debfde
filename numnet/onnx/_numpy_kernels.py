"""Plain-NumPy kernels for ONNX operators (opset-17 semantics).

:func:`numnet.onnx.export_numpy` writes a standalone ``model.py`` that contains ``import numpy as np``, the source
of exactly the kernels the model uses (see :func:`source_for`) and straight-line code such as::

    v3 = Conv(v2, W["conv1.weight"], W["conv1.bias"], strides=[1, 1], pads=[2, 2, 2, 2], dilations=[1, 1], group=1)

Conventions, so the generated code reads like the ONNX graph:

- one top-level function per op, named exactly as the ONNX op type;
- ONNX inputs are positional arrays in ONNX order (optional ones default to None), including those opset 13-17
  takes as tensors (Reshape's shape, Pad's pads, Slice's starts/ends/axes/steps, Clip's min/max, ...);
- ONNX attributes are keyword-only, with ONNX's names and defaults;
- private helpers start with ``_``; every kernel and helper only uses ``np`` and other names defined here, so
  :func:`source_for` can copy them into a file that needs nothing but NumPy.

Spatial ops (Conv, ConvTranspose, the pools) accept any number of spatial dimensions; 2-D is what the exporter uses.
"""

import numpy as np

# ----------------------------------------------------------------------------------------------------------------
# Helpers for the spatial ops
# ----------------------------------------------------------------------------------------------------------------


def _spatial_pads(auto_pad, pads, in_shape, kernel, strides, dilations):
    """Per spatial axis, the (begin, end) padding from ONNX's ``pads`` [x1_begin, x2_begin, ..., x1_end, ...] or
    from ``auto_pad`` (SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the beginning)."""
    s = len(in_shape)
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        result = []
        for size, k, st, d in zip(in_shape, kernel, strides, dilations):
            out = -(-size // st)  # ceil(size / stride): SAME keeps ceil(in / stride) outputs
            total = max(0, (out - 1) * st + d * (k - 1) + 1 - size)
            small, large = total // 2, total - total // 2
            result.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
        return result
    if auto_pad == "VALID" or pads is None:
        return [(0, 0)] * s
    pads = [int(p) for p in pads]
    return [(pads[i], pads[i + s]) for i in range(s)]


def _windows(x, kernel, strides, dilations):
    """A view of shape (N, C, *out_spatial, *kernel) of every (strided, dilated) window of x (N, C, *spatial).

    No copy: the windows overlap in memory, which is what makes conv and pooling one tensor contraction.
    """
    s = len(kernel)
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations))
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(2, 2 + s)))
    step = tuple(slice(None, None, st) for st in strides) + tuple(slice(None, None, d) for d in dilations)
    return view[(slice(None), slice(None)) + step]


def _pad_spatial(x, pads, value=0.0):
    """Pad the spatial axes of x (N, C, *spatial) by [(begin, end), ...]; negative amounts crop."""
    crop = tuple(slice(max(0, -b), x.shape[2 + i] - max(0, -e)) for i, (b, e) in enumerate(pads))
    x = x[(slice(None), slice(None)) + crop]
    width = [(0, 0), (0, 0)] + [(max(0, b), max(0, e)) for b, e in pads]
    if all(w == (0, 0) for w in width):
        return x
    return np.pad(x, width, mode="constant", constant_values=value)


def _conv(x, w, b, strides, pads, dilations, group):
    """Grouped cross-correlation of x (N, C, *spatial) with w (M, C/group, *kernel), as one batched matmul:
    y[n, g, m, o] = sum_{c, k} x[n, g, c, o*stride + k*dilation] * w[g, m, c, k]."""
    n, c = x.shape[:2]
    m, cg = w.shape[:2]
    kernel = w.shape[2:]
    s = len(kernel)
    win = _windows(_pad_spatial(x, pads), kernel, strides, dilations)  # (N, C, *out, *kernel)
    out = win.shape[2 : 2 + s]
    # Split channels into groups, then gather each output pixel's receptive field into one row (im2col):
    # (group, N * pixels, C/group * kernel) @ (group, C/group * kernel, M/group).
    win = win.reshape((n, group, cg) + win.shape[2:])
    perm = (1, 0) + tuple(range(3, 3 + s)) + (2,) + tuple(range(3 + s, 3 + 2 * s))
    cols = win.transpose(perm).reshape(group, n * int(np.prod(out)), cg * int(np.prod(kernel)))
    wmat = w.reshape(group, m // group, cg * int(np.prod(kernel))).transpose(0, 2, 1)
    y = np.matmul(cols, wmat)  # (group, N * pixels, M/group)
    y = y.reshape((group, n) + out + (m // group,))
    y = y.transpose((1, 0, 2 + s) + tuple(range(2, 2 + s)))  # (N, group, M/group, *out)
    y = y.reshape((n, m) + out)
    if b is not None:
        y = y + b.reshape((m,) + (1,) * s)
    return y.astype(x.dtype, copy=False)


def _pool_setup(x, kernel_shape, strides, pads, dilations, auto_pad, ceil_mode):
    """Strides, dilations, (begin, end) pads per spatial axis, and the extra end padding ceil_mode needs.

    With ceil_mode the last window may run past the padded input; it is kept only if it starts inside the input
    or the begin padding (as ONNX Runtime and PyTorch do), and the part past the padded input becomes extra end
    padding that never counts (-inf for MaxPool, excluded from AveragePool's count)."""
    s = len(kernel_shape)
    strides = list(strides or [1] * s)
    dilations = list(dilations or [1] * s)
    in_shape = x.shape[2:]
    pairs = _spatial_pads(auto_pad, pads, in_shape, kernel_shape, strides, dilations)
    extra = []
    for size, k, st, d, (b, e) in zip(in_shape, kernel_shape, strides, dilations, pairs):
        span = d * (k - 1) + 1
        length = size + b + e - span
        out = (-(-length // st) if ceil_mode else length // st) + 1
        if ceil_mode and (out - 1) * st >= size + b:
            out -= 1
        extra.append(max(0, (out - 1) * st + span - (size + b + e)))
    return strides, dilations, pairs, extra


# ----------------------------------------------------------------------------------------------------------------
# Convolution and pooling
# ----------------------------------------------------------------------------------------------------------------


def Conv(X, W, B=None, *, auto_pad="NOTSET", dilations=None, group=1, kernel_shape=None, pads=None, strides=None):
    """Convolution (cross-correlation): Y[n, m] = B[m] + sum_{c in group(m), k} X[n, c, o*s + k*d] * W[m, c, k].

    X is (N, C, H, W), W is (M, C/group, kH, kW); group == C is a depthwise conv. kernel_shape is read from W.
    """
    kernel = W.shape[2:]
    s = len(kernel)
    strides = list(strides or [1] * s)
    dilations = list(dilations or [1] * s)
    pairs = _spatial_pads(auto_pad, pads, X.shape[2:], kernel, strides, dilations)
    return _conv(X, W, B, strides, pairs, dilations, group)


def ConvTranspose(
    X,
    W,
    B=None,
    *,
    auto_pad="NOTSET",
    dilations=None,
    group=1,
    kernel_shape=None,
    output_padding=None,
    output_shape=None,
    pads=None,
    strides=None,
):
    """Transposed convolution (the gradient of Conv w.r.t. its input); W is (C, M/group, kH, kW).

    out = stride * (in - 1) + output_padding + dilation * (k - 1) + 1 - pad_begin - pad_end. Computed as a Conv:
    spread X out by inserting stride - 1 zeros between pixels, pad by dilation * (k - 1) minus ONNX's pads, and
    correlate with the spatially flipped kernel whose in/out channels are swapped.
    """
    n, c = X.shape[:2]
    kernel = W.shape[2:]
    s = len(kernel)
    m = W.shape[1] * group
    strides = list(strides or [1] * s)
    dilations = list(dilations or [1] * s)
    output_padding = list(output_padding or [0] * s)
    in_shape = X.shape[2:]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
    if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        # The pads follow from the requested output size; ONNX puts the odd pixel at the end unless SAME_LOWER.
        targets = list(output_shape)[-s:] if output_shape is not None else [i * st for i, st in zip(in_shape, strides)]
        pairs = []
        for i in range(s):
            total = strides[i] * (in_shape[i] - 1) + output_padding[i] + spans[i] - targets[i]
            small, large = total // 2, total - total // 2
            pairs.append((small, large) if auto_pad == "SAME_UPPER" else (large, small))
    else:
        pairs = _spatial_pads(auto_pad, pads, in_shape, kernel, strides, dilations)
    spread = np.zeros((n, c) + tuple((i - 1) * st + 1 for i, st in zip(in_shape, strides)), dtype=X.dtype)
    spread[(slice(None), slice(None)) + tuple(slice(None, None, st) for st in strides)] = X
    conv_pads = [(sp - 1 - b, sp - 1 - e + op) for sp, (b, e), op in zip(spans, pairs, output_padding)]
    w = W.reshape((group, c // group, m // group) + kernel).swapaxes(1, 2).reshape((m, c // group) + kernel)
    w = w[(slice(None), slice(None)) + (slice(None, None, -1),) * s]
    return _conv(spread, w, B, [1] * s, conv_pads, dilations, group)


def MaxPool(
    X,
    *,
    auto_pad="NOTSET",
    ceil_mode=0,
    dilations=None,
    kernel_shape=None,
    pads=None,
    storage_order=0,
    strides=None,
):
    """Max pooling: Y[n, c, o] = max_k X[n, c, o*s + k*d]; padding is -inf so it never wins.

    Returns only Y (the optional Indices output is not needed for inference).
    """
    strides, dilations, pairs, extra = _pool_setup(X, kernel_shape, strides, pads, dilations, auto_pad, ceil_mode)
    padded = _pad_spatial(X, [(b, e + x) for (b, e), x in zip(pairs, extra)], value=-np.inf)
    win = _windows(padded, kernel_shape, strides, dilations)
    return win.max(axis=tuple(range(-len(kernel_shape), 0)))


def AveragePool(
    X,
    *,
    auto_pad="NOTSET",
    ceil_mode=0,
    count_include_pad=0,
    dilations=None,
    kernel_shape=None,
    pads=None,
    strides=None,
):
    """Average pooling: Y[n, c, o] = sum_k X[n, c, o*s + k] / count.

    count is the number of input pixels in the window, or with count_include_pad=1 also the pad pixels (but never
    the extra ones ceil_mode adds past the padded input).
    """
    s = len(kernel_shape)
    strides, dilations, pairs, extra = _pool_setup(X, kernel_shape, strides, pads, dilations, auto_pad, ceil_mode)
    full = [(b, e + x) for (b, e), x in zip(pairs, extra)]
    axes = tuple(range(-s, 0))
    total = _windows(_pad_spatial(X, full), kernel_shape, strides, dilations).sum(axis=axes)
    # Count by pooling a mask of ones the same way: 1 where a pixel counts, 0 where it does not.
    if count_include_pad:
        ones = _pad_spatial(np.ones((1, 1) + X.shape[2:], X.dtype), pairs, value=1.0)
        mask = _pad_spatial(ones, [(0, x) for x in extra])
    else:
        mask = _pad_spatial(np.ones((1, 1) + X.shape[2:], X.dtype), full)
    count = _windows(mask, kernel_shape, strides, dilations).sum(axis=axes)
    return (total / count).astype(X.dtype, copy=False)


def GlobalAveragePool(X):
    """Y[n, c, 1, 1] = mean over all spatial positions of X[n, c]."""
    return X.mean(axis=tuple(range(2, X.ndim)), keepdims=True)


def GlobalMaxPool(X):
    """Y[n, c, 1, 1] = max over all spatial positions of X[n, c]."""
    return X.max(axis=tuple(range(2, X.ndim)), keepdims=True)


# ----------------------------------------------------------------------------------------------------------------
# Linear algebra and normalization
# ----------------------------------------------------------------------------------------------------------------


def Gemm(A, B, C=None, *, alpha=1.0, beta=1.0, transA=0, transB=0):
    """Y = alpha * A' @ B' + beta * C, where A' = A.T if transA and B' = B.T if transB; C broadcasts."""
    a = A.T if transA else A
    b = B.T if transB else B
    y = alpha * (a @ b)
    if C is not None:
        y = y + beta * C
    return y.astype(A.dtype, copy=False)


def MatMul(A, B):
    """Y = A @ B with NumPy's matmul broadcasting (1-D operands are promoted, then the added axis dropped)."""
    return np.asarray(np.matmul(A, B))  # 1-D @ 1-D is a NumPy scalar; keep it a 0-d array


def Einsum(*Inputs, equation):
    """Einstein summation, e.g. equation="bij,bjk->bik" is a batched matmul."""
    return np.asarray(np.einsum(equation.replace(" ", ""), *Inputs, optimize=True))


def BatchNormalization(X, scale, B, input_mean, input_var, *, epsilon=1e-5, momentum=0.9, training_mode=0):
    """Inference form: Y = (X - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + B[c], per channel c (axis 1)."""
    shape = (1, -1) + (1,) * (X.ndim - 2)
    inv_std = 1.0 / np.sqrt(input_var.reshape(shape) + epsilon)
    y = (X - input_mean.reshape(shape)) * (inv_std * scale.reshape(shape)) + B.reshape(shape)
    return y.astype(X.dtype, copy=False)


def LayerNormalization(X, Scale, B=None, *, axis=-1, epsilon=1e-5, stash_type=1):
    """Y = (X - mean) / sqrt(var + epsilon) * Scale + B, mean and (biased) var over the axes axis..rank-1.

    Returns only Y (Mean and InvStdDev are training outputs).
    """
    axes = tuple(range(axis % X.ndim, X.ndim))
    x = X.astype(np.promote_types(X.dtype, np.float32)) if stash_type == 1 else X  # float16 -> float32 statistics
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    y = centred / np.sqrt(var + epsilon) * Scale
    if B is not None:
        y = y + B
    return y.astype(X.dtype, copy=False)


# ----------------------------------------------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------------------------------------------


def Relu(X):
    """Y = max(X, 0)."""
    return np.maximum(X, 0).astype(X.dtype, copy=False)


def LeakyRelu(X, *, alpha=0.01):
    """Y = X if X >= 0 else alpha * X."""
    return np.where(X >= 0, X, alpha * X).astype(X.dtype, copy=False)


def PRelu(X, slope):
    """Y = X if X >= 0 else slope * X, slope broadcasting to X (e.g. one slope per channel)."""
    return np.where(X >= 0, X, slope * X).astype(X.dtype, copy=False)


def Sigmoid(X):
    """Y = 1 / (1 + exp(-X)), evaluated with exp(-|X|) so it never overflows."""
    e = np.exp(-np.abs(X))
    return np.where(X >= 0, 1 / (1 + e), e / (1 + e)).astype(X.dtype, copy=False)


def Tanh(X):
    """Y = tanh(X)."""
    return np.tanh(X)


def _erf(x):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, in float64 to ~1e-15 (no SciPy needed).

    |x| < 2.5: erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), a series of positive
    terms (no cancellation; 50 terms converge to double precision at x = 2.5).
    |x| >= 2.5: erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), the continued
    fraction, evaluated bottom-up from depth 60; then erf = 1 - erfc.
    """
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    small = a < 2.5
    xs = np.where(small, a, 0.0)
    term = xs.copy()
    total = xs.copy()
    for n in range(1, 50):
        term = term * (2 * xs * xs / (2 * n + 1))
        total = total + term
    series = 2 / np.sqrt(np.pi) * np.exp(-xs * xs) * total
    xl = np.where(small, 2.5, a)
    fraction = xl
    for n in range(60, 0, -1):
        fraction = xl + (n / 2) / fraction
    tail = 1 - np.exp(-xl * xl) / (np.sqrt(np.pi) * fraction)
    return np.sign(x) * np.where(small, series, tail)


def Erf(X):
    """Y = erf(X) = 2/sqrt(pi) * integral_0^X exp(-t^2) dt (computed in float64, see _erf)."""
    return _erf(X).astype(X.dtype)


def Elu(X, *, alpha=1.0):
    """Y = X if X > 0 else alpha * (exp(X) - 1)."""
    return np.where(X > 0, X, alpha * np.expm1(np.minimum(X, 0))).astype(X.dtype, copy=False)


def Selu(X, *, alpha=1.67326319217681884765625, gamma=1.05070102214813232421875):
    """Y = gamma * (X if X > 0 else alpha * (exp(X) - 1)); the defaults make it self-normalizing."""
    return (gamma * np.where(X > 0, X, alpha * np.expm1(np.minimum(X, 0)))).astype(X.dtype, copy=False)


def Celu(X, *, alpha=1.0):
    """Y = max(0, X) + min(0, alpha * (exp(X / alpha) - 1))."""
    y = np.maximum(X, 0) + np.minimum(0, alpha * np.expm1(np.minimum(X, 0) / alpha))
    return y.astype(X.dtype, copy=False)


def Softplus(X):
    """Y = log(1 + exp(X)), as logaddexp(0, X) so large X does not overflow."""
    return np.logaddexp(0, X).astype(X.dtype, copy=False)


def Softsign(X):
    """Y = X / (1 + |X|)."""
    return X / (1 + np.abs(X))


def HardSigmoid(X, *, alpha=0.2, beta=0.5):
    """Y = clip(alpha * X + beta, 0, 1)."""
    return np.clip(alpha * X + beta, 0, 1).astype(X.dtype, copy=False)


def HardSwish(X):
    """Y = X * clip(X / 6 + 1/2, 0, 1)."""
    return (X * np.clip(X / 6 + 0.5, 0, 1)).astype(X.dtype, copy=False)


def Softmax(X, *, axis=-1):
    """Y = exp(X) / sum(exp(X)) along one axis (opset-13 semantics); the max is subtracted first for stability."""
    e = np.exp(X - X.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def LogSoftmax(X, *, axis=-1):
    """Y = X - log(sum(exp(X))) along one axis (opset-13 semantics), shifted by the max for stability."""
    shifted = X - X.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def Clip(input, min=None, max=None):
    """Y = min(max(input, min), max); a missing bound does not clip."""
    y = input
    if min is not None:
        y = np.maximum(y, min)
    if max is not None:
        y = np.minimum(y, max)
    return np.asarray(y).astype(input.dtype, copy=False)


def Dropout(data, ratio=None, training_mode=None, *, seed=None):
    """Inference: Y = data (dropout is only active in training); the Mask output is not returned."""
    return data


def Identity(input):
    """Y = input."""
    return input


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


# ----------------------------------------------------------------------------------------------------------------
# Registry and source extraction
# ----------------------------------------------------------------------------------------------------------------

KERNELS = {
    name: obj for name, obj in list(globals().items()) if callable(obj) and name[:1].isupper() and name != "KERNELS"
}


def source_for(op_types):
    """Standalone Python source for the kernels of ``op_types``: ``import numpy as np``, then every private helper
    (function or constant) they use, transitively, then the kernels themselves, each group in this module's
    order. Raises KeyError naming any op type without a kernel."""
    import ast  # only needed here, not by the kernels, so not at the top

    wanted = set(op_types)
    unknown = sorted(wanted - set(KERNELS))
    if unknown:
        raise KeyError(f"no NumPy kernel for ONNX op type(s): {', '.join(unknown)}")
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    # Top-level definitions in file order: name -> (source text, names it uses).
    defs = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            name = node.name
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
        else:
            continue
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        defs[name] = ("".join(lines[node.lineno - 1 : node.end_lineno]).rstrip(), used)
    needed = set()
    todo = list(wanted)
    while todo:
        for name in defs[todo.pop()][1]:
            if name.startswith("_") and name in defs and name not in needed:
                needed.add(name)
                todo.append(name)
    helpers = [defs[name][0] for name in defs if name in needed]
    kernels = [defs[name][0] for name in defs if name in wanted]
    return "\n\n\n".join(["import numpy as np"] + helpers + kernels) + "\n"
