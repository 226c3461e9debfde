"""load_checkpoint is all-or-nothing: on any refused checkpoint the model, optimizer, scheduler and RNG are unchanged."""

import copy
import json

import numpy as np
import pytest

import numnet
from numnet import io, nn, optim
from numnet import random as nrandom
from numnet.errors import NumnetError


def _setup(seed=0):
    numnet.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    x = numnet.randn(5, 4)
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
        sched.step()
    return model, opt, sched


def _snapshot(model, opt, sched):
    return ({k: np.array(v).copy() for k, v in model.state_dict().items()},
            copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict()), nrandom.get_rng_state())


def _same(a, b):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif hasattr(a, "shape") or hasattr(b, "shape"):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    else:
        assert a == b


def _edit(path, key, fn):
    meta = io.load_metadata(path)
    tensors = {k: v for k, v in io.safetensors_format._load_arrays(path).items()}
    if key in meta:
        value = fn(json.loads(meta[key]))
        meta[key] = value if isinstance(value, str) else json.dumps(value)
    io.safetensors_format._write(path, tensors, meta)


@pytest.fixture
def ckpt(tmp_path):
    model, opt, sched = _setup(1)
    path = tmp_path / "ckpt.safetensors"
    io.save_checkpoint(path, model, opt, sched, epoch=3, step=7)
    return path


def _bad_cases():
    def opt_groups(o):
        o["param_groups"] = o["param_groups"] * 2 if isinstance(o, dict) and "param_groups" in o else 5
        return o

    def opt_garbage(o):
        return {"state": 3, "param_groups": "x"}

    def sched_garbage(s):
        return [1, 2, 3]

    def sched_bad_value(s):
        if isinstance(s, dict):
            s = dict(s)
            for k in list(s):
                s[k] = {"__tuple__": "nope"} if k == "last_epoch" else s[k]
        return s

    def rng_garbage(r):
        return {"bit_generator": "PCG64", "state": {"state": "x", "inc": None}}

    def rng_wrong_kind(r):
        return [1, 2]

    def epoch(meta_value):
        return "-1"

    return [("optimizer", opt_groups), ("optimizer", opt_garbage), ("scheduler", sched_garbage),
            ("scheduler", sched_bad_value), ("rng", rng_garbage), ("rng", rng_wrong_kind)]


@pytest.mark.parametrize("key,fn", _bad_cases(), ids=lambda x: getattr(x, "__name__", x))
def test_bad_part_changes_nothing(ckpt, key, fn):
    _edit(ckpt, key, fn)
    model, opt, sched = _setup(2)
    before = _snapshot(model, opt, sched)
    with pytest.raises(NumnetError) as info:
        io.load_checkpoint(ckpt, model, opt, sched)
    assert str(ckpt) in str(info.value)
    _same(_snapshot(model, opt, sched), before)


@pytest.mark.parametrize("value", ["-1", "1.5", "true", "x", ""])
def test_bad_epoch_or_step_changes_nothing(ckpt, value):
    for key in ("epoch", "step"):
        meta = io.load_metadata(ckpt)
        meta[key] = value
        io.safetensors_format._write(ckpt, io.safetensors_format._load_arrays(ckpt), meta)
        model, opt, sched = _setup(2)
        before = _snapshot(model, opt, sched)
        with pytest.raises(NumnetError, match="non-negative integer"):
            io.load_checkpoint(ckpt, model, opt, sched)
        _same(_snapshot(model, opt, sched), before)
        meta[key] = "3"
        io.safetensors_format._write(ckpt, io.safetensors_format._load_arrays(ckpt), meta)


def test_wrong_model_shapes_or_missing_keys_change_nothing(tmp_path, ckpt):
    for other in (nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)), nn.Sequential(nn.Linear(4, 3))):
        opt = optim.Adam(other.parameters(), lr=0.01)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2)
        before = _snapshot(other, opt, sched)
        with pytest.raises(NumnetError):
            io.load_checkpoint(ckpt, other, opt, sched)
        _same(_snapshot(other, opt, sched), before)


def test_good_checkpoint_still_restores_everything(ckpt):
    src, _, _ = _setup(1)
    model, opt, sched = _setup(2)
    info = io.load_checkpoint(ckpt, model, opt, sched)
    assert info["epoch"] == 3 and info["step"] == 7
    for k, v in src.state_dict().items():
        np.testing.assert_array_equal(np.asarray(model.state_dict()[k]), np.asarray(v))
