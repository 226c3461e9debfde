"""SGD, Adam, AdamW and RMSprop against torch.optim: 20 steps of the same model from the same weights."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import numnet
import numnet.optim as optim
from tests.optim.helpers import (
    make_data,
    numnet_loss,
    numnet_params,
    numnet_step,
    run_numnet,
    run_torch,
    torch_loss,
    torch_params,
    torch_step,
)


def _sgd_configs():
    for momentum, dampening, nesterov, wd, maximize in itertools.product(
            [0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 0.01], [False, True]):
        if nesterov and (momentum == 0 or dampening != 0):
            continue
        yield dict(lr=0.05, momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=wd,
                   maximize=maximize)


def _adam_configs(wds):
    for wd, amsgrad, maximize in itertools.product(wds, [False, True], [False, True]):
        yield dict(lr=0.01, weight_decay=wd, amsgrad=amsgrad, maximize=maximize)
    yield dict(lr=0.02, betas=(0.7, 0.9), eps=1e-3)
    yield dict(lr=0.02, betas=(0.5, 0.6), eps=1e-6, amsgrad=True)  # beta1 = 0.5 takes lerp's other branch


def _rmsprop_configs():
    for momentum, centered, wd, maximize in itertools.product([0.0, 0.9], [False, True], [0.0, 0.01],
                                                              [False, True]):
        yield dict(lr=0.005, momentum=momentum, centered=centered, weight_decay=wd, maximize=maximize)
    yield dict(lr=0.01, alpha=0.9, eps=1e-4)
    yield dict(lr=0.01, alpha=0.3, centered=True)  # 1 - alpha >= 0.5: the other lerp branch


NEW_CONFIGS = [
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict(rho=0.95, weight_decay=0.01)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.01)),
    ("Adagrad", dict(maximize=True, eps=1e-6)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.3, 0.8), weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.02, eps=1e-3)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, momentum_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, maximize=True)),
    ("NAdam", dict(lr=0.02, betas=(0.4, 0.9), eps=1e-4)),
    ("RAdam", dict(lr=0.01)),  # rho_t <= 5 for all 20 steps: the un-rectified branch
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1)),  # the rectified branch from step 6
    ("RAdam", dict(lr=0.01, betas=(0.5, 0.8), weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=5, alpha=0.5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, lambd=0.1, t0=0, maximize=True)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
]

CONFIGS = ([("SGD", c) for c in _sgd_configs()]
           + [("Adam", c) for c in _adam_configs([0.0, 0.05])]
           + [("AdamW", c) for c in _adam_configs([0.0, 0.1])]
           + [("AdamW", dict(lr=0.01))]  # default weight_decay 1e-2
           + [("RMSprop", c) for c in _rmsprop_configs()]
           + NEW_CONFIGS)


def _ids(cfg):
    name, kw = cfg
    return name + "-" + ",".join(f"{k}={v}" for k, v in kw.items())


def _max_diff(ours, ref) -> float:
    return max(float(np.max(np.abs(p._data - q.detach().numpy()))) for p, q in zip(ours, ref))


@pytest.mark.parametrize("cfg", CONFIGS, ids=[_ids(c) for c in CONFIGS])
def test_matches_torch_float64(cfg):
    name, kwargs = cfg
    data = make_data(np.float64)
    ours, _ = run_numnet(name, kwargs, data)
    ref, _ = run_torch(name, kwargs, data)
    assert _max_diff(ours, ref) <= 1e-10, f"{name} {kwargs}: max abs diff {_max_diff(ours, ref):.3g}"
    # the parameters really moved
    assert np.max(np.abs(ours[0]._data - data["W1"])) > 1e-3


FLOAT32_CONFIGS = [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, maximize=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.01, betas=(0.3, 0.9), maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.005, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.005)),
    ("Adadelta", dict(weight_decay=0.01)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01)),
    ("Adamax", dict(lr=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9))),
    ("ASGD", dict(lr=0.05, t0=3)),
    ("Rprop", dict(lr=0.01)),
]


@pytest.mark.parametrize("cfg", FLOAT32_CONFIGS, ids=[_ids(c) for c in FLOAT32_CONFIGS])
def test_float32_stays_float32_and_matches(cfg):
    name, kwargs = cfg
    data = make_data(np.float32)
    ours, opt = run_numnet(name, kwargs, data)
    ref, _ = run_torch(name, kwargs, data)
    for p, q in zip(ours, ref):
        assert p.dtype == np.float32
        scale = max(1.0, float(np.max(np.abs(q.detach().numpy()))))
        assert np.max(np.abs(p._data - q.detach().numpy())) <= 1e-5 * scale
    for p in ours:
        for key, value in opt.state[p].items():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32, f"{name} state {key} is {value.dtype}"
            else:
                assert isinstance(value, float), f"{name} state {key} is {type(value)}"


GROUP_CONFIGS = [
    ("SGD", dict(lr=0.05, momentum=0.9), [((0, 1), dict(lr=0.2)), ((2,), dict(momentum=0.5, nesterov=True))]),
    ("Adam", dict(lr=0.01), [((0,), dict(lr=0.03, amsgrad=True)), ((1, 2), dict(betas=(0.8, 0.99)))]),
    ("AdamW", dict(lr=0.01), [((2, 0), dict(lr=0.002, weight_decay=0.3)), ((1,), {})]),
    ("RMSprop", dict(lr=0.005), [((0, 1), dict(lr=0.001, centered=True)), ((2,), dict(momentum=0.9))]),
]


@pytest.mark.parametrize("cfg", GROUP_CONFIGS, ids=[c[0] for c in GROUP_CONFIGS])
def test_param_groups_with_different_options(cfg):
    name, kwargs, groups = cfg
    data = make_data(np.float64)
    ours, opt = run_numnet(name, kwargs, data, groups=groups)
    ref, _ = run_torch(name, kwargs, data, groups=groups)
    assert _max_diff(ours, ref) <= 1e-10
    assert [g["lr"] for g in opt.param_groups] == [g[1].get("lr", kwargs["lr"]) for g in groups]


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_without_grad_is_skipped_like_torch(name):
    data = make_data(np.float64)
    kwargs = dict(lr=0.01, weight_decay=0.1) if name != "SGD" else dict(lr=0.01, momentum=0.9, weight_decay=0.1)
    ours, extra = numnet_params(data), numnet.tensor(np.ones(3), requires_grad=True)
    ref, extra_t = torch_params(data), torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = getattr(optim, name)(ours + [extra], **kwargs)
    opt_t = getattr(torch.optim, name)(ref + [extra_t], **kwargs)
    for _ in range(5):
        numnet_step(opt, ours, data)
        torch_step(opt_t, ref, data)
    assert _max_diff(ours, ref) <= 1e-10
    np.testing.assert_array_equal(extra._data, np.ones(3))
    assert extra not in opt.state or not opt.state[extra]


def test_add_param_group_mid_training_matches_torch():
    data = make_data(np.float64)
    ours, ref = numnet_params(data), torch_params(data)
    opt = optim.Adam(ours[:2], lr=0.01)
    opt_t = torch.optim.Adam(ref[:2], lr=0.01)
    for i in range(10):
        if i == 4:
            opt.add_param_group({"params": ours[2], "lr": 0.05, "amsgrad": True})
            opt_t.add_param_group({"params": ref[2], "lr": 0.05, "amsgrad": True})
        numnet_step(opt, ours, data)
        torch_step(opt_t, ref, data)
    assert _max_diff(ours, ref) <= 1e-10
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_closure_returns_loss_and_is_evaluated_with_grad():
    data = make_data(np.float64)
    params = numnet_params(data)
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = numnet_loss(params, data["x"], data["y"])
        loss.backward()
        return loss

    with numnet.no_grad():
        loss = opt.step(closure)
    ref = torch_params(data)
    expected = torch_loss(ref, data["x"], data["y"]).item()
    assert abs(loss.item() - expected) < 1e-12
    assert opt.step() is None


def test_zero_grad_set_to_none_and_to_zero():
    w = numnet.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and np.array_equal(w.grad._data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_updates_are_in_place():
    data = make_data(np.float64)
    params = numnet_params(data)
    arrays = [p._data for p in params]
    run_numnet("Adam", dict(lr=0.01, weight_decay=0.1), data, steps=3, params=params)
    assert all(p._data is a for p, a in zip(params, arrays))


def test_grad_is_not_modified():
    """maximize and weight decay must not write into p.grad (torch makes new tensors too)."""
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True)),
                         ("Adam", dict(lr=0.1, weight_decay=0.1, maximize=True)),
                         ("RMSprop", dict(lr=0.1, weight_decay=0.1, momentum=0.5, maximize=True))]:
        w = numnet.tensor([1.0, -2.0], dtype=np.float64, requires_grad=True)
        opt = getattr(optim, name)([w], **kwargs)
        w.grad = numnet.tensor(np.array([0.5, 0.25]))
        opt.step()
        opt.step()
        np.testing.assert_array_equal(w.grad._data, [0.5, 0.25])


def test_defaults_match_torch():
    w = numnet.zeros(2, requires_grad=True)
    wt = torch.zeros(2, requires_grad=True)
    for name in ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam", "ASGD",
                 "Rprop"]:
        ours = getattr(optim, name)([w]).param_groups[0]
        ref = getattr(torch.optim, name)([wt]).param_groups[0]
        assert set(ours) == set(ref), f"{name}: {set(ours) ^ set(ref)}"
        for key, value in ours.items():
            if key != "params":
                assert ref[key] == value, f"{name}.{key}: {value} != torch {ref[key]}"


def test_repr_lists_groups():
    w = numnet.zeros(2, requires_grad=True)
    text = repr(optim.SGD([w], lr=0.5, momentum=0.9))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.5\n" in text and "momentum: 0.9" in text


def test_asgd_average_matches_torch():
    """ASGD's running average ``ax`` (what a user evaluates with) agrees with torch's too."""
    data = make_data(np.float64)
    kwargs = dict(lr=0.05, lambd=0.01, t0=4)
    ours, opt = run_numnet("ASGD", kwargs, data)
    ref, opt_t = run_torch("ASGD", kwargs, data)
    for p, q in zip(ours, ref):
        ax, ax_t = opt.state[p]["ax"], opt_t.state[q]["ax"].numpy()
        assert np.max(np.abs(ax - ax_t)) <= 1e-10 and np.max(np.abs(ax - p._data)) > 1e-4
        assert opt.state[p]["eta"] == opt_t.state[q]["eta"].item()
        assert opt.state[p]["mu"] == opt_t.state[q]["mu"].item()


def test_nadam_mu_product_matches_torch():
    data = make_data(np.float64)
    _, opt = run_numnet("NAdam", dict(lr=0.01), data)
    ref, opt_t = run_torch("NAdam", dict(lr=0.01), data)
    assert opt.state_dict()["state"][0]["mu_product"] == opt_t.state[ref[0]]["mu_product"].item()


def test_adagrad_creates_state_at_construction_like_torch():
    w, wt = numnet.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    opt = optim.Adagrad([w], initial_accumulator_value=0.5)
    opt_t = torch.optim.Adagrad([wt], initial_accumulator_value=0.5)
    sd, sd_t = opt.state_dict(), opt_t.state_dict()
    assert sorted(sd["state"][0]) == sorted(sd_t["state"][0]) == ["step", "sum"]
    np.testing.assert_array_equal(sd["state"][0]["sum"], sd_t["state"][0]["sum"].numpy())
    assert sd["state"][0]["step"] == 0.0
    extra = numnet.zeros(2, requires_grad=True)  # a group added later gets its state at its first step
    opt.add_param_group({"params": [extra]})
    extra.grad = numnet.ones(2)
    opt.step()
    assert opt.state[extra]["step"] == 1.0


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "Adamax", "NAdam",
                                  "RAdam", "ASGD", "Rprop"])
def test_foreach_is_accepted_and_gives_the_same_steps(name):
    data = make_data(np.float64)
    plain, _ = run_numnet(name, dict(lr=0.01), data, steps=3)
    for foreach in (True, False, None):
        other, opt = run_numnet(name, dict(lr=0.01, foreach=foreach), data, steps=3)
        assert opt.param_groups[0]["foreach"] is foreach
        for p, q in zip(plain, other):
            np.testing.assert_array_equal(p._data, q._data)
