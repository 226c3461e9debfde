"""numnet.basics: the lesson's printed numbers, exactly; equality with the lesson's own loop algorithms; the bridge
to the library proper (Tensor autograd, F.conv2d, F.max_pool2d, F.avg_pool2d)."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pytest
import torch

import numnet
import numnet.basics
from numnet.basics import (
    average_pooling2D,
    convolution2D,
    max_pooling2D,
    relu,
    sigmoid,
    sigmoid_derivative,
    single_neuron,
    update_weights,
)
from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError

# The lesson's example.
X = np.array([0.5, 0.3, 0.1])
W = np.array([0.4, 0.2, 0.6])
B = 0.1
Y_TRUE = 0.4
IMAGE = np.arange(1, 17).reshape(4, 4)
KERNEL = np.array([[-1, -1], [1, 1]])

LESSON_Y = 0.6034832498647263
LESSON_W = np.array([0.39513082, 0.19707849, 0.59902616])
LESSON_W_STR = "[0.39513082 0.19707849 0.59902616]"
LESSON_B = 0.09026164910025532


# ---------------------------------------------------------------------------------------------------- the lesson's loops
# The lesson's own algorithms, written as it wrote them (plain Python loops over output pixels): the reference.
def lesson_convolution2D(image, kernel, stride=1, padding=0):
    if padding > 0:
        image = np.pad(image, ((padding, padding), (padding, padding)), mode="constant")
    kernel_height, kernel_width = kernel.shape
    output_height = (image.shape[0] - kernel_height) // stride + 1
    output_width = (image.shape[1] - kernel_width) // stride + 1
    output = np.zeros((output_height, output_width))
    for i in range(output_height):
        for j in range(output_width):
            region = image[i * stride:i * stride + kernel_height, j * stride:j * stride + kernel_width]
            output[i, j] = np.sum(region * kernel)
    return output


def lesson_max_pooling2D(image, pool_size=2, stride=2):
    output_height = (image.shape[0] - pool_size) // stride + 1
    output_width = (image.shape[1] - pool_size) // stride + 1
    output = np.zeros((output_height, output_width), dtype=image.dtype)
    for i in range(output_height):
        for j in range(output_width):
            output[i, j] = np.max(image[i * stride:i * stride + pool_size, j * stride:j * stride + pool_size])
    return output


def lesson_average_pooling2D(image, pool_size=2, stride=2):
    output_height = (image.shape[0] - pool_size) // stride + 1
    output_width = (image.shape[1] - pool_size) // stride + 1
    output = np.zeros((output_height, output_width))
    for i in range(output_height):
        for j in range(output_width):
            output[i, j] = np.mean(image[i * stride:i * stride + pool_size, j * stride:j * stride + pool_size])
    return output


def lesson_update_weights(x, y_true, w, b, learning_rate=0.1):
    """The lesson's version: changes ``w`` in place."""
    z = np.dot(w, x) + b
    y = 1 / (1 + np.exp(-z))
    d = 2 * (y - y_true) * y * (1 - y)
    w -= learning_rate * d * x
    b -= learning_rate * d
    return w, b


def _random_cases(n_cases=60, seed=0):
    """(image, kernel, stride, padding) with strides 1–3 and paddings 0–2, the kernel always fitting."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        stride, padding = 1 + i % 3, (i // 3) % 3
        kh, kw = rng.integers(1, 5, size=2)
        h = int(rng.integers(max(1, kh - 2 * padding), 10))
        w = int(rng.integers(max(1, kw - 2 * padding), 10))
        cases.append((rng.standard_normal((h, w)), rng.standard_normal((kh, kw)), stride, padding))
    return cases


# ---------------------------------------------------------------------------------------------------- printed numbers
def test_neuron_output_is_the_lessons_number():
    y = single_neuron(X, W, B)
    assert y == LESSON_Y
    assert str(y) == "0.6034832498647263"
    assert sigmoid(0.42) == LESSON_Y


def test_update_weights_gives_the_lessons_numbers():
    w_in, x_in = W.copy(), X.copy()
    w, b = update_weights(X, Y_TRUE, W, B)  # learning_rate defaults to 0.1
    np.testing.assert_allclose(w, LESSON_W, rtol=0, atol=1e-8)
    assert str(w) == LESSON_W_STR
    assert abs(b - LESSON_B) <= 1e-15
    assert str(b) == "0.09026164910025532"
    # ours returns new arrays and leaves the inputs untouched (the lesson's changed w in place)
    np.testing.assert_array_equal(W, w_in)
    np.testing.assert_array_equal(X, x_in)
    assert w is not W


def test_update_weights_equals_the_lessons_in_place_version():
    w_ref, b_ref = lesson_update_weights(X, Y_TRUE, W.copy(), B)
    w, b = update_weights(X, Y_TRUE, W, B)
    np.testing.assert_allclose(w, w_ref, rtol=1e-15, atol=0)
    assert b == pytest.approx(b_ref, rel=1e-15, abs=0)
    w2, b2 = update_weights(X, Y_TRUE, W, B, learning_rate=0.5)
    w2_ref, b2_ref = lesson_update_weights(X, Y_TRUE, W.copy(), B, learning_rate=0.5)
    np.testing.assert_allclose(w2, w2_ref, rtol=1e-15, atol=0)
    assert b2 == pytest.approx(b2_ref, rel=1e-15, abs=0)


def test_update_weights_lowers_the_loss():
    w, b = W, B
    losses = []
    for _ in range(20):
        losses.append((single_neuron(X, w, b) - Y_TRUE) ** 2)
        w, b = update_weights(X, Y_TRUE, w, b, learning_rate=1.0)
    assert all(a > c for a, c in zip(losses, losses[1:]))


def test_convolution_gives_the_lessons_map_of_eights():
    out = convolution2D(IMAGE, KERNEL)
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out, np.full((3, 3), 8.0))
    assert out.dtype == np.float64
    assert str(out) == "[[8. 8. 8.]\n [8. 8. 8.]\n [8. 8. 8.]]"


def test_pooling_gives_the_lessons_numbers():
    mx = max_pooling2D(IMAGE, pool_size=2, stride=2)
    np.testing.assert_array_equal(mx, [[6, 8], [14, 16]])
    assert mx.dtype == IMAGE.dtype  # max pooling keeps an integer image integer
    assert str(mx) == "[[ 6  8]\n [14 16]]"
    avg = average_pooling2D(IMAGE, pool_size=2, stride=2)
    np.testing.assert_array_equal(avg, [[3.5, 5.5], [11.5, 13.5]])
    assert str(avg) == "[[ 3.5  5.5]\n [11.5 13.5]]"
    np.testing.assert_array_equal(max_pooling2D(IMAGE), mx)  # defaults are 2, 2
    np.testing.assert_array_equal(average_pooling2D(IMAGE), avg)


# ---------------------------------------------------------------------------------------------------- vs the lesson's loops
def test_convolution_equals_the_lessons_loop_on_random_inputs():
    for image, kernel, stride, padding in _random_cases():
        ours = convolution2D(image, kernel, stride=stride, padding=padding)
        ref = lesson_convolution2D(image, kernel, stride, padding)
        h, w = image.shape
        kh, kw = kernel.shape
        assert ours.shape == ((h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12, err_msg=f"s={stride} p={padding}")
        # integer-valued images: no rounding at all, so the two must agree bit for bit
        iimage, ikernel = np.round(image * 4), np.round(kernel * 4)
        np.testing.assert_array_equal(
            convolution2D(iimage, ikernel, stride, padding), lesson_convolution2D(iimage, ikernel, stride, padding)
        )


def test_pooling_equals_the_lessons_loops_on_random_inputs():
    rng = np.random.default_rng(1)
    for i in range(60):
        k, stride = 1 + i % 3, 1 + (i // 3) % 3
        image = rng.standard_normal((int(rng.integers(k, 10)), int(rng.integers(k, 10))))
        np.testing.assert_array_equal(max_pooling2D(image, k, stride), lesson_max_pooling2D(image, k, stride))
        np.testing.assert_allclose(
            average_pooling2D(image, k, stride), lesson_average_pooling2D(image, k, stride), rtol=1e-13, atol=1e-15
        )
        iimage = rng.integers(-50, 50, size=image.shape)
        np.testing.assert_array_equal(max_pooling2D(iimage, k, stride), lesson_max_pooling2D(iimage, k, stride))
        np.testing.assert_array_equal(
            average_pooling2D(iimage, k, stride), lesson_average_pooling2D(iimage, k, stride)
        )


def test_convolution_matches_torch_cross_correlation():
    for image, kernel, stride, padding in _random_cases(n_cases=15, seed=3):
        ref = torch.nn.functional.conv2d(
            torch.tensor(image)[None, None], torch.tensor(kernel)[None, None], stride=stride, padding=padding
        )[0, 0].numpy()
        np.testing.assert_allclose(convolution2D(image, kernel, stride, padding), ref, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------- activations
def test_sigmoid_is_stable_and_exact_where_the_naive_formula_is_fine():
    x = np.linspace(-30, 30, 241)
    np.testing.assert_array_equal(sigmoid(x[x >= 0]), 1 / (1 + np.exp(-x[x >= 0])))
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning
        big = sigmoid(np.array([-1000.0, -745.0, 0.0, 745.0, 1000.0]))
        assert sigmoid(-1000) == 0.0 and sigmoid(1000) == 1.0
        s32 = sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    np.testing.assert_array_equal(big[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert s32.dtype == np.float32
    np.testing.assert_array_equal(s32, [0.0, 1.0])
    assert sigmoid(np.arange(3)).dtype == np.float64


def test_sigmoid_derivative_formula_and_finite_differences():
    assert sigmoid_derivative(0.0) == 0.25
    x = np.linspace(-6, 6, 25)
    s = sigmoid(x)
    np.testing.assert_array_equal(sigmoid_derivative(x), s * (1 - s))
    h = 1e-6
    np.testing.assert_allclose(sigmoid_derivative(x), (sigmoid(x + h) - sigmoid(x - h)) / (2 * h), atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid_derivative(-1000.0) == 0.0


def test_relu():
    x = np.array([-2.0, -0.0, 0.0, 1.5])
    np.testing.assert_array_equal(relu(x), [0.0, 0.0, 0.0, 1.5])
    assert relu(np.array([-3, 4])).dtype == np.array([-3, 4]).dtype
    assert relu(np.float32(-1)).dtype == np.float32
    assert relu(-2.5) == 0.0 and relu(2.5) == 2.5


def test_single_neuron_batch_of_inputs():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((5, 3))
    out = single_neuron(xs, W, B)
    assert out.shape == (5,)
    for i in range(5):
        assert out[i] == pytest.approx(single_neuron(xs[i], W, B), rel=1e-15)


def test_float32_is_kept():
    img = np.random.default_rng(0).standard_normal((6, 6)).astype(np.float32)
    ker = np.ones((3, 3), np.float32)
    assert convolution2D(img, ker, 2, 1).dtype == np.float32
    assert max_pooling2D(img).dtype == np.float32
    assert average_pooling2D(img).dtype == np.float32
    w, _ = update_weights(X.astype(np.float32), 0.4, W.astype(np.float32), 0.1)
    assert w.dtype == np.float32


# ---------------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: convolution2D(np.ones((1, 4, 4)), np.ones((2, 2))), ShapeError, ["convolution2D", "2-D image"]),
        (lambda: convolution2D(np.ones((4, 4)), np.ones(2)), ShapeError, ["convolution2D", "kernel"]),
        (lambda: convolution2D(np.ones((4, 4)), np.ones((2, 2)), stride=0), ArgumentError,
         ["convolution2D: expected stride to be an int >= 1, got 0"]),
        (lambda: convolution2D(np.ones((4, 4)), np.ones((2, 2)), stride=1.5), DTypeError,
         ["convolution2D: expected stride to be an int >= 1, got 1.5"]),
        (lambda: convolution2D(np.ones((4, 4)), np.ones((2, 2)), padding=-1), ArgumentError,
         ["convolution2D: expected padding to be an int >= 0, got -1"]),
        (lambda: convolution2D(np.ones((3, 3)), np.ones((4, 4))), ShapeError, ["(4, 4)", "(3, 3)"]),
        (lambda: convolution2D(np.ones((4, 4), bool), np.ones((2, 2))), DTypeError, ["convolution2D", "bool"]),
        (lambda: convolution2D(np.ones((4, 4)), np.ones((0, 2))), ShapeError, ["convolution2D", "empty"]),
        (lambda: max_pooling2D(np.ones((3, 3)), pool_size=4), ShapeError, ["max_pooling2D"]),
        (lambda: max_pooling2D(np.ones(9)), ShapeError, ["max_pooling2D", "(9,)"]),
        (lambda: max_pooling2D(np.ones((4, 4)), stride=-1), ArgumentError, ["stride"]),
        (lambda: average_pooling2D(np.ones((4, 4)), pool_size=0), ArgumentError, ["pool_size"]),
        (lambda: average_pooling2D(np.ones((2, 2)), pool_size=3), ShapeError, ["average_pooling2D"]),
        (lambda: single_neuron(np.ones(4), W, B), ShapeError, ["single_neuron", "(4,)"]),
        (lambda: single_neuron(X, np.ones((3, 1)), B), ShapeError, ["single_neuron", "w"]),
        (lambda: update_weights(np.ones((2, 3)), 0.4, W, B), ShapeError, ["update_weights"]),
        (lambda: update_weights(X, 0.4, W, np.ones(2)), ShapeError, ["update_weights", "scalar"]),
        (lambda: sigmoid(np.array(["a"])), DTypeError, ["sigmoid"]),
    ],
)
def test_bad_inputs_raise_numnet_errors(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, NumnetError)
    for word in words:
        assert word in str(info.value)


def test_padding_makes_a_too_big_kernel_fit():
    out = convolution2D(np.ones((2, 2)), np.ones((3, 3)), padding=1)
    np.testing.assert_array_equal(out, np.full((2, 2), 4.0))


def test_docstring_examples_run():
    result = doctest.testmod(numnet.basics, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8
    assert result.failed == 0
    for name in numnet.basics.__all__:
        doc = getattr(numnet.basics, name).__doc__
        assert doc and ("=" in doc) and "Raises:" in doc, name


# ---------------------------------------------------------------------------------------------------- bridge to the library
def test_bridge_update_through_tensor_autograd():
    x = numnet.tensor(X)
    w = numnet.tensor(W, requires_grad=True)
    b = numnet.tensor(np.float64(B), requires_grad=True)
    z = (w * x).sum() + b
    y = 1 / (1 + (-z).exp())  # sigmoid from Tensor ops
    assert y.item() == pytest.approx(LESSON_Y, rel=1e-15)
    loss = (y - Y_TRUE) ** 2
    loss.backward()
    w_new = w.detach().numpy() - 0.1 * w.grad.numpy()
    b_new = float(b.detach().numpy() - 0.1 * b.grad.numpy())
    np.testing.assert_allclose(w_new, LESSON_W, rtol=0, atol=1e-8)
    assert str(w_new) == LESSON_W_STR
    assert abs(b_new - LESSON_B) <= 1e-15
    w_basic, b_basic = update_weights(X, Y_TRUE, W, B)
    np.testing.assert_allclose(w_new, w_basic, rtol=0, atol=1e-15)


def _F():
    import numnet.functional as F

    return F


def _nchw(a):
    return numnet.tensor(np.asarray(a, dtype=np.float64)[None, None])


def test_bridge_functional_sigmoid_and_relu():
    F = _F()
    z = np.linspace(-8, 8, 33)
    t = numnet.tensor(z, requires_grad=True)
    s = F.sigmoid(t)
    np.testing.assert_allclose(s.detach().numpy(), sigmoid(z), rtol=1e-15, atol=1e-300)
    s.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), sigmoid_derivative(z), rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(F.relu(numnet.tensor(z)).numpy(), relu(z))
    assert F.sigmoid(numnet.tensor(np.array([0.42]))).numpy()[0] == pytest.approx(LESSON_Y, rel=1e-15)


def test_bridge_convolution_through_F_conv2d():
    F = _F()
    out = F.conv2d(_nchw(IMAGE), _nchw(KERNEL))
    np.testing.assert_array_equal(out.numpy()[0, 0], np.full((3, 3), 8.0))
    for image, kernel, stride, padding in _random_cases(n_cases=24, seed=4):
        lib = F.conv2d(_nchw(image), _nchw(kernel), stride=stride, padding=padding).numpy()[0, 0]
        np.testing.assert_allclose(lib, convolution2D(image, kernel, stride, padding), rtol=1e-12, atol=1e-12)


def test_bridge_pooling_through_F_pools():
    F = _F()
    np.testing.assert_array_equal(F.max_pool2d(_nchw(IMAGE), 2, 2).numpy()[0, 0], [[6, 8], [14, 16]])
    np.testing.assert_array_equal(F.avg_pool2d(_nchw(IMAGE), 2, 2).numpy()[0, 0], [[3.5, 5.5], [11.5, 13.5]])
    np.testing.assert_array_equal(F.max_pool2d(_nchw(IMAGE), 2).numpy()[0, 0], [[6, 8], [14, 16]])  # stride=kernel
    rng = np.random.default_rng(5)
    for i in range(18):
        k, stride = 1 + i % 3, 1 + (i // 3) % 3
        image = rng.standard_normal((int(rng.integers(k, 9)), int(rng.integers(k, 9))))
        np.testing.assert_array_equal(F.max_pool2d(_nchw(image), k, stride).numpy()[0, 0], max_pooling2D(image, k, stride))
        np.testing.assert_allclose(
            F.avg_pool2d(_nchw(image), k, stride).numpy()[0, 0], average_pooling2D(image, k, stride), rtol=1e-12
        )
