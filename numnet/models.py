"""The model zoo: :class:`LeNet5`, :class:`VGGSmall`, :class:`ResNet`, :class:`MLP`, :func:`get_model` by name, and
:func:`input_shape_of`, the one place that guesses what one input of a model looks like.

Each model keeps its constructor arguments in ``self.config`` (a JSON-serialisable dict), so a saved model can be
rebuilt with ``get_model(name, **config)`` before loading its weights.

>>> import numnet
>>> from numnet.models import get_model
>>> net = get_model("lenet5")
>>> net.num_parameters()
61706
>>> net(numnet.zeros(2, 1, 28, 28)).shape
(2, 10)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any, Sequence

from numnet.errors import ArgumentError, FileFormatError
from numnet.io.limits import loads_bounded
from numnet.nn import (AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Flatten, Identity, Linear, MaxPool2d, Module,
                       ReLU, Sequential)
from numnet.nn import init
from numnet import _validation as V
from numnet.tensor import Tensor

__all__ = ["LeNet5", "VGGSmall", "ResNet", "BasicBlock", "MLP", "MODELS", "get_model", "input_shape_of", "state_size"]


class LeNet5(Module):
    """LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, for 28×28 images (or any square size ≥ 12).

    ``features``: Conv2d(in, 6, 5, padding=2) → ReLU → MaxPool2d(2) → Conv2d(6, 16, 5) → ReLU → MaxPool2d(2);
    ``classifier``: Flatten → Linear(16·s·s, 120) → ReLU → Linear(120, 84) → ReLU → Linear(84, num_classes), with
    ``s = ⌊(⌊input_size/2⌋ − 4)/2⌋`` (5 for 28×28, 6 for 32×32).
    61,706 parameters and 416,520 multiply-adds per 1×28×28 image.

    Args:
        num_classes: number of output logits. Default 10.
        in_channels: image channels. Default 1.
        input_size: image height and width. Default 28.

    Shape:
        ``(N, in_channels, input_size, input_size) → (N, num_classes)`` (logits).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, input_size: int = 28) -> None:
        super().__init__()
        num_classes = V.integer(num_classes, "LeNet5", "num_classes", 1)
        in_channels = V.integer(in_channels, "LeNet5", "in_channels", 1)
        input_size = V.integer(input_size, "LeNet5", "input_size", 12)
        self.config = {"num_classes": num_classes, "in_channels": in_channels}
        if input_size != 28:  # files of 28×28 LeNets keep the config they always had
            self.config["input_size"] = input_size
        side = (input_size // 2 - 4) // 2
        self.features = Sequential(
            Conv2d(in_channels, 6, 5, padding=2), ReLU(), MaxPool2d(2),
            Conv2d(6, 16, 5), ReLU(), MaxPool2d(2),
        )
        self.classifier = Sequential(
            Flatten(), Linear(16 * side * side, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class VGGSmall(Module):
    """A small VGG-style CNN for 28×28 images: about 93 % Fashion-MNIST test accuracy in 4 epochs.

    ``features``: two blocks of [Conv2d 3×3 (padding 1) → BatchNorm2d → ReLU] × 2 → MaxPool2d(2), with
    ``width`` and ``2·width`` channels (28 → 14 → 7 pixels); ``classifier``: Flatten → Dropout → Linear(2·width·7·7,
    128) → ReLU → Dropout → Linear(128, num_classes). Convolutions have no bias (BatchNorm's β replaces it).
    With ``width=32``: 468,010 parameters and 18.7 M multiply-adds (37 MFLOPs) per 28×28 image (training speed:
    benchmarks/RESULTS.md). The same architecture in PyTorch (one run, standardised inputs, batch 64, Adam with a
    one-cycle schedule peaking at lr 3e-3) reached 92.3 % test accuracy after 3 epochs and 93.0 % after 4.

    Args:
        num_classes: number of output logits. Default 10.
        in_channels: image channels. Default 1.
        width: channels of the first block (the second has twice as many). Default 32.
        dropout: dropout probability in the classifier. Default 0.3.
        input_size: image height and width (a multiple of 4). Default 28.

    Shape:
        ``(N, in_channels, input_size, input_size) → (N, num_classes)`` (logits).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, width: int = 32, dropout: float = 0.3,
                 input_size: int = 28) -> None:
        super().__init__()
        num_classes = V.integer(num_classes, "VGGSmall", "num_classes", 1)
        in_channels = V.integer(in_channels, "VGGSmall", "in_channels", 1)
        width = V.integer(width, "VGGSmall", "width", 1)
        dropout = V.real(dropout, "VGGSmall", "dropout", 0.0, 1.0)
        input_size = V.integer(input_size, "VGGSmall", "input_size", 4)
        if input_size % 4:
            raise ArgumentError(V.expected("VGGSmall", "input_size", "a multiple of 4", input_size))
        self.config = {"num_classes": num_classes, "in_channels": in_channels, "width": width,
                       "dropout": dropout, "input_size": input_size}

        def block(c_in: int, c_out: int) -> list[Module]:
            return [Conv2d(c_in, c_out, 3, padding=1, bias=False), BatchNorm2d(c_out), ReLU(),
                    Conv2d(c_out, c_out, 3, padding=1, bias=False), BatchNorm2d(c_out), ReLU(), MaxPool2d(2)]

        w2 = 2 * width
        self.features = Sequential(*block(in_channels, width), *block(width, w2))
        side = input_size // 4
        self.classifier = Sequential(
            Flatten(), Dropout(dropout), Linear(w2 * side * side, 128), ReLU(), Dropout(dropout),
            Linear(128, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


class BasicBlock(Module):
    """A residual block (He et al., 2016): ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))``.

    Both convolutions are 3×3 without bias (BatchNorm's β replaces it); the first has the block's ``stride``. The
    shortcut is the identity when the shape is kept, else a 1×1 convolution with that stride followed by BatchNorm
    (the paper's "option B", as in torchvision's ResNets).

    Shape:
        ``(N, in_channels, H, W) → (N, out_channels, ⌈H/stride⌉, ⌈W/stride⌉)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = BatchNorm2d(out_channels)
        self.relu = ReLU()
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                       BatchNorm2d(out_channels))
        else:
            self.shortcut = Identity()

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNet(Module):
    """A ResNet for small images (He et al., 2016, section 4.2): ``6n + 2`` layers, e.g. depth 8, 14, 20, 32.

    ``stem``: Conv2d 3×3 (``in_channels → width``) → BatchNorm2d → ReLU; then three stages of ``n`` =
    ``(depth - 2) / 6`` :class:`BasicBlock` each, with ``width``, ``2·width`` and ``4·width`` channels, the second
    and third starting with stride 2 (28 → 28 → 14 → 7 pixels; 32 → 32 → 16 → 8); ``head``: global average pooling
    → Flatten → Linear(4·width, num_classes). Works for any image size of at least 4×4 (the global pool adapts) and
    any channel count. Convolutions get Kaiming-normal weights (fan-out, ReLU gain), BatchNorm γ = 1, β = 0, and the
    last BatchNorm of each block starts at γ = 0 when ``zero_init_residual`` (each block starts as the identity,
    which helps deeper nets train; off by default, as in torchvision).

    Args:
        num_classes: number of output logits. Default 10.
        in_channels: image channels. Default 1.
        depth: ``6n + 2`` layers with ``n >= 1``. Default 20 (0.27 M parameters at width 16).
        width: channels of the first stage. Default 16.
        input_size: the image side the model is meant for (recorded for :func:`input_shape_of`; the network itself
            accepts any size). Default 28.
        zero_init_residual: start every block's last BatchNorm at γ = 0. Default False.

    Shape:
        ``(N, in_channels, H, W) → (N, num_classes)`` (logits).
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, depth: int = 20, width: int = 16,
                 input_size: int = 28, zero_init_residual: bool = False) -> None:
        super().__init__()
        num_classes = V.integer(num_classes, "ResNet", "num_classes", 1)
        in_channels = V.integer(in_channels, "ResNet", "in_channels", 1)
        depth = V.integer(depth, "ResNet", "depth", 8)
        width = V.integer(width, "ResNet", "width", 1)
        input_size = V.integer(input_size, "ResNet", "input_size", 4)
        zero_init_residual = V.boolean(zero_init_residual, "ResNet", "zero_init_residual")
        if (depth - 2) % 6:
            raise ArgumentError(V.expected("ResNet", "depth", "6n + 2 (8, 14, 20, 26, 32, ...)", depth))
        self.config = {"num_classes": num_classes, "in_channels": in_channels, "depth": depth, "width": width,
                       "input_size": input_size, "zero_init_residual": zero_init_residual}
        n = (depth - 2) // 6
        self.stem = Sequential(Conv2d(in_channels, width, 3, padding=1, bias=False), BatchNorm2d(width), ReLU())
        blocks: list[Module] = []
        c_in = width
        for stage, c_out in enumerate((width, 2 * width, 4 * width)):
            for i in range(n):
                blocks.append(BasicBlock(c_in, c_out, stride=2 if stage > 0 and i == 0 else 1))
                c_in = c_out
        self.layers = Sequential(*blocks)
        self.head = Sequential(AdaptiveAvgPool2d(1), Flatten(), Linear(4 * width, num_classes))
        for m in self.modules():
            if isinstance(m, Conv2d):
                init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        if zero_init_residual:
            for m in self.modules():
                if isinstance(m, BasicBlock):
                    init.zeros_(m.bn2.weight)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.layers(self.stem(x)))


class MLP(Module):
    """A multilayer perceptron: Flatten → [Linear → ReLU (→ Dropout)] per hidden layer → Linear(num_classes).

    Args:
        in_features: input features after flattening (784 for 28×28 images). Default 784.
        hidden: sizes of the hidden layers. Default (256, 128).
        num_classes: number of output logits. Default 10.
        dropout: dropout probability after each hidden ReLU; no Dropout layer when 0. Default 0.

    Shape:
        ``(N, *) → (N, num_classes)`` with ``in_features`` elements per sample.
    """

    def __init__(self, in_features: int = 784, hidden: Sequence[int] = (256, 128), num_classes: int = 10,
                 dropout: float = 0.0) -> None:
        super().__init__()
        in_features = V.integer(in_features, "MLP", "in_features", 1)
        num_classes = V.integer(num_classes, "MLP", "num_classes", 1)
        dropout = V.real(dropout, "MLP", "dropout", 0.0, 1.0)
        if V.is_int(hidden):
            hidden = (hidden,)
        if not isinstance(hidden, (tuple, list)) or not all(V.is_int(h) and h >= 1 for h in hidden):
            raise ArgumentError(V.expected("MLP", "hidden", "a sequence of ints >= 1", hidden))
        hidden = [int(h) for h in hidden]
        self.config = {"in_features": in_features, "hidden": hidden, "num_classes": num_classes,
                       "dropout": dropout}
        layers: list[Module] = [Flatten()]
        prev = in_features
        for h in hidden:
            layers += [Linear(prev, h), ReLU()]
            if dropout > 0:
                layers.append(Dropout(dropout))
            prev = h
        layers.append(Linear(prev, num_classes))
        self.layers = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


MODELS: dict[str, type[Module]] = {"lenet5": LeNet5, "vgg": VGGSmall, "resnet": ResNet, "mlp": MLP}
_ALIASES = {"lenet": "lenet5", "lenet-5": "lenet5", "vggsmall": "vgg", "vgg_small": "vgg", "vgg-small": "vgg"}
# "resnet8", "resnet-20", "resnet_14" ... name a depth as well.
_RESNET_DEPTH_PREFIXES = ("resnet-", "resnet_", "resnet")


def get_model(name: str, **config: Any) -> Module:
    """Build a zoo model by registry name (``'lenet5'``, ``'vgg'``, ``'resnet'``, ``'mlp'``) with constructor arguments.

    Names are case-insensitive; ``'vggsmall'`` and ``'lenet'`` are accepted as aliases, and ``'resnet20'`` (or
    ``'resnet-8'``...) is ``'resnet'`` with that depth.

    Raises:
        ArgumentError: unknown name (the message lists the known ones) or a config key the model does not take.

    >>> get_model("mlp", hidden=[64]).config
    {'in_features': 784, 'hidden': [64], 'num_classes': 10, 'dropout': 0.0}
    """
    cls, config = _resolve(name, config, "get_model")
    return cls(**config)


def _resolve(name: Any, config: Mapping[str, Any], who: str) -> tuple[type[Module], dict[str, Any]]:
    """The class a registry name means and its config (a ``resnet20``-style name adds ``depth``); unknown names or
    arguments raise ArgumentError."""
    config = dict(config)
    key = _ALIASES.get(name.lower(), name.lower()) if isinstance(name, str) else None
    if key not in MODELS and isinstance(key, str):
        for prefix in _RESNET_DEPTH_PREFIXES:
            if key.startswith(prefix) and key[len(prefix):].isdigit() and "depth" not in config:
                key, config = "resnet", {**config, "depth": int(key[len(prefix):])}
                break
    if key not in MODELS:
        raise ArgumentError(f"{who}: unknown model {name!r}. Expected one of: {', '.join(sorted(MODELS))}")
    cls = MODELS[key]
    params = inspect.signature(cls.__init__).parameters
    unknown = [k for k in config if k not in params or k == "self"]
    if unknown:
        allowed = [p for p in params if p != "self"]
        raise ArgumentError(f"{who}: {cls.__name__} does not take {', '.join(map(repr, unknown))}. "
                            f"Expected arguments among: {', '.join(allowed)}")
    return cls, config


def state_size(name: str, **config: Any) -> int:
    """The number of values in the ``state_dict`` that ``get_model(name, **config)`` would have, computed from the
    config alone, in constant time and memory (nothing is built).

    :func:`numnet.load_model` compares it with the values a file holds before building anything, so a tiny file whose
    config asks for a huge model is refused at once. Counts parameters and buffers (BatchNorm's running statistics
    and ``num_batches_tracked``).

    Raises:
        ArgumentError: an unknown name or argument, or a size argument that is not an int (a bool is not).

    >>> state_size("lenet5") == sum(v.numel() for v in get_model("lenet5").state_dict().values())
    True
    """
    cls, config = _resolve(name, config, "state_size")
    defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}
    c = {**defaults, **config}

    def num(key: str) -> int:
        v = c[key]
        if not V.is_int(v):
            raise ArgumentError(V.expected("state_size", key, "an int", v))
        return int(v)

    def lin(i: int, o: int) -> int:
        return i * o + o

    def bn(ch: int) -> int:
        return 4 * ch + 1  # weight, bias, running_mean, running_var, num_batches_tracked

    nc, ic = num("num_classes"), num("in_channels") if "in_channels" in c else 0
    if cls is LeNet5:
        side = (num("input_size") // 2 - 4) // 2
        return (6 * ic * 25 + 6) + (16 * 6 * 25 + 16) + lin(16 * side * side, 120) + lin(120, 84) + lin(84, nc)
    if cls is VGGSmall:
        w, side = num("width"), num("input_size") // 4
        w2 = 2 * w

        def block(i: int, o: int) -> int:
            return i * o * 9 + bn(o) + o * o * 9 + bn(o)

        return block(ic, w) + block(w, w2) + lin(w2 * side * side, 128) + lin(128, nc)
    if cls is ResNet:
        w, n = num("width"), max((num("depth") - 2) // 6, 0)

        def basic(i: int, o: int) -> int:
            short = i * o + bn(o) if i != o else 0
            return i * o * 9 + bn(o) + o * o * 9 + bn(o) + short

        total = ic * w * 9 + bn(w)
        for c_in, c_out in ((w, w), (w, 2 * w), (2 * w, 4 * w)):
            total += (basic(c_in, c_out) + (n - 1) * basic(c_out, c_out)) if n else 0
        return total + lin(4 * w, nc)
    if cls is MLP:
        hidden = c["hidden"]
        hidden = [hidden] if V.is_int(hidden) else hidden
        if not isinstance(hidden, (list, tuple)) or not all(V.is_int(h) for h in hidden):
            raise ArgumentError(V.expected("state_size", "hidden", "a list of ints", hidden))
        total, prev = 0, num("in_features")
        for h in hidden:
            total, prev = total + lin(prev, int(h)), int(h)
        return total + lin(prev, nc)
    raise ArgumentError(f"state_size: no size rule for {cls.__name__}")  # pragma: no cover - every zoo class has one


_CONFIG_SHAPE_KEYS = ("input_shape", "in_shape")
_CONFIG_CHANNEL_KEYS = ("in_channels", "input_channels", "channels")
_DEFAULT_SIDE = 28  # MNIST / Fashion-MNIST, what the zoo is built for


def input_shape_of(model: Any, metadata: Mapping[str, str] | None = None) -> tuple[int, ...]:
    """The shape of one input of ``model`` without the batch dimension, usually ``(C, H, W)``.

    Sources, first match wins:

    1. ``metadata["input_shape"]``: a model file's metadata (:func:`numnet.load_metadata`), a JSON list ``[C, H, W]``.
    2. ``model.config["input_shape"]`` (or ``"in_shape"``), as given.
    3. Otherwise ``(C, S, S)``: ``C`` from ``config["in_channels"]`` (or ``"input_channels"``, ``"channels"``), else
       the ``in_channels`` of the first convolution (first module with a 4-D weight), else 1; ``S`` from
       ``config["input_size"]``, else 28. A model whose config has a square ``in_features`` and no ``input_size``
       (an :class:`MLP`) gets ``(1, √in_features, √in_features)``.

    Raises:
        ArgumentError: a metadata ``input_shape`` that is not a JSON list of three positive ints.

    Example:
        >>> input_shape_of(LeNet5(in_channels=3)), input_shape_of(MLP(in_features=100))
        ((3, 28, 28), (1, 10, 10))
        >>> input_shape_of(LeNet5(), {"input_shape": "[1, 32, 32]"})
        (1, 32, 32)
    """
    meta = metadata or {}
    if meta.get("input_shape"):
        try:
            shape = loads_bounded(meta["input_shape"], "input_shape", max_depth=1)
        except FileFormatError:
            shape = None
        if not (isinstance(shape, list) and len(shape) == 3
                and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in shape)):
            raise ArgumentError(f"input_shape_of: expected metadata input_shape to be a JSON list [C, H, W] of "
                                f"positive ints, got {meta['input_shape']!r}")
        return tuple(shape)
    config = getattr(model, "config", None) or {}
    for key in _CONFIG_SHAPE_KEYS:
        if config.get(key):
            return tuple(int(n) for n in config[key])
    size = config.get("input_size")
    if size is None and "in_features" in config:  # an MLP: a square single-channel image
        side = math.isqrt(int(config["in_features"]))
        if side * side == int(config["in_features"]):
            return (1, side, side)
    side = int(size) if size else _DEFAULT_SIDE
    return (_input_channels(model, config), side, side)


def _input_channels(model: Any, config: Mapping[str, Any]) -> int:
    for key in _CONFIG_CHANNEL_KEYS:
        value = config.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
    for m in model.modules() if hasattr(model, "modules") else ():
        w = getattr(m, "_parameters", {}).get("weight")
        if w is not None and getattr(w, "ndim", 0) == 4:  # (C_out, C_in / groups, kH, kW)
            return int(getattr(m, "in_channels", w.shape[1]))
    return 1
