"""The ReLU → MaxPool2d execution-plan pass (numnet/nn/fusion.py) and how Sequential applies it."""

from __future__ import annotations

import numpy as np

import numnet
from numnet import nn
from numnet.nn.fusion import PoolThenReLU, relu_pool_plan


def test_the_plan_fuses_each_relu_directly_followed_by_a_max_pool():
    conv, relu, pool, relu2, lin = nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.ReLU(), nn.Linear(2, 2)
    plan = relu_pool_plan([conv, relu, pool, relu2, lin])
    assert plan[0] is conv and plan[2] is relu2 and plan[3] is lin and len(plan) == 4
    assert isinstance(plan[1], PoolThenReLU)
    assert plan[1].relu is relu and plan[1].pool is pool
    assert relu_pool_plan([pool, relu]) == (pool, relu)  # the other order is left alone
    assert relu_pool_plan([relu, nn.AvgPool2d(2)])[0] is relu  # only max pooling commutes with ReLU this way
    assert relu_pool_plan([]) == ()

    class MyReLU(nn.ReLU):
        pass

    assert relu_pool_plan([MyReLU(), pool])[1] is pool  # a subclass may change the math: not fused


def test_a_fused_step_runs_pool_first_unless_hooks_or_indices_ask_for_the_written_order():
    x = numnet.tensor(np.random.default_rng(0).standard_normal((1, 1, 4, 4)), requires_grad=True)
    relu, pool = nn.ReLU(), nn.MaxPool2d(2)
    step = PoolThenReLU(relu, pool)
    assert step(x)._ctx.name == "ReLU"  # ReLU last: pooled first
    handle = pool.register_forward_pre_hook(lambda m, inp: None)
    assert step(x)._ctx.name == "MaxPool2d"  # a hook added after the plan was made: written order
    handle.remove()
    pool.return_indices = True
    out, idx = step(x)
    assert out._ctx.name == "MaxPool2d" and idx.shape == (1, 1, 2, 2)


def test_sequential_caches_the_plan_and_rebuilds_it_when_the_children_change():
    seq = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    x = numnet.tensor(np.random.default_rng(1).standard_normal((1, 1, 4, 4)))
    seq(x)
    plan = seq._plan()
    assert seq._plan() is plan and isinstance(plan[0], PoolThenReLU)
    seq.insert(0, nn.Tanh())  # children changed: a new plan
    assert seq._plan() is not plan and len(seq._plan()) == 2
    seq[2] = nn.Identity()
    assert [type(s).__name__ for s in seq._plan()] == ["Tanh", "ReLU", "Identity"]
    del seq[0]
    assert [type(s).__name__ for s in seq._plan()] == ["ReLU", "Identity"]


def test_fuse_relu_pool_off_runs_every_child_as_written():
    x = numnet.tensor(np.random.default_rng(2).standard_normal((2, 3, 6, 6)), requires_grad=True)
    seq = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2))
    fused = seq(x)
    with numnet.kernels.using(fuse_relu_pool=False):
        written = seq(x)
    assert fused._ctx.name == "ReLU" and written._ctx.name == "MaxPool2d"
    np.testing.assert_array_equal(fused._data, written._data)


def test_summary_and_hooks_see_the_modules_the_user_wrote():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    x = numnet.tensor(np.random.default_rng(3).standard_normal((1, 1, 8, 8)).astype(np.float32))
    seen = []
    for m in net:
        m.register_forward_hook(lambda m, inp, out: seen.append((type(m).__name__, tuple(out.shape))))
    net(x)
    assert seen == [("Conv2d", (1, 2, 6, 6)), ("ReLU", (1, 2, 6, 6)), ("MaxPool2d", (1, 2, 3, 3))]
    assert [k for k in net.state_dict()] == ["0.weight", "0.bias"]
    rows = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2)).summary((1, 8, 8), print_fn=None).rows
    assert [(r.class_name, r.output_shape) for r in rows] == [  # the written order, ReLU with its own output
        ("Conv2d", (1, 2, 6, 6)), ("ReLU", (1, 2, 6, 6)), ("MaxPool2d", (1, 2, 3, 3))]
