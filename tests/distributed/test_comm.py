"""numnet.distributed in one process (no mpirun): a group of one where everything works unchanged; without mpi4py
under a launcher, a clear error; DistributedDataParallel's checks and its hooks' lifetime."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import numnet
import numnet.distributed as dist
import numnet.nn as nn
import numnet.nn.functional as F
from numnet.train import fit
from tests.distributed._mpi import ROOT, env


def test_alone_it_is_one_rank_and_ddp_changes_nothing():
    assert dist.rank() == 0 and dist.world_size() == 1 and dist.get_rank() == 0 and dist.get_world_size() == 1
    t = numnet.tensor([1.0, 2.0])
    assert dist.all_reduce(t).tolist() == [1.0, 2.0] and dist.all_reduce(t, op="mean").tolist() == [1.0, 2.0]
    numnet.manual_seed(0)
    plain = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    numnet.manual_seed(0)
    wrapped = dist.DistributedDataParallel(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    x, y = numnet.randn(5, 3), numnet.tensor([0, 1, 0, 1, 1])
    for m in (plain, wrapped):
        F.cross_entropy(m(x), y).backward()
    for p, q in zip(plain.parameters(), wrapped.module.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
    assert list(wrapped.state_dict()) == list(plain.state_dict())     # no "module." prefix
    assert "ranks=1" in repr(wrapped)
    wrapped.remove_hooks()
    assert all(not p._post_hooks for p in wrapped.module.parameters())


def test_bad_arguments():
    with pytest.raises(dist.DistributedError, match="expected a numnet Module"):
        dist.DistributedDataParallel("model")
    with pytest.raises(dist.DistributedError, match="bucket_cap_mb > 0"):
        dist.DistributedDataParallel(nn.Linear(2, 2), bucket_cap_mb=0)
    with pytest.raises(numnet.DTypeError, match="overlap"):
        dist.DistributedDataParallel(nn.Linear(2, 2), overlap="yes")
    with pytest.raises(numnet.ArgumentError, match="op to be one of"):
        dist.all_reduce(numnet.zeros(2), op="max")
    with pytest.raises(numnet.DTypeError, match="distributed"):
        fit(nn.Linear(2, 2), (np.zeros((4, 2), np.float32), np.zeros(4, np.int64)), loss="mse",
                         optimizer=numnet.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), distributed="yes")


def test_under_a_launcher_without_mpi4py_the_error_says_what_to_install():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import numnet.distributed as d\n"
            "try:\n    d.init()\nexcept d.DistributedError as e:\n    print(e)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(env(), PMI_SIZE="2", PMI_RANK="0"), timeout=60)
    assert "started by mpirun, but mpi4py is not installed: pip install 'numnet[distributed]'" in run.stdout, \
        run.stdout + run.stderr


def test_without_mpi4py_and_without_a_launcher_it_is_one_rank():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import numnet.distributed as d\n"
            "c = d.init(); print(c.rank, c.size)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env(),
                         timeout=60)
    assert run.stdout.split() == ["0", "1"], run.stderr
