"""How much of PyTorch's public surface numnet covers, listed from torch itself at test time.

For each namespace (``torch.nn`` modules, ``torch.nn.functional``, ``torch.optim`` optimizers,
``torch.optim.lr_scheduler`` schedulers, public ``torch.Tensor`` methods) every name is either present in numnet or
listed, with the reason, in tests/pytorch_out_of_scope.py. A name torch adds fails this test until it is
implemented or listed; a listed name numnet has gained fails it until it is taken off the list. The test prints
the coverage figures the README quotes (run with ``-s``)."""

from __future__ import annotations

import torch
import torch.nn.functional as TF

import numnet
import numnet.nn
import numnet.nn.functional
import numnet.optim
import numnet.optim.lr_scheduler
from tests.pytorch_out_of_scope import OUT_OF_SCOPE


def _classes(module, base):
    return {n for n in dir(module) if not n.startswith("_") and isinstance(getattr(module, n), type)
            and issubclass(getattr(module, n), base)}


def torch_names() -> dict[str, set[str]]:
    L = torch.optim.lr_scheduler
    functional = {n for n in dir(TF) if not n.startswith("_") and callable(getattr(TF, n))
                  and not isinstance(getattr(TF, n), type)
                  and (getattr(getattr(TF, n), "__module__", "") or "").startswith(("torch.nn.functional",
                                                                                      "torch._C"))}
    return {
        "torch.nn": _classes(torch.nn, torch.nn.Module),
        "torch.nn.functional": functional,
        "torch.optim": _classes(torch.optim, torch.optim.Optimizer),
        "torch.optim.lr_scheduler": _classes(L, L.LRScheduler) | {"ReduceLROnPlateau"},
        "torch.Tensor": {n for n in dir(torch.Tensor) if not n.startswith("_")},
    }


OURS = {
    "torch.nn": numnet.nn,
    "torch.nn.functional": numnet.nn.functional,
    "torch.optim": numnet.optim,
    "torch.optim.lr_scheduler": numnet.optim.lr_scheduler,
    "torch.Tensor": numnet.Tensor,
}


def coverage() -> dict[str, tuple[int, int, int]]:
    """Per namespace: (names in torch, present in numnet, listed out of scope)."""
    out = {}
    for space, names in torch_names().items():
        present = {n for n in names if hasattr(OURS[space], n)}
        out[space] = (len(names), len(present), len(names & set(OUT_OF_SCOPE[space])))
    return out


def test_every_torch_name_is_in_numnet_or_deliberately_out_of_scope():
    report = []
    for space, names in torch_names().items():
        ours = OURS[space]
        listed = OUT_OF_SCOPE[space]
        missing = sorted(n for n in names if not hasattr(ours, n) and n not in listed)
        assert missing == [], f"{space}: neither in numnet nor listed out of scope: {missing}"
        gained = sorted(n for n in listed if hasattr(ours, n))
        assert gained == [], f"{space}: listed out of scope but numnet has them now: {gained}"
        stale = sorted(n for n in listed if n not in names)
        assert stale == [], f"{space}: listed out of scope but torch {torch.__version__} has no such name: {stale}"
        assert all(isinstance(why, str) and why for why in listed.values())
    for space, (total, present, out) in coverage().items():
        later = sum(1 for n, why in OUT_OF_SCOPE[space].items() if n in torch_names()[space] and "not yet" in why)
        report.append(f"{space}: {present}/{total} present ({100 * present / total:.0f} %); of the rest, "
                      f"{out - later} out of scope and {later} not yet done")
    print("\n" + "\n".join(report))
