"""The same LeNet-5 training step and inference in numnet, PyTorch and Dezero (float32, same data).

LeNet-5 here: conv(1→6, 5×5, pad 2) → ReLU → maxpool 2 → conv(6→16, 5×5) → ReLU → maxpool 2 → 400→120→84→10,
cross-entropy loss, SGD with momentum 0.9 (61,706 parameters).
"""

from __future__ import annotations

import numpy as np


def batch(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, n).astype(np.int64)


# ---------------------------------------------------------------------------------------------------- numnet
def numnet_lenet(n: int):
    import numnet
    import numnet.functional as F
    from numnet import optim
    from numnet.models import LeNet5

    numnet.manual_seed(0)
    model = LeNet5()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xs, ys = batch(n)
    x, y = numnet.tensor(xs), numnet.tensor(ys)

    def train_step() -> None:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    def infer() -> None:
        with numnet.no_grad():
            model(x)

    model.train()
    return train_step, infer, model


# ---------------------------------------------------------------------------------------------------- torch
def torch_lenet(n: int):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    xs, ys = batch(n)
    x, y = torch.from_numpy(xs), torch.from_numpy(ys)
    loss_fn = nn.CrossEntropyLoss()

    def train_step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    def infer() -> None:
        with torch.no_grad():
            model(x)

    return train_step, infer, model


# ---------------------------------------------------------------------------------------------------- Dezero
def _import_dezero():
    # Dezero 0.0.13 still uses np.int, removed in NumPy 1.24; alias it for the benchmark only.
    if not hasattr(np, "int"):
        np.int = int  # type: ignore[attr-defined]
    import dezero

    return dezero


def dezero_lenet(n: int):
    dezero = _import_dezero()
    import dezero.functions as DF
    import dezero.layers as DL

    class LeNet(dezero.Model):
        def __init__(self) -> None:
            super().__init__()
            self.c1 = DL.Conv2d(6, 5, pad=2, in_channels=1)
            self.c2 = DL.Conv2d(16, 5, in_channels=6)
            self.f1 = DL.Linear(120, in_size=400)
            self.f2 = DL.Linear(84, in_size=120)
            self.f3 = DL.Linear(10, in_size=84)

        def forward(self, x):
            x = DF.pooling(DF.relu(self.c1(x)), 2, 2)
            x = DF.pooling(DF.relu(self.c2(x)), 2, 2)
            x = DF.reshape(x, (x.shape[0], -1))
            return self.f3(DF.relu(self.f2(DF.relu(self.f1(x)))))

    np.random.seed(0)
    model = LeNet()
    opt = dezero.optimizers.MomentumSGD(lr=0.01, momentum=0.9).setup(model)
    x, y = batch(n)

    def train_step() -> None:
        model.cleargrads()
        loss = DF.softmax_cross_entropy(model(x), y)
        loss.backward()
        opt.update()

    def infer() -> None:
        with dezero.no_grad():
            model(x)

    return train_step, infer, model


CONTENDERS = {"numnet": numnet_lenet, "torch": torch_lenet, "dezero": dezero_lenet}
