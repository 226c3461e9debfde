"""Loss modules against PyTorch's (forward and input gradient, float64 and float32), and their settings."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import numnet
from numnet import nn
from numnet.errors import ArgumentError, DTypeError
from tests.reference import assert_close

T = torch.nn
W = np.array([0.5, 1.0, 2.0, 1.5])


def _cls_target(rng, n=6, c=4):
    t = rng.integers(0, c, size=n)
    t[1] = -100
    return t


CASES = {
    "cross_entropy": (lambda: (nn.CrossEntropyLoss(), T.CrossEntropyLoss()), "logits"),
    "cross_entropy_weighted_ignore_sum": (
        lambda: (nn.CrossEntropyLoss(weight=numnet.tensor(W), ignore_index=-100, reduction="sum"),
                 T.CrossEntropyLoss(weight=torch.tensor(W), ignore_index=-100, reduction="sum")), "logits"),
    "cross_entropy_smoothing_none": (lambda: (nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none"),
                                              T.CrossEntropyLoss(label_smoothing=0.1, reduction="none")), "logits"),
    "nll": (lambda: (nn.NLLLoss(), T.NLLLoss()), "logprobs"),
    "nll_weighted": (lambda: (nn.NLLLoss(weight=W), T.NLLLoss(weight=torch.tensor(W))), "logprobs"),
    "mse": (lambda: (nn.MSELoss(), T.MSELoss()), "regression"),
    "mse_sum": (lambda: (nn.MSELoss(reduction="sum"), T.MSELoss(reduction="sum")), "regression"),
    "bce_with_logits": (lambda: (nn.BCEWithLogitsLoss(), T.BCEWithLogitsLoss()), "binary"),
    "bce_with_logits_pos_weight": (
        lambda: (nn.BCEWithLogitsLoss(pos_weight=numnet.tensor(W), reduction="none"),
                 T.BCEWithLogitsLoss(pos_weight=torch.tensor(W), reduction="none")), "binary"),
    "bce": (lambda: (nn.BCELoss(), T.BCELoss()), "probabilities"),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case", list(CASES))
def test_loss_matches_pytorch(case, dtype):
    build, kind = CASES[case]
    ours, theirs = build()
    ours.to(dtype)
    theirs.to({np.float64: torch.float64, np.float32: torch.float32}[dtype])
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((6, 4)).astype(dtype)
    if kind == "logits":
        target = _cls_target(rng)
    elif kind == "logprobs":
        x_np = (x_np - np.log(np.exp(x_np).sum(1, keepdims=True))).astype(dtype)
        target = _cls_target(rng)
    elif kind == "probabilities":
        x_np = (1 / (1 + np.exp(-x_np))).astype(dtype)
        target = rng.random((6, 4)).astype(dtype)
    else:
        target = rng.random((6, 4)).astype(dtype) if kind == "binary" else rng.standard_normal((6, 4)).astype(dtype)
    x = numnet.tensor(x_np, requires_grad=True)
    xt = torch.tensor(x_np, requires_grad=True)
    loss, loss_t = ours(x, numnet.tensor(target)), theirs(xt, torch.tensor(target))
    assert loss.dtype == dtype
    assert_close(loss, loss_t, dtype, f"{case} loss")
    g = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(g)
    loss_t.backward(torch.tensor(g))
    assert_close(x.grad, xt.grad, dtype, f"{case} grad")


def test_loss_settings_and_state():
    ce = nn.CrossEntropyLoss(weight=numnet.tensor(W), label_smoothing=0.2, reduction="sum")
    assert ce.reduction == "sum" and ce.ignore_index == -100 and ce.label_smoothing == 0.2
    assert list(ce.state_dict()) == ["weight"]  # class weights are a buffer, as in PyTorch
    assert list(T.CrossEntropyLoss(weight=torch.tensor(W)).state_dict()) == ["weight"]
    assert repr(ce) == "CrossEntropyLoss(reduction='sum', label_smoothing=0.2)"
    assert repr(nn.MSELoss()) == "MSELoss()"
    assert list(nn.BCEWithLogitsLoss().state_dict()) == []
    with pytest.raises(DTypeError, match="weight"):
        nn.NLLLoss(weight=[1.0, 2.0])
    with pytest.raises(DTypeError, match="CrossEntropyLoss: expected ignore_index to be an int, got 1.5"):
        nn.CrossEntropyLoss(ignore_index=1.5)
    with pytest.raises(ArgumentError,
                       match=r"CrossEntropyLoss: expected label_smoothing to be a number in \[0, 1\], got 2.0"):
        nn.CrossEntropyLoss(label_smoothing=2.0)
    with pytest.raises(ArgumentError, match=r"^CrossEntropyLoss\(\): cross_entropy: "):
        nn.CrossEntropyLoss()(numnet.zeros(2, 3), numnet.tensor([0, 7]))
