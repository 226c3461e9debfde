"""Weight initialisation with PyTorch's formulas (``torch.nn.init``), drawn from a seeded NumPy generator.

Every function fills its tensor in place (keeping its dtype and array) and returns it. ``generator=None`` draws from
``numnet.random.default_generator()``, so ``numnet.manual_seed(s)`` makes freshly built models identical. Samples
are drawn in float64 and then cast, so a float32 and a float64 model built from the same seed hold the same values up
to rounding.

Notation: for a weight of shape ``(out, in, *k)``, ``fan_in = in·∏k`` and ``fan_out = out·∏k``.

- ``uniform_``: U(a, b);  ``normal_``: N(mean, std²)
- ``xavier_uniform_``: U(−B, B), B = gain·√(6 / (fan_in + fan_out));  ``xavier_normal_``: σ = gain·√(2 / (fan_in + fan_out))
- ``kaiming_uniform_``: U(−B, B), B = gain·√(3 / fan);  ``kaiming_normal_``: σ = gain / √fan,
  with gain = ``calculate_gain(nonlinearity, a)`` and fan = fan_in or fan_out (``mode``)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.random import default_generator
from numnet.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "ones_", "zeros_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table).

    linear / conv / sigmoid: 1; tanh: 5/3; relu: √2; leaky_relu: √(2 / (1 + slope²)) (slope ``param``, default
    0.01); selu: 3/4.

    Raises:
        ArgumentError: unknown nonlinearity, or a non-finite ``param``.
        DTypeError: a ``param`` that is not a number.

    >>> round(calculate_gain("relu"), 6)
    1.414214
    """
    if nonlinearity in _LINEAR:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        else:
            slope = V.real(param, "calculate_gain", "param")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    known = ", ".join(_LINEAR + ("tanh", "relu", "leaky_relu", "selu"))
    raise ArgumentError(V.expected("calculate_gain", "nonlinearity", f"one of {known}", nonlinearity))


def _check(tensor: Any, op: str) -> Tensor:
    return V.float_tensor(tensor, op, "tensor")


def _gen(generator: np.random.Generator | None, op: str) -> np.random.Generator:
    if generator is None:
        return default_generator()
    if not isinstance(generator, np.random.Generator):
        raise DTypeError(V.expected(op, "generator", "a numpy.random.Generator or None",
                                    got=type(generator).__name__))
    return generator


def _fill(tensor: Tensor, values: Any) -> Tensor:
    tensor._data[...] = values
    return tensor


def _calculate_fan_in_and_fan_out(tensor: Tensor, op: str = "init") -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ShapeError(f"{op}: fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, op: str) -> int:
    V.choice(mode, op, "mode", ("fan_in", "fan_out"))
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, op)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: np.random.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples of U(a, b).

    >>> import numnet
    >>> t = uniform_(numnet.zeros(1000), -1.0, 1.0)
    >>> bool(t.data.min() >= -1 and t.data.max() <= 1)
    True
    """
    _check(tensor, "uniform_")
    a, b = V.real(a, "uniform_", "a"), V.real(b, "uniform_", "b")
    if not a <= b:
        raise ArgumentError(V.expected("uniform_", "b", f"a number >= a={a!r}", b))
    return _fill(tensor, _gen(generator, "uniform_").uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: np.random.Generator | None = None) -> Tensor:
    """Fill ``tensor`` with samples of N(mean, std²)."""
    _check(tensor, "normal_")
    std = V.real(std, "normal_", "std", low=0.0)
    return _fill(tensor, _gen(generator, "normal_").normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill ``tensor`` with ``val``."""
    _check(tensor, "constant_")
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill ``tensor`` with 0."""
    return constant_(tensor, 0.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot uniform: U(−B, B) with B = gain·√(6 / (fan_in + fan_out)).

    Raises:
        ShapeError: the tensor has fewer than 2 dimensions.
    """
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(tensor, _gen(generator, "xavier_uniform_").uniform(-bound, bound, size=tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor, "xavier_normal_")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(tensor, _gen(generator, "xavier_normal_").normal(0.0, std, size=tensor.shape))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: np.random.Generator | None = None) -> Tensor:
    """He uniform: U(−B, B) with B = gain·√(3 / fan), gain = ``calculate_gain(nonlinearity, a)``.

    With PyTorch's layer default ``a=√5`` (leaky_relu) this is U(−1/√fan_in, 1/√fan_in).

    Args:
        a: negative slope of the following leaky ReLU (only used with ``nonlinearity='leaky_relu'``).
        mode: ``'fan_in'`` keeps the forward variance, ``'fan_out'`` the backward one.

    >>> import numnet
    >>> w = kaiming_uniform_(numnet.zeros(16, 6, 5, 5), a=5 ** 0.5)
    >>> bool(abs(w.data).max() <= 1 / 150 ** 0.5)
    True
    """
    _check(tensor, "kaiming_uniform_")
    if tensor._data.size == 0:
        return tensor
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, _gen(generator, "kaiming_uniform_").uniform(-bound, bound, size=tensor.shape))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: np.random.Generator | None = None) -> Tensor:
    """He normal: N(0, σ²) with σ = gain / √fan."""
    _check(tensor, "kaiming_normal_")
    if tensor._data.size == 0:
        return tensor
    fan = _fan(tensor, mode, "kaiming_normal_")
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, _gen(generator, "kaiming_normal_").normal(0.0, std, size=tensor.shape))
