# Every first-order optimizer of torch.optim on the same small regression with deterministic initial weights: the
# final losses agree to rounding.
# tolerance: *=rel:1e-4
import numpy as np
import torch
from torch import nn, optim

rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((32, 3)).astype(np.float32))
Y = torch.tensor((rng.standard_normal((32, 1)) + 1.0).astype(np.float32))


def run(make):
    model = nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -0.2, 0.1]]))
        model.bias.fill_(0.0)
    opt = make(model.parameters())
    for _ in range(40):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
    return loss.item()


cases = {
    "sgd": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    "adam": lambda p: optim.Adam(p, lr=0.01),
    "adam_amsgrad": lambda p: optim.Adam(p, lr=0.01, amsgrad=True),
    "adamw": lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.005),
    "adadelta": lambda p: optim.Adadelta(p, lr=1.0),
    "adagrad": lambda p: optim.Adagrad(p, lr=0.1),
    "adamax": lambda p: optim.Adamax(p, lr=0.02),
    "nadam": lambda p: optim.NAdam(p, lr=0.01),
    "radam": lambda p: optim.RAdam(p, lr=0.01),
}
for name, make in cases.items():
    print(f"METRIC {name}", run(make))
