"""The lesson, printed: each step's formula, its example, the result from :mod:`numnet.basics` and the same result
from the library proper (Tensor autograd, ``F.conv2d``, ``F.max_pool2d``, ``F.avg_pool2d``).

``numnet lesson`` on the command line calls :func:`print_lesson`. Arrays are printed with NumPy's own ``str`` so the
lesson's digits appear as it printed them, e.g. ``[0.39513082 0.19707849 0.59902616]``.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, TextIO

import numpy as np

__all__ = ["print_lesson", "SECTIONS"]

# The lesson's example: one neuron with three inputs, a 4×4 image and an edge-detecting kernel.
X = np.array([0.5, 0.3, 0.1])
W = np.array([0.4, 0.2, 0.6])
B = 0.1
Y_TRUE = 0.4
LEARNING_RATE = 0.1
IMAGE = np.arange(1, 17).reshape(4, 4)
KERNEL = np.array([[-1, -1], [1, 1]])


class _Out:
    """Writes the lesson's lines: headings, ``label: value`` pairs, multi-line arrays indented under their label."""

    def __init__(self, file: TextIO) -> None:
        self.file = file

    def line(self, text: str = "") -> None:
        print(text, file=self.file)

    def heading(self, title: str) -> None:
        self.line()
        self.line(title)
        self.line("=" * len(title))

    def value(self, label: str, value: Any) -> None:
        text = str(value)
        if "\n" in text:
            self.line(f"{label}:")
            for row in text.splitlines():
                self.line(f"    {row}")
        else:
            self.line(f"{label}: {text}")


def _grid(t: Any) -> np.ndarray:
    """The (H, W) map of a (1, 1, H, W) tensor as a NumPy array."""
    return t.numpy()[0, 0]


def _neuron(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import single_neuron

    out.value("formula", "y = σ(Σ_i w_i·x_i + b),  σ(z) = 1/(1 + e^(−z))")
    out.value("x", X)
    out.value("w", W)
    out.value("b", B)
    out.value("basics   single_neuron(x, w, b)", single_neuron(X, W, B))
    x, w = numnet.tensor(X), numnet.tensor(W)
    y = F.sigmoid((w * x).sum() + B)
    out.value("library  F.sigmoid((w * x).sum() + b)", y.item())


def _sigmoid(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import sigmoid, sigmoid_derivative

    z_np = np.array([-2.0, 0.0, 2.0])
    out.value("formula", "σ(z) = 1/(1 + e^(−z)),  σ'(z) = σ(z)·(1 − σ(z))")
    out.value("z", z_np)
    out.value("basics   sigmoid(z)", sigmoid(z_np))
    out.value("basics   sigmoid_derivative(z)", sigmoid_derivative(z_np))
    z = numnet.tensor(z_np, requires_grad=True)
    s = F.sigmoid(z)
    s.sum().backward()
    out.value("library  F.sigmoid(z)", s.detach().numpy())
    out.value("library  z.grad after F.sigmoid(z).sum().backward()", z.grad.numpy())


def _relu(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import relu

    z_np = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])
    out.value("formula", "relu(z) = max(0, z),  relu'(z) = 1 if z > 0 else 0")
    out.value("z", z_np)
    out.value("basics   relu(z)", relu(z_np))
    z = numnet.tensor(z_np, requires_grad=True)
    r = F.relu(z)
    r.sum().backward()
    out.value("library  F.relu(z)", r.detach().numpy())
    out.value("library  z.grad after F.relu(z).sum().backward()", z.grad.numpy())


def _update(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import update_weights

    out.value("formula", "L = (y − y_true)²,  ∂L/∂w = 2(y − y_true)·σ'(z)·x,  ∂L/∂b = 2(y − y_true)·σ'(z)")
    out.value("step", "w ← w − α·∂L/∂w,  b ← b − α·∂L/∂b")
    out.value("x", X)
    out.value("w", W)
    out.value("b", B)
    out.value("y_true", Y_TRUE)
    out.value("learning_rate α", LEARNING_RATE)
    w_new, b_new = update_weights(X, Y_TRUE, W, B, learning_rate=LEARNING_RATE)
    out.value("basics   new w", w_new)
    out.value("basics   new b", b_new)
    x = numnet.tensor(X)
    w = numnet.tensor(W, requires_grad=True)
    b = numnet.tensor(np.float64(B), requires_grad=True)
    loss = (F.sigmoid((w * x).sum() + b) - Y_TRUE) ** 2
    loss.backward()
    out.value("library  loss.backward(); new w = w − α·w.grad", w._data - LEARNING_RATE * w.grad.numpy())
    out.value("library  new b = b − α·b.grad", float(b._data - LEARNING_RATE * b.grad.numpy()))


def _convolution(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import convolution2D

    out.value("formula", "out[i, j] = Σ_{u,v} kernel[u, v]·image[i·s + u, j·s + v]   (stride s = 1, padding 0)")
    out.value("image", IMAGE)
    out.value("kernel", KERNEL)
    out.value("basics   convolution2D(image, kernel)", convolution2D(IMAGE, KERNEL))
    image = numnet.tensor(IMAGE.astype(np.float64).reshape(1, 1, 4, 4))
    kernel = numnet.tensor(KERNEL.astype(np.float64).reshape(1, 1, 2, 2))
    out.value("library  F.conv2d(image, kernel)  (N, C, H, W) = (1, 1, 4, 4)", _grid(F.conv2d(image, kernel)))


def _max_pool(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import max_pooling2D

    out.value("formula", "out[i, j] = max_{u,v < k} image[i·s + u, j·s + v]   (k = 2, s = 2)")
    out.value("image", IMAGE)
    out.value("basics   max_pooling2D(image, pool_size=2, stride=2)", max_pooling2D(IMAGE, 2, 2))
    image = numnet.tensor(IMAGE.astype(np.float64).reshape(1, 1, 4, 4))
    out.value("library  F.max_pool2d(image, 2, 2)", _grid(F.max_pool2d(image, 2, 2)))


def _avg_pool(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import average_pooling2D

    out.value("formula", "out[i, j] = (1/k²)·Σ_{u,v < k} image[i·s + u, j·s + v]   (k = 2, s = 2)")
    out.value("image", IMAGE)
    out.value("basics   average_pooling2D(image, pool_size=2, stride=2)", average_pooling2D(IMAGE, 2, 2))
    image = numnet.tensor(IMAGE.astype(np.float64).reshape(1, 1, 4, 4))
    out.value("library  F.avg_pool2d(image, 2, 2)", _grid(F.avg_pool2d(image, 2, 2)))


def _backprop(out: _Out) -> None:
    import numnet
    import numnet.functional as F
    from numnet.basics import sigmoid, sigmoid_derivative

    x, w1, b1, w2, b2, t = 0.5, 0.8, 0.1, -1.2, 0.3, 1.0
    out.value("network", "h = σ(w1·x + b1),  y = w2·h + b2,  L = (y − t)²")
    out.value("chain rule ∂L/∂w1", "∂L/∂y · ∂y/∂h · ∂h/∂z1 · ∂z1/∂w1 = 2(y − t) · w2 · σ'(z1) · x")
    out.value("chain rule ∂L/∂w2", "∂L/∂y · ∂y/∂w2 = 2(y − t) · h")
    out.value("inputs", f"x = {x}, w1 = {w1}, b1 = {b1}, w2 = {w2}, b2 = {b2}, t = {t}")
    z1 = w1 * x + b1
    h = float(sigmoid(z1))
    y = w2 * h + b2
    dL_dy = 2 * (y - t)
    out.value("forward", f"z1 = {z1}, h = {h}, y = {y}, L = {(y - t) ** 2}")
    out.value("by hand  ∂L/∂w1", dL_dy * w2 * float(sigmoid_derivative(z1)) * x)
    out.value("by hand  ∂L/∂w2", dL_dy * h)
    tw1 = numnet.tensor(np.float64(w1), requires_grad=True)
    tw2 = numnet.tensor(np.float64(w2), requires_grad=True)
    hidden = F.sigmoid(tw1 * x + b1)
    loss = (tw2 * hidden + b2 - t) ** 2
    loss.backward()
    out.value("autograd w1.grad", tw1.grad.item())
    out.value("autograd w2.grad", tw2.grad.item())


SECTIONS: list[tuple[str, Callable[[_Out], None]]] = [
    ("1. The neuron", _neuron),
    ("2. Sigmoid and its derivative", _sigmoid),
    ("3. ReLU", _relu),
    ("4. One weight update", _update),
    ("5. Convolution", _convolution),
    ("6. Max pooling", _max_pool),
    ("7. Average pooling", _avg_pool),
    ("8. Backpropagation by the chain rule", _backprop),
]
"""The lesson's sections in order: (heading, function printing its body)."""


def print_lesson(file: TextIO | None = None) -> None:
    """Print every section of the lesson: formula, example inputs, ``numnet.basics`` result, library result.

    Args:
        file: where to write; standard output by default.

    Example:
        >>> print_lesson()  # doctest: +SKIP
        <BLANKLINE>
        1. The neuron
        =============
        formula: y = σ(Σ_i w_i·x_i + b),  σ(z) = 1/(1 + e^(−z))
        ...
    """
    out = _Out(sys.stdout if file is None else file)
    out.line("numnet lesson: from NumPy formulas (numnet.basics) to the library (autograd Tensors, numnet.functional)")
    for title, body in SECTIONS:
        out.heading(title)
        body(out)
