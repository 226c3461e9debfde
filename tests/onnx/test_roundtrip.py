"""numnet → ONNX → numnet: a model exported by numnet.onnx.export and read back by numnet.onnx.load computes the same
outputs (every zoo model, every layer type, the functional graph, random architectures), and can be fine-tuned."""

from __future__ import annotations

import numpy as np
import pytest

import numnet
import numnet.nn as nn
import numnet.nn.functional as F
from numnet import models
from tests.onnx._oracles import numnet_outputs, rel_diff
from tests.onnx.test_export import LAYERS, Functional, _build, _randomize_bn

# "exact" up to summation order: the re-imported graph runs the same numnet kernels, but a Linear may come back
# as Gemm → Linear with the same weight, and Resize/pads as the importer's own index maps
TOL = 1e-6


def _roundtrip(model, shape, opset=17):
    model.eval()
    proto = numnet.onnx.export(model, numnet.randn(2, *shape), None, opset=opset)
    back = numnet.onnx.load(proto).eval()
    worst = 0.0
    for b in (1, 7):
        x = np.random.default_rng(b).standard_normal((b, *shape)).astype(np.float32)
        want, got = numnet_outputs(model, [x]), numnet_outputs(back, [x])
        assert len(got) == len(want)
        for g, w in zip(got, want):
            worst = max(worst, rel_diff(g, w))
    return back, worst


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_zoo_roundtrip(name, opset):
    model = _randomize_bn(models.get_model(name))
    back, worst = _roundtrip(model, models.input_shape_of(model), opset)
    assert worst <= TOL
    n_params = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in back.parameters()) == n_params


@pytest.mark.parametrize("layer,shape", [pytest.param(m, s, id=i) for i, m, s in LAYERS])
def test_every_layer_roundtrip(layer, shape):
    _, worst = _roundtrip(_randomize_bn(nn.Sequential(layer)), shape)
    assert worst <= TOL


def test_functional_roundtrip():
    _, worst = _roundtrip(Functional(), (3, 8, 8))
    assert worst <= TOL


@pytest.mark.parametrize("k", range(20))
def test_random_architecture_roundtrip(k):
    rng = np.random.default_rng(900 + k)
    c, size, seed = int(rng.integers(1, 5)), int(rng.integers(6, 15)), int(rng.integers(0, 2**31 - 1))
    _, worst = _roundtrip(_build(c, size, seed), (c, size, size))
    assert worst <= TOL


def test_roundtripped_model_fine_tunes_like_the_original():
    """Six SGD steps in train mode (BatchNorm on batch statistics) on the model and on its round trip: the same
    losses step by step, and they fall. (ResNet-14: BatchNorm and residuals, and no dropout, whose masks would
    differ.)"""
    model = _randomize_bn(models.get_model("resnet14"))
    back, _ = _roundtrip(model, (1, 28, 28))
    assert len(list(back.parameters())) == len(list(model.parameters()))
    x = numnet.tensor(np.random.default_rng(0).standard_normal((16, 1, 28, 28)).astype(np.float32))
    y = numnet.tensor(np.arange(16) % 10)
    runs = []
    for net in (model, back):
        net.train()
        opt = numnet.optim.SGD(net.parameters(), lr=0.01)
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = F.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            losses.append(float(loss))
        runs.append(losses)
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-4)
    assert runs[1][-1] < runs[1][0]
