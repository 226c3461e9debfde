"""Module machinery: registration, iteration, modes, state_dict round trips and errors, repr, hooks, error paths."""

from __future__ import annotations

import copy
import pickle
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DTypeError, NumnetError, ShapeError


class Tiny(nn.Module):
    """A hand-made module with a parameter, a buffer, a non-persistent buffer and a child."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(numnet.ones(3))
        self.register_buffer("count", numnet.zeros(1))
        self.register_buffer("scratch", numnet.zeros(2), persistent=False)
        self.child = nn.Linear(3, 2)
        self.plain = 5

    def forward(self, x):
        return self.child(x * self.w)


class Net(nn.Module):
    def __init__(self, c_mid=6):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 3, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(c_mid, 16, 5))
        self.bn = nn.BatchNorm2d(16)

    def forward(self, x):
        return self.bn(self.features(x))


# ---------------------------------------------------------------------------------------------------- registration
def test_attributes_register_parameters_buffers_and_children():
    m = Tiny()
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    assert [n for n, _ in m.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert [n for n, _ in m.named_buffers()] == ["count", "scratch"]
    assert list(m.state_dict()) == ["w", "count", "child.weight", "child.bias"]  # scratch is not persistent
    assert [n for n, _ in m.named_children()] == ["child"]
    assert [n for n, _ in m.named_modules()] == ["", "child"]
    assert m.plain == 5 and "plain" not in m._parameters
    assert isinstance(m.w, nn.Parameter) and m.w.requires_grad
    assert "w" in dir(m) and "child" in dir(m)


def test_reassignment_moves_between_stores_and_rejects_wrong_types():
    m = Tiny()
    m.child = None  # a registered child may be set to None
    assert m._modules["child"] is None and list(m.children()) == []
    with pytest.raises(DTypeError, match="parameter 'w'"):
        m.w = numnet.ones(3)  # a plain tensor cannot replace a Parameter
    m.count = numnet.ones(1)  # buffers accept tensors
    assert m.count._data[0] == 1
    with pytest.raises(DTypeError, match="buffer 'count'"):
        m.count = 3
    m.plain = nn.Parameter(numnet.zeros(1))  # becomes a parameter
    assert "plain" in m._parameters and "plain" not in m.__dict__
    del m.plain
    assert "plain" not in m._parameters
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing
    with pytest.raises(ArgumentError, match="already exists"):
        m.register_buffer("w", numnet.zeros(1))
    with pytest.raises(ArgumentError,
                       match=r"register_buffer: expected name to be a non-empty string without '\.', got 'a\.b'"):
        m.register_buffer("a.b", numnet.zeros(1))
    with pytest.raises(DTypeError, match="Parameter or None"):
        m.register_parameter("p", numnet.zeros(1))


def test_parameter_is_a_tensor_requiring_grad():
    p = nn.Parameter(numnet.zeros(2, dtype=np.float64))
    assert isinstance(p, numnet.Tensor) and p.requires_grad and p.dtype == np.float64
    assert repr(p) == "Parameter containing:\ntensor([0., 0.], dtype=float64, requires_grad=True)"
    assert not nn.Parameter(numnet.zeros(2), requires_grad=False).requires_grad
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad._data, [2.0, 2.0])


def test_shared_modules_and_parameters_are_counted_once():
    lin = nn.Linear(4, 4)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert seq.num_parameters() == 20
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # like PyTorch


def test_named_modules_handles_deep_nesting_without_recursion():
    m = nn.Identity()
    for _ in range(1500):
        m = nn.Sequential(m)
    assert sum(1 for _ in m.named_modules()) == 1501


def test_get_submodule():
    net = Net()
    assert net.get_submodule("features.3") is net.features[3]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no submodule '9'"):
        net.get_submodule("features.9")


# ---------------------------------------------------------------------------------------------------- modes and bulk
def test_train_eval_propagate_to_all_submodules():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.features.train(False)
    assert net.training and not net.features[0].training
    with pytest.raises(DTypeError):
        net.train("no")


def test_zero_grad_to_none_or_zeros():
    m = nn.Linear(3, 2)
    m(numnet.ones(4, 3)).sum().backward()
    assert m.weight.grad is not None
    m.zero_grad(set_to_none=False)
    assert np.all(m.weight.grad._data == 0) and np.all(m.bias.grad._data == 0)
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None


def test_apply_visits_children_before_parents():
    net = Net()
    seen = []
    assert net.apply(lambda mod: seen.append(type(mod).__name__)) is net
    assert seen == ["Conv2d", "ReLU", "MaxPool2d", "Conv2d", "Sequential", "BatchNorm2d", "Net"]


def test_to_converts_parameters_and_float_buffers_in_place():
    net = Net(c_mid=3)
    params = list(net.parameters())
    assert net.double() is net
    assert all(a is b for a, b in zip(net.parameters(), params))  # same Parameter objects, new arrays
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.bn.running_mean.dtype == np.float64 and net.bn.running_var.dtype == np.float64
    assert net.bn.num_batches_tracked.dtype == np.int64
    net.features(numnet.zeros(1, 1, 28, 28, dtype=np.float64))  # runs in float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    with pytest.raises(DTypeError, match="floating-point"):
        net.to(np.int32)


def test_num_parameters_and_requires_grad_():
    net = nn.Sequential(nn.Linear(10, 5), nn.BatchNorm1d(5))
    assert net.num_parameters() == 55 + 10
    net[0].requires_grad_(False)
    assert net.num_parameters(only_trainable=True) == 10
    assert net.num_parameters() == 65


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.features[0].weight, nn.Parameter)
    clone.features[0].weight._data[...] = 0
    assert np.any(net.features[0].weight._data != 0)
    restored = pickle.loads(pickle.dumps(net))
    assert isinstance(restored.bn.running_mean, numnet.Tensor) and list(restored.state_dict()) == list(net.state_dict())


def test_forward_hooks_and_removal():
    lin = nn.Linear(2, 2)
    seen = []
    handle = lin.register_forward_hook(lambda mod, inp, out: seen.append((mod, inp[0].shape, out.shape)))
    pre = lin.register_forward_pre_hook(lambda mod, inp: (inp[0] * 0,))
    out = lin(numnet.ones(3, 2))
    np.testing.assert_allclose(out._data, np.broadcast_to(lin.bias._data, (3, 2)))  # the pre-hook zeroed the input
    assert seen == [(lin, (3, 2), (3, 2))]
    handle.remove()
    pre.remove()
    lin(numnet.ones(1, 2))
    assert len(seen) == 1
    with lin.register_forward_hook(lambda mod, inp, out: out * 0) as _:
        assert np.all(lin(numnet.ones(1, 2))._data == 0)
    assert np.any(lin(numnet.ones(1, 2))._data != 0)


def test_module_without_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


# ---------------------------------------------------------------------------------------------------- state dict
def test_state_dict_shares_data_and_is_detached():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert isinstance(sd, OrderedDict) and list(sd) == ["weight", "bias"]
    assert not sd["weight"].requires_grad and sd["weight"]._data is m.weight._data
    sd["bias"]._data[...] = 7
    assert np.all(m.bias._data == 7)
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert list(m.state_dict(prefix="head.")) == ["head.weight", "head.bias"]


def test_batchnorm_state_dict_has_num_batches_tracked_as_int64():
    sd = nn.BatchNorm2d(4).state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == np.int64 and sd["num_batches_tracked"].shape == ()
    assert list(nn.BatchNorm2d(4, affine=False, track_running_stats=False).state_dict()) == []


def test_load_state_dict_round_trip_from_tensors_and_arrays_keeps_dtype():
    src, dst = Net(), Net()
    dst.double()
    res = dst.load_state_dict(src.state_dict())
    assert res == ([], []) and res.missing_keys == [] and res.unexpected_keys == []
    for (name, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_allclose(a._data, b._data, err_msg=name)
        assert b.dtype == (np.int64 if name.endswith("num_batches_tracked") else np.float64)
    arrays = {k: np.full(v.shape, 0.5, dtype=np.float64) for k, v in src.state_dict().items()}
    arrays["bn.num_batches_tracked"] = np.array(12)
    weight = src.features[0].weight
    src.load_state_dict(arrays)
    assert src.features[0].weight is weight and weight.dtype == np.float32 and np.all(weight._data == 0.5)
    assert int(src.bn.num_batches_tracked.item()) == 12


def test_load_state_dict_non_strict_reports_missing_and_unexpected():
    m = nn.Linear(3, 2)
    sd = {"weight": np.ones((2, 3)), "extra": np.zeros(1)}
    res = m.load_state_dict(sd, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    assert np.all(m.weight._data == 1)


def test_load_state_dict_strict_error_lists_every_problem_and_copies_nothing():
    net = Net()
    before = {k: v._data.copy() for k, v in net.state_dict().items()}
    sd = {k: v._data.copy() + 1 for k, v in net.state_dict().items()}
    del sd["bn.bias"]
    sd["bn.gamma"] = np.ones(16)
    sd["features.3.weight"] = np.ones((16, 3, 5, 5))
    with pytest.raises(ShapeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "missing keys: 'bn.bias'" in msg
    assert "unexpected keys: 'bn.gamma'" in msg
    assert "features.3.weight: checkpoint shape (16, 3, 5, 5), model shape (16, 6, 5, 5)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k], err_msg=f"{k} was modified by a failed load")
    # only key mismatches: an ArgumentError; shape mismatches raise even when not strict
    del sd["features.3.weight"]
    with pytest.raises(ArgumentError, match="missing keys"):
        net.load_state_dict(sd)
    with pytest.raises(ShapeError, match="mis-shaped"):
        nn.Linear(3, 2).load_state_dict({"weight": np.ones((3, 2))}, strict=False)
    with pytest.raises(DTypeError, match="non-numeric"):
        nn.Linear(1, 1).load_state_dict({"weight": np.array([["a"]]), "bias": np.zeros(1)})
    with pytest.raises(DTypeError, match="mapping"):
        nn.Linear(1, 1).load_state_dict([1, 2])
    assert isinstance(info.value, NumnetError) and isinstance(info.value, ValueError)


# ---------------------------------------------------------------------------------------------------- repr
def test_repr_matches_pytorch():
    ours = Net()

    class TorchNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                                torch.nn.Conv2d(6, 16, 5))
            self.bn = torch.nn.BatchNorm2d(16)

    assert repr(ours) == repr(TorchNet()).replace("TorchNet", "Net")
    layers = [
        (nn.Conv2d(4, 8, (3, 5), stride=2, padding="same", dilation=2, groups=2, bias=False),
         torch.nn.Conv2d(4, 8, (3, 5), stride=1, padding="same", dilation=2, groups=2, bias=False)),
        (nn.Conv2d(4, 8, 3, padding="valid"), torch.nn.Conv2d(4, 8, 3, padding="valid")),
        (nn.Linear(3, 4, bias=False), torch.nn.Linear(3, 4, bias=False)),
        (nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
        (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
        (nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
        (nn.BatchNorm1d(5, momentum=None, affine=False), torch.nn.BatchNorm1d(5, momentum=None, affine=False)),
        (nn.Dropout(0.25), torch.nn.Dropout(0.25)),
        (nn.Flatten(), torch.nn.Flatten()),
        (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
        (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
        (nn.GELU("tanh"), torch.nn.GELU("tanh")),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
        (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()), (nn.Identity(), torch.nn.Identity()),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
    ]
    for a, b in layers:
        expected = repr(b).replace("stride=(1, 1), padding=same", "stride=(2, 2), padding=same")
        assert repr(a) == expected
    assert repr(nn.ModuleList([nn.ReLU(), nn.Tanh()])) == repr(torch.nn.ModuleList([torch.nn.ReLU(),
                                                                                    torch.nn.Tanh()]))


# ---------------------------------------------------------------------------------------------------- error paths
def test_error_names_the_layer_path_repr_and_shapes():
    net = Net()  # features.3 expects 6 channels but receives 3
    with pytest.raises(ShapeError) as info:
        net(numnet.zeros(8, 1, 28, 28))
    assert str(info.value) == ("features.3 (Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))): "
                               "expected input (N, 6, H, W), got (8, 3, 12, 12)")


def test_error_from_functional_keeps_class_and_is_prefixed_once():
    net = Net(c_mid=3)
    with pytest.raises(DTypeError) as info:
        net(numnet.zeros(2, 1, 28, 28, dtype=np.float64))
    msg = str(info.value)
    assert msg.startswith("features.0 (Conv2d(1, 3, kernel_size=(5, 5), stride=(1, 1))): conv2d: ")
    assert msg.count("features.0") == 1 and "float64" in msg
    # a sub-model called on its own: the path is relative to it
    with pytest.raises(ShapeError, match=re.escape("3 (Conv2d(3, 16, kernel_size=(5, 5), stride=(1, 1))): conv2d")):
        net.features(numnet.zeros(2, 1, 12, 12))
    # BatchNorm's own check
    with pytest.raises(ShapeError, match=re.escape("bn (BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, "
                                                   "bias=True, track_running_stats=True)): expected input (N, 16, H, W)")):
        _call_bn_inside(net)


def _call_bn_inside(net):
    class Wrap(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn = net.bn

        def forward(self, x):
            return self.bn(x)

    return Wrap()(numnet.zeros(2, 8, 3, 3))


def test_error_of_a_leaf_called_directly_and_of_an_unregistered_module():
    conv = nn.Conv2d(6, 16, 5)
    with pytest.raises(ShapeError) as info:
        conv(numnet.zeros(8, 3, 12, 12))
    assert str(info.value) == "Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1)): expected input (N, 6, H, W), " \
                              "got (8, 3, 12, 12)"
    helper = nn.Linear(4, 2)

    class Outer(nn.Module):
        def forward(self, x):
            return helper(x)  # not registered: no path, just its repr

    with pytest.raises(ShapeError) as info:
        Outer()(numnet.zeros(1, 3))
    assert str(info.value) == "Linear(in_features=4, out_features=2, bias=True): expected input (*, 4), got (1, 3)"

    class Custom(nn.Module):  # the container itself raises: named by class
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x).reshape(3)

    with pytest.raises(ShapeError, match=r"^Custom: reshape"):
        Custom()(numnet.zeros(1, 2))
    # the same exception raised again by a second, fresh call is prefixed afresh
    with pytest.raises(ShapeError, match=r"^Custom: reshape"):
        Custom()(numnet.zeros(1, 2))
