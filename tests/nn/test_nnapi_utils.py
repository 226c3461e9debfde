"""numnet.nn.utils against torch.nn.utils: gradient clipping and parameter/vector conversion."""

import doctest
import importlib
import math

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DTypeError, ShapeError
from tests.reference import assert_close, torch_one_thread  # noqa: F401


def _pair(shapes, dtype, seed, scale=3.0, none_at=()):
    g = np.random.default_rng(seed)
    ours, ref = [], []
    for i, s in enumerate(shapes):
        w = g.standard_normal(s).astype(dtype)
        p, q = nn.Parameter(numnet.tensor(w)), torch.nn.Parameter(torch.tensor(w))
        if i not in none_at:
            grad = (scale * g.standard_normal(s)).astype(dtype)
            p.grad, q.grad = numnet.tensor(grad), torch.tensor(grad)
        ours.append(p)
        ref.append(q)
    return ours, ref


@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, "inf", 0, -math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours, ref = _pair([(3, 4), (4,), (2, 1, 3)], dtype, seed=1, none_at=(1,))
    total = nn.utils.clip_grad_norm_(iter(ours), max_norm, norm_type=norm_type)  # a generator, as parameters()
    want = torch.nn.utils.clip_grad_norm_(iter(ref), max_norm, norm_type=norm_type)
    assert isinstance(total, numnet.Tensor) and total.shape == () and total.dtype == dtype
    assert_close(total, want, dtype, "total norm")
    for p, q in zip(ours, ref):
        if q.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == dtype
            assert_close(p.grad, q.grad, dtype, "clipped grad")


def test_clip_grad_norm_edge_cases():
    assert nn.utils.clip_grad_norm_([], 1.0)._data == torch.nn.utils.clip_grad_norm_([], 1.0).item()
    assert nn.utils.clip_grad_norm_([], 1.0).dtype == np.float32
    ours, ref = _pair([(3,)], np.float64, seed=2)
    t = nn.utils.clip_grad_norm_(ours[0], 1.0)  # a single tensor
    assert_close(t, torch.nn.utils.clip_grad_norm_(ref[0], 1.0), np.float64)
    ours, _ = _pair([(3,)], np.float64, seed=3)
    ours[0].grad._data[0] = np.nan
    with pytest.raises(ArgumentError, match="non-finite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert np.isnan(nn.utils.clip_grad_norm_(ours, 1.0, foreach=True)._data)
    with pytest.raises(DTypeError, match="norm_type"):
        nn.utils.clip_grad_norm_(ours, 1.0, norm_type="two")
    with pytest.raises(DTypeError, match="parameters"):
        nn.utils.clip_grad_norm_(3, 1.0)
    with pytest.raises(DTypeError, match="foreach"):
        nn.utils.clip_grad_norm_(ours, 1.0, foreach="yes")


@pytest.mark.parametrize("clip", [0.5, 2.0, -1.0])
def test_clip_grad_value_matches_torch(clip):
    ours, ref = _pair([(3, 4), (5,)], np.float32, seed=4, none_at=(1,))
    assert nn.utils.clip_grad_value_(ours, clip) is None
    torch.nn.utils.clip_grad_value_(ref, clip)
    assert_close(ours[0].grad, ref[0].grad, np.float32)
    assert ours[1].grad is None


def test_parameters_to_vector_and_back_match_torch():
    net, tnet = nn.Linear(3, 2), torch.nn.Linear(3, 2)
    with torch.no_grad():
        tnet.weight.copy_(torch.tensor(net.weight._data))
        tnet.bias.copy_(torch.tensor(net.bias._data))
    vec = nn.utils.parameters_to_vector(net.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(tnet.parameters()), np.float32)
    (vec * vec).sum().backward()  # differentiable, as in PyTorch
    np.testing.assert_allclose(net.weight.grad._data, 2 * net.weight._data, rtol=1e-6)

    weight = net.weight
    new = numnet.arange(8, dtype=np.float32)
    nn.utils.vector_to_parameters(new, net.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(8, dtype=torch.float32), tnet.parameters())
    assert net.weight is weight  # same Parameter object
    assert_close(net.weight, tnet.weight, np.float32)
    assert_close(net.bias, tnet.bias, np.float32)
    new._data[0] = 100.0  # shares memory with the vector, as in PyTorch
    assert net.weight._data[0, 0] == 100.0
    with pytest.raises(ShapeError, match="length 8"):
        nn.utils.vector_to_parameters(numnet.zeros(9), net.parameters())
    with pytest.raises(ShapeError, match="1-D"):
        nn.utils.vector_to_parameters(numnet.zeros(2, 4), net.parameters())
    with pytest.raises(DTypeError, match="Tensor"):
        nn.utils.vector_to_parameters(np.zeros(8), net.parameters())


def test_utils_is_a_package_and_its_doctests_pass():
    import numnet.nn.utils as utils

    assert nn.utils is utils and set(utils.__all__) <= set(dir(torch.nn.utils))
    for name in ("numnet.nn.utils", "numnet.nn.utils.clip_grad", "numnet.nn.utils.convert_parameters"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, name
