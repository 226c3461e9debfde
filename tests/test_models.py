"""The model zoo against equivalent PyTorch models: state_dict keys, outputs and gradients after loading torch's
weights; configs, the registry and get_model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import numnet
import numnet.functional as F
from numnet import models
from numnet.errors import ArgumentError
from tests.reference import assert_close

T = torch.nn


class TorchLeNet5(T.Module):
    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.features = T.Sequential(T.Conv2d(in_channels, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
                                     T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2))
        self.classifier = T.Sequential(T.Flatten(), T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(),
                                       T.Linear(84, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class TorchVGGSmall(T.Module):
    def __init__(self, num_classes=10, in_channels=1, width=32, dropout=0.3, input_size=28):
        super().__init__()

        def block(ci, co):
            return [T.Conv2d(ci, co, 3, padding=1, bias=False), T.BatchNorm2d(co), T.ReLU(),
                    T.Conv2d(co, co, 3, padding=1, bias=False), T.BatchNorm2d(co), T.ReLU(), T.MaxPool2d(2)]

        self.features = T.Sequential(*block(in_channels, width), *block(width, 2 * width))
        side = input_size // 4
        self.classifier = T.Sequential(T.Flatten(), T.Dropout(dropout), T.Linear(2 * width * side * side, 128),
                                       T.ReLU(), T.Dropout(dropout), T.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def _load_from_torch(ours, theirs, dtype):
    ours.to(dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    res = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert res.missing_keys == [] and res.unexpected_keys == []


def test_lenet5_has_61706_parameters_and_pytorchs_keys():
    ours, theirs = models.LeNet5(), TorchLeNet5()
    assert ours.num_parameters() == 61_706 == sum(p.numel() for p in theirs.parameters())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == [tuple(v.shape) for v in
                                                                   theirs.state_dict().values()]
    assert repr(ours) == repr(theirs).replace("TorchLeNet5", "LeNet5")


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_lenet5_reproduces_torch_outputs_and_gradients(dtype):
    torch.manual_seed(0)
    ours, theirs = models.LeNet5(num_classes=7, in_channels=2), TorchLeNet5(num_classes=7, in_channels=2)
    _load_from_torch(ours, theirs, dtype)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 28, 28)).astype(dtype)
    y = rng.integers(0, 7, size=4)
    out = ours(numnet.tensor(x))
    out_t = theirs(torch.tensor(x))
    assert_close(out, out_t, dtype, "LeNet5 logits")
    F.cross_entropy(out, numnet.tensor(y)).backward()
    T.functional.cross_entropy(out_t, torch.tensor(y)).backward()
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, torch_params[name].grad, dtype, f"LeNet5 grad {name}")


def test_vgg_small_keys_outputs_and_running_stats_match_torch():
    torch.manual_seed(1)
    cfg = dict(num_classes=5, in_channels=3, width=4, dropout=0.0, input_size=16)
    ours, theirs = models.VGGSmall(**cfg), TorchVGGSmall(**cfg)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert "features.1.num_batches_tracked" in ours.state_dict()
    _load_from_torch(ours, theirs, np.float64)
    x = np.random.default_rng(2).standard_normal((6, 3, 16, 16))
    # training mode: batch statistics, running statistics updated
    assert_close(ours(numnet.tensor(x)), theirs(torch.tensor(x)), np.float64, "VGGSmall train logits")
    torch_sd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        if k.endswith("num_batches_tracked"):
            assert int(v.item()) == int(torch_sd[k]) == 1
        else:
            assert_close(v, torch_sd[k], np.float64, f"VGGSmall {k}")
    # evaluation mode: running statistics
    ours.eval()
    theirs.eval()
    assert_close(ours(numnet.tensor(x)), theirs(torch.tensor(x)), np.float64, "VGGSmall eval logits")


def test_default_vgg_small_is_small():
    net = models.VGGSmall()
    s = net.summary((1, 28, 28), print_fn=None)
    assert s.total_params == net.num_parameters() == 468_010
    assert s.total_macs < 0.15e9  # ≲ 0.3 GFLOP per image
    assert net.config == {"num_classes": 10, "in_channels": 1, "width": 32, "dropout": 0.3, "input_size": 28}


def test_mlp_structure_and_outputs():
    net = models.MLP(in_features=12, hidden=(8, 6), num_classes=3, dropout=0.5)
    assert [type(m).__name__ for m in net.layers] == ["Flatten", "Linear", "ReLU", "Dropout", "Linear", "ReLU",
                                                      "Dropout", "Linear"]
    theirs = T.Sequential(T.Flatten(), T.Linear(12, 8), T.ReLU(), T.Dropout(0.5), T.Linear(8, 6), T.ReLU(),
                          T.Dropout(0.5), T.Linear(6, 3))
    assert list(net.state_dict()) == ["layers." + k for k in theirs.state_dict()]
    net.load_state_dict({"layers." + k: v.numpy() for k, v in theirs.state_dict().items()})
    net.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((5, 3, 4)).astype(np.float32)
    assert_close(net(numnet.tensor(x)), theirs(torch.tensor(x)), np.float32, "MLP logits")
    assert models.MLP().num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert models.MLP(hidden=16).config["hidden"] == [16]
    assert "Dropout" not in repr(models.MLP())


@pytest.mark.parametrize("name", sorted(models.MODELS))
def test_config_is_json_and_rebuilds_the_same_model(name):
    numnet.manual_seed(0)
    net = models.get_model(name)
    config = json.loads(json.dumps(net.config))
    assert config == net.config
    numnet.manual_seed(0)
    again = models.get_model(name, **config)
    assert type(again) is type(net)
    for (k, a), (k2, b) in zip(net.state_dict().items(), again.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a._data, b._data)  # manual_seed makes the initial weights identical


def test_get_model_registry_and_errors():
    assert models.MODELS == {"lenet5": models.LeNet5, "vgg": models.VGGSmall, "resnet": models.ResNet,
                             "mlp": models.MLP}
    assert isinstance(models.get_model("LeNet5", num_classes=3), models.LeNet5)
    assert isinstance(models.get_model("vggsmall", width=8), models.VGGSmall)
    assert models.get_model("resnet-14", width=4).config["depth"] == 14
    assert models.get_model("ResNet8").config["depth"] == 8
    with pytest.raises(ArgumentError, match="unknown model 'resnet9x'. Expected one of: lenet5, mlp, resnet, vgg"):
        models.get_model("resnet9x")
    with pytest.raises(ArgumentError, match="depth to be 6n"):
        models.get_model("resnet", depth=10)
    with pytest.raises(ArgumentError, match="unknown model"):
        models.get_model(None)
    with pytest.raises(ArgumentError, match="LeNet5 does not take 'width'"):
        models.get_model("lenet5", width=3)
    with pytest.raises(ArgumentError, match="input_size to be a multiple of 4"):
        models.VGGSmall(input_size=30)
    with pytest.raises(ArgumentError, match="hidden"):
        models.MLP(hidden=(8, 0))
    with pytest.raises(ArgumentError, match="num_classes"):
        models.LeNet5(num_classes=0)


def test_lenet5_learns_a_small_batch():
    """End to end: 15 steps of SGD with momentum on 32 noisy class templates lower the loss (gradients flow)."""
    numnet.manual_seed(0)
    net = models.LeNet5()
    rng = np.random.default_rng(0)
    templates = rng.standard_normal((10, 1, 28, 28))
    labels = rng.integers(0, 10, size=32)
    x = numnet.tensor((templates[labels] + 0.5 * rng.standard_normal((32, 1, 28, 28))).astype(np.float32))
    y = numnet.tensor(labels)
    velocity = [np.zeros_like(p._data) for p in net.parameters()]
    losses = []
    for _ in range(15):
        net.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        losses.append(loss.item())
        for v, p in zip(velocity, net.parameters()):
            v *= 0.9
            v += p.grad._data
            p._data -= 0.05 * v
    assert losses[-1] < losses[0] - 0.25


# ---------------------------------------------------------------------------------------------------- input_shape_of
class _Configured(numnet.nn.Module):
    """A model outside the zoo that states its input in ``config`` (as commands' old helper accepted)."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.head = numnet.nn.Linear(4, 2)


@pytest.mark.parametrize("make, metadata, expected", [
    # the model file's metadata comes first, even over the model's own guess
    (lambda: models.LeNet5(), {"input_shape": "[1, 32, 32]"}, (1, 32, 32)),
    (lambda: models.MLP(in_features=784 * 3), {"input_shape": "[3, 28, 28]"}, (3, 28, 28)),
    # metadata without input_shape (numnet train's dataset/classes) changes nothing
    (lambda: models.LeNet5(in_channels=3), {"dataset": "mnist", "classes": "[]"}, (3, 28, 28)),
    # the config: a whole shape, channels under any of its names, the image size
    (lambda: _Configured({"input_shape": [3, 32, 32]}), None, (3, 32, 32)),
    (lambda: _Configured({"in_shape": [2, 8]}), None, (2, 8)),
    (lambda: _Configured({"input_channels": 2}), None, (2, 28, 28)),
    (lambda: _Configured({"channels": 4}), None, (4, 28, 28)),
    (lambda: models.LeNet5(num_classes=4, in_channels=3), None, (3, 28, 28)),
    (lambda: models.VGGSmall(width=4, input_size=32, num_classes=3), None, (1, 32, 32)),
    # an MLP: a square single-channel image when in_features is a square, else 1×28×28
    (lambda: models.MLP(hidden=(32,)), None, (1, 28, 28)),
    (lambda: models.MLP(in_features=100), None, (1, 10, 10)),
    (lambda: models.MLP(in_features=784 * 3), None, (1, 28, 28)),
    # no config: the first convolution's input channels (not its weight's, which groups divide), else 1
    (lambda: numnet.nn.Sequential(numnet.nn.Conv2d(3, 6, 3), numnet.nn.Conv2d(6, 2, 1)), None, (3, 28, 28)),
    (lambda: numnet.nn.Sequential(numnet.nn.Conv2d(4, 8, 3, groups=2)), None, (4, 28, 28)),
    (lambda: numnet.nn.Sequential(numnet.nn.Flatten(), numnet.nn.Linear(784, 10)), None, (1, 28, 28)),
])
def test_input_shape_of(make, metadata, expected):
    assert models.input_shape_of(make(), metadata) == expected


@pytest.mark.parametrize("bad", ["[1, 28]", "not json", "[0, 28, 28]", "[1, 28, 28.0]", "[true, 28, 28]", "{}"])
def test_input_shape_of_refuses_bad_metadata(bad):
    with pytest.raises(ArgumentError, match="input_shape_of: expected metadata input_shape"):
        models.input_shape_of(models.LeNet5(), {"input_shape": bad})


class TorchBasicBlock(T.Module):
    def __init__(self, ci, co, stride):
        super().__init__()
        self.conv1 = T.Conv2d(ci, co, 3, stride, 1, bias=False)
        self.bn1 = T.BatchNorm2d(co)
        self.relu = T.ReLU()
        self.conv2 = T.Conv2d(co, co, 3, 1, 1, bias=False)
        self.bn2 = T.BatchNorm2d(co)
        self.shortcut = (T.Sequential(T.Conv2d(ci, co, 1, stride, bias=False), T.BatchNorm2d(co))
                         if stride != 1 or ci != co else T.Identity())

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + self.shortcut(x))


class TorchResNet(T.Module):
    def __init__(self, num_classes=10, in_channels=1, depth=20, width=16):
        super().__init__()
        n = (depth - 2) // 6
        self.stem = T.Sequential(T.Conv2d(in_channels, width, 3, 1, 1, bias=False), T.BatchNorm2d(width), T.ReLU())
        blocks, ci = [], width
        for stage, co in enumerate((width, 2 * width, 4 * width)):
            for i in range(n):
                blocks.append(TorchBasicBlock(ci, co, 2 if stage and not i else 1))
                ci = co
        self.layers = T.Sequential(*blocks)
        self.head = T.Sequential(T.AdaptiveAvgPool2d(1), T.Flatten(), T.Linear(4 * width, num_classes))

    def forward(self, x):
        return self.head(self.layers(self.stem(x)))


@pytest.mark.parametrize("depth,channels,side", [(8, 1, 28), (14, 3, 32), (8, 2, 13)])
def test_resnet_reproduces_torch_outputs_gradients_and_running_stats(depth, channels, side):
    torch.manual_seed(depth)
    ours = models.ResNet(num_classes=5, in_channels=channels, depth=depth, width=4, input_size=side)
    theirs = TorchResNet(5, channels, depth, 4)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _load_from_torch(ours, theirs, np.float64)
    rng = np.random.default_rng(depth)
    x = rng.standard_normal((3, channels, side, side))
    y = rng.integers(0, 5, 3)
    out = ours(numnet.tensor(x))
    out_t = theirs(torch.tensor(x))
    assert_close(out, out_t, np.float64, "ResNet train logits")
    F.cross_entropy(out, numnet.tensor(y)).backward()
    T.functional.cross_entropy(out_t, torch.tensor(y)).backward()
    torch_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert_close(p.grad, torch_params[name].grad, np.float64, f"ResNet grad {name}")
    torch_sd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        if "running" in k:
            assert_close(v, torch_sd[k], np.float64, f"ResNet {k}")
    ours.eval(), theirs.eval()
    assert_close(ours(numnet.tensor(x)), theirs(torch.tensor(x)), np.float64, "ResNet eval logits")


def test_resnet_sizes_init_and_input_shape():
    net = models.ResNet()  # depth 20, width 16: three stages of 3 blocks
    assert sum(isinstance(m, models.BasicBlock) for m in net.modules()) == 9
    assert net(numnet.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert models.input_shape_of(models.ResNet(in_channels=3, input_size=32)) == (3, 32, 32)
    zero = models.ResNet(depth=8, width=4, zero_init_residual=True)
    assert all(float(np.abs(m.bn2.weight._data).max()) == 0 for m in zero.modules() if isinstance(m, models.BasicBlock))
    conv = net.stem[0].weight._data  # Kaiming normal, fan-out: std = sqrt(2 / (16 * 3 * 3))
    assert abs(conv.std() - np.sqrt(2 / 144)) < 0.25 * np.sqrt(2 / 144)
    with pytest.raises(ArgumentError, match="ResNet: expected width"):
        models.ResNet(width=0)
