# Learning-rate schedulers, as the torch.optim docs use them: the learning rates of 30 steps for each.
# Deterministic: both runs must give the same rates.
# tolerance: *=rel:1e-9
import torch
from torch import nn, optim
from torch.optim import lr_scheduler


def rates(make, steps=30):
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


cases = {
    "step": lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
    "multistep": lambda o: lr_scheduler.MultiStepLR(o, milestones=[5, 12], gamma=0.3),
    "exp": lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9),
    "cosine": lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "lambda": lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda epoch: 0.95 ** epoch),
    "multiplicative": lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda epoch: 0.97),
    "constant": lambda o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4),
    "linear": lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=8),
    "poly": lambda o: lr_scheduler.PolynomialLR(o, total_iters=20, power=2.0),
    "warm_restarts": lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2),
    "onecycle": lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=30),
    "cyclic": lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4, mode="triangular2"),
    "sequential": lambda o: lr_scheduler.SequentialLR(o, schedulers=[lr_scheduler.LinearLR(o, 0.1, total_iters=5),
                                                                    lr_scheduler.ExponentialLR(o, gamma=0.9)],
                                                      milestones=[5]),
}
for name, make in cases.items():
    for i, lr in enumerate(rates(make)):
        if i % 3 == 0:
            print(f"METRIC {name}_{i}", lr)
