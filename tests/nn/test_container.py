"""Sequential and ModuleList: indexing, slicing, mutation, key naming (as in PyTorch)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DTypeError


def test_sequential_chains_and_names_children_by_position():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = numnet.randn(5, 4)
    expected = seq[2](seq[1](seq[0](x)))
    np.testing.assert_array_equal(seq(x)._data, expected._data)
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(seq) == 3 and [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq[-1] is seq[2]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(DTypeError, match="integers or slices"):
        seq["0"]


def test_sequential_from_ordered_dict_and_slicing_keep_keys():
    seq = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU()), ("pool", nn.MaxPool2d(2))]))
    assert list(seq.state_dict()) == ["conv.weight", "conv.bias"]
    assert seq.conv is seq[0]
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and len(tail) == 2 and list(tail._modules) == ["act", "pool"]
    assert tail[0] is seq.act  # shares the modules
    # PyTorch keeps the original keys too
    t = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Linear(1, 1))
    ours = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Linear(1, 1))
    assert list(ours[1:].state_dict()) == list(t[1:].state_dict()) == ["2.weight", "2.bias"]


def test_sequential_append_insert_setitem_delitem():
    seq = nn.Sequential(nn.Linear(2, 2))
    assert seq.append(nn.ReLU()) is seq
    seq.extend([nn.Linear(2, 3)])
    assert list(seq._modules) == ["0", "1", "2"]
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "ReLU", "Linear"]
    seq.insert(-1, nn.Sigmoid())  # before the last, like list.insert and PyTorch
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "ReLU", "Sigmoid", "Linear"]
    seq[1] = nn.Identity()
    assert isinstance(seq[1], nn.Identity)
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2", "3"]  # renumbered
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    del seq[1:3]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear"]
    with pytest.raises(DTypeError, match="Module"):
        seq.append(lambda x: x)
    with pytest.raises(DTypeError, match="Module"):
        nn.Sequential(nn.ReLU(), "relu")


def test_module_list_registers_and_behaves_like_a_list():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    net = Net()
    assert len(list(net.parameters())) == 6
    assert list(net.state_dict())[:2] == ["blocks.0.weight", "blocks.0.bias"]
    assert net(numnet.ones(2, 3)).shape == (2, 3)
    blocks = net.blocks
    blocks.append(nn.ReLU())
    blocks += [nn.Tanh()]
    assert len(blocks) == 5 and isinstance(blocks[-1], nn.Tanh)
    assert isinstance(blocks[1:3], nn.ModuleList) and len(blocks[1:3]) == 2
    blocks.insert(0, nn.Identity())
    assert isinstance(blocks[0], nn.Identity) and list(blocks._modules)[-1] == "5"
    del blocks[0]
    assert isinstance(blocks[0], nn.Linear)
    blocks[0] = nn.Sigmoid()
    assert isinstance(blocks[0], nn.Sigmoid)
    assert len(blocks + [nn.ReLU()]) == 6
    with pytest.raises(ArgumentError, match="no forward"):
        blocks(numnet.ones(1))
    with pytest.raises(DTypeError, match="single"):
        blocks.extend(nn.ReLU())
    with pytest.raises(IndexError):
        blocks[10]


# ---------------------------------------------------------------------------------------------------- ReLU → MaxPool2d
@pytest.mark.parametrize("pool_args", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                       dict(kernel_size=2, ceil_mode=True), dict(kernel_size=(2, 3), dilation=2)])
@pytest.mark.parametrize("values", ["gaussian", "ties", "nan_inf"])
def test_relu_then_max_pool_runs_pool_first_with_identical_results(pool_args, values):
    """Sequential runs ReLU → MaxPool2d as MaxPool2d → ReLU: the output and the input gradient are exactly those of
    the written order (F.relu then F.max_pool2d), and of torch's, on ties, zeros, negatives, NaN and −inf."""
    import numnet.functional as F

    rng = np.random.default_rng(len(values) + len(pool_args))
    shape = (3, 2, 7, 9)
    x = rng.integers(-2, 3, shape).astype(np.float64) if values == "ties" else rng.standard_normal(shape)
    if values == "nan_inf":
        x[rng.random(shape) < 0.1] = np.nan
        x[rng.random(shape) < 0.1] = -np.inf
    net = nn.Sequential(nn.ReLU(), nn.MaxPool2d(**pool_args))
    xs, xw = numnet.tensor(x, requires_grad=True), numnet.tensor(x, requires_grad=True)
    out = net(xs)
    assert out._ctx.name == "ReLU" and out._ctx.parents[0]._ctx.name == "MaxPool2d"  # pooled first
    written = F.max_pool2d(F.relu(xw), **pool_args)
    np.testing.assert_array_equal(out._data, written._data)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    written.backward(g)
    np.testing.assert_array_equal(xs.grad._data, xw.grad._data)
    xt = torch.tensor(x, requires_grad=True)
    ref = torch.nn.functional.max_pool2d(torch.relu(xt), **pool_args)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(out._data, ref.detach().numpy())
    # overlapping windows add several gradients into one input element, in another order than torch's
    np.testing.assert_allclose(xs.grad._data, xt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_relu_max_pool_keeps_the_written_order_with_hooks_or_indices():
    x = numnet.tensor(np.random.default_rng(0).standard_normal((1, 1, 4, 4)))
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    seen = []
    handle = relu.register_forward_hook(lambda m, inp, out: seen.append(inp[0].shape))
    out = nn.Sequential(relu, pool)(x)
    assert seen == [(1, 1, 4, 4)]  # the hook saw ReLU's written input, before pooling
    handle.remove()
    np.testing.assert_array_equal(out._data, nn.Sequential(relu, pool)(x)._data)
    out, idx = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2, return_indices=True))(x)
    assert out.shape == (1, 1, 2, 2) and idx.shape == (1, 1, 2, 2)
