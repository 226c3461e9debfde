"""Run under mpirun (or alone): fit(..., distributed=True) on a float64 BatchNorm CNN.

    python tests/distributed/fit_script.py OUT_DIR EPOCHS PER_RANK_BATCH [--resume] [--sync-bn]

Trains (``--sync-bn``: with a SyncBatchNorm) on 96 fixed random 1×12×12 images (10 classes) without shuffling,
validates on 40 more, writes rank 0's
files to OUT_DIR (history-<rank>.csv, checkpoint.safetensors) and writes, on every rank, OUT_DIR.rank<r>.json with the
rank, the history and the final parameters' checksum. Run alone with PER_RANK_BATCH·R it is the reference.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

import numnet
import numnet.distributed as dist
import numnet.nn as nn
from numnet.train import evaluate, fit
from numnet.callbacks import CSVLogger, EarlyStopping, ModelCheckpoint
from numnet.data import TensorDataset


def data(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return TensorDataset(numnet.tensor(rng.standard_normal((n, 1, 12, 12))),
                         numnet.tensor(rng.integers(0, 10, n)))


def model(sync_bn: bool) -> nn.Module:
    """A small CNN; with ``sync_bn`` it has a BatchNorm, as SyncBatchNorm (per-rank BatchNorm statistics would
    differ from one process's on the global batch)."""
    numnet.manual_seed(0)
    norm = [nn.SyncBatchNorm(4)] if sync_bn else []
    return nn.Sequential(nn.Conv2d(1, 4, 3), *norm, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 5 * 5, 10)).double()


def main(out: str, epochs: int, batch: int, resume: bool, sync_bn: bool) -> None:
    comm = dist.init()
    net = model(sync_bn)
    opt = numnet.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    ckpt = os.path.join(out, "checkpoint.safetensors")
    callbacks = [CSVLogger(os.path.join(out, f"history-{comm.rank}.csv"), append=resume),
                 ModelCheckpoint(filepath=ckpt), EarlyStopping(monitor="val_loss", patience=50)]
    history = fit(net, data(96, 1), loss="cross_entropy", optimizer=opt, epochs=epochs, batch_size=batch,
                  val_data=data(40, 2), shuffle=False, callbacks=callbacks, verbose=0, distributed=True,
                  resume_from=ckpt if resume else None)
    params = np.concatenate([p._data.ravel() for p in net.parameters()])
    result = evaluate(net, data(40, 2), loss="cross_entropy", distributed=True)
    with open(f"{out}.rank{comm.rank}.json", "w") as f:  # beside OUT_DIR: stdout lines of ranks interleave
        json.dump({"rank": comm.rank, "size": comm.size, "history": history.history, "epochs": history.epoch,
                   "params": params.tolist(), "evaluate": result}, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "--resume" in sys.argv, "--sync-bn" in sys.argv)
