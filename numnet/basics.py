"""The NumPy lesson numnet grew out of: a neuron, its activations, one weight update, convolution and pooling.

These are the lesson's functions, with the lesson's names and argument order, on plain NumPy arrays (no autograd):
they show the arithmetic before the library hides it. They are vectorised (``sliding_window_view``, no Python loop
over pixels) and validate their inputs, but they compute the same numbers the lesson printed::

    >>> import numpy as np
    >>> from numnet.basics import single_neuron, update_weights, convolution2D, max_pooling2D
    >>> x, w, b = np.array([0.5, 0.3, 0.1]), np.array([0.4, 0.2, 0.6]), 0.1
    >>> print(single_neuron(x, w, b))
    0.6034832498647263
    >>> w2, b2 = update_weights(x, 0.4, w, b)
    >>> print(w2, b2)
    [0.39513082 0.19707849 0.59902616] 0.09026164910025532
    >>> image = np.arange(1, 17).reshape(4, 4)
    >>> print(convolution2D(image, np.array([[-1, -1], [1, 1]])))
    [[8. 8. 8.]
     [8. 8. 8.]
     [8. 8. 8.]]
    >>> print(max_pooling2D(image))
    [[ 6  8]
     [14 16]]

The library proper computes the same with autograd tensors and ``numnet.functional`` (``F.conv2d``,
``F.max_pool2d``, ``F.avg_pool2d``); ``numnet lesson`` prints both side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from numnet import _validation as V
from numnet.errors import DTypeError, ShapeError

__all__ = [
    "sigmoid",
    "sigmoid_derivative",
    "relu",
    "single_neuron",
    "update_weights",
    "convolution2D",
    "max_pooling2D",
    "average_pooling2D",
]

ArrayLike = Any


# ---------------------------------------------------------------------------------------------------- helpers
def _numeric(x: ArrayLike, op: str, name: str) -> np.ndarray:
    """``x`` as an ndarray of a real numeric dtype (bool, complex, strings and objects are refused)."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise DTypeError(V.expected(op, name, "a real numeric array", got=f"dtype {arr.dtype}"))
    return arr


def _float(x: ArrayLike, op: str, name: str) -> np.ndarray:
    """``x`` as a floating array: float16/32/64 stay as they are, integers become float64."""
    arr = _numeric(x, op, name)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _scalar_out(arr: np.ndarray) -> Any:
    """A 0-d result as a NumPy scalar (prints like the lesson: ``0.6034832498647263``); arrays unchanged."""
    return arr[()] if arr.ndim == 0 else arr


def _image2d(image: ArrayLike, op: str) -> np.ndarray:
    arr = _numeric(image, op, "image")
    if arr.ndim != 2:
        raise ShapeError(f"{op}: expected a 2-D image (H, W), got shape {arr.shape}")
    return arr


def _windows(image: np.ndarray, kh: int, kw: int, stride: int, op: str, what: str) -> np.ndarray:
    """All kh×kw windows of a 2-D ``image`` taken every ``stride`` pixels: a view of shape (H_out, W_out, kh, kw)."""
    h, w = image.shape
    if kh > h or kw > w:
        raise ShapeError(f"{op}: {what} ({kh}, {kw}) does not fit in the (padded) image of shape ({h}, {w})")
    return sliding_window_view(image, (kh, kw))[::stride, ::stride]


# ---------------------------------------------------------------------------------------------------- activations
def sigmoid(x: ArrayLike) -> Any:
    """The logistic function, elementwise.

    σ(x) = 1 / (1 + e^(−x)), computed without overflow as 1/(1 + e^(−|x|)) for x ≥ 0 and e^(−|x|)/(1 + e^(−|x|))
    for x < 0 (the same numbers, and no ``RuntimeWarning`` for x = −1000).

    Args:
        x: a number or array. Floating dtypes are kept (float32 stays float32); integers give float64.

    Shape:
        Output has the shape of ``x``; a scalar in gives a NumPy scalar out.

    Raises:
        DTypeError: ``x`` is not a real numeric array.

    Example:
        >>> print(sigmoid(0.42))
        0.6034832498647263
    """
    x = _float(x, "sigmoid", "x")
    e = np.exp(-np.abs(x))
    one = x.dtype.type(1)
    return _scalar_out(np.where(x >= 0, one / (one + e), e / (one + e)))


def sigmoid_derivative(x: ArrayLike) -> Any:
    """Derivative of the sigmoid, elementwise: σ'(x) = σ(x)·(1 − σ(x)).

    Args:
        x: a number or array (the pre-activation z, not σ(z)).

    Shape:
        Output has the shape of ``x``.

    Raises:
        DTypeError: ``x`` is not a real numeric array.

    Example:
        >>> print(sigmoid_derivative(0.0))
        0.25
    """
    s = np.asarray(sigmoid(x))
    return _scalar_out(s * (1 - s))


def relu(x: ArrayLike) -> Any:
    """Rectified linear unit, elementwise: relu(x) = max(0, x).

    Args:
        x: a number or array; its dtype is kept.

    Shape:
        Output has the shape of ``x``.

    Raises:
        DTypeError: ``x`` is not a real numeric array.

    Example:
        >>> print(relu(np.array([-2.0, 0.0, 3.0])))
        [0. 0. 3.]
    """
    x = _numeric(x, "relu", "x")
    return _scalar_out(np.maximum(x, x.dtype.type(0)))


# ---------------------------------------------------------------------------------------------------- the neuron
def _neuron_z(x: np.ndarray, w: np.ndarray, b: Any, op: str) -> np.ndarray:
    if w.ndim != 1:
        raise ShapeError(f"{op}: expected weights w of shape (n,), got {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[0]:
        raise ShapeError(f"{op}: expected inputs x of shape (n,) or (N, n) with n = {w.shape[0]}, got {x.shape}")
    if x.ndim > 2:
        raise ShapeError(f"{op}: expected inputs x of shape (n,) or (N, n), got {x.shape}")
    return np.dot(x, w) + b


def single_neuron(x: ArrayLike, w: ArrayLike, b: ArrayLike) -> Any:
    """Output of one sigmoid neuron: y = σ(Σ_i w_i x_i + b).

    Args:
        x: inputs, shape (n,) — or (N, n) for N examples at once.
        w: weights, shape (n,).
        b: bias, a number.

    Shape:
        (n,) → scalar; (N, n) → (N,).

    Raises:
        ShapeError: ``w`` is not 1-D or ``x`` does not end in ``len(w)``.
        DTypeError: an argument is not a real numeric array.

    Example:
        >>> print(single_neuron(np.array([0.5, 0.3, 0.1]), np.array([0.4, 0.2, 0.6]), 0.1))
        0.6034832498647263
    """
    op = "single_neuron"
    x, w, b = _float(x, op, "x"), _float(w, op, "w"), _float(b, op, "b")
    if b.ndim != 0:
        raise ShapeError(f"{op}: expected a scalar bias b, got shape {b.shape}")
    return sigmoid(_neuron_z(x, w, b, op))


def update_weights(
    x: ArrayLike, y_true: ArrayLike, w: ArrayLike, b: ArrayLike, learning_rate: float = 0.1
) -> tuple[np.ndarray, Any]:
    """One gradient-descent step for a sigmoid neuron under squared error.

    With z = Σ_i w_i x_i + b, y = σ(z) and L = (y − y_true)² (no ½ factor — the constant 2 below is what reproduces
    the lesson's numbers):

        ∂L/∂w = 2(y − y_true)·σ'(z)·x,   ∂L/∂b = 2(y − y_true)·σ'(z),
        w ← w − learning_rate·∂L/∂w,     b ← b − learning_rate·∂L/∂b.

    Note:
        The lesson's version changed ``w`` in place (``w -= ...``); this one returns new arrays and leaves its
        inputs untouched.

    Args:
        x: one input example, shape (n,).
        y_true: the target, a number.
        w: weights, shape (n,).
        b: bias, a number.
        learning_rate: step size α.

    Shape:
        Returns ``(w_new, b_new)``: w_new of shape (n,), b_new a Python float.

    Raises:
        ShapeError: ``x`` and ``w`` are not 1-D of equal length, or ``b``/``y_true`` are not scalars.
        DTypeError: an argument is not a real numeric array.

    Example:
        >>> w, b = update_weights(np.array([0.5, 0.3, 0.1]), 0.4, np.array([0.4, 0.2, 0.6]), 0.1)
        >>> print(w, b)
        [0.39513082 0.19707849 0.59902616] 0.09026164910025532
    """
    op = "update_weights"
    x, w = _float(x, op, "x"), _float(w, op, "w")
    b_arr, y_true = _float(b, op, "b"), _float(y_true, op, "y_true")
    if x.ndim != 1:
        raise ShapeError(f"{op}: expected one example x of shape (n,), got {x.shape}")
    if b_arr.ndim != 0 or y_true.ndim != 0:
        raise ShapeError(f"{op}: b and y_true must be scalars, got shapes {b_arr.shape} and {y_true.shape}")
    z = _neuron_z(x, w, b_arr, op)
    y = sigmoid(z)
    dL_dz = 2 * (y - y_true) * sigmoid_derivative(z)  # chain rule: ∂L/∂y · ∂y/∂z
    dL_dw = dL_dz * x  # ∂z/∂w = x
    dL_db = dL_dz  # ∂z/∂b = 1
    w_new = (w - learning_rate * dL_dw).astype(w.dtype, copy=False)
    b_new = b_arr - learning_rate * dL_db
    return w_new, float(b_new)


# ---------------------------------------------------------------------------------------------------- convolution
def convolution2D(image: ArrayLike, kernel: ArrayLike, stride: int = 1, padding: int = 0) -> np.ndarray:
    """2-D convolution as deep learning means it: a cross-correlation (the kernel is not flipped), zero padding.

        out[i, j] = Σ_{u<kH, v<kW} kernel[u, v] · image_p[i·s + u, j·s + v],

    where image_p is ``image`` with ``padding`` rows/columns of zeros on every side.

    Args:
        image: 2-D array (H, W).
        kernel: 2-D array (kH, kW).
        stride: step s between windows, a positive integer.
        padding: zeros p added on each side, a non-negative integer.

    Shape:
        (H, W) ⋆ (kH, kW) → (H_out, W_out) with H_out = ⌊(H + 2p − kH)/s⌋ + 1, W_out = ⌊(W + 2p − kW)/s⌋ + 1.
        Floating inputs keep their (common) dtype; integer inputs give float64.

    Raises:
        ShapeError: image or kernel is not 2-D, or the kernel is larger than the padded image.
        ArgumentError: stride < 1 or padding < 0.
        DTypeError: stride or padding is not an int.
        DTypeError: image or kernel is not real numeric.

    Example:
        >>> print(convolution2D(np.arange(1, 17).reshape(4, 4), np.array([[-1, -1], [1, 1]]), stride=2))
        [[8. 8.]
         [8. 8.]]
    """
    op = "convolution2D"
    image = _image2d(image, op)
    kernel = _numeric(kernel, op, "kernel")
    if kernel.ndim != 2:
        raise ShapeError(f"{op}: expected a 2-D kernel (kH, kW), got shape {kernel.shape}")
    if kernel.size == 0:
        raise ShapeError(f"{op}: the kernel is empty (shape {kernel.shape})")
    stride = V.integer(stride, op, "stride", minimum=1)
    padding = V.integer(padding, op, "padding", minimum=0)
    dtype = np.result_type(image.dtype, kernel.dtype)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    image, kernel = image.astype(dtype, copy=False), kernel.astype(dtype, copy=False)
    if padding:
        image = np.pad(image, padding)
    win = _windows(image, kernel.shape[0], kernel.shape[1], stride, op, "kernel")
    # (H_out, W_out, kH, kW) · (kH, kW) summed over the window axes.
    return np.tensordot(win, kernel, axes=([2, 3], [0, 1]))


# ---------------------------------------------------------------------------------------------------- pooling
def max_pooling2D(image: ArrayLike, pool_size: int = 2, stride: int = 2) -> np.ndarray:
    """Max pooling: the largest value of each pool_size×pool_size window, windows taken every ``stride`` pixels.

        out[i, j] = max_{u, v < k} image[i·s + u, j·s + v]

    Args:
        image: 2-D array (H, W); its dtype is kept (an integer image gives integers).
        pool_size: window side k, a positive integer.
        stride: step s between windows, a positive integer.

    Shape:
        (H, W) → (⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1).

    Raises:
        ShapeError: image is not 2-D or smaller than the window.
        ArgumentError: pool_size or stride < 1.
        DTypeError: pool_size or stride is not an int.
        DTypeError: image is not real numeric.

    Example:
        >>> print(max_pooling2D(np.arange(1, 17).reshape(4, 4)))
        [[ 6  8]
         [14 16]]
    """
    op = "max_pooling2D"
    image = _image2d(image, op)
    k = V.integer(pool_size, op, "pool_size", minimum=1)
    stride = V.integer(stride, op, "stride", minimum=1)
    return _windows(image, k, k, stride, op, "pool window").max(axis=(2, 3))


def average_pooling2D(image: ArrayLike, pool_size: int = 2, stride: int = 2) -> np.ndarray:
    """Average pooling: the mean of each pool_size×pool_size window, windows taken every ``stride`` pixels.

        out[i, j] = (1/k²) Σ_{u, v < k} image[i·s + u, j·s + v]

    Args:
        image: 2-D array (H, W). Floating dtypes are kept; integers give float64.
        pool_size: window side k, a positive integer.
        stride: step s between windows, a positive integer.

    Shape:
        (H, W) → (⌊(H − k)/s⌋ + 1, ⌊(W − k)/s⌋ + 1).

    Raises:
        ShapeError: image is not 2-D or smaller than the window.
        ArgumentError: pool_size or stride < 1.
        DTypeError: pool_size or stride is not an int.
        DTypeError: image is not real numeric.

    Example:
        >>> print(average_pooling2D(np.arange(1, 17).reshape(4, 4)))
        [[ 3.5  5.5]
         [11.5 13.5]]
    """
    op = "average_pooling2D"
    image = _image2d(image, op)
    k = V.integer(pool_size, op, "pool_size", minimum=1)
    stride = V.integer(stride, op, "stride", minimum=1)
    image = image if image.dtype.kind == "f" else image.astype(np.float64)
    return _windows(image, k, k, stride, op, "pool window").mean(axis=(2, 3))
