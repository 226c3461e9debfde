"""Checkpoints: state_dict layout like torch's, only plain values, and 10 + load + 10 steps == 20 steps, bit for bit."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import numnet
import numnet.optim as optim
from numnet.optim import lr_scheduler as sched_mod
from tests.optim.helpers import group_spec, make_data, numnet_params, numnet_step, run_numnet, run_torch


def _serialise(sd: dict) -> dict:
    """What a checkpoint writer does: arrays aside (as safetensors would), everything else through JSON."""
    arrays = {}

    def strip(value, path):
        if isinstance(value, np.ndarray):
            arrays[path] = value
            return {"__array__": path}
        if isinstance(value, dict):
            return {k: strip(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v, f"{path}.{i}") for i, v in enumerate(value)]
        assert value is None or isinstance(value, (bool, int, float, str)), f"{path}: {type(value)} is not plain"
        return value

    def restore(value):
        if isinstance(value, dict):
            if "__array__" in value:
                return arrays[value["__array__"]].copy()
            return {k: restore(v) for k, v in value.items()}
        if isinstance(value, list):
            return [restore(v) for v in value]
        return value

    return restore(json.loads(json.dumps(strip(sd, "sd"))))


OPTIMIZERS = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01), None),
    ("SGD", dict(lr=0.05), None),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05), [((0, 1), dict(lr=0.02)), ((2,), {})]),
    ("AdamW", dict(lr=0.01, maximize=True), None),
    ("RMSprop", dict(lr=0.005, momentum=0.9, centered=True), [((2,), dict(lr=0.001)), ((0, 1), {})]),
    ("Adadelta", dict(lr=0.5, weight_decay=0.01), None),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, initial_accumulator_value=0.1), [((0,), dict(lr=0.1)), ((1, 2), {})]),
    ("Adamax", dict(lr=0.01, maximize=True), None),
    ("NAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1), [((1,), {}), ((0, 2), dict(lr=0.02))]),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9)), None),
    ("ASGD", dict(lr=0.05, t0=4), None),
    ("Rprop", dict(lr=0.02, etas=(0.4, 1.3)), None),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,kwargs,groups", OPTIMIZERS, ids=[f"{c[0]}-{c[1]}" for c in OPTIMIZERS])
def test_optimizer_round_trip_is_bit_identical(name, kwargs, groups, dtype):
    data = make_data(dtype)
    straight, _ = run_numnet(name, kwargs, data, steps=20, groups=groups)

    first, opt = run_numnet(name, kwargs, data, steps=10, groups=groups)
    sd = _serialise(opt.state_dict())
    resumed = numnet_params({k: p._data for k, p in zip(["W1", "b1", "W2"], first)})
    fresh = getattr(optim, name)(group_spec(resumed, groups), **kwargs)
    fresh.load_state_dict(sd)
    for _ in range(10):
        numnet_step(fresh, resumed, data)
    for a, b in zip(straight, resumed):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a._data, b._data)
    for p in resumed:
        assert all(v.dtype == dtype for v in fresh.state[p].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("name,kwargs,groups", OPTIMIZERS, ids=[f"{c[0]}-{c[1]}" for c in OPTIMIZERS])
def test_state_dict_layout_matches_torch(name, kwargs, groups):
    data = make_data(np.float64)
    _, opt = run_numnet(name, kwargs, data, steps=3, groups=groups)
    _, opt_t = run_torch(name, kwargs, data, steps=3, groups=groups)
    sd, sd_t = opt.state_dict(), opt_t.state_dict()
    assert list(sd) == ["state", "param_groups"]
    assert sorted(sd["state"]) == sorted(sd_t["state"])
    for idx, entry in sd["state"].items():
        entry_t = sd_t["state"][idx]
        assert sorted(entry) == sorted(entry_t)
        for key, value in entry.items():
            if key == "step":
                assert isinstance(value, float) and value == entry_t[key].item() == 3.0
            elif entry_t[key].ndim == 0:  # ASGD's eta and mu, NAdam's mu_product: floats, as torch's scalars
                assert isinstance(value, float) and value == entry_t[key].item(), key
            else:
                assert isinstance(value, np.ndarray)
                np.testing.assert_allclose(value, entry_t[key].numpy(), rtol=0, atol=1e-12)
    assert len(sd["param_groups"]) == len(sd_t["param_groups"])
    for group, group_t in zip(sd["param_groups"], sd_t["param_groups"]):
        assert group["params"] == group_t["params"]
        for key, value in group.items():
            if key != "params":
                expected = group_t[key]
                assert value == (list(expected) if isinstance(expected, tuple) else expected), key


def test_state_dict_holds_copies_and_load_copies():
    data = make_data(np.float64)
    params, opt = run_numnet("Adam", dict(lr=0.01), data, steps=2)
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].copy()
    numnet_step(opt, params, data)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], saved)  # stepping did not change the checkpoint
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][...] = 123.0
    np.testing.assert_array_equal(opt.state[params[0]]["exp_avg"], saved)  # editing it did not change the optimizer


def test_load_casts_state_to_the_parameter_dtype():
    data64, data32 = make_data(np.float64), make_data(np.float32)
    _, opt64 = run_numnet("RMSprop", dict(lr=0.01, momentum=0.5), data64, steps=2)
    params32 = numnet_params(data32)
    opt32 = optim.RMSprop(params32, lr=0.01, momentum=0.5)
    opt32.load_state_dict(opt64.state_dict())
    assert all(v.dtype == np.float32 for v in opt32.state[params32[0]].values() if isinstance(v, np.ndarray))
    assert opt32.state[params32[0]]["step"] == 2.0


SCHEDULERS = [
    ("SGD", "StepLR", dict(step_size=4, gamma=0.5)),
    ("SGD", "MultiStepLR", dict(milestones=[3, 12, 12, 15], gamma=0.5)),
    ("SGD", "ExponentialLR", dict(gamma=0.9)),
    ("SGD", "CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("SGD", "OneCycleLR", dict(max_lr=0.5, total_steps=25, three_phase=True)),
    ("Adam", "OneCycleLR", dict(max_lr=[0.05, 0.02], total_steps=21, anneal_strategy="linear")),
    ("SGD", "ReduceLROnPlateau", dict(patience=1, factor=0.5, cooldown=2)),
]


def _make(opt_name, sched_name, kwargs, params):
    spec = [{"params": params[:2], "lr": 0.1}, {"params": params[2:], "lr": 0.05}]
    opt = getattr(optim, opt_name)(spec, **({"momentum": 0.9} if opt_name == "SGD" else {}))
    return opt, getattr(sched_mod, sched_name)(opt, **kwargs)


@pytest.mark.parametrize("opt_name,sched_name,kwargs", SCHEDULERS, ids=[f"{c[1]}-{c[2]}" for c in SCHEDULERS])
def test_scheduler_round_trip_is_bit_identical(opt_name, sched_name, kwargs):
    data = make_data(np.float64)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.8, 0.85, 0.85, 0.85, 0.85] * 2

    def run(opt, sched, params, steps, start):
        lrs = []
        for i in range(start, start + steps):
            numnet_step(opt, params, data)
            sched.step(metrics[i]) if sched_name == "ReduceLROnPlateau" else sched.step()
            lrs.append((sched.get_last_lr(), [dict((k, v) for k, v in g.items() if k != "params")
                                              for g in opt.param_groups]))
        return lrs

    params = numnet_params(data)
    opt, sched = _make(opt_name, sched_name, kwargs, params)
    straight = run(opt, sched, params, 20, 0)

    params = numnet_params(data)
    opt, sched = _make(opt_name, sched_name, kwargs, params)
    first = run(opt, sched, params, 10, 0)
    opt_sd, sched_sd = _serialise(opt.state_dict()), _serialise(sched.state_dict())
    params2 = numnet_params({k: p._data for k, p in zip(["W1", "b1", "W2"], params)})
    opt2, sched2 = _make(opt_name, sched_name, kwargs, params2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    assert sched2.get_last_lr() == sched.get_last_lr() and sched2.last_epoch == sched.last_epoch
    second = run(opt2, sched2, params2, 10, 10)
    assert first + second == straight
    for a, b in zip(params, params2):
        assert a is not b
    final = numnet_params(data)
    opt3, sched3 = _make(opt_name, sched_name, kwargs, final)
    run(opt3, sched3, final, 20, 0)
    for a, b in zip(final, params2):
        np.testing.assert_array_equal(a._data, b._data)


def test_scheduler_state_dict_is_plain_and_has_torchs_keys():
    opt = optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    for name, kwargs in [("MultiStepLR", dict(milestones=[2, 2, 5])), ("OneCycleLR", dict(max_lr=1.0,
                                                                                          total_steps=9)),
                         ("ReduceLROnPlateau", {})]:
        sd = getattr(sched_mod, name)(opt, **kwargs).state_dict()
        sd_t = getattr(torch.optim.lr_scheduler, name)(opt_t, **kwargs).state_dict()
        json.dumps(sd)
        assert set(sd) <= set(sd_t), set(sd) - set(sd_t)
        assert {k for k in sd_t if not k.startswith("_")} <= set(sd) | {"anneal_func"}
        if name == "MultiStepLR":
            assert sd["milestones"] == [2, 2, 5]


class _Scale:
    """A callable object, whose ``__dict__`` a checkpoint keeps (LambdaLR, CyclicLR's scale_fn), as torch."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, x: float) -> float:
        return self.rate ** x


MORE_SCHEDULERS = [
    ("SGD", lambda S, o: S.LambdaLR(o, [lambda e: 0.9 ** e, _Scale(0.8)])),
    ("SGD", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.95)),
    ("SGD", lambda S, o: S.ConstantLR(o, factor=0.5, total_iters=12)),
    ("SGD", lambda S, o: S.LinearLR(o, start_factor=0.2, total_iters=14)),
    ("SGD", lambda S, o: S.PolynomialLR(o, total_iters=15, power=2.0)),
    ("SGD", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2)),
    ("SGD", lambda S, o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.9)),
    ("Adam", lambda S, o: S.CyclicLR(o, base_lr=0.001, max_lr=0.01, step_size_up=4, scale_fn=_Scale(0.9))),
    ("SGD", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, total_iters=4), S.CosineAnnealingLR(o, T_max=9)],
                                        milestones=[6])),
    ("SGD", lambda S, o: S.ChainedScheduler([S.ConstantLR(o, total_iters=12), S.ExponentialLR(o, gamma=0.9)])),
]


@pytest.mark.parametrize("opt_name,build", MORE_SCHEDULERS, ids=[str(i) for i in range(len(MORE_SCHEDULERS))])
def test_more_scheduler_round_trips_are_bit_identical(opt_name, build):
    data = make_data(np.float64)

    def make(params):
        spec = [{"params": params[:2], "lr": 0.1}, {"params": params[2:], "lr": 0.05}]
        opt = getattr(optim, opt_name)(spec, **({"momentum": 0.9} if opt_name == "SGD" else {}))
        return opt, build(sched_mod, opt)

    def run(opt, sched, params, steps):
        out = []
        for _ in range(steps):
            numnet_step(opt, params, data)
            sched.step()
            out.append((sched.get_last_lr(), [{k: v for k, v in g.items() if k != "params"}
                                              for g in opt.param_groups]))
        return out

    params = numnet_params(data)
    straight = run(*make(params), params, 20)
    params = numnet_params(data)
    opt, sched = make(params)
    first = run(opt, sched, params, 10)
    opt_sd, sched_sd = _serialise(opt.state_dict()), _serialise(sched.state_dict())
    params2 = numnet_params({k: p._data for k, p in zip(["W1", "b1", "W2"], params)})
    opt2, sched2 = make(params2)
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sched_sd)
    assert first + run(opt2, sched2, params2, 10) == straight


def test_more_scheduler_state_dicts_have_torchs_keys():
    opt = optim.SGD([numnet.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    scale = _Scale(0.5)
    for build in [lambda S, o: S.LambdaLR(o, [scale]), lambda S, o: S.LinearLR(o),
                  lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3),
                  lambda S, o: S.CyclicLR(o, 0.01, 0.1, scale_fn=scale),
                  lambda S, o: S.SequentialLR(o, [S.ConstantLR(o), S.PolynomialLR(o)], milestones=[3])]:
        sd, sd_t = build(sched_mod, opt).state_dict(), build(torch.optim.lr_scheduler, opt_t).state_dict()
        json.dumps(sd)
        assert set(sd) <= set(sd_t), set(sd) - set(sd_t)
        assert {k for k in sd_t if not k.startswith("_")} <= set(sd)
        if "lr_lambdas" in sd:
            assert sd["lr_lambdas"] == sd_t["lr_lambdas"] == [{"rate": 0.5}]
        if "_scale_fn_custom" in sd:
            assert sd["_scale_fn_custom"] == sd_t["_scale_fn_custom"] == {"rate": 0.5}
        if "_schedulers" in sd:
            assert [set(s) <= set(t) for s, t in zip(sd["_schedulers"], sd_t["_schedulers"])] == [True, True]


def test_lambda_state_restores_a_callable_objects_attributes():
    opt = optim.SGD([numnet.zeros(2, requires_grad=True)], lr=1.0)
    scale = _Scale(0.5)
    sched = sched_mod.LambdaLR(opt, scale)
    sd = sched.state_dict()
    sd["lr_lambdas"][0]["rate"] = 0.25
    sched.load_state_dict(sd)
    assert scale.rate == 0.25 and sched.lr_lambdas[0] is scale
