"""Run under mpirun: DistributedDataParallel training equals one process training on the concatenated global batch.

    mpirun -n R python tests/distributed/ddp_equivalence.py OPTIMIZER MODEL STEPS PER_RANK_BATCH

Every rank trains its DDP replica on its slice of each global batch; rank 0 also trains a plain copy of the model on
the whole global batch. After every step rank 0 records the largest parameter difference between the two, and at
the end prints one JSON line: {"ranks": R, "max_diff": [...per step...], "loss": [...]}.
"""

from __future__ import annotations

import copy
import json
import sys

import numpy as np

import numnet
import numnet.distributed as dist
import numnet.nn as nn
import numnet.nn.functional as F


def build(name: str) -> nn.Module:
    numnet.manual_seed(0)
    if name == "lenet5":
        return numnet.models.get_model("lenet5").double()
    if name == "bn":  # a BatchNorm net (plain per-rank BatchNorm, or converted to SyncBatchNorm)
        # convs without bias before BatchNorm, as in real nets: such a bias has a zero gradient, and Adam would
        # divide the rounding noise of that zero by its tiny second moment
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2),
                             nn.Conv2d(4, 6, 3, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                             nn.Flatten(), nn.Linear(6, 10)).double()
    raise SystemExit(f"unknown model {name}")


def optimizer(kind: str, params):
    if kind == "sgd":
        return numnet.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-4)
    if kind == "adam":
        return numnet.optim.Adam(params, lr=1e-3)
    raise SystemExit(f"unknown optimizer {kind}")


def main(kind: str, model_name: str, steps: int, b: int, sync_bn: bool) -> None:
    comm = dist.init()
    R, r = comm.size, comm.rank
    model = build(model_name)
    reference = copy.deepcopy(model) if r == 0 else None
    if sync_bn:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=0.05)   # small buckets: several per step
    opt = optimizer(kind, ddp.parameters())
    ref_opt = optimizer(kind, reference.parameters()) if r == 0 else None
    rng = np.random.default_rng(42)
    diffs, losses = [], []
    for _ in range(steps):
        x = rng.standard_normal((R * b, 1, 28, 28))
        y = rng.integers(0, 10, R * b)
        mine = slice(r * b, (r + 1) * b)
        opt.zero_grad()
        loss = F.cross_entropy(ddp(numnet.tensor(x[mine])), numnet.tensor(y[mine]))
        loss.backward()
        opt.step()
        if r == 0:
            ref_opt.zero_grad()
            if model_name == "bn" and not sync_bn:
                # plain BatchNorm under DDP normalizes each rank's batch by its own statistics: the one-process
                # equivalent is the mean of the per-chunk losses, each chunk through BatchNorm on its own
                ref_loss = sum(F.cross_entropy(reference(numnet.tensor(x[k * b:(k + 1) * b])),
                                               numnet.tensor(y[k * b:(k + 1) * b])) for k in range(R)) / R
            else:
                ref_loss = F.cross_entropy(reference(numnet.tensor(x)), numnet.tensor(y))
            ref_loss.backward()
            ref_opt.step()
            diffs.append(max(float(np.max(np.abs(p._data - q._data)))
                             for p, q in zip(model.parameters(), reference.parameters())))
            losses.append(float(ref_loss))
    # every replica equals rank 0's
    flat = np.concatenate([p._data.ravel() for p in model.parameters()])
    spread = flat.copy()
    comm.allreduce_(spread)
    replica_diff = float(np.max(np.abs(spread / R - flat)))
    if r == 0:
        buffer_diff = 0.0 if model_name == "bn" and not sync_bn else max([float(np.max(np.abs(a._data - b._data))) for a, b in zip(model.buffers(),
                                                                                  reference.buffers())] or [0.0])
        print(json.dumps({"ranks": R, "max_diff": diffs, "loss": losses, "replica_diff": replica_diff,
                          "buffer_diff": buffer_diff}))


if __name__ == "__main__":
    kind, model_name, steps, b = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    main(kind, model_name, steps, b, sync_bn="--sync-bn" in sys.argv)
