"""numnet.onnx.export: every zoo model, every layer type, functional graphs and random architectures give the same
outputs in onnxruntime and in onnx's reference evaluator as in numnet (float32, 1e-4 relative, batch 1 and 7 from
one file); what cannot be exported is refused with the op and its place in the model."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numnet
import numnet.nn as nn
import numnet.nn.functional as F
from numnet import models
from numnet.errors import ExportError
from tests.onnx._oracles import check_model, runtimes

RNG = np.random.default_rng(0)


def images(shape):
    return lambda b: [np.random.default_rng(b).standard_normal((b, *shape)).astype(np.float32)]


def _randomize_bn(model):
    """Trained-looking BatchNorm statistics and affine parameters, so eval-mode BN is not the identity."""
    rng = np.random.default_rng(1)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.SyncBatchNorm)):
            c = m.running_mean.shape[0]
            m.running_mean._data[...] = rng.normal(0, 0.5, c)
            m.running_var._data[...] = rng.uniform(0.5, 2.0, c)
            if m.weight is not None:
                m.weight._data[...] = rng.uniform(0.5, 1.5, c)
                m.bias._data[...] = rng.normal(0, 0.2, c)
    return model


# ----------------------------------------------------------------------------------------------- zoo models
@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_zoo_model(name, opset):
    model = _randomize_bn(models.get_model(name))
    check_model(model, images(models.input_shape_of(model)), opset=opset)


def test_file_is_checked_and_minimal_ir(tmp_path):
    model = models.get_model("lenet5")
    for opset, ir in ((13, 7), (17, 8)):
        path = tmp_path / f"l{opset}.onnx"
        numnet.onnx.export(model, numnet.randn(1, 1, 28, 28), path, opset=opset)
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto, full_check=True)
        assert proto.ir_version == ir == onnx.helper.find_min_ir_version_for(list(proto.opset_import))
        assert proto.opset_import[0].version == opset
        dims = proto.graph.input[0].type.tensor_type.shape.dim
        assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == [1, 28, 28]
        assert {i.name for i in proto.graph.initializer} >= {"conv1.weight", "fc3.bias"} or \
            any(i.name.endswith("weight") for i in proto.graph.initializer)
        assert [n.op_type for n in proto.graph.node].count("Gemm") == 3


def test_static_batch():
    proto = numnet.onnx.export(models.get_model("lenet5"), numnet.randn(3, 1, 28, 28), None, dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 3
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_value == 3


def test_mode_is_restored_and_weights_named():
    model = models.get_model("vggsmall").train()
    proto = numnet.onnx.export(model, numnet.randn(1, 1, 28, 28), None)
    assert model.training
    names = {i.name for i in proto.graph.initializer}
    assert {n for n, _ in model.named_parameters()} <= names
    assert {n for n, _ in model.named_buffers() if "running" in n} <= names


# ----------------------------------------------------------------------------------------------- every layer
def _layers():
    """(id, layer, sample shape) for every nn layer type that belongs in an inference graph."""
    c = 4
    img = (c, 9, 9)
    return [
        ("Conv2d", nn.Conv2d(c, 6, 3), img),
        ("Conv2d-stride-pad-dil", nn.Conv2d(c, 6, 3, stride=2, padding=2, dilation=2), img),
        ("Conv2d-same", nn.Conv2d(c, 6, 4, padding="same"), img),
        ("Conv2d-groups", nn.Conv2d(c, 8, 3, groups=2, bias=False), img),
        ("Conv2d-depthwise", nn.Conv2d(c, c, 3, padding=1, groups=c), img),
        ("Conv1d", nn.Conv1d(c, 6, 3, padding=1), (c, 11)),
        ("ConvTranspose2d", nn.ConvTranspose2d(c, 5, 3, stride=2, padding=1, output_padding=1), img),
        ("ConvTranspose2d-groups", nn.ConvTranspose2d(c, 6, 2, stride=2, groups=2), img),
        ("ConvTranspose1d", nn.ConvTranspose1d(c, 3, 3, stride=2), (c, 7)),
        ("MaxPool2d", nn.MaxPool2d(2), img),
        ("MaxPool2d-ceil-pad-dil", nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True), img),
        ("MaxPool2d-dilation", nn.MaxPool2d(2, stride=1, dilation=2), img),
        ("MaxPool1d", nn.MaxPool1d(2), (c, 10)),
        ("AvgPool2d", nn.AvgPool2d(3, stride=2, padding=1), img),
        ("AvgPool2d-exclude-pad", nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), img),
        ("AvgPool2d-ceil", nn.AvgPool2d(2, ceil_mode=True), img),
        ("AvgPool1d", nn.AvgPool1d(3, stride=2), (c, 10)),
        ("AdaptiveAvgPool2d-1", nn.AdaptiveAvgPool2d(1), img),
        ("AdaptiveAvgPool2d-3", nn.AdaptiveAvgPool2d(3), img),
        ("AdaptiveMaxPool2d-1", nn.AdaptiveMaxPool2d(1), img),
        ("AdaptiveMaxPool2d-3", nn.AdaptiveMaxPool2d((3, 3)), img),
        ("AdaptiveAvgPool1d", nn.AdaptiveAvgPool1d(1), (c, 10)),
        ("AdaptiveMaxPool1d", nn.AdaptiveMaxPool1d(5), (c, 10)),
        ("Linear", nn.Linear(7, 5), (7,)),
        ("Linear-nobias", nn.Linear(7, 5, bias=False), (7,)),
        ("Linear-3d", nn.Linear(7, 5), (3, 7)),
        ("BatchNorm2d", nn.BatchNorm2d(c), img),
        ("BatchNorm2d-noaffine", nn.BatchNorm2d(c, affine=False), img),
        ("SyncBatchNorm", nn.SyncBatchNorm(c), img),
        ("BatchNorm1d", nn.BatchNorm1d(6), (6,)),
        ("BatchNorm1d-3d", nn.BatchNorm1d(c), (c, 5)),
        ("LayerNorm", nn.LayerNorm([9, 9]), img),
        ("LayerNorm-nobias", nn.LayerNorm(9, bias=False), img),
        ("GroupNorm", nn.GroupNorm(2, c), img),
        ("InstanceNorm2d", nn.InstanceNorm2d(c, affine=True), img),
        ("ReLU", nn.ReLU(), img),
        ("ReLU6", nn.ReLU6(), img),
        ("LeakyReLU", nn.LeakyReLU(0.2), img),
        ("PReLU", nn.PReLU(), img),
        ("PReLU-channels", nn.PReLU(c), img),
        ("Sigmoid", nn.Sigmoid(), img),
        ("Tanh", nn.Tanh(), img),
        ("GELU", nn.GELU(), img),
        ("GELU-tanh", nn.GELU(approximate="tanh"), img),
        ("ELU", nn.ELU(0.7), img),
        ("SELU", nn.SELU(), img),
        ("CELU", nn.CELU(1.5), img),
        ("SiLU", nn.SiLU(), img),
        ("Mish", nn.Mish(), img),
        ("Softplus", nn.Softplus(), img),
        ("Softplus-beta", nn.Softplus(beta=2.0), img),
        ("LogSigmoid", nn.LogSigmoid(), img),
        ("Hardtanh", nn.Hardtanh(-0.5, 0.8), img),
        ("Hardsigmoid", nn.Hardsigmoid(), img),
        ("Hardswish", nn.Hardswish(), img),
        ("Softsign", nn.Softsign(), img),
        ("Tanhshrink", nn.Tanhshrink(), img),
        ("Threshold", nn.Threshold(0.1, -2.0), img),
        ("Softmax", nn.Softmax(dim=1), img),
        ("Softmax2d", nn.Softmax2d(), img),
        ("LogSoftmax", nn.LogSoftmax(dim=-1), (10,)),
        ("Dropout", nn.Dropout(0.5), img),
        ("Dropout2d", nn.Dropout2d(0.5), img),
        ("AlphaDropout", nn.AlphaDropout(0.5), img),
        ("Identity", nn.Identity(), img),
        ("Flatten", nn.Flatten(), img),
        ("Unflatten", nn.Unflatten(1, (2, 2)), (c,)),
        ("ZeroPad2d", nn.ZeroPad2d((1, 2, 0, 3)), img),
        ("ConstantPad2d", nn.ConstantPad2d(1, 0.5), img),
        ("ReflectionPad2d", nn.ReflectionPad2d(2), img),
        ("ReplicationPad2d", nn.ReplicationPad2d((1, 0, 2, 1)), img),
        ("CircularPad2d", nn.CircularPad2d(1), img),
        ("ReflectionPad1d", nn.ReflectionPad1d(2), (c, 6)),
        ("ReplicationPad1d", nn.ReplicationPad1d((2, 1)), (c, 6)),
        ("CircularPad1d", nn.CircularPad1d(1), (c, 6)),
        ("ConstantPad1d", nn.ConstantPad1d((0, 2), -1.0), (c, 6)),
        ("ZeroPad1d", nn.ZeroPad1d(1), (c, 6)),
        ("InstanceNorm1d", nn.InstanceNorm1d(c), (c, 6)),
        ("Upsample-nearest", nn.Upsample(scale_factor=2), img),
        ("Upsample-bilinear", nn.Upsample(scale_factor=2, mode="bilinear"), img),
        ("Upsample-bilinear-align", nn.Upsample(size=(5, 13), mode="bilinear", align_corners=True), img),
        ("UpsamplingNearest2d", nn.UpsamplingNearest2d(size=(12, 12)), img),
        ("UpsamplingBilinear2d", nn.UpsamplingBilinear2d(scale_factor=1.5), img),
    ]


LAYERS = _layers()


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("layer,shape", [pytest.param(m, s, id=i) for i, m, s in LAYERS])
def test_every_layer(layer, shape, opset):
    check_model(_randomize_bn(nn.Sequential(layer)), images(shape), opset=opset)


def test_every_layer_type_is_covered():
    """Every public nn layer is in LAYERS, or is a container, a loss or Embedding (tested on its own below)."""
    covered = {type(m).__name__ for _, m, _ in LAYERS}
    skipped = {"Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Embedding",
               "Dropout1d", "Dropout3d"}
    layer_types = {n for n, c in vars(nn).items() if isinstance(c, type) and issubclass(c, nn.Module)}
    missing = {n for n in layer_types - covered - skipped if not n.endswith("Loss")}
    assert not missing


def test_embedding():
    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20, 6)
            self.fc = nn.Linear(6, 3)

        def forward(self, idx):
            return self.fc(self.emb(idx).mean(1))

    check_model(Bag(), lambda b: [np.random.default_rng(b).integers(0, 20, (b, 5)).astype(np.int64)])


# ---------------------------------------------------------------------------------------------- functional
class Functional(nn.Module):
    """Residual additions, concatenation, reshapes, slicing, arithmetic with constants and reductions."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 4, 1)
        self.fc = nn.Linear(8 * 4 * 4, 5)
        self.scale = nn.Parameter(numnet.tensor(np.float32(1.5)))

    def forward(self, x):
        y = F.relu(self.a(x)) + self.b(x) * 0.5 - 1.0        # residual and constants
        z = numnet.cat([y, x[:, :1].expand(-1, 4, -1, -1) / 2.0], dim=1)
        z = F.max_pool2d(z, 2)
        z = z.permute(0, 1, 3, 2).contiguous()
        h = z.view(z.size(0), -1)
        h = self.fc(h) * self.scale
        return F.softmax(h, dim=1), h.mean(dim=1, keepdim=True), z.sum((2, 3))


def test_functional_graph_several_outputs():
    check_model(Functional(), images((3, 8, 8)))


def test_two_inputs_and_names():
    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, a, b):
            return self.fc(numnet.cat([a, b], dim=1).flatten(1)), (a * b).sum(1)

    def inputs(b):
        r = np.random.default_rng(b)
        return [r.standard_normal((b, 2)).astype(np.float32), r.standard_normal((b, 2)).astype(np.float32)]

    check_model(Two(), inputs, input_names=["left", "right"])


@pytest.mark.parametrize("fn", [
    lambda x: x.exp() + x.abs().sqrt() - x.clamp(-0.5, 0.5) * x.tanh() + x.erf(),
    lambda x: (x.sigmoid() + 1e-3).log() + x.pow(2) + 2.0 ** x.clamp(max=1.0),
    lambda x: numnet.maximum(x, x * 0.3) + numnet.minimum(x, -x) + x.reciprocal().clamp(-3, 3),
    lambda x: x.mean(dim=(1,), keepdim=True) + x.amax(dim=2, keepdim=True) + x.std(dim=3, keepdim=True),
    lambda x: x.flip(3)[:, :, 1:4, ::2] + x[:, :, -3:, 1::2].sin(),
    lambda x: x.reshape(x.shape[0], 2, -1).transpose(1, 2).log_softmax(-1).sum(-1),
    lambda x: F.pad(x, (1, 1, 2, 0), value=-1.0).square() + F.pad(x, (1, 1, 2, 0), mode="reflect").cos(),
    lambda x: x.floor() + x.ceil() * x.round(),
    lambda x: x.repeat(1, 2, 1, 1).cumsum(1) + x.logsumexp(1, keepdim=True) + x.norm(dim=1, keepdim=True),
    lambda x: numnet.stack([x, x * 2], dim=1).sum(2) + x.max(dim=1).values.unsqueeze(1),
    lambda x: F.interpolate(x, scale_factor=2, mode="nearest")[:, :, ::2, ::2] + x.expm1() - x.log1p(),
])
def test_tensor_math(fn):
    class M(nn.Module):
        def forward(self, x):
            return fn(x)

    check_model(M(), lambda b: [np.random.default_rng(b).uniform(0.1, 2.0, (b, 4, 6, 6)).astype(np.float32)])


@pytest.mark.parametrize("opset", [13, 14, 17, 18, 20, 21])
def test_opsets(opset):
    model = nn.Sequential(nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.GELU(), nn.Hardswish(), nn.LayerNorm([4, 4]),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3), nn.Softmax(dim=1))
    check_model(_randomize_bn(model), images((2, 6, 6)), opset=opset)
    proto = numnet.onnx.export(model, numnet.randn(1, 2, 6, 6), None, opset=opset)
    ops = {n.op_type for n in proto.graph.node}
    assert ("Gelu" in ops) == (opset >= 20) and ("LayerNormalization" in ops) == (opset >= 17)


# ---------------------------------------------------------------------------------------- random architectures
ACTS = [nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.ELU, nn.SiLU, nn.Hardswish, nn.Mish]


class Residual(nn.Module):
    def __init__(self, conv, act):
        super().__init__()
        self.conv, self.act = conv, act

    def forward(self, x):
        return self.act(self.conv(x)) + x


class Concat(nn.Module):
    def __init__(self, left, right):
        super().__init__()
        self.left, self.right = left, right

    def forward(self, x):
        return numnet.cat([self.left(x), self.right(x)], dim=1)


@st.composite
def arch_and_shape(draw):
    """(channels, size, seed): the seed draws the stack in :func:`_build`, so layer sizes always line up."""
    return draw(st.integers(1, 4)), draw(st.integers(6, 14)), draw(st.integers(0, 2**31 - 1))


def _build(c: int, size: int, seed: int):
    """A random architecture (the strategy above, replayed from a seed) for a c×size×size sample."""
    rng = np.random.default_rng(seed)
    layers: list = []
    ch, s = c, size
    for _ in range(int(rng.integers(1, 6))):
        kind = rng.choice(["conv", "conv", "bn", "act", "pool", "residual", "concat", "tconv", "pad"])
        if kind == "conv":
            k = int(rng.integers(1, 4))
            out = int(rng.integers(1, 7))
            groups = int(rng.choice([g for g in (1, 2, ch) if ch % g == 0 and out % g == 0]))
            if rng.random() < 0.4 and s >= k:
                stride, pad, dil = 1, "same", int(rng.integers(1, 3))
                new = s
            else:
                stride, pad, dil = int(rng.integers(1, 3)), int(rng.integers(0, 3)), 1
                new = (s + 2 * pad - dil * (k - 1) - 1) // stride + 1
                if new < 2:
                    continue
            layers.append(nn.Conv2d(ch, out, k, stride=stride, padding=pad, dilation=dil, groups=groups,
                                    bias=bool(rng.random() < 0.5)))
            s, ch = new, out
        elif kind == "tconv" and s <= 12:
            out = int(rng.integers(1, 6))
            k, stride = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            pad = int(rng.integers(0, k))
            outpad = int(rng.integers(0, stride)) if stride > 1 else 0
            new = (s - 1) * stride - 2 * pad + k + outpad
            if new < 2:
                continue
            layers.append(nn.ConvTranspose2d(ch, out, k, stride=stride, padding=pad, output_padding=outpad))
            s, ch = new, out
        elif kind == "bn":
            layers.append(nn.BatchNorm2d(ch))
        elif kind == "act":
            layers.append(ACTS[int(rng.integers(len(ACTS)))]())
        elif kind == "pool" and s >= 4:
            k = int(rng.integers(2, 4))
            stride = int(rng.integers(1, 3))
            ceil = bool(rng.random() < 0.5)
            pad = int(rng.integers(0, k // 2 + 1))
            if rng.random() < 0.5:
                layers.append(nn.MaxPool2d(k, stride=stride, padding=pad, ceil_mode=ceil))
            else:
                include = bool(rng.random() < 0.5)
                span = s + 2 * pad - k
                o = (-(-span // stride) if ceil else span // stride) + 1
                if ceil and (o - 1) * stride >= s + pad:
                    o -= 1
                if ceil and include and pad and (o - 1) * stride + k > s + 2 * pad:
                    include = False   # the one AvgPool form ONNX divides differently (refused; tested below)
                layers.append(nn.AvgPool2d(k, stride=stride, padding=pad, ceil_mode=ceil, count_include_pad=include))
            span = s + 2 * pad - k
            o = (-(-span // stride) if ceil else span // stride) + 1
            if ceil and (o - 1) * stride >= s + pad:
                o -= 1
            s = o
        elif kind == "residual":
            layers.append(Residual(nn.Conv2d(ch, ch, 3, padding=1), ACTS[int(rng.integers(len(ACTS)))]()))
        elif kind == "concat":
            out = int(rng.integers(1, 5))
            layers.append(Concat(nn.Conv2d(ch, out, 1), nn.Conv2d(ch, out, 3, padding=1)))
            ch = 2 * out
        elif kind == "pad":
            layers.append([nn.ZeroPad2d(1), nn.ReflectionPad2d(1), nn.ReplicationPad2d(1)][int(rng.integers(3))])
            s += 2
    if rng.random() < 0.5:
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(ch, int(rng.integers(1, 6)))]
    else:
        layers += [nn.Flatten(), nn.Linear(ch * s * s, int(rng.integers(1, 6)))]
    numnet.manual_seed(seed)
    model = nn.Sequential(*layers)
    for m in model.modules():
        if hasattr(m, "reset_parameters") and not isinstance(m, (nn.BatchNorm2d,)):
            m.reset_parameters()
    return _randomize_bn(model)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arch_and_shape(), st.sampled_from([13, 17]))
def test_random_architectures(arch, opset):
    c, size, seed = arch
    model = _build(c, size, seed)
    check_model(model, images((c, size, size)), opset=opset)


def test_random_architectures_are_many_and_distinct():
    """The property test above really ran at least 50 different architectures."""
    archs = {repr(_build(c, s, seed)) for c, s, seed in
             [(int(c), int(s), int(seed)) for c, s, seed in
              np.random.default_rng(7).integers([1, 6, 0], [5, 15, 2**31 - 1], size=(60, 3))]}
    assert len(archs) >= 50


# ----------------------------------------------------------------------------------------------------- errors
class _Custom(numnet.autograd.Function):
    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * 2


class WithCustom(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())

    def forward(self, x):
        return _Custom.apply(self.body(x)).sum((2, 3))


def test_unsupported_op_names_op_and_path():
    with pytest.raises(ExportError, match=r"_Custom at \(the model\) \(WithCustom\)"):
        numnet.onnx.export(WithCustom(), numnet.randn(1, 1, 5, 5), None)


def test_unsupported_options_listed_together():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, divisor_override=3), nn.AdaptiveAvgPool2d(2))
    with pytest.raises(ExportError) as err:
        numnet.onnx.export(model, numnet.randn(1, 1, 9, 9), None)
    msg = str(err.value)
    assert "AvgPool2d at 1 (AvgPool2d): divisor_override" in msg
    assert "AdaptiveAvgPool2d at 2 (AdaptiveAvgPool2d)" in msg and "does not divide" in msg


def test_avgpool_form_onnx_divides_differently_is_refused():
    with pytest.raises(ExportError, match="ceil_mode with count_include_pad"):
        numnet.onnx.export(nn.Sequential(nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)),
                           numnet.randn(1, 1, 6, 6), None)


def test_loss_in_forward_is_refused():
    class WithLoss(nn.Module):
        def forward(self, x):
            return F.mse_loss(x, x * 0.0)

    with pytest.raises(ExportError, match="MSELoss at .*a loss is not part"):
        numnet.onnx.export(WithLoss(), numnet.randn(2, 3), None)


def test_value_dependent_constant_is_refused():
    class Peek(nn.Module):
        def forward(self, x):
            return x * numnet.tensor(x.numpy().max())      # computed outside numnet's ops

    with pytest.raises(ExportError, match="depends on the input"):
        numnet.onnx.export(Peek(), numnet.randn(2, 3), None)


def test_value_dependent_control_flow_is_refused():
    class Branch(nn.Module):
        def forward(self, x):
            return x.exp() if float(x.min()) > 0 else x.tanh().neg().abs()

    x = numnet.tensor(np.full((2, 3), 0.5, np.float32))
    with pytest.raises(ExportError, match="different ops on two inputs"):
        numnet.onnx.export(Branch(), x, None)


def test_batch_dependent_constant_is_refused_but_static_batch_works():
    class NewTensor(nn.Module):
        def forward(self, x):
            return x + numnet.ones(x.shape[0], 3)

    with pytest.raises(ExportError, match="depends on the input"):
        numnet.onnx.export(NewTensor(), numnet.randn(2, 3), None)
    proto = numnet.onnx.export(NewTensor(), numnet.randn(2, 3), None, dynamic_batch=False)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    for _, run in runtimes(proto):
        np.testing.assert_allclose(run({"input": x})[0], x + 1, rtol=1e-6)


@pytest.mark.parametrize("bad,match", [
    (dict(opset=12), "opset to be an int in \\[13, 21\\]"),
    (dict(opset=22), "opset"),
    (dict(opset=True), "opset"),
    (dict(dynamic_batch="yes"), "dynamic_batch to be a bool"),
    (dict(input_names=["a", "b"]), "expected 1 input names, got 2"),
])
def test_bad_arguments(bad, match):
    with pytest.raises(ExportError, match=match):
        numnet.onnx.export(models.get_model("mlp"), numnet.randn(1, 1, 28, 28), None, **bad)


def test_bad_model_and_example():
    with pytest.raises(ExportError, match="expected model to be a numnet Module, got str"):
        numnet.onnx.export("lenet5", numnet.randn(1, 1, 28, 28), None)
    with pytest.raises(ExportError, match="expected example_input to be a Tensor"):
        numnet.onnx.export(models.get_model("mlp"), "x", None)
    with pytest.raises(ExportError, match="0-d"):
        numnet.onnx.export(models.get_model("mlp"), numnet.tensor(1.0), None)

    class Dict(nn.Module):
        def forward(self, x):
            return {"y": x}

    with pytest.raises(ExportError, match="return a Tensor or a tuple of Tensors, got dict"):
        numnet.onnx.export(Dict(), numnet.randn(1, 2), None)


def test_trace_leaves_no_patch_behind():
    before = (numnet.autograd.Function.__dict__["apply"], nn.Module.__call__)
    with pytest.raises(ExportError):
        numnet.onnx.export(WithCustom(), numnet.randn(1, 1, 5, 5), None)
    assert (numnet.autograd.Function.__dict__["apply"].__func__, nn.Module.__call__) == \
        (before[0].__func__, before[1])


# --------------------------------------------------------------------------------------------------------- CLI
def test_cli_export_onnx(tmp_path, capsys):
    from numnet.cli import main

    model = _randomize_bn(models.get_model("vggsmall"))
    numnet.save_model(model, tmp_path / "m.safetensors")
    out = tmp_path / "m.onnx"
    assert main(["export", str(tmp_path / "m.safetensors"), "--onnx", str(out), "--opset", "13"]) == 0
    assert "wrote" in capsys.readouterr().out
    proto = onnx.load(str(out))
    assert proto.opset_import[0].version == 13
    x = np.random.default_rng(3).standard_normal((7, 1, 28, 28)).astype(np.float32)
    with numnet.no_grad():
        want = numnet.load_model(tmp_path / "m.safetensors").eval()(numnet.tensor(x)).numpy()
    for _, run in runtimes(proto):
        np.testing.assert_allclose(run({"input": x})[0], want, rtol=1e-4, atol=1e-5)
    assert main(["export", str(tmp_path / "m.safetensors"), "--onnx", str(out)]) == 2
    assert "exists (pass --overwrite" in capsys.readouterr().err
    assert main(["export", "lenet5"]) == 2
    assert "expected --onnx OUT.onnx and/or --numpy OUT_DIR" in capsys.readouterr().err
