"""A tiny model trained identically with numnet and with torch, for comparing optimizers step by step."""

from __future__ import annotations

import numpy as np
import torch

import numnet
import numnet.optim as optim

torch.set_num_threads(2)

SHAPES = {"W1": (4, 5), "b1": (5,), "W2": (5, 3)}


def make_data(dtype=np.float64, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {k: rng.normal(0, 0.5, s) for k, s in SHAPES.items()}
    arrays["x"] = rng.normal(0, 1, (8, 4))
    arrays["y"] = rng.normal(0, 1, (8, 3))
    return {k: v.astype(dtype) for k, v in arrays.items()}


def numnet_params(data: dict[str, np.ndarray]) -> list[numnet.Tensor]:
    return [numnet.tensor(data[k].copy(), requires_grad=True) for k in SHAPES]


def torch_params(data: dict[str, np.ndarray]) -> list[torch.Tensor]:
    return [torch.tensor(data[k].copy(), requires_grad=True) for k in SHAPES]


def numnet_loss(params, x: np.ndarray, y: np.ndarray) -> numnet.Tensor:
    """mean((softsign(x W1 + b1) W2 - y)^2), softsign(h) = h / sqrt(1 + h^2)."""
    w1, b1, w2 = params
    h = numnet.Tensor(x) @ w1 + b1
    a = h / (h * h + 1).sqrt()
    return ((a @ w2 - numnet.Tensor(y)) ** 2).mean()


def torch_loss(params, x: np.ndarray, y: np.ndarray) -> torch.Tensor:
    w1, b1, w2 = params
    h = torch.from_numpy(x) @ w1 + b1
    a = h / (h * h + 1).sqrt()
    return ((a @ w2 - torch.from_numpy(y)) ** 2).mean()


def group_spec(params, groups):
    """``groups``: None (one plain list) or a list of (indices, options) pairs."""
    if groups is None:
        return list(params)
    return [dict(params=[params[i] for i in idx], **opts) for idx, opts in groups]


def numnet_step(opt, params, data) -> None:
    opt.zero_grad()
    numnet_loss(params, data["x"], data["y"]).backward()
    opt.step()


def torch_step(opt, params, data) -> None:
    opt.zero_grad()
    torch_loss(params, data["x"], data["y"]).backward()
    opt.step()


def run_numnet(name: str, kwargs: dict, data, steps: int = 20, groups=None, params=None):
    params = numnet_params(data) if params is None else params
    opt = getattr(optim, name)(group_spec(params, groups), **kwargs)
    for _ in range(steps):
        numnet_step(opt, params, data)
    return params, opt


def run_torch(name: str, kwargs: dict, data, steps: int = 20, groups=None):
    params = torch_params(data)
    opt = getattr(torch.optim, name)(group_spec(params, groups), **kwargs)
    for _ in range(steps):
        torch_step(opt, params, data)
    return params, opt
