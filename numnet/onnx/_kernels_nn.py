"""ONNX kernels, part 1: convolution, pooling, GEMM, normalization and activations (see
:mod:`numnet.onnx._numpy_kernels` for the conventions)."""

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
