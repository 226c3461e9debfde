"""numnet.nn.init: the distributions checked statistically against PyTorch's formulas on large tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import numnet
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.nn import init

SHAPE = (256, 128, 3, 3)  # 294,912 samples: the sample std is within ~0.3 % of the true one
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


def _t(shape=SHAPE, dtype=np.float32):
    return numnet.zeros(*shape, dtype=dtype)


def _uniform_ok(values, bound):
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert np.abs(values).max() > 0.999 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert abs(values.mean()) < 0.01 * bound


def _normal_ok(values, std, mean=0.0):
    assert abs(values.std() - std) < 0.01 * std
    assert abs(values.mean() - mean) < 0.01 * std + 1e-12
    assert abs(np.mean(np.abs(values - mean) <= std) - 0.6827) < 0.005  # Gaussian, not uniform


@pytest.mark.parametrize("nonlinearity, param", [("linear", None), ("conv2d", None), ("sigmoid", None),
                                                 ("tanh", None), ("relu", None), ("leaky_relu", None),
                                                 ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_pytorch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ArgumentError,
                       match="calculate_gain: expected nonlinearity to be one of linear, .*, got 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(DTypeError, match="calculate_gain: expected param to be a finite number, got True"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("a, mode, nonlinearity", [(0.0, "fan_in", "relu"), (math.sqrt(5), "fan_in", "leaky_relu"),
                                                   (0.0, "fan_out", "relu"), (0.1, "fan_in", "tanh")])
def test_kaiming_uniform_and_normal(a, mode, nonlinearity):
    fan = FAN_IN if mode == "fan_in" else FAN_OUT
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    t = _t()
    assert init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity) is t
    _uniform_ok(t._data, math.sqrt(3) * std)
    init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity)
    _normal_ok(t._data, std)


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier_uniform_and_normal(gain):
    std = gain * math.sqrt(2.0 / (FAN_IN + FAN_OUT))
    t = _t(dtype=np.float64)
    init.xavier_uniform_(t, gain=gain)
    _uniform_ok(t._data, math.sqrt(3) * std)
    init.xavier_normal_(t, gain=gain)
    _normal_ok(t._data, std)
    assert t.dtype == np.float64


def test_xavier_on_a_linear_weight_matches_torch_spread():
    ours = init.xavier_uniform_(_t((512, 300)))._data
    theirs = torch.nn.init.xavier_uniform_(torch.empty(512, 300)).numpy()
    assert abs(ours.std() - theirs.std()) < 0.01 * theirs.std()


def test_uniform_normal_constant_zeros_ones():
    t = _t((200_000,))
    _uniform_ok(init.uniform_(t, -0.5, 0.5)._data, 0.5)
    init.uniform_(t, 2.0, 3.0)
    assert t._data.min() >= 2.0 and t._data.max() <= 3.0 and abs(t._data.mean() - 2.5) < 0.01
    _normal_ok(init.normal_(t, mean=1.5, std=0.2)._data, 0.2, mean=1.5)
    assert np.all(init.constant_(t, 0.25)._data == 0.25)
    assert np.all(init.zeros_(t)._data == 0) and np.all(init.ones_(t)._data == 1)
    assert t.dtype == np.float32


def test_fills_in_place_and_uses_the_seeded_generator():
    t = _t((64, 32))
    arr = t._data
    numnet.manual_seed(5)
    init.kaiming_uniform_(t)
    first = t._data.copy()
    assert t._data is arr
    numnet.manual_seed(5)
    np.testing.assert_array_equal(init.kaiming_uniform_(t)._data, first)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    a = init.normal_(_t((10,)), generator=g1)._data
    b = init.normal_(_t((10,)), generator=g2)._data
    np.testing.assert_array_equal(a, b)


def test_init_errors():
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        init.xavier_uniform_(_t((5,)))
    with pytest.raises(ShapeError, match="at least 2 dimensions"):
        init.kaiming_normal_(_t((5,)))
    with pytest.raises(ArgumentError,
                       match="kaiming_uniform_: expected mode to be one of 'fan_in', 'fan_out', got 'fan_avg'"):
        init.kaiming_uniform_(_t((4, 4)), mode="fan_avg")
    with pytest.raises(ArgumentError, match="uniform_: expected b to be a number >= a=1.0, got 0.0"):
        init.uniform_(_t((4,)), 1.0, 0.0)
    with pytest.raises(ArgumentError, match="normal_: expected std to be a finite number >= 0, got -1.0"):
        init.normal_(_t((4,)), std=-1.0)
    with pytest.raises(DTypeError, match="floating-point"):
        init.zeros_(numnet.tensor([1, 2]))
    with pytest.raises(DTypeError, match="constant_: expected tensor to be a numnet.Tensor, got numpy.ndarray"):
        init.zeros_(np.zeros(3))
    with pytest.raises(DTypeError, match="normal_: expected generator to be a numpy.random.Generator or None, got int"):
        init.normal_(_t((4,)), generator=3)
    assert init.kaiming_uniform_(_t((0, 3))).shape == (0, 3)  # empty: nothing to do
