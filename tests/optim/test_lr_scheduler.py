"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lr (and momentum) sequences, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
import numnet.optim as optim
from numnet.optim import lr_scheduler as ours_sched
from tests.optim.helpers import make_data, numnet_params, numnet_step, torch_params, torch_step

LRS = [0.1, 0.03]  # two param groups with different rates


def _pair(opt_name: str = "SGD", opt_kwargs: dict | None = None, lrs=LRS):
    """A numnet and a torch optimizer over the same two param groups."""
    opt_kwargs = dict(momentum=0.9) if opt_kwargs is None and opt_name == "SGD" else (opt_kwargs or {})
    w = [numnet.zeros(3, requires_grad=True), numnet.zeros(2, requires_grad=True)]
    wt = [torch.zeros(3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    ours = getattr(optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(w, lrs)], **opt_kwargs)
    ref = getattr(torch.optim, opt_name)([{"params": [p], "lr": lr} for p, lr in zip(wt, lrs)], **opt_kwargs)
    return ours, ref


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


def _sequences(ours, ref, steps, metrics=None, momentum=False):
    """Step both schedulers ``steps`` times; return the lr (and momentum) sequences."""
    seq, seq_t = [ours.get_last_lr()], [ref.get_last_lr()]
    mom, mom_t = [_momenta(ours.optimizer)], [_momenta(ref.optimizer)]
    for i in range(steps):
        ours.optimizer.step()
        ref.optimizer.step()
        if metrics is None:
            ours.step()
            ref.step()
        else:
            ours.step(metrics[i])
            ref.step(metrics[i])
        seq.append(ours.get_last_lr())
        seq_t.append(ref.get_last_lr())
        mom.append(_momenta(ours.optimizer))
        mom_t.append(_momenta(ref.optimizer))
    assert [[g["lr"] for g in ours.optimizer.param_groups]] == [seq[-1]]
    return (seq, seq_t, mom, mom_t) if momentum else (seq, seq_t)


CASES = [
    ("StepLR", dict(step_size=7, gamma=0.3), 60),
    ("StepLR", dict(step_size=1), 30),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 40], gamma=0.5), 50),
    ("MultiStepLR", dict(milestones=[30, 3]), 40),
    ("ExponentialLR", dict(gamma=0.93), 60),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001), 65),  # past T_max: the cosine rises again
    ("CosineAnnealingLR", dict(T_max=25), 100),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.01), 30),
]


@pytest.mark.parametrize("name,kwargs,steps", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_epoch_schedulers_match_torch_exactly(name, kwargs, steps):
    opt, opt_t = _pair()
    seq, seq_t = _sequences(getattr(ours_sched, name)(opt, **kwargs),
                            getattr(torch.optim.lr_scheduler, name)(opt_t, **kwargs), steps)
    assert seq == seq_t
    assert len(set(map(tuple, seq))) > 1


ONE_CYCLE = [
    ("SGD", dict(max_lr=1.0, total_steps=50)),
    ("SGD", dict(max_lr=[0.5, 2.0], epochs=4, steps_per_epoch=11, anneal_strategy="linear")),
    ("SGD", dict(max_lr=0.8, total_steps=60, three_phase=True, pct_start=0.25, div_factor=10.0,
                 final_div_factor=100.0)),
    ("SGD", dict(max_lr=0.8, total_steps=40, base_momentum=[0.8, 0.7], max_momentum=0.99,
                 anneal_strategy="linear", three_phase=True)),
    ("SGD", dict(max_lr=0.3, total_steps=30, cycle_momentum=False)),
    ("Adam", dict(max_lr=0.01, total_steps=50)),
    ("AdamW", dict(max_lr=[0.01, 0.02], total_steps=45, base_momentum=0.6, max_momentum=0.9, pct_start=0.4)),
]


@pytest.mark.parametrize("opt_name,kwargs", ONE_CYCLE, ids=[f"{c[0]}-{c[1]}" for c in ONE_CYCLE])
def test_one_cycle_lr_and_momentum_match_torch(opt_name, kwargs):
    opt, opt_t = _pair(opt_name)
    ours = ours_sched.OneCycleLR(opt, **kwargs)
    ref = torch.optim.lr_scheduler.OneCycleLR(opt_t, **kwargs)
    steps = ref.total_steps - 1  # total_steps includes the value set by the constructor
    seq, seq_t, mom, mom_t = _sequences(ours, ref, steps, momentum=True)
    assert seq == seq_t
    assert mom == mom_t
    if kwargs.get("cycle_momentum", True):
        assert len(set(m[0] for m in mom)) > 2
    if opt_name != "SGD":
        assert all(isinstance(g["betas"], tuple) and g["betas"][1] == 0.999 for g in opt.param_groups)
    with pytest.raises(numnet.ArgumentError, match=r"OneCycleLR: Tried to step \d+ times"):
        ours.step()
        ours.step()


def test_one_cycle_drives_training_like_torch():
    """OneCycleLR changing SGD momentum and Adam beta1 every batch gives the same weights as torch."""
    data = make_data(np.float64)
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)), ("Adam", dict(lr=0.01))]:
        params, params_t = numnet_params(data), torch_params(data)
        opt, opt_t = getattr(optim, name)(params, **kwargs), getattr(torch.optim, name)(params_t, **kwargs)
        sched = ours_sched.OneCycleLR(opt, max_lr=kwargs["lr"] * 3, total_steps=20)
        sched_t = torch.optim.lr_scheduler.OneCycleLR(opt_t, max_lr=kwargs["lr"] * 3, total_steps=20)
        for _ in range(19):
            numnet_step(opt, params, data)
            torch_step(opt_t, params_t, data)
            sched.step()
            sched_t.step()
        diff = max(np.max(np.abs(p._data - q.detach().numpy())) for p, q in zip(params, params_t))
        assert diff <= 1e-10, f"{name}: {diff:.3g}"


def _metrics(n: int, seed: int = 0) -> list[float]:
    rng = np.random.default_rng(seed)
    base = np.concatenate([np.linspace(1.0, 0.5, n // 3), np.full(n - n // 3, 0.5)])
    return [float(v) for v in base + rng.normal(0, 0.01, n)]


PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.3, cooldown=3, min_lr=0.005),
    dict(patience=0, factor=0.5, min_lr=[0.01, 0.0], threshold=0.05, threshold_mode="abs"),
    dict(mode="max", patience=3, factor=0.5, threshold=0.01),
    dict(mode="max", patience=2, threshold_mode="abs", threshold=0.001, eps=1e-3),
]


@pytest.mark.parametrize("kwargs", PLATEAU, ids=[str(k) for k in PLATEAU])
def test_reduce_on_plateau_matches_torch(kwargs):
    opt, opt_t = _pair()
    metrics = _metrics(80) if kwargs.get("mode") != "max" else [-m for m in _metrics(80, seed=1)]
    ours = ours_sched.ReduceLROnPlateau(opt, **kwargs)
    ref = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, **kwargs)
    seq, seq_t = _sequences(ours, ref, 80, metrics=metrics)
    assert seq == seq_t
    assert len(set(map(tuple, seq))) > 1
    assert (ours.best, ours.num_bad_epochs, ours.cooldown_counter, ours.last_epoch) == (
        ref.best, ref.num_bad_epochs, ref.cooldown_counter, ref.last_epoch)


def test_reduce_on_plateau_accepts_a_tensor_metric():
    opt, _ = _pair()
    sched = ours_sched.ReduceLROnPlateau(opt, patience=0)
    sched.step(numnet.tensor(1.0))
    sched.step(numnet.tensor([2.0]))
    assert sched.get_last_lr() == [pytest.approx(0.01), pytest.approx(0.003)]


@pytest.mark.parametrize("name,kwargs", [("StepLR", dict(step_size=3, gamma=0.5)),
                                         ("MultiStepLR", dict(milestones=[2, 9])),
                                         ("ExponentialLR", dict(gamma=0.9)),
                                         ("CosineAnnealingLR", dict(T_max=8))])
def test_resume_with_last_epoch_matches_torch(name, kwargs):
    opt, opt_t = _pair()
    for group, group_t in zip(opt.param_groups, opt_t.param_groups):
        group["initial_lr"] = group_t["initial_lr"] = group["lr"] * 2
    ours = getattr(ours_sched, name)(opt, last_epoch=5, **kwargs)
    ref = getattr(torch.optim.lr_scheduler, name)(opt_t, last_epoch=5, **kwargs)
    seq, seq_t = _sequences(ours, ref, 15)
    assert seq == seq_t
    assert ours.last_epoch == ref.last_epoch == 21


def test_scheduler_sets_initial_lr_and_base_lrs():
    opt, _ = _pair()
    sched = ours_sched.ExponentialLR(opt, gamma=0.5)
    assert sched.base_lrs == LRS and [g["initial_lr"] for g in opt.param_groups] == LRS
    assert sched.last_epoch == 0 and sched.get_last_lr() == LRS


# ---------------------------------------------------------------------------- the other schedulers
class _Warmup:
    """A callable object: its ``__dict__`` goes into LambdaLR's state dict (as torch)."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def __call__(self, epoch: int) -> float:
        return min(1.0, (epoch + 1) / self.epochs)


# each case builds the scheduler from a module (ours or torch's) and the optimizer, so composites can be built too
MORE_CASES = [
    ("LambdaLR", lambda S, o: S.LambdaLR(o, lambda e: 0.95 ** e), 40),
    ("LambdaLR-list", lambda S, o: S.LambdaLR(o, [lambda e: 1 / (1 + e), _Warmup(7)]), 30),
    ("MultiplicativeLR", lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.1), 40),
    ("ConstantLR", lambda S, o: S.ConstantLR(o), 30),
    ("ConstantLR-0.7-12", lambda S, o: S.ConstantLR(o, factor=0.7, total_iters=12), 30),
    ("LinearLR", lambda S, o: S.LinearLR(o), 30),
    ("LinearLR-down", lambda S, o: S.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=20), 35),
    ("PolynomialLR", lambda S, o: S.PolynomialLR(o), 30),
    ("PolynomialLR-2", lambda S, o: S.PolynomialLR(o, total_iters=25, power=2.0), 35),
    ("PolynomialLR-0.5", lambda S, o: S.PolynomialLR(o, total_iters=30, power=0.5), 35),
    ("WarmRestarts", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=7), 40),
    ("WarmRestarts-mult", lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001), 60),
    ("Sequential", lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                   S.CosineAnnealingLR(o, T_max=20)], milestones=[5]), 40),
    ("Sequential-3", lambda S, o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=4),
                                                     S.ExponentialLR(o, gamma=0.9),
                                                     S.MultiStepLR(o, milestones=[3, 6], gamma=0.5)],
                                                 milestones=[6, 15]), 35),
    ("Sequential-step", lambda S, o: S.SequentialLR(o, [S.StepLR(o, step_size=2, gamma=0.5),
                                                        S.PolynomialLR(o, total_iters=10)], milestones=[9]), 30),
    ("Chained", lambda S, o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=2),
                                                 S.ExponentialLR(o, gamma=0.9)]), 30),
    ("Chained-opt", lambda S, o: S.ChainedScheduler([S.LinearLR(o, total_iters=8), S.StepLR(o, 5, 0.5),
                                                     S.CosineAnnealingLR(o, T_max=11)], optimizer=o), 40),
]


@pytest.mark.parametrize("name,build,steps", MORE_CASES, ids=[c[0] for c in MORE_CASES])
def test_more_schedulers_match_torch_exactly(name, build, steps):
    opt, opt_t = _pair()
    seq, seq_t = _sequences(build(ours_sched, opt), build(torch.optim.lr_scheduler, opt_t), steps)
    assert seq == seq_t
    assert len(set(map(tuple, seq))) > 1


def test_warm_restarts_fractional_epochs_match_torch():
    for T_mult in (1, 2):
        opt, opt_t = _pair()
        ours = ours_sched.CosineAnnealingWarmRestarts(opt, T_0=4, T_mult=T_mult, eta_min=0.002)
        ref = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt_t, T_0=4, T_mult=T_mult, eta_min=0.002)
        iters = 5
        for epoch in range(10):
            for i in range(iters):
                ours.step(epoch + i / iters)
                ref.step(epoch + i / iters)
                assert ours.get_last_lr() == ref.get_last_lr()
                assert (ours.T_cur, ours.T_i, ours.last_epoch) == (ref.T_cur, ref.T_i, ref.last_epoch)
        ours.step(3)  # jumping back
        ref.step(3)
        assert ours.get_last_lr() == ref.get_last_lr()


CYCLIC = [
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=5)),
    ("SGD", dict(base_lr=[0.01, 0.02], max_lr=[0.1, 0.3], step_size_up=4, step_size_down=7, mode="triangular2")),
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="exp_range", gamma=0.95, base_momentum=0.7,
                 max_momentum=[0.95, 0.9])),
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, scale_fn=lambda x: 1 / (1 + x),
                 scale_mode="iterations")),
    ("SGD", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, scale_fn=lambda c: 0.8 ** c)),
    ("SGD", dict(base_lr=0.01, max_lr=0.05, step_size_up=4, cycle_momentum=False)),
    ("Adam", dict(base_lr=0.001, max_lr=0.01, step_size_up=5, step_size_down=3)),
    ("AdamW", dict(base_lr=0.001, max_lr=0.01, step_size_up=4, mode="triangular2", base_momentum=0.85,
                   max_momentum=0.95)),
]


@pytest.mark.parametrize("opt_name,kwargs", CYCLIC, ids=[f"{c[0]}-{i}" for i, c in enumerate(CYCLIC)])
def test_cyclic_lr_and_momentum_match_torch(opt_name, kwargs):
    opt, opt_t = _pair(opt_name)
    seq, seq_t, mom, mom_t = _sequences(ours_sched.CyclicLR(opt, **kwargs),
                                        torch.optim.lr_scheduler.CyclicLR(opt_t, **kwargs), 40, momentum=True)
    assert seq == seq_t
    assert mom == mom_t
    assert len(set(map(tuple, seq))) > 3
    if kwargs.get("cycle_momentum", True):
        assert len(set(m[0] for m in mom)) > 3


def test_cyclic_drives_training_like_torch():
    """CyclicLR changing SGD momentum and Adam beta1 every batch gives the same weights as torch."""
    data = make_data(np.float64)
    for name, kwargs in [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))]:
        params, params_t = numnet_params(data), torch_params(data)
        opt, opt_t = getattr(optim, name)(params, **kwargs), getattr(torch.optim, name)(params_t, **kwargs)
        cyc = dict(base_lr=kwargs["lr"] / 5, max_lr=kwargs["lr"] * 2, step_size_up=4)
        sched, sched_t = ours_sched.CyclicLR(opt, **cyc), torch.optim.lr_scheduler.CyclicLR(opt_t, **cyc)
        for _ in range(20):
            numnet_step(opt, params, data)
            torch_step(opt_t, params_t, data)
            sched.step()
            sched_t.step()
        diff = max(np.max(np.abs(p._data - q.detach().numpy())) for p, q in zip(params, params_t))
        assert diff <= 1e-10, f"{name}: {diff:.3g}"


@pytest.mark.parametrize("name,kwargs", [("ConstantLR", dict(factor=0.5, total_iters=8)),
                                         ("LinearLR", dict(start_factor=0.2, total_iters=9)),
                                         ("PolynomialLR", dict(total_iters=12, power=1.5)),
                                         ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2))])
def test_more_resume_with_last_epoch_matches_torch(name, kwargs):
    opt, opt_t = _pair()
    for group, group_t in zip(opt.param_groups, opt_t.param_groups):
        group["initial_lr"] = group_t["initial_lr"] = group["lr"] * 2
    ours = getattr(ours_sched, name)(opt, last_epoch=5, **kwargs)
    ref = getattr(torch.optim.lr_scheduler, name)(opt_t, last_epoch=5, **kwargs)
    seq, seq_t = _sequences(ours, ref, 15)
    assert seq == seq_t
