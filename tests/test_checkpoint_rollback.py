"""load_checkpoint, Trainer.load_checkpoint and Module.load_state_dict roll back: every failure (31 kinds of broken state, and a failure while applying) leaves the
model, optimizer, scheduler and RNG exactly as they were, and raises a numnet error (never a raw KeyError,
AttributeError or TypeError)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import numnet
from numnet import io, nn
from numnet.errors import NumnetError
from numnet.optim import Adam
from numnet.optim.lr_scheduler import StepLR
from numnet.train import Trainer


def make(seed):
    numnet.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    opt = Adam(model.parameters(), lr=0.01)
    sched = StepLR(opt, step_size=1, gamma=0.5)
    x = numnet.randn(8, 4)
    y = numnet.tensor(np.arange(8) % 3)
    for _ in range(seed + 1):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        sched.step()
    return model, opt, sched


def same(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, np.generic)) or isinstance(b, (np.ndarray, np.generic)):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


def snapshot(model, opt, sched):
    return ({k: np.array(v.numpy()) for k, v in model.state_dict().items()}, copy.deepcopy(opt.state_dict()),
            copy.deepcopy(sched.state_dict()), numnet.random.get_rng_state(),
            [({k: v for k, v in g.items() if k != "params"}, [id(p) for p in g["params"]]) for g in opt.param_groups])


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.safetensors"
    io.save_checkpoint(path, *make(1), epoch=2, step=4)
    return path


def rewrite(src, dst, meta_change=None, tensor_change=None):
    meta = io.load_metadata(src)
    tensors = {k: np.asarray(v.numpy()) for k, v in io.load(src).items()}
    if meta_change:
        meta_change(meta)
    if tensor_change:
        tensor_change(tensors)
    io.save(tensors, dst, metadata=meta)
    return dst


def edit_json(key, fn):
    def change(meta):
        value = json.loads(meta[key])
        value = fn(value)
        meta[key] = json.dumps(value)
    return change


def setitem(d, k, v):
    d[k] = v
    return d


CASES = {
    "optimizer state not a dict": dict(meta_change=lambda m: m.update(optimizer='"oops"')),
    "optimizer param_groups not a list": dict(meta_change=edit_json("optimizer", lambda o: setitem(o, "param_groups", 5))),
    "optimizer extra group": dict(meta_change=edit_json(
        "optimizer", lambda o: setitem(o, "param_groups", o["param_groups"] + [{"params": [], "lr": 0.1}]))),
    "optimizer params not ints": dict(meta_change=edit_json(
        "optimizer", lambda o: (o["param_groups"][0].update(params=["a", "b", "c", "d"]), o)[1])),
    "optimizer duplicate index": dict(meta_change=edit_json(
        "optimizer", lambda o: (o["param_groups"][0].update(params=[0, 0, 1, 2]), o)[1])),
    "optimizer state for unknown index": dict(meta_change=edit_json(
        "optimizer", lambda o: setitem(o, "state", {"__dict__": [[99, {"step": 1.0}]]}))),
    "optimizer state entry not a dict": dict(meta_change=edit_json(
        "optimizer", lambda o: setitem(o, "state", {"__dict__": [[0, 7]]}))),
    "optimizer missing keys": dict(meta_change=edit_json("optimizer", lambda o: {"state": {}})),
    "optimizer bad lr (fails while applying)": dict(meta_change=edit_json(
        "optimizer", lambda o: (o["param_groups"][0].update(lr="fast"), o)[1])),
    "optimizer unknown state name": dict(meta_change=edit_json(
        "optimizer", lambda o: (o["state"]["__dict__"][0][1].update(momentum_buffer=1.0), o)[1])),
    "optimizer buffer wrong shape": dict(tensor_change=lambda t: t.update(
        {k: np.zeros((7,), np.float32) for k in t if k.startswith("optimizer/state/0/exp_avg")})),
    "optimizer state missing": dict(meta_change=lambda m: m.pop("optimizer")),
    "scheduler not a dict": dict(meta_change=lambda m: m.update(scheduler="[1, 2]")),
    "scheduler unknown key": dict(meta_change=edit_json("scheduler", lambda s: setitem(s, "T_max", 3))),
    "scheduler wrong kind": dict(meta_change=edit_json("scheduler", lambda s: setitem(s, "last_epoch", "ten"))),
    "scheduler wrong list kind": dict(meta_change=edit_json("scheduler", lambda s: setitem(s, "base_lrs", ["a"]))),
    "scheduler state missing": dict(meta_change=lambda m: m.pop("scheduler")),
    "rng not a dict": dict(meta_change=lambda m: m.update(rng="5")),
    "rng other bit generator": dict(meta_change=edit_json("rng", lambda r: setitem(r, "bit_generator", "MT19937"))),
    "rng bad state": dict(meta_change=edit_json("rng", lambda r: setitem(r, "state", {"state": "x", "inc": 1}))),
    "rng missing state": dict(meta_change=edit_json("rng", lambda r: {"bit_generator": "PCG64"})),
    "negative epoch": dict(meta_change=lambda m: m.update(epoch="-1")),
    "fractional epoch": dict(meta_change=lambda m: m.update(epoch="1.5")),
    "text step": dict(meta_change=lambda m: m.update(step="many")),
    "model wrong shape": dict(tensor_change=lambda t: t.update({"model/0.weight": np.zeros((5, 9), np.float32)})),
    "model missing key": dict(tensor_change=lambda t: t.pop("model/2.bias")),
    "model unexpected key": dict(tensor_change=lambda t: t.update({"model/9.weight": np.zeros(2, np.float32)})),
    "model complex dtype": dict(tensor_change=lambda t: t.update(
        {"model/2.bias": np.zeros(3, np.complex64)})),
    "bad skeleton": dict(meta_change=lambda m: m.update(optimizer='{"__dict__": 5}')),
    "skeleton names missing tensor": dict(meta_change=lambda m: m.update(optimizer='{"__tensor__": "nope"}')),
    "not a checkpoint": dict(meta_change=lambda m: m.update(format="numnet.model")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_failed_load_checkpoint_changes_nothing(tmp_path, good, case):
    bad = rewrite(good, tmp_path / "bad.safetensors", **CASES[case])
    model, opt, sched = make(0)
    numnet.random.manual_seed(123)
    before = snapshot(model, opt, sched)
    with pytest.raises(NumnetError):
        io.load_checkpoint(bad, model, opt, sched)
    assert same(snapshot(model, opt, sched), before), case


def test_good_checkpoint_loads(good):
    model, opt, sched = make(0)
    info = io.load_checkpoint(good, model, opt, sched)
    ref = make(1)
    assert info["epoch"] == 2 and info["step"] == 4
    assert same(snapshot(model, opt, sched)[:3], snapshot(*ref)[:3])


def test_failure_while_applying_rolls_everything_back(good, monkeypatch):
    model, opt, sched = make(0)

    def boom(state):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sched, "load_state_dict", boom)  # model and optimizer are already loaded by then
    before = snapshot(model, opt, sched)
    with pytest.raises(NumnetError, match="disk on fire.*unchanged"):
        io.load_checkpoint(good, model, opt, sched)
    assert same(snapshot(model, opt, sched), before)


def test_trainer_load_checkpoint_is_all_or_nothing(tmp_path, good):
    bad = rewrite(good, tmp_path / "bad.safetensors",
                  meta_change=lambda m: m.update(extra=json.dumps({"history": {"epoch": ["x"], "history": 3}})))
    model, opt, sched = make(0)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, scheduler=sched)
    trainer.global_step = 7
    before = snapshot(model, opt, sched)
    with pytest.raises(NumnetError, match="history"):
        trainer.load_checkpoint(bad)
    assert same(snapshot(model, opt, sched), before) and trainer.global_step == 7
    bad = rewrite(good, tmp_path / "bad2.safetensors", meta_change=lambda m: m.update(rng="[]"))
    with pytest.raises(NumnetError, match="RNG"):
        trainer.load_checkpoint(bad)
    assert same(snapshot(model, opt, sched), before) and trainer.global_step == 7


def test_module_load_state_dict_is_all_or_nothing():
    model, _, _ = make(0)
    before = {k: np.array(v.numpy()) for k, v in model.state_dict().items()}
    sd = {k: np.array(v.numpy()) + 1 for k, v in model.state_dict().items()}
    for broken in ({**sd, "2.bias": [[1, 2], [3]]}, {**sd, "2.bias": np.zeros(4)}, {**sd, "2.bias": "abc"},
                   {k: v for k, v in sd.items() if k != "0.weight"}, {**sd, "extra": np.zeros(1)},
                   {**sd, "2.bias": np.zeros(3, np.complex64)}, [1, 2]):
        with pytest.raises(NumnetError):
            model.load_state_dict(broken)
        for k, v in model.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), before[k])
    model.load_state_dict(sd)
    np.testing.assert_array_equal(model.state_dict()["0.weight"].numpy(), sd["0.weight"])
