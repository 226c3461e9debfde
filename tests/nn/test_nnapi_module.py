"""Module API and containers side by side with torch.nn: to/cpu/half, hooks, state_dict, ModuleDict,
ParameterList, ParameterDict, Sequential and ModuleList operations."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DeviceError, DTypeError, ShapeError


def _both(build):
    return build(nn, numnet), build(torch.nn, torch)


def test_to_forms_cast_in_place_and_keep_the_optimizer_working():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    params = list(net.parameters())
    opt = numnet.optim.SGD(net.parameters(), lr=0.1)
    assert net.to("cpu") is net and net.cpu() is net and net.to(numnet.device("cpu")) is net
    assert net.to("cpu", numnet.double) is net and net[0].weight.dtype == np.float64
    net.to(numnet.zeros(1))  # to(tensor): its dtype
    assert net[0].weight.dtype == np.float32
    net.to(device="cpu", dtype=np.float64, non_blocking=True)
    assert net[1].running_var.dtype == np.float64 and net[1].num_batches_tracked.dtype == np.int64
    assert net.half() is net and net[0].bias.dtype == np.float16
    net.float()
    assert all(a is b for a, b in zip(net.parameters(), params))
    net(numnet.ones(4, 2)).sum().backward()
    opt.step()  # the optimizer still holds the (same) parameters
    assert all(p.dtype == np.float32 for p in net.parameters())
    for bad in ("cuda", "cuda:0", 0, numnet.device("cpu", 0) if False else "mps"):
        with pytest.raises(DeviceError, match="CPU only"):
            net.to(bad)
    with pytest.raises(DeviceError):
        net.cuda()
    with pytest.raises(DTypeError, match="floating-point"):
        net.to(torch.int64 if False else np.int64)
    with pytest.raises(DTypeError, match="keyword"):
        net.to(devic="cpu")


def test_state_dict_order_buffers_and_persistence_match_torch():
    def build(lib, _):
        class M(lib.Module):
            def __init__(self):
                super().__init__()
                self.lin = lib.Linear(2, 2)
                self.register_buffer("kept", _.zeros(2))
                self.register_buffer("scratch", _.zeros(2), persistent=False)
                self.inner = lib.Sequential(lib.BatchNorm1d(2), lib.Linear(2, 1))
                self.shared = self.lin
        return M()

    ours, ref = _both(build)
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in ref.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in ref.named_modules(remove_duplicate=False)]
    assert [n for n, _ in ours.named_modules(prefix="m")] == [n for n, _ in ref.named_modules(prefix="m")]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in ref.named_children()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert repr(ours) == repr(ref)
    assert ours.train(False) is ours and ours.eval() is ours and not ours.inner[0].training


def test_load_state_dict_strict_and_non_strict_like_torch():
    ours, ref = _both(lambda lib, _: lib.Sequential(lib.Linear(2, 2), lib.Linear(2, 1)))
    sd = {k: v for k, v in ours.state_dict().items() if k != "1.bias"}
    sd["extra"] = numnet.zeros(1)
    tsd = {k: torch.tensor(np.array(v._data)) for k, v in sd.items()}
    res, tres = ours.load_state_dict(sd, strict=False), ref.load_state_dict(tsd, strict=False)
    assert tuple(res) == (tres.missing_keys, tres.unexpected_keys)
    assert res.missing_keys == ["1.bias"] and res.unexpected_keys == ["extra"]
    with pytest.raises(ArgumentError, match="missing keys: '1.bias'"):
        ours.load_state_dict(sd)
    sd["0.weight"] = numnet.zeros(3, 3)
    with pytest.raises(ShapeError, match="0.weight"):
        ours.load_state_dict(sd, strict=False)


def test_hooks_handles_and_zero_grad():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, inp: calls.append("pre"))
    h2 = lin.register_forward_hook(lambda m, inp, out: calls.append("post"))
    lin(numnet.ones(1, 2)).sum().backward()
    assert calls == ["pre", "post"]
    h1.remove()
    h2.remove()
    lin(numnet.ones(1, 2))
    assert calls == ["pre", "post"]
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad._data == 0)
    lin.zero_grad()
    assert lin.weight.grad is None
    assert lin.requires_grad_(False) is lin and not lin.weight.requires_grad


def test_module_dict_like_torch():
    ours, ref = _both(lambda lib, _: lib.ModuleDict({"z": lib.Linear(1, 1), "a": lib.ReLU()}))
    assert list(ours) == list(ref) and list(ours.keys()) == ["z", "a"]
    assert list(ours.state_dict()) == list(ref.state_dict()) and repr(ours) == repr(ref)
    for d, lib in ((ours, nn), (ref, torch.nn)):
        d["b"] = lib.Tanh()
        d.update([("c", lib.Identity())])
        assert type(d.pop("a")).__name__ == "ReLU"
        assert "a" not in d and len(d) == 3
    assert list(ours.items().__iter__().__next__()[0]) == ["z"] and list(ours) == list(ref)
    with pytest.raises(DTypeError):
        ours["x"] = 3
    with pytest.raises(ArgumentError, match="length 3"):
        ours.update([("a", nn.ReLU(), 1)])
    with pytest.raises(ArgumentError, match="already exists"):
        ours["update"] = nn.ReLU()
    ours.clear()
    assert len(ours) == 0


def test_parameter_list_like_torch():
    ours, ref = _both(lambda lib, t: lib.ParameterList([lib.Parameter(t.zeros(2, 3)), t.ones(3)]))
    assert [type(p).__name__ for p in ours] == [type(p).__name__ for p in ref] == ["Parameter", "Parameter"]
    assert list(ours.state_dict()) == list(ref.state_dict())
    for pl, t in ((ours, numnet), (ref, torch)):
        pl.append(t.zeros(1))
        pl.extend([t.zeros(4)])
        pl += [t.zeros(5)]
        pl[0] = t.ones(2)
    assert [tuple(p.shape) for p in ours] == [tuple(p.shape) for p in ref]
    assert len(ours[1:4]) == 3 and isinstance(ours[1:4], nn.ParameterList)
    assert repr(ours) == repr(ref).replace("torch.", "")
    assert len(list(ours.parameters())) == 5
    with pytest.raises(IndexError):
        ours[5]
    with pytest.raises(DTypeError):
        ours.extend(numnet.zeros(2))
    with pytest.raises(ArgumentError, match="should not be called"):
        ours(1)


def test_parameter_dict_like_torch():
    ours, ref = _both(lambda lib, t: lib.ParameterDict({"right": t.ones(2), "left": lib.Parameter(t.zeros(2))}))
    assert list(ours) == list(ref) == ["left", "right"]  # a plain dict is taken in sorted order
    od = OrderedDict([("z", numnet.ones(1)), ("a", numnet.ones(1))])
    assert list(nn.ParameterDict(od)) == ["z", "a"]
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert all(isinstance(v, nn.Parameter) for v in ours.values())
    assert ours.get("nope") is None and "left" in ours
    k, v = ours.popitem()
    tk, _ = ref.popitem()
    assert k == tk and isinstance(v, nn.Parameter) and list(ours) == list(ref)
    merged = ours | nn.ParameterDict({"m": numnet.zeros(1)})
    assert list(merged) == ["left", "m"] and list(ours) == ["left"]
    assert ours.setdefault("s", numnet.zeros(3)).shape == (3,)
    with pytest.raises(DTypeError, match="string"):
        ours[1] = numnet.zeros(1)
    with pytest.raises(KeyError):
        ours["nope"]
    # torch names the tensor type here ("torch.FloatTensor"); numnet gives NumPy's dtype name, as ParameterList does
    assert repr(nn.ParameterDict({"a": numnet.zeros(2, 3)})) == \
        repr(torch.nn.ParameterDict({"a": torch.zeros(2, 3)})).replace("torch.FloatTensor", "float32")


def test_sequential_and_module_list_operations_like_torch():
    ours, ref = _both(lambda lib, _: lib.Sequential(lib.Linear(2, 2), lib.ReLU(), lib.Tanh()))
    for s in (ours, ref):
        assert len(s[1:]) == 2 and list(s[1:]._modules) == ["1", "2"]
        s.append(type(s[1])())
        s.insert(1, type(s[2])())
        s.pop(0)
    assert list(ours._modules) == list(ref._modules) and repr(ours) == repr(ref)
    assert len(ours * 2) == len(ref * 2) and (ours * 2)[0] is (ours * 2)[len(ours)]
    assert len(ours + ours) == 2 * len(ours)
    with pytest.raises(ArgumentError):
        ours + nn.ReLU()
    seq = nn.Sequential(OrderedDict([("conv", nn.Linear(1, 1)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["conv.weight", "conv.bias"] and seq[-1] is seq.act

    ours, ref = _both(lambda lib, _: lib.ModuleList([lib.Linear(2, 2) for _ in range(3)] + [lib.ReLU()]))
    assert repr(ours) == repr(ref)
    for ml, lib in ((ours, nn), (ref, torch.nn)):
        ml.insert(0, lib.Tanh())
        assert type(ml.pop(1)).__name__ == "Linear"
        ml.extend([lib.ReLU()])
        del ml[0]
    assert list(ours._modules) == list(ref._modules) and repr(ours) == repr(ref)
    assert isinstance(ours[:2], nn.ModuleList) and len(ours + ours) == 2 * len(ours)
