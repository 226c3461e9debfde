"""Bad input to optimizers and schedulers raises numnet's errors with messages that say what was wrong."""

from __future__ import annotations

import numpy as np
import pytest

import numnet
import numnet.optim as optim
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.optim import lr_scheduler as sched


def _w(*shape, dtype=np.float32):
    return numnet.Tensor(np.zeros(shape or (2,), dtype=dtype), requires_grad=True)


@pytest.mark.parametrize("make,error,message", [
    (lambda w: optim.SGD([w], lr=-0.1), ArgumentError, r"SGD: expected lr to be a number >= 0, got -0.1"),
    (lambda w: optim.SGD([w], momentum=-0.5), ArgumentError, r"SGD: expected momentum to be a number >= 0, got -0.5"),
    (lambda w: optim.SGD([w], weight_decay=-1), ArgumentError,
     r"SGD: expected weight_decay to be a number >= 0, got -1"),
    (lambda w: optim.SGD([w], nesterov=True), ArgumentError,
     r"SGD: expected momentum to be > 0 with dampening=0 for nesterov=True, got momentum=0, dampening=0"),
    (lambda w: optim.SGD([w], momentum=0.9, dampening=0.1, nesterov=True), ArgumentError,
     r"SGD: expected momentum to be > 0 with dampening=0 for nesterov=True, got momentum=0.9, dampening=0.1"),
    (lambda w: optim.SGD([w], lr="0.1"), DTypeError, r"SGD: expected lr to be a number >= 0, got '0.1'"),
    (lambda w: optim.Adam([w], lr=-1e-3), ArgumentError, r"Adam: expected lr to be a number >= 0, got -0.001"),
    (lambda w: optim.Adam([w], eps=-1e-8), ArgumentError, r"Adam: expected eps to be a number >= 0, got -1e-08"),
    (lambda w: optim.Adam([w], betas=(1.0, 0.999)), ArgumentError,
     r"Adam: expected betas\[0\] to be a number in \[0, 1\), got 1.0"),
    (lambda w: optim.AdamW([w], betas=(0.9, -0.1)), ArgumentError,
     r"AdamW: expected betas\[1\] to be a number in \[0, 1\), got -0.1"),
    (lambda w: optim.Adam([w], betas=0.9), DTypeError,
     r"Adam: expected betas to be a pair \(beta1, beta2\) of numbers in \[0, 1\), got 0.9"),
    (lambda w: optim.AdamW([w], weight_decay=-0.01), ArgumentError,
     r"AdamW: expected weight_decay to be a number >= 0, got -0.01"),
    (lambda w: optim.RMSprop([w], alpha=-0.9), ArgumentError, r"RMSprop: expected alpha to be a number >= 0, got -0.9"),
    (lambda w: optim.RMSprop([w], eps=-1.0), ArgumentError, r"RMSprop: expected eps to be a number >= 0, got -1.0"),
    (lambda w: optim.RMSprop([w], momentum=-0.1), ArgumentError,
     r"RMSprop: expected momentum to be a number >= 0, got -0.1"),
    (lambda w: optim.SGD([{"params": [w], "lr": -2.0}]), ArgumentError,
     r"SGD: expected lr to be a number >= 0, got -2.0"),
])
def test_invalid_options(make, error, message):
    with pytest.raises(error, match=message):
        make(_w())


def test_invalid_params():
    w = _w()
    with pytest.raises(DTypeError, match=r"should be an iterable of Tensors or dicts, but got a single Tensor of "
                                          r"shape \(2,\); wrap it in a list"):
        optim.SGD(w)
    with pytest.raises(DTypeError, match=r"organized in ordered collections.*Please use a list instead"):
        optim.Adam({w})
    with pytest.raises(ArgumentError, match=r"SGD: optimizer got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(ArgumentError, match=r"Adam: optimizer got an empty parameter list"):
        optim.Adam(p for p in [])
    with pytest.raises(DTypeError, match=r"SGD: optimizer can only optimize Tensors, but parameter 1 of group 0 is "
                                          r"ndarray"):
        optim.SGD([w, np.zeros(3)])
    with pytest.raises(DTypeError, match=r"optimize floating-point Tensors, but parameter 0 of group 0 has dtype "
                                          r"int64"):
        optim.SGD([numnet.Tensor(np.arange(3))])
    with pytest.raises(ArgumentError, match=r"can't optimize a non-leaf Tensor \(parameter 0 of group 0"):
        optim.SGD([w * 2])
    with pytest.raises(ArgumentError, match=r"duplicate parameters \(parameter 2 of group 0 is the same tensor as "
                                            r"parameter 0\)"):
        optim.SGD([w, _w(), w])
    with pytest.raises(ArgumentError, match=r"some parameters appear in more than one parameter group \(group 1 "
                                            r"shares a tensor with group 0\)"):
        optim.SGD([{"params": [w]}, {"params": [_w(), w]}])
    with pytest.raises(ArgumentError, match=r"param_group must have a 'params' key, got keys \['lr'\]"):
        optim.SGD([w]).add_param_group({"lr": 0.1})
    with pytest.raises(DTypeError, match=r"param_group must be a dict, but got list"):
        optim.SGD([w]).add_param_group([w])
    with pytest.raises(ArgumentError, match=r"RMSprop: expected lr to be a number >= 0, got -1"):
        optim.RMSprop([w]).add_param_group({"params": [_w()], "lr": -1})


def test_required_default():
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ArgumentError, match=r"Plain: parameter group didn't specify a value of required "
                                            r"optimization parameter lr"):
        Plain([_w()])
    assert Plain([{"params": [_w()], "lr": 0.1}]).param_groups[0]["lr"] == 0.1


def test_step_with_a_wrong_gradient_shape():
    w = _w(3)
    opt = optim.SGD([w], lr=0.1)
    w.grad = numnet.zeros(4)
    with pytest.raises(ShapeError, match=r"SGD.step: gradient has shape \(4,\) but the parameter has shape \(3,\)"):
        opt.step()


def _trained(name, params, **kwargs):
    opt = getattr(optim, name)(params, **kwargs)
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = numnet.ones(*p.shape)
    opt.step()
    return opt


def test_load_state_dict_errors():
    a, b = _w(2), _w(3)
    sd = _trained("Adam", [{"params": [a]}, {"params": [b]}]).state_dict()
    with pytest.raises(ArgumentError, match=r"Adam.load_state_dict: loaded state dict has 2 parameter group\(s\) but "
                                            r"the optimizer has 1"):
        optim.Adam([_w(2), _w(3)]).load_state_dict(sd)
    with pytest.raises(ArgumentError, match=r"doesn't match the size of optimizer's group \(group 1: 1 parameters "
                                            r"saved, 2 in the optimizer\)"):
        optim.Adam([{"params": [_w(2)]}, {"params": [_w(3), _w(1)]}]).load_state_dict(sd)
    with pytest.raises(ShapeError, match=r"Adam.load_state_dict: state 'exp_avg' of parameter 0 has shape \(2,\) but "
                                         r"the parameter has shape \(5,\)"):
        optim.Adam([{"params": [_w(5)]}, {"params": [_w(3)]}]).load_state_dict(sd)
    with pytest.raises(ArgumentError, match=r"SGD.load_state_dict: state of parameter 0 has \['exp_avg', "
                                            r"'exp_avg_sq', 'step'\], which SGD does not use .* was it saved from "
                                            r"another optimizer\?"):
        optim.SGD([{"params": [_w(2)]}, {"params": [_w(3)]}], momentum=0.9).load_state_dict(sd)
    with pytest.raises(ArgumentError, match=r"expected a dict with keys 'state' and 'param_groups', got \['state'\]"):
        optim.Adam([a]).load_state_dict({"state": {}})
    bad = {"state": {7: {}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ArgumentError, match=r"state for parameter index 7, which is in no parameter group "
                                            r"\(indices are \[0, 1\]\)"):
        optim.Adam([{"params": [_w(2)]}, {"params": [_w(3)]}]).load_state_dict(bad)
    bad_lr = {"state": {}, "param_groups": [dict(g, lr=-1.0) for g in sd["param_groups"]]}
    with pytest.raises(ArgumentError, match=r"Adam: expected lr to be a number >= 0, got -1.0"):
        optim.Adam([{"params": [_w(2)]}, {"params": [_w(3)]}]).load_state_dict(bad_lr)


def test_scheduler_errors():
    w = _w()
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    with pytest.raises(DTypeError, match=r"StepLR: expected optimizer to be a numnet.optim.Optimizer, got list"):
        sched.StepLR([w], step_size=2)
    with pytest.raises(ArgumentError, match=r"StepLR: expected step_size to be an int >= 1, got 0"):
        sched.StepLR(opt, step_size=0)
    with pytest.raises(DTypeError, match=r"CosineAnnealingLR: expected T_max to be an int >= 1, got 2.5"):
        sched.CosineAnnealingLR(opt, T_max=2.5)
    with pytest.raises(ArgumentError, match=r"MultiStepLR: expected milestones\[1\] to be an int >= 0, got -1"):
        sched.MultiStepLR(opt, milestones=[3, -1])
    with pytest.raises(ArgumentError, match=r"param 'initial_lr' is not specified in param_groups\[0\] when resuming "
                                            r"scheduler with last_epoch=4 >= 0"):
        sched.ExponentialLR(optim.SGD([_w()]), gamma=0.9, last_epoch=4)
    with pytest.raises(ArgumentError, match=r"OneCycleLR: expected total_steps to be given, or epochs and "
                                            r"steps_per_epoch both, got total_steps=None, epochs=3"):
        sched.OneCycleLR(opt, max_lr=1.0, epochs=3)
    with pytest.raises(ArgumentError, match=r"OneCycleLR: expected total_steps to be an int >= 1, got -5"):
        sched.OneCycleLR(opt, max_lr=1.0, total_steps=-5)
    with pytest.raises(ArgumentError, match=r"OneCycleLR: expected pct_start to be a number in \[0, 1\], got 1.5"):
        sched.OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ArgumentError,
                       match=r"OneCycleLR: expected anneal_strategy to be one of 'cos', 'linear', got 'exp'"):
        sched.OneCycleLR(opt, max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ArgumentError, match=r"OneCycleLR: expected max_lr to be a number or a list of 1 \(one per "
                                            r"param group\), got 2 values"):
        sched.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=10)

    class NoMomentum(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

    with pytest.raises(ArgumentError, match=r"optimizer must support momentum or beta1 with `cycle_momentum` option "
                                            r"enabled \(NoMomentum has neither; pass cycle_momentum=False\)"):
        sched.OneCycleLR(NoMomentum([_w()]), max_lr=1.0, total_steps=10)
    one = sched.OneCycleLR(NoMomentum([_w()]), max_lr=1.0, total_steps=2, cycle_momentum=False)
    one.step()
    one.step()
    with pytest.raises(ArgumentError, match=r"OneCycleLR: Tried to step 3 times. The specified number of total steps "
                                            r"is 2"):
        one.step()

    with pytest.raises(ArgumentError, match=r"ReduceLROnPlateau: expected factor to be a number < 1, got 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ArgumentError, match=r"ReduceLROnPlateau: expected mode to be one of 'min', 'max', got 'avg'"):
        sched.ReduceLROnPlateau(opt, mode="avg")
    with pytest.raises(ArgumentError,
                       match=r"ReduceLROnPlateau: expected threshold_mode to be one of 'rel', 'abs', got 'relative'"):
        sched.ReduceLROnPlateau(opt, threshold_mode="relative")
    with pytest.raises(ArgumentError,
                       match=r"ReduceLROnPlateau: expected min_lr to be a number or a list of 1 \(one per param "
                             r"group\), got 2 values"):
        sched.ReduceLROnPlateau(opt, min_lr=[0.0, 0.1])
    with pytest.raises(ArgumentError, match=r"ReduceLROnPlateau: expected patience to be an int >= 0, got -1"):
        sched.ReduceLROnPlateau(opt, patience=-1)
    plateau = sched.ReduceLROnPlateau(opt)
    with pytest.raises(DTypeError, match=r"ReduceLROnPlateau.step: expected metrics to be a number or a one-element "
                                         r"Tensor, got str"):
        plateau.step("low")


def test_scheduler_load_state_dict_from_another_scheduler():
    opt = optim.SGD([_w()], lr=0.1)
    sd = sched.StepLR(opt, step_size=3).state_dict()
    with pytest.raises(ArgumentError, match=r"CosineAnnealingLR.load_state_dict: unexpected keys \['gamma', "
                                            r"'step_size'\]; was the state dict saved from another scheduler\?"):
        sched.CosineAnnealingLR(opt, T_max=5).load_state_dict(sd)
    with pytest.raises(ArgumentError, match=r"StepLR.load_state_dict: expected a dict, got list"):
        sched.StepLR(opt, step_size=3).load_state_dict([])


def test_errors_are_standard_exceptions_too():
    with pytest.raises(ValueError):
        optim.SGD([_w()], lr=-1)
    with pytest.raises(TypeError):
        optim.SGD(_w())


def test_frozen_tensor_is_accepted_and_left_alone():
    """Like PyTorch: a tensor that does not require grad may be passed; it has no grad, so step skips it."""
    frozen, w = numnet.zeros(3), _w(3)
    opt = optim.SGD([frozen, w], lr=0.1)
    w.grad = numnet.ones(3)
    opt.step()
    assert np.array_equal(frozen._data, np.zeros(3)) and np.allclose(w._data, -0.1)


@pytest.mark.parametrize("make,error,message", [
    (lambda w: optim.Adadelta([w], lr=-1.0), ArgumentError, r"Adadelta: expected lr to be a number >= 0, got -1.0"),
    (lambda w: optim.Adadelta([w], rho=1.5), ArgumentError,
     r"Adadelta: expected rho to be a number in \[0, 1\], got 1.5"),
    (lambda w: optim.Adadelta([w], eps=-1e-6), ArgumentError, r"Adadelta: expected eps to be a number >= 0"),
    (lambda w: optim.Adagrad([w], lr_decay=-0.1), ArgumentError,
     r"Adagrad: expected lr_decay to be a number >= 0, got -0.1"),
    (lambda w: optim.Adagrad([w], initial_accumulator_value=-1), ArgumentError,
     r"Adagrad: expected initial_accumulator_value to be a number >= 0, got -1"),
    (lambda w: optim.Adagrad([w], weight_decay="x"), DTypeError, r"Adagrad: expected weight_decay to be a number"),
    (lambda w: optim.Adamax([w], betas=(0.9, 1.0)), ArgumentError,
     r"Adamax: expected betas\[1\] to be a number in \[0, 1\), got 1.0"),
    (lambda w: optim.Adamax([w], eps=-1.0), ArgumentError, r"Adamax: expected eps to be a number >= 0, got -1.0"),
    (lambda w: optim.NAdam([w], momentum_decay=-0.1), ArgumentError,
     r"NAdam: expected momentum_decay to be a number >= 0, got -0.1"),
    (lambda w: optim.NAdam([w], betas=(0.9,)), ArgumentError, r"NAdam: expected betas to be a pair"),
    (lambda w: optim.RAdam([w], weight_decay=-0.1), ArgumentError,
     r"RAdam: expected weight_decay to be a number >= 0, got -0.1"),
    (lambda w: optim.RAdam([w], lr=-0.1), ArgumentError, r"RAdam: expected lr to be a number >= 0, got -0.1"),
    (lambda w: optim.ASGD([w], lr=-0.1), ArgumentError, r"ASGD: expected lr to be a number >= 0, got -0.1"),
    (lambda w: optim.ASGD([w], t0="soon"), DTypeError, r"ASGD: expected t0 to be a number, got 'soon'"),
    (lambda w: optim.Rprop([w], etas=(1.5, 1.2)), ArgumentError,
     r"Rprop: expected etas to be a pair \(etaminus, etaplus\) with 0 < etaminus < 1 < etaplus, got \(1.5, 1.2\)"),
    (lambda w: optim.Rprop([w], step_sizes=1e-6), DTypeError,
     r"Rprop: expected step_sizes to be a pair \(min, max\) of numbers, got 1e-06"),
    (lambda w: optim.Adam([w], fused=True), ArgumentError,
     r"Adam: expected fused to be None or False \(numnet has no fused, capturable or differentiable optimizer "
     r"step\), got True"),
    (lambda w: optim.SGD([w], differentiable=True), ArgumentError, r"SGD: expected differentiable to be None or False"),
    (lambda w: optim.RMSprop([w], capturable=True), ArgumentError, r"RMSprop: expected capturable to be None or False"),
    (lambda w: optim.NAdam([w], capturable=True), ArgumentError, r"NAdam: expected capturable to be None or False"),
    (lambda w: optim.Adagrad([w], foreach="yes"), DTypeError,
     r"Adagrad: expected foreach to be True or False, got 'yes'"),
    (lambda w: optim.AdamW([{"params": [w], "fused": True}]), ArgumentError,
     r"AdamW: expected fused to be None or False"),
])
def test_invalid_options_of_the_other_optimizers(make, error, message):
    with pytest.raises(error, match=message):
        make(_w())


def test_more_scheduler_errors():
    opt = optim.SGD([{"params": [_w()]}, {"params": [_w()]}], lr=0.1, momentum=0.9)
    with pytest.raises(DTypeError, match=r"LambdaLR: expected lr_lambda to be callable, got float"):
        sched.LambdaLR(opt, 0.5)
    with pytest.raises(ArgumentError, match=r"MultiplicativeLR: expected lr_lambda to be a function or a list of 2 "
                                            r"\(one per param group\), got 1 functions"):
        sched.MultiplicativeLR(opt, [lambda e: 1.0])
    with pytest.raises(ArgumentError, match=r"ConstantLR: expected factor to be a number in \[0, 1\], got 1.5"):
        sched.ConstantLR(opt, factor=1.5)
    with pytest.raises(ArgumentError, match=r"LinearLR: expected start_factor to be a number in \(0, 1\], got 0"):
        sched.LinearLR(opt, start_factor=0)
    with pytest.raises(ArgumentError, match=r"LinearLR: expected end_factor to be a number in \[0, 1\], got 2"):
        sched.LinearLR(opt, end_factor=2)
    with pytest.raises(ArgumentError, match=r"PolynomialLR: expected total_iters to be an int >= 1, got 0"):
        sched.PolynomialLR(opt, total_iters=0)
    with pytest.raises(DTypeError, match=r"CosineAnnealingWarmRestarts: expected T_0 to be an int >= 1, got 2.5"):
        sched.CosineAnnealingWarmRestarts(opt, T_0=2.5)
    with pytest.raises(ArgumentError, match=r"CosineAnnealingWarmRestarts: expected T_mult to be an int >= 1, got 0"):
        sched.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    warm = sched.CosineAnnealingWarmRestarts(opt, T_0=2)
    with pytest.raises(ArgumentError, match=r"CosineAnnealingWarmRestarts.step: expected epoch to be a finite number "
                                            r">= 0, got -1"):
        warm.step(-1)
    with pytest.raises(ArgumentError, match=r"CyclicLR: expected mode to be one of 'triangular', 'triangular2', "
                                            r"'exp_range', got 'sine'"):
        sched.CyclicLR(opt, 0.01, 0.1, mode="sine")
    with pytest.raises(ArgumentError, match=r"CyclicLR: expected scale_mode to be one of 'cycle', 'iterations'"):
        sched.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0, scale_mode="epoch")
    with pytest.raises(ArgumentError, match=r"CyclicLR: expected step_size_up to be a finite number > 0, got 0"):
        sched.CyclicLR(opt, 0.01, 0.1, step_size_up=0)
    with pytest.raises(ArgumentError, match=r"CyclicLR: expected max_lr to be a number or a list of 2"):
        sched.CyclicLR(opt, 0.01, [0.1, 0.2, 0.3])
    with pytest.raises(ArgumentError, match=r"CyclicLR: optimizer must support momentum or beta1"):
        sched.CyclicLR(optim.Adagrad([_w()]), 0.01, 0.1)
    with pytest.raises(ArgumentError, match=r"SequentialLR: expects at least one scheduler"):
        sched.SequentialLR(opt, [], milestones=[])
    with pytest.raises(ArgumentError, match=r"SequentialLR: expects number of schedulers provided to be one more than "
                                            r"the number of milestone points, but got number of schedulers 2 and the "
                                            r"number of milestones to be equal to 2"):
        sched.SequentialLR(opt, [sched.ConstantLR(opt), sched.LinearLR(opt)], milestones=[2, 4])
    other = optim.SGD([_w()], lr=0.1)
    with pytest.raises(ArgumentError, match=r"SequentialLR: expects all schedulers to belong to the same optimizer, "
                                            r"but scheduler StepLR at index 1 has a different one"):
        sched.SequentialLR(opt, [sched.ConstantLR(opt), sched.StepLR(other, 2)], milestones=[2])
    with pytest.raises(ArgumentError, match=r"ChainedScheduler: does not support ReduceLROnPlateau .* at index 0"):
        sched.ChainedScheduler([sched.ReduceLROnPlateau(opt)])
    with pytest.raises(DTypeError, match=r"ChainedScheduler: expected schedulers\[0\] to be a learning-rate "
                                         r"scheduler, got SGD"):
        sched.ChainedScheduler([opt], optimizer=opt)
    chained = sched.ChainedScheduler([sched.ConstantLR(opt)])
    with pytest.raises(ArgumentError, match=r"ChainedScheduler.load_state_dict: the state dict has 2 schedulers but "
                                            r"this ChainedScheduler has 1"):
        chained.load_state_dict({"_schedulers": [{}, {}], "_last_lr": [0.1, 0.1]})
