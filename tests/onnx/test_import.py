"""numnet.onnx.load: CNNs exported by torch.onnx.export (opsets 11-21) match torch in eval mode and fine-tune in
numnet with torch's gradients; hand-built graphs match onnxruntime; bad files and unsupported ops fail clearly."""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import onnxruntime as ort
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

import numnet
import numnet.onnx
from numnet import nn
from numnet.errors import FileFormatError, ShapeError, UnsupportedOpError
from numnet.nn import functional as F

OPSETS = (11, 13, 17, 18, 20, 21)
RTOL, ATOL = 1e-4, 1e-5


# ---------------------------------------------------------------- torch models

class LeNet(torch.nn.Module):
    def __init__(self, use_view: bool = True) -> None:
        super().__init__()
        self.use_view = use_view
        self.conv1 = torch.nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = torch.nn.Conv2d(6, 16, 5)
        self.fc1 = torch.nn.Linear(16 * 5 * 5, 32)
        self.fc2 = torch.nn.Linear(32, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.nn.functional.avg_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1) if self.use_view else torch.flatten(x, 1)
        return self.fc2(torch.relu(self.fc1(x)))


def vgg(p: float = 0.3) -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
        torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(p), torch.nn.Linear(16 * 4 * 4, 32), torch.nn.BatchNorm1d(32),
        torch.nn.ReLU(), torch.nn.Dropout(p), torch.nn.Linear(32, 10))


class Block(torch.nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, bias=False),
                                            torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return torch.relu(y + (x if self.down is None else self.down(x)))


class ResNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8),
                                        torch.nn.ReLU())
        self.layer1 = Block(8, 8, 1)
        self.layer2 = Block(8, 16, 2)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


class Mixed(torch.nn.Module):
    """Depthwise and grouped convs, asymmetric-free padding, ceil-mode avg pool, many activations, concat,
    ConvTranspose2d, nearest and bilinear upsampling, PReLU, AdaptiveAvgPool2d(1)."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.grouped = torch.nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.pool = torch.nn.AvgPool2d(3, 2, padding=1, ceil_mode=True, count_include_pad=False)
        self.up = torch.nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
        self.prelu = torch.nn.PReLU(8)
        self.mix = torch.nn.Conv2d(16, 8, 1)
        self.head = torch.nn.Linear(8, 10)

    def forward(self, x):
        x = torch.nn.functional.leaky_relu(self.stem(x), 0.1)
        a = torch.nn.functional.elu(self.dw(x))
        b = torch.nn.functional.gelu(self.grouped(x))
        y = torch.cat([torch.nn.functional.hardswish(a), torch.nn.functional.silu(b)], 1)
        y = self.pool(y)  # 16 x 5 x 5 from 9 x 9
        z = self.prelu(self.up(y))  # 8 x 10 x 10
        z = torch.sigmoid(z) * torch.tanh(z)
        u = torch.nn.functional.interpolate(z, scale_factor=2, mode="nearest")
        v = torch.nn.functional.interpolate(z, scale_factor=2, mode="bilinear", align_corners=False)
        w = self.mix(torch.cat([u, v], 1))
        return self.head(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(w, 1), 1))


def _randomise_bn(model: torch.nn.Module, shape: tuple) -> None:
    """Give BatchNorm non-trivial running stats and affine parameters."""
    g = torch.Generator().manual_seed(1)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape, generator=g) * 2 + 0.5)
        for mod in model.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.weight.uniform_(0.5, 1.5, generator=g)
                mod.bias.uniform_(-0.5, 0.5, generator=g)
    model.eval()


def _export(model: torch.nn.Module, shape: tuple, opset: int, **kw) -> tuple[bytes, torch.nn.Module]:
    """The ONNX bytes and the exported copy (a TRAINING-mode export traces in train mode, which moves the BN
    running stats of the copy; the file holds the moved ones)."""
    f = io.BytesIO()
    model = copy.deepcopy(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(*shape),), f, dynamo=False, opset_version=opset,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **kw)
    return f.getvalue(), model.eval()


UNFOLDED = {"do_constant_folding": False}  # keeps BatchNormalization (else folded into Conv) and torch's names
MODELS = {  # name -> (builder, input shape without batch, export options, opsets)
    "lenet_view": (lambda: LeNet(True), (1, 28, 28), {}, OPSETS),
    "lenet_flatten": (lambda: LeNet(False), (1, 28, 28), {}, (11, 17)),
    "vgg": (vgg, (3, 16, 16), {"training": torch.onnx.TrainingMode.TRAINING}, OPSETS),
    "vgg_eval_unfolded": (vgg, (3, 16, 16), UNFOLDED, (13,)),
    "resnet": (ResNet, (3, 16, 16), UNFOLDED, OPSETS),
    "resnet_folded": (ResNet, (3, 16, 16), {}, (11, 17)),
    "mixed": (Mixed, (3, 9, 9), {}, OPSETS),
    "mixed_unfolded": (Mixed, (3, 9, 9), UNFOLDED, (17,)),
}
CASES = [(name, v) for name, spec in MODELS.items() for v in spec[3]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every model built once, exported once per opset into files; {(name, opset): (torch model, path)}."""
    root = tmp_path_factory.mktemp("onnx_import")
    out = {}
    for name, (build, shape, kw, opsets) in MODELS.items():
        torch.manual_seed(0)
        model = build()
        _randomise_bn(model, (8,) + shape)
        for opset in opsets:
            path = root / f"{name}_{opset}.onnx"
            data, exported_model = _export(model, (2,) + shape, opset, **kw)
            path.write_bytes(data)
            out[(name, opset)] = (exported_model, path)
    return out


_DIFFS: dict = {}


@pytest.mark.parametrize("name,opset", CASES)
def test_matches_torch_in_eval_mode(exported, name, opset):
    model, path = exported[(name, opset)]
    net = numnet.onnx.load(path)
    net.eval()
    shape = MODELS[name][1]
    g = torch.Generator().manual_seed(opset)
    for batch in (1, 7):
        x = torch.randn(batch, *shape, generator=g)
        with torch.no_grad():
            want = model(x).numpy()
        with numnet.no_grad():
            got = net(numnet.tensor(x.numpy())).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
        _DIFFS[(name, opset, batch)] = float(np.abs(got - want).max())


def test_layers_become_numnet_modules(exported):
    _, path = exported[("vgg", 17)]
    net = numnet.onnx.load(path)
    kinds = [type(m).__name__ for _, m in net.named_children()]
    assert kinds.count("Conv2d") == 3 and kinds.count("Linear") == 2 and kinds.count("Dropout") == 2
    assert kinds.count("BatchNorm2d") == 3 and kinds.count("BatchNorm1d") == 1
    assert dict(net.named_children())["0"].weight.shape == (8, 3, 3, 3)  # "0.weight" -> submodule "0"
    assert {"1.running_mean", "1.running_var"} <= set(net.state_dict())
    # dropout really drops in train mode and not in eval mode
    x = numnet.tensor(np.random.default_rng(0).standard_normal((4, 3, 16, 16)).astype(np.float32))
    net.eval()
    with numnet.no_grad():
        a, b = net(x).numpy(), net(x).numpy()
    np.testing.assert_array_equal(a, b)
    net.train()
    with numnet.no_grad():
        c, d = net(x).numpy(), net(x).numpy()
    assert not np.allclose(c, d)  # dropout (p=0.3) draws a new mask each call
    _, path = exported[("mixed", 13)]
    mixed = numnet.onnx.load(path)
    kinds = {type(m).__name__ for _, m in mixed.named_children()}
    assert kinds == {"Conv2d", "ConvTranspose2d", "Linear"}
    slope = [v for k, v in mixed.source_names.items() if "PRelu" in k]  # folded by torch into onnx::PRelu_<n>
    assert len(slope) == 1  # PReLU slope: a trainable Parameter of the OnnxModule itself
    assert isinstance(getattr(mixed, slope[0]), nn.Parameter) and getattr(mixed, slope[0]).shape == (8, 1, 1)


def _grads_numnet(net, x, y):
    net.train()
    net.zero_grad()
    loss = F.cross_entropy(net(numnet.tensor(x)), numnet.tensor(y))
    loss.backward()
    return float(loss.item()), {k: p.grad.numpy() for k, p in net.named_parameters()}


@pytest.mark.parametrize("name,opset", [("resnet", 11), ("resnet", 20), ("vgg_eval_unfolded", 13),
                                        ("mixed_unfolded", 17)])
def test_gradients_match_torch_in_train_mode(exported, name, opset):
    model, path = exported[(name, opset)]
    model = copy.deepcopy(model)
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    net = numnet.onnx.load(path)
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6,) + MODELS[name][1]).astype(np.float32)
    y = rng.integers(0, 10, 6)
    model.train()
    model.zero_grad()
    t_loss = torch.nn.functional.cross_entropy(model(torch.tensor(x)), torch.tensor(y))
    t_loss.backward()
    loss, grads = _grads_numnet(net, x, y)
    assert loss == pytest.approx(float(t_loss.detach()), rel=1e-5)
    torch_params = dict(model.named_parameters())
    names = net.source_names
    covered = set()
    for tname, p in torch_params.items():
        assert tname in names, f"{tname} not imported as a parameter"
        np.testing.assert_allclose(grads[names[tname]], p.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=tname)
        covered.add(names[tname])
    assert covered == set(grads)  # parameters() holds every weight of the file and nothing else
    # BN batch statistics update the running buffers exactly as torch does
    for tname, buf in model.named_buffers():
        if tname.endswith("running_mean") and tname in names:
            np.testing.assert_allclose(net.state_dict()[names[tname]].numpy(), buf.numpy(), rtol=1e-4, atol=1e-6)


def test_fine_tuning_lowers_the_loss(exported):
    _, path = exported[("vgg", 17)]
    net = numnet.onnx.load(path)
    rng = np.random.default_rng(5)
    x = numnet.tensor(rng.standard_normal((16, 3, 16, 16)).astype(np.float32))
    y = numnet.tensor(rng.integers(0, 10, 16))
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0
    opt = numnet.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    net.train()
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    assert losses[-1] < 0.7 * losses[0], losses
    assert len(list(net.parameters())) == 4 * 2 + 4 * 2 + 2  # 3 conv + 2 linear (w, b), 4 BN (w, b)


# ---------------------------------------------------------------- hand-built graphs vs onnxruntime

def _model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def _vi(name, shape, dt=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dt, shape)


def _const(name, values, dt=np.int64):
    return numpy_helper.from_array(np.asarray(values, dtype=dt), name)


def _vs_ort(model, *xs):
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    want = sess.run(None, {i.name: x for i, x in zip(sess.get_inputs(), xs)})
    net = numnet.onnx.load(model)
    got = net(*[numnet.tensor(x) for x in xs])
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(want)
    for g_, w_ in zip(got, want):
        assert g_.shape == w_.shape
        np.testing.assert_allclose(g_.detach().numpy(), w_, rtol=1e-5, atol=1e-6)
    return net


X = np.random.default_rng(0).standard_normal((2, 3, 5, 6)).astype(np.float32)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("op", ["Softmax", "LogSoftmax"])
def test_opset11_softmax_flattens_at_axis(op, axis):
    m = _model([helper.make_node(op, ["x"], ["y"], axis=axis)], [_vi("x", [2, 3, 5, 6])], [_vi("y", None)], opset=11)
    _vs_ort(m, X)
    m13 = _model([helper.make_node(op, ["x"], ["y"], axis=axis)], [_vi("x", [2, 3, 5, 6])], [_vi("y", None)])
    _vs_ort(m13, X)


@pytest.mark.parametrize("mode,pads", [("reflect", [0, 0, 1, 2, 0, 0, 2, 1]), ("edge", [0, 1, 1, 0, 0, 0, 2, 3]),
                                       ("constant", [0, 0, 1, -1, 0, 0, -2, 2])])
def test_pad_matches_onnxruntime(mode, pads):
    m = _model([helper.make_node("Pad", ["x", "pads", "v"], ["y"], mode=mode)], [_vi("x", [2, 3, 5, 6])],
               [_vi("y", None)], [_const("pads", pads), _const("v", 0.5, np.float32)])
    _vs_ort(m, X)


def test_slice_split_matches_onnxruntime():
    nodes = [helper.make_node("Slice", ["x", "s", "e", "a", "st"], ["y"]),
             helper.make_node("Slice", ["x", "s2", "e2", "a2"], ["z"]),
             helper.make_node("Split", ["x", "sizes"], ["p", "q", "r"], axis=3),
             helper.make_node("Split", ["x"], ["u", "w"], axis=-1)]
    inits = [_const("s", [4, -1]), _const("e", [-100, 0]), _const("a", [2, 3]), _const("st", [-2, -1]),
             _const("s2", [1, 1]), _const("e2", [2 ** 62, -1]), _const("a2", [1, -1]), _const("sizes", [1, 2, 3])]
    m = _model(nodes, [_vi("x", [2, 3, 5, 6])], [_vi(n, None) for n in "yzpqruw"], inits, opset=13)
    _vs_ort(m, X)


@pytest.mark.parametrize("attrs,scales,sizes", [
    ({"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
     [1, 1, 2, 3], None),
    ({"mode": "nearest"}, None, [2, 3, 7, 4]),
    ({"mode": "linear"}, [1, 1, 2, 2], None),
    ({"mode": "linear", "coordinate_transformation_mode": "align_corners"}, None, [2, 3, 9, 11]),
    ({"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"}, [1, 1, 0.6, 1.5], None),
])
def test_resize_matches_onnxruntime(attrs, scales, sizes):
    inits = [_const("roi", [], np.float32)]
    ins = ["x", "roi"]
    if scales is not None:
        inits.append(_const("scales", scales, np.float32))
        ins.append("scales")
    else:
        inits.append(_const("sizes", sizes))
        ins += ["", "sizes"]
    m = _model([helper.make_node("Resize", ins, ["y"], **attrs)], [_vi("x", [2, 3, 5, 6])], [_vi("y", None)], inits)
    net = _vs_ort(m, X)
    # the resize is differentiable
    x = numnet.tensor(X, requires_grad=True)
    net(x).sum().backward()
    assert x.grad is not None and float(x.grad.sum().item()) > 0


def test_upsample_opset9_matches_onnxruntime():
    m = _model([helper.make_node("Upsample", ["x", "scales"], ["y"], mode="nearest")], [_vi("x", [2, 3, 5, 6])],
               [_vi("y", None)], [_const("scales", [1, 1, 2, 3], np.float32)], opset=9)
    _vs_ort(m, X)


def test_shape_subgraph_with_dynamic_batch_and_clip_reduce():
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["shape"], axis=0),
             helper.make_node("Reshape", ["x", "shape"], ["flat"]),
             helper.make_node("Clip", ["flat", "lo", "hi"], ["c"]),
             helper.make_node("ReduceMean", ["c", "ax1"], ["y"], keepdims=0),
             helper.make_node("Mul", ["y", "k"], ["out"])]
    inits = [_const("zero", 0), _const("ax0", [0]), _const("minus1", [-1]), _const("lo", -0.5, np.float32),
             _const("hi", 0.7, np.float32), _const("ax1", [1]), _const("k", [3.0], np.float32)]
    m = _model(nodes, [_vi("x", ["batch", 3, 5, 6])], [_vi("out", ["batch"])], inits, opset=18)
    net = _vs_ort(m, X)
    _vs_ort(m, np.concatenate([X, X, X])[:5])
    assert [p.shape for p in net.parameters()] == [(1,)]  # the Mul constant is trainable; shape constants aren't
    assert set(dict(net.named_buffers())) >= {"zero", "ax0", "minus1", "lo", "hi", "ax1"}


# ---------------------------------------------------------------- errors

def test_unsupported_ops_are_all_listed_at_load_time():
    nodes = [helper.make_node("TopK", ["x", "k"], ["v", "i"], name="topk_1"),
             helper.make_node("NonMaxSuppression", ["boxes", "scores"], ["sel"], name="nms"),
             helper.make_node("TopK", ["x", "k"], ["v2", "i2"], name="topk_2"),
             helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Resize", ["x", "", "sc"], ["z"], mode="cubic", name="bicubic")]
    m = _model(nodes, [_vi("x", [2, 4]), _vi("boxes", [1, 3, 4]), _vi("scores", [1, 1, 3])],
               [_vi("v", None), _vi("sel", None), _vi("r", None), _vi("z", None)],
               [_const("k", [2]), _const("sc", [1.0, 2.0], np.float32)])
    with pytest.raises(UnsupportedOpError) as e:
        numnet.onnx.load(m)
    msg = str(e.value)
    for word in ("TopK", "NonMaxSuppression", "topk_1", "topk_2", "nms", "Resize", "bicubic", "cubic"):
        assert word in msg
    assert "Relu" not in msg
    assert isinstance(e.value, numnet.ArgumentError)


def test_bad_files_raise_file_format_error(tmp_path, exported):
    _, path = exported[("lenet_view", 13)]
    data = path.read_bytes()
    trunc = tmp_path / "truncated.onnx"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="truncated.onnx"):
        numnet.onnx.load(trunc)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n this is not an onnx file at all" * 3)
    with pytest.raises(FileFormatError, match="garbage.onnx"):
        numnet.onnx.load(garbage)
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty.onnx"):
        numnet.onnx.load(empty)
    # a node reading a name nobody defines
    m = _model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add")], [_vi("x", [2])], [_vi("y", None)])
    with pytest.raises(FileFormatError, match="ghost"):
        numnet.onnx.load(m)
    # external data: refused, naming the initializer
    ext = _model([helper.make_node("Add", ["x", "w"], ["y"])], [_vi("x", [2])], [_vi("y", None)],
                 [_const("w", [1.0, 2.0], np.float32)])
    ext.graph.initializer[0].data_location = TensorProto.EXTERNAL
    ext.graph.initializer[0].ClearField("raw_data")
    ext.graph.initializer[0].ClearField("float_data")
    ext.graph.initializer[0].external_data.add(key="location", value="weights.bin")
    with pytest.raises(FileFormatError, match="external"):
        numnet.onnx.load(ext)


def test_forward_checks_inputs(exported):
    _, path = exported[("lenet_view", 17)]
    net = numnet.onnx.load(path)
    with pytest.raises(ShapeError, match="'input'.*28, 28.*32, 32"):
        net(numnet.zeros(2, 1, 32, 32))
    with pytest.raises(ShapeError, match="1 input"):
        net(numnet.zeros(2, 1, 28, 28), numnet.zeros(2, 1, 28, 28))
    assert net(np.zeros((3, 1, 28, 28), np.float32)).shape == (3, 10)


def test_float64_model_stays_float64():
    """Asymmetric conv pads and SAME_UPPER pooling, in float64 (onnxruntime has no float64 Conv: its float32 run of
    the same graph is the reference)."""
    w = np.random.default_rng(0).standard_normal((4, 3, 3, 3))

    def build(dt, np_dt):
        return _model([helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 0, 1, 2]),
                       helper.make_node("MaxPool", ["c"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                                        auto_pad="SAME_UPPER")],
                      [_vi("x", [2, 3, 5, 6], dt)], [_vi("y", None, dt)],
                      [numpy_helper.from_array(w.astype(np_dt), "w")])

    sess = ort.InferenceSession(build(TensorProto.FLOAT, np.float32).SerializeToString(),
                                providers=["CPUExecutionProvider"])
    want = sess.run(None, {"x": X})[0]
    net = numnet.onnx.load(build(TensorProto.DOUBLE, np.float64))
    got = net(numnet.tensor(X.astype(np.float64)))
    assert got.dtype == numnet.float64 and net.get_submodule(net.source_names["w"].split(".")[0]).weight.dtype == \
        numnet.float64
    np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-5, atol=1e-5)


def test_import_numnet_does_not_import_onnx():
    import subprocess
    import sys
    code = "import sys, numnet, numnet.onnx; assert 'onnx' not in sys.modules, 'onnx imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[2]))


def test_missing_onnx_package_says_how_to_install(tmp_path):
    import subprocess
    import sys
    code = ("import sys; sys.modules['onnx'] = None\n"
            "import numnet.onnx\n"
            "try:\n    numnet.onnx.load(b'')\nexcept numnet.ArgumentError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[2])).stdout
    assert "pip install 'numnet[onnx]'" in out


def test_report_largest_differences():
    """Runs last in this file: the largest |numnet - torch| per model over opsets and batch sizes."""
    assert _DIFFS, "the torch comparisons did not run first"
    worst: dict = {}
    for (name, _, _), d in _DIFFS.items():
        worst[name] = max(worst.get(name, 0.0), d)
    print("\nlargest |numnet - torch|:", {k: f"{v:.2e}" for k, v in worst.items()})
    assert max(worst.values()) < 1e-4


def test_elementwise_and_shape_ops_match_onnxruntime():
    """One graph with most single-input ops and the shape/data-movement ops, each a graph output, vs onnxruntime."""
    n = helper.make_node
    nodes = [
        n("Abs", ["x"], ["ax"]), n("Sqrt", ["ax"], ["sqrt"]), n("Log", ["ax"], ["log"]), n("Exp", ["x"], ["exp"]),
        n("Reciprocal", ["ax"], ["rec"]), n("Neg", ["x"], ["neg"]), n("Pow", ["ax", "p"], ["pow"]),
        n("Erf", ["x"], ["erf"]), n("Softplus", ["x"], ["softplus"]), n("Softsign", ["x"], ["softsign"]),
        n("HardSigmoid", ["x"], ["hsig"], alpha=0.3, beta=0.4), n("HardSwish", ["x"], ["hswish"]),
        n("Selu", ["x"], ["selu"]), n("Celu", ["x"], ["celu"], alpha=0.7), n("Elu", ["x"], ["elu"], alpha=0.5),
        n("LeakyRelu", ["x"], ["leaky"], alpha=0.2), n("PRelu", ["x", "slope"], ["prelu"]),
        n("Gelu", ["x"], ["gelu"]), n("Gelu", ["x"], ["gelu_tanh"], approximate="tanh"),
        n("Sigmoid", ["x"], ["sig"]), n("Tanh", ["x"], ["tanh"]), n("Relu", ["x"], ["relu"]),
        n("Max", ["x", "neg", "sig"], ["max"]), n("Min", ["x", "neg"], ["min"]), n("Sum", ["x", "neg", "sig"], ["sum"]),
        n("Sub", ["x", "sig"], ["sub"]), n("Div", ["x", "rec"], ["div"]),
        n("Transpose", ["x"], ["tr"], perm=[0, 2, 3, 1]), n("Flatten", ["x"], ["flat"], axis=2),
        n("ReduceSum", ["x", "axes23"], ["rsum"], keepdims=1), n("ReduceMax", ["x", "axes1"], ["rmax"], keepdims=0),
        n("ReduceMin", ["x"], ["rmin"], keepdims=0), n("ReduceMean", ["x", "axes23"], ["rmean"]),
        n("GlobalMaxPool", ["x"], ["gmp"]), n("GlobalAveragePool", ["x"], ["gap"]),
        n("Unsqueeze", ["gap", "axes0"], ["unsq"]), n("Squeeze", ["unsq", "axes0"], ["sq"]),
        n("Tile", ["gap", "reps"], ["tile"]), n("Expand", ["gap", "eshape"], ["expand"]),
        n("ConstantOfShape", ["eshape"], ["cos"], value=numpy_helper.from_array(np.array([1.5], np.float32))),
        n("Add", ["cos", "x"], ["add"]), n("Cast", ["x"], ["cast"], to=TensorProto.INT64),
        n("Cast", ["cast"], ["castf"], to=TensorProto.FLOAT), n("Mul", ["castf", "x"], ["mul"]),
        n("Gather", ["x", "gidx"], ["gather"], axis=3), n("MatMul", ["x", "mm"], ["matmul"]),
        n("LayerNormalization", ["x", "lnw", "lnb"], ["ln"], axis=-2, epsilon=1e-3),
        n("Clip", ["x", "", "hi"], ["clip"]), n("Equal", ["cast", "zero"], ["eq"]),
        n("Where", ["eq", "x", "neg"], ["where"]), n("Shape", ["x"], ["shape"], start=1),
        n("Concat", ["shape", "axes0"], ["shapecat"], axis=0), n("Mean", ["x", "neg", "exp"], ["mean"]),
        n("Floor", ["x"], ["floor"]), n("Ceil", ["x"], ["ceil"]), n("Size", ["x"], ["shape_size"]),
        n("Range", ["zero", "five", "two"], ["shape_range"]), n("Gather", ["x", "zero"], ["gather0"], axis=1),
    ]
    f32 = np.float32
    inits = [_const("p", 1.7, f32), _const("slope", np.linspace(-1, 1, 6).reshape(1, 1, 1, 6), f32),
             _const("axes23", [2, 3]), _const("axes1", [1]), _const("axes0", [0]), _const("reps", [1, 2, 3, 1]),
             _const("eshape", [2, 3, 5, 6]), _const("gidx", [[0, 5], [2, 2]]), _const("zero", 0),
             _const("five", 5), _const("two", 2), _const("mm", np.random.default_rng(1).standard_normal((6, 4)), f32),
             _const("lnw", np.linspace(0.5, 2, 30).reshape(5, 6), f32), _const("lnb", np.full((5, 6), 0.1), f32),
             _const("hi", 0.25, f32)]
    outs = [o for node in nodes for o in node.output if o not in ("ax", "unsq", "cos", "cast", "castf", "eq")]
    m = _model(nodes, [_vi("x", ["batch", 3, 5, 6])],
               [_vi(o, None, TensorProto.INT64 if o.startswith("shape") else TensorProto.FLOAT) for o in outs],
               inits, opset=20)
    net = _vs_ort(m, X * 2)
    assert [o.name for o in m.graph.output] == net.output_names
    # every float initializer a node computes with is trainable: PRelu slope, Pow exponent, MatMul, LayerNorm
    trainable = {net.source_names[k] for k in ("slope", "p", "mm", "lnw", "lnb")}
    assert trainable == {k for k, _ in net.named_parameters()}


@pytest.mark.parametrize("op,attrs", [
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    ("MaxPool", {"kernel_shape": [2, 3], "strides": [1, 2], "pads": [0, 1, 1, 0]}),
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ("MaxPool", {"kernel_shape": [2, 2], "strides": [1, 1], "pads": [1, 1, 1, 1], "dilations": [2, 2]}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ("AveragePool", {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [0, 1, 2, 0]}),
    ("AveragePool", {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [0, 1, 2, 0], "count_include_pad": 1}),
    ("AveragePool", {"kernel_shape": [2, 2], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [1, 1], "auto_pad": "VALID"}),
])
def test_pools_match_onnxruntime(op, attrs):
    m = _model([helper.make_node(op, ["x"], ["y"], **attrs)], [_vi("x", [2, 3, 5, 6])], [_vi("y", None)])
    _vs_ort(m, X)


@pytest.mark.parametrize("op,attrs,wshape", [
    ("Conv", {"pads": [1, 0, 2, 1], "strides": [2, 1], "group": 3}, (6, 1, 3, 3)),
    ("Conv", {"auto_pad": "SAME_UPPER", "strides": [2, 2]}, (4, 3, 3, 2)),
    ("Conv", {"pads": [2, 1, 2, 1], "dilations": [2, 3]}, (4, 3, 3, 2)),
    ("Conv", {"auto_pad": "SAME_LOWER", "strides": [2, 2]}, (4, 3, 2, 2)),
    ("ConvTranspose", {"strides": [2, 2], "pads": [1, 0, 0, 1], "output_padding": [1, 0]}, (3, 4, 3, 3)),
    ("ConvTranspose", {"strides": [2, 3], "output_shape": [11, 17]}, (3, 2, 3, 3)),
    ("ConvTranspose", {"strides": [2, 2], "auto_pad": "SAME_UPPER", "group": 3}, (3, 2, 2, 2)),
])
def test_convs_match_onnxruntime(op, attrs, wshape):
    rng = np.random.default_rng(2)
    w = rng.standard_normal(wshape).astype(np.float32)
    cout = wshape[0] if op == "Conv" else wshape[1] * attrs.get("group", 1)
    b = rng.standard_normal(cout).astype(np.float32)
    m = _model([helper.make_node(op, ["x", "w", "b"], ["y"], **attrs)], [_vi("x", [2, 3, 5, 6])],
               [_vi("y", None)], [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    net = _vs_ort(m, X)
    assert len(list(net.children())) == 1


@pytest.mark.parametrize("attrs,bshape,cshape", [
    ({"transB": 1}, (4, 30), (4,)), ({"transB": 0, "alpha": 0.5, "beta": 2.0}, (30, 4), (1, 4)),
    ({"transA": 1, "transB": 1}, (4, 2), (4,)), ({}, (30, 4), (2, 4)),
])
def test_gemm_matches_onnxruntime(attrs, bshape, cshape):
    rng = np.random.default_rng(4)
    a_shape = (2, 30) if not attrs.get("transA") else (30, 2)
    if attrs.get("transA"):
        bshape = (4, 30)
    inits = [numpy_helper.from_array(rng.standard_normal(bshape).astype(np.float32), "B"),
             numpy_helper.from_array(rng.standard_normal(cshape).astype(np.float32), "C")]
    m = _model([helper.make_node("Gemm", ["a", "B", "C"], ["y"], **attrs)], [_vi("a", list(a_shape))],
               [_vi("y", None)], inits)
    net = _vs_ort(m, rng.standard_normal(a_shape).astype(np.float32))
    layers = [type(c).__name__ for c in net.children()]
    assert layers == (["Linear"] if not attrs.get("transA") and cshape != (2, 4) else [])


def test_gradcheck_through_an_imported_float64_graph():
    """Finite differences agree with autograd through Erf, Pad reflect, asymmetric AveragePool, linear Resize,
    PRelu, Softmax and LayerNormalization of a loaded float64 graph (inputs and the Parameters)."""
    from numnet.testing import gradcheck
    rng = np.random.default_rng(7)
    f64 = np.float64
    n = helper.make_node
    nodes = [n("Erf", ["x"], ["e"]), n("Pad", ["e", "pads"], ["p"], mode="reflect"),
             n("AveragePool", ["p"], ["a"], kernel_shape=[2, 3], strides=[1, 2], pads=[0, 1, 1, 0]),
             n("Resize", ["a", "", "scales"], ["r"], mode="linear"), n("PRelu", ["r", "slope"], ["pr"]),
             n("Softmax", ["pr"], ["s"], axis=1), n("LayerNormalization", ["s", "lnw"], ["y"], axis=2)]
    inits = [_const("pads", [0, 0, 1, 1, 0, 0, 1, 1]), _const("scales", [1, 1, 1.5, 2], np.float32),
             numpy_helper.from_array(rng.standard_normal((2, 1, 1)), "slope")]
    x = rng.standard_normal((2, 2, 4, 5))
    with numnet.no_grad():
        probe = numnet.onnx.load(_model(nodes[:-1], [_vi("x", [2, 2, 4, 5], TensorProto.DOUBLE)],
                                        [_vi("s", None, TensorProto.DOUBLE)], inits, opset=13))(numnet.tensor(x))
    inits.append(numpy_helper.from_array(rng.standard_normal(probe.shape[2:]).astype(f64), "lnw"))
    m = _model(nodes, [_vi("x", [2, 2, 4, 5], TensorProto.DOUBLE)], [_vi("y", None, TensorProto.DOUBLE)], inits,
               opset=17)
    net = numnet.onnx.load(m)
    names = [k for k, _ in net.named_parameters()]
    params = [p for _, p in net.named_parameters()]
    assert {p.shape for p in params} == {(2, 1, 1), tuple(probe.shape[2:])} and all("." not in k for k in names)

    def run(a, *ps):  # the net with the Parameters gradcheck perturbs
        saved = dict(net._parameters)
        net._parameters.update(zip(names, ps))
        try:
            return net(a)
        finally:
            net._parameters.update(saved)

    assert gradcheck(run, (numnet.tensor(x, requires_grad=True), *params))


def test_state_dict_round_trip_and_double(exported):
    model, path = exported[("resnet", 17)]
    net = numnet.onnx.load(path)
    other = numnet.onnx.load(path)
    with numnet.no_grad():  # scramble other, then restore it from net's state_dict
        for p in other.parameters():
            p.mul_(0.5)
    other.load_state_dict(net.state_dict())
    x = np.random.default_rng(9).standard_normal((3, 3, 16, 16)).astype(np.float32)
    net.eval()
    other.eval()
    with numnet.no_grad():
        np.testing.assert_array_equal(net(numnet.tensor(x)).numpy(), other(numnet.tensor(x)).numpy())
        # torch's state_dict names reach numnet's through source_names
        sd = {net.source_names[k]: numnet.tensor(v.numpy()) for k, v in model.state_dict().items()
              if k in net.source_names}
        assert len(sd) == len(net.source_names)
        other.load_state_dict(sd, strict=False)
        np.testing.assert_allclose(other(numnet.tensor(x)).numpy(), model(torch.tensor(x)).detach().numpy(), rtol=RTOL,
                                   atol=ATOL)
        net.double()
        y = net(numnet.tensor(x.astype(np.float64)))
    assert y.dtype == numnet.float64
    np.testing.assert_allclose(y.numpy(), model(torch.tensor(x)).detach().numpy(), rtol=RTOL, atol=ATOL)
