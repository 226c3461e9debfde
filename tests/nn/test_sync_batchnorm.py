"""nn.SyncBatchNorm in one process: exactly BatchNorm (forward, backward, running statistics); the op's float64
gradcheck through its reduction path; convert_sync_batchnorm keeps weights, buffers and modes. Several ranks:
tests/distributed/test_ddp_mpi.py and test_fit_mpi.py."""

from __future__ import annotations

import numpy as np
import pytest

import numnet
import numnet.nn as nn
from numnet.distributed._comm import Comm
from numnet.errors import ArgumentError, ShapeError
from numnet.ops.normalization import SyncBatchNormOp
from numnet.testing import gradcheck


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_alone_it_is_batchnorm(shape, training):
    """Bitwise: output, input and parameter gradients, running statistics (F.batch_norm is BatchNorm's path)."""
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    sync = nn.SyncBatchNorm(3).double().train(training)
    sync.weight._data[...] = [0.5, 1.5, 2.0]
    w = numnet.tensor(sync.weight.detach().numpy(), requires_grad=True)
    b = numnet.tensor(np.zeros(3), requires_grad=True)
    mean, var = numnet.tensor(np.zeros(3)), numnet.tensor(np.ones(3))
    results = []
    for run in (lambda xt: sync(xt),
                lambda xt: numnet.functional.batch_norm(xt, mean, var, w, b, training, 0.1, 1e-5)):
        xt = numnet.tensor(x, requires_grad=True)
        y = run(xt)
        (y * numnet.tensor(g)).sum().backward()
        results.append([y.detach().numpy(), xt.grad.numpy()])
    results[0].append(sync.weight.grad.numpy())
    results[1].append(w.grad.numpy())
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)
    np.testing.assert_array_equal(sync.running_mean.numpy(), mean.numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), var.numpy())


def test_the_reduction_path_gradchecks():
    """SyncBatchNormOp itself (allreduce in forward and backward), with a group of one."""
    rng = np.random.default_rng(3)
    x = numnet.tensor(rng.standard_normal((4, 3, 2, 2)), requires_grad=True)
    w = numnet.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    b = numnet.tensor(rng.standard_normal(3), requires_grad=True)

    def fn(x, w, b):
        return SyncBatchNormOp.apply(x, w, b, comm=Comm(), running_mean=None, running_var=None, training=True,
                                     momentum=0.1, eps=1e-5, has_weight=True, has_bias=True)

    gradcheck(fn, [x, w, b], name="SyncBatchNorm")
    ref = numnet.functional.batch_norm(x, None, None, w, b, True, 0.1, 1e-5)
    np.testing.assert_allclose(fn(x, w, b).detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_convert_sync_batchnorm_keeps_state():
    numnet.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))
    model[1].running_mean._data[...] = [1, 2, 3, 4]
    model[1].eval()
    w = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    assert isinstance(model[1], nn.SyncBatchNorm) and isinstance(model[2][1], nn.SyncBatchNorm)
    assert model[1].weight is w and model[1].running_mean.tolist() == [1, 2, 3, 4] and not model[1].training
    assert model[2][1].training
    alone = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm2d(3, affine=False, momentum=None))
    assert isinstance(alone, nn.SyncBatchNorm) and alone.weight is None and alone.momentum is None
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias", "2.0.weight",
                                                       "2.0.bias", "2.1.weight", "2.1.bias"]


def test_errors():
    with pytest.raises(ShapeError, match="SyncBatchNorm"):
        nn.SyncBatchNorm(3)(numnet.randn(2, 4, 5))
    with pytest.raises(ArgumentError):
        nn.SyncBatchNorm(0)
