"""Run under mpirun: how a distributed job fails.

    mpirun -n 2 python tests/distributed/failures.py raise      # rank 1 raises while rank 0 waits in an allreduce
    mpirun -n 2 python tests/distributed/failures.py models     # the ranks build different models
"""

from __future__ import annotations

import sys

import numpy as np

import numnet
import numnet.distributed as dist
import numnet.nn as nn

mode = sys.argv[1]
comm = dist.init()
if mode == "raise":
    if comm.rank == 1:
        raise ValueError("bad batch on this rank")
    comm.allreduce_(np.zeros(3))           # rank 0 would wait here forever without the abort
    print("rank 0 got past the allreduce", flush=True)
elif mode == "models":
    width = 4 if comm.rank == 0 else 5
    model = nn.Sequential(nn.Linear(3, width), nn.ReLU(), nn.Linear(width, 2))
    try:
        dist.DistributedDataParallel(model)
    except dist.DistributedError as e:
        print(f"rank {comm.rank}: {e}", flush=True)
        sys.exit(3)
    print("constructed", flush=True)
del numnet
