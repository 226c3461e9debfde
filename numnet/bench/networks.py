"""Performance II rows of ``numnet bench``: bigger networks, one-image latency, per-op overhead, depthwise conv and
BatchNorm — numnet and PyTorch in one run, as ratios (issue: Performance II).

The PyTorch twins of VGGSmall and ResNet are written out here layer for layer (same shapes, same parameter count,
checked at start-up), so both sides run the same network.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def _torch_vgg():
    from torch import nn

    def block(c_in: int, c_out: int) -> list:
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, 32), *block(32, 64), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128),
                         nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


def _torch_resnet(depth: int):
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin: int, cout: int, stride: int):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) \
                if stride != 1 or cin != cout else nn.Identity()

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))

    n, w = (depth - 2) // 6, 16
    layers, cin = [], w
    for stage, cout in enumerate((w, 2 * w, 4 * w)):
        for i in range(n):
            layers.append(Block(cin, cout, 2 if stage and i == 0 else 1))
            cin = cout
    return nn.Sequential(nn.Conv2d(1, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(), *layers,
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, 10))


def network_pair(name: str, n: int, train: bool) -> dict[str, Callable[[], None]]:
    """numnet's zoo model ``name`` and its PyTorch twin: one training step (SGD, momentum) or one inference."""
    import torch

    import numnet
    import numnet.functional as F
    from numnet.bench.contenders import batch, torch_lenet

    numnet.manual_seed(0)
    torch.manual_seed(0)
    model = numnet.models.get_model(name)
    if name == "lenet5":
        tmodel = torch_lenet(1)[2]
    elif name == "vggsmall":
        tmodel = _torch_vgg()
    else:
        tmodel = _torch_resnet(model.config["depth"] if hasattr(model, "config") else 14)
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in tmodel.parameters()), name
    xs, ys = batch(n)
    x, y, tx, ty = numnet.tensor(xs), numnet.tensor(ys), torch.from_numpy(xs), torch.from_numpy(ys)
    if train:
        model.train()
        tmodel.train()
        opt = numnet.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
        loss_t = torch.nn.CrossEntropyLoss()

        def ours() -> None:
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        def theirs() -> None:
            topt.zero_grad()
            loss_t(tmodel(tx), ty).backward()
            topt.step()
    else:
        model.eval()
        tmodel.eval()

        def ours() -> None:
            with numnet.no_grad():
                model(x)

        def theirs() -> None:
            with torch.no_grad():
                tmodel(tx)
    return {"numnet": ours, "torch": theirs}


def networks_section(args, best_rate) -> tuple[list[str], dict]:
    lines = ["## Bigger networks and one image (numnet / torch throughput, higher is better)", "",
             "| work | numnet | torch | numnet / torch |", "|---|---|---|---|"]
    ratios = {}
    rows = [("VGGSmall training, B=64", "vggsmall", 64, True, "samples/s"),
            ("ResNet-14 training, B=64", "resnet14", 64, True, "samples/s"),
            ("VGGSmall inference, B=256", "vggsmall", 256, False, "samples/s"),
            ("VGGSmall inference, B=1", "vggsmall", 1, False, "ms"),
            ("LeNet-5 inference, B=1", "lenet5", 1, False, "ms")]
    for label, name, n, train, unit in rows:
        rates = best_rate(network_pair(name, n, train), n, args.rounds, args.min_time)
        ratio = rates["numnet"] / rates["torch"]
        ratios[label] = ratio
        if unit == "ms":
            cells = f"{1e3 / rates['numnet']:.2f} ms | {1e3 / rates['torch']:.2f} ms"
        else:
            cells = f"{rates['numnet']:,.0f} | {rates['torch']:,.0f}"
        lines.append(f"| {label} | {cells} | **{ratio:.2f}×** |")
        print(lines[-1], flush=True)
    return lines + [""], ratios


def kernels_section(args, best_rate) -> tuple[list[str], dict]:
    """Per-op overhead on tiny tensors, depthwise conv and BatchNorm forward+backward, milliseconds or µs."""
    import torch

    import numnet
    import numnet.functional as F

    rng = np.random.default_rng(0)
    lines = ["## Per-op overhead, depthwise conv, BatchNorm (time per call, lower is better)", "",
             "| call | numnet | torch | numnet time / torch time |", "|---|---|---|---|"]
    ratios = {}
    a, b = rng.standard_normal(4, dtype=np.float32), rng.standard_normal(4, dtype=np.float32)
    na, nb = numnet.tensor(a, requires_grad=True), numnet.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    x = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)
    w = rng.standard_normal((32, 1, 3, 3), dtype=np.float32) * 0.1
    g = rng.standard_normal((64, 32, 16, 16), dtype=np.float32)
    nx, nw = numnet.tensor(x, requires_grad=True), numnet.tensor(w, requires_grad=True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bn_n, bn_t = numnet.nn.BatchNorm2d(32), torch.nn.BatchNorm2d(32)
    tg = torch.from_numpy(g)

    def dw_n():
        nx.grad = nw.grad = None
        F.conv2d(nx, nw, padding=1, groups=32).backward(g)

    def dw_t():
        tx.grad = tw.grad = None
        torch.nn.functional.conv2d(tx, tw, padding=1, groups=32).backward(tg)

    def bn_fn_n():
        nx.grad = None
        bn_n(nx).backward(g)

    def bn_fn_t():
        tx.grad = None
        bn_t(tx).backward(tg)

    cases = [("a + b, 4 floats, requires grad (µs)", lambda: na + nb, lambda: ta + tb, 1e6),
             ("relu, 4 floats, requires grad (µs)", lambda: F.relu(na), lambda: torch.relu(ta), 1e6),
             ("depthwise conv (64, 32 ch, 16×16, k3) fwd+bwd (ms)", dw_n, dw_t, 1e3),
             ("BatchNorm2d (64, 32, 16×16) train fwd+bwd (ms)", bn_fn_n, bn_fn_t, 1e3)]
    for label, fn_n, fn_t, scale in cases:
        rates = best_rate({"numnet": fn_n, "torch": fn_t}, 1, args.rounds, args.min_time)
        ratio = rates["torch"] / rates["numnet"]   # time ratio: > 1 means numnet is slower
        ratios[label] = ratio
        lines.append(f"| {label} | {scale / rates['numnet']:.2f} | {scale / rates['torch']:.2f} | **{ratio:.2f}×** |")
        print(lines[-1], flush=True)
    return lines + [""], ratios
