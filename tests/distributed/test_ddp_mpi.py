"""DistributedDataParallel under mpirun (2 and 4 ranks on this 2-core machine): step for step equal to one process
training on the concatenated global batch, in float64, to 1e-10 — the test PyTorch uses for DDP."""

from __future__ import annotations

import sys

import pytest

from tests.distributed._mpi import mpirun, last_json

SCRIPT = "tests/distributed/ddp_equivalence.py"


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_ddp_equals_one_process_on_the_global_batch(ranks, opt):
    out = last_json(mpirun(ranks, sys.executable, SCRIPT, opt, "lenet5", "20", "3").stdout)
    assert out["ranks"] == ranks and len(out["max_diff"]) == 20
    assert max(out["max_diff"]) <= 1e-10, out["max_diff"]
    assert out["replica_diff"] <= 1e-12            # every replica holds rank 0's parameters
    assert out["loss"][0] != out["loss"][-1]        # it really trained


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_ddp_with_sync_batchnorm_equals_batchnorm_on_the_global_batch(ranks, opt):
    out = last_json(mpirun(ranks, sys.executable, SCRIPT, opt, "bn", "20", "3", "--sync-bn").stdout)
    assert max(out["max_diff"]) <= 1e-10, out["max_diff"]
    assert out["buffer_diff"] <= 1e-10                # running statistics too
    assert out["replica_diff"] <= 1e-12


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_plain_batchnorm_under_ddp_keeps_per_rank_statistics(ranks, opt):
    """As in PyTorch: without SyncBatchNorm each rank normalizes by its own batch. That equals one process whose
    loss is the mean of the per-chunk losses, each chunk through BatchNorm alone (to 1e-10), and differs from
    BatchNorm on the whole global batch (which is why SyncBatchNorm exists)."""
    out = last_json(mpirun(ranks, sys.executable, SCRIPT, opt, "bn", "20", "3").stdout)
    assert max(out["max_diff"]) <= 1e-10, out["max_diff"]
    assert out["replica_diff"] <= 1e-12


def test_an_exception_on_one_rank_aborts_the_job_naming_the_rank():
    run = mpirun(2, sys.executable, "tests/distributed/failures.py", "raise", check=False, timeout=180)
    assert run.returncode != 0
    assert "numnet.distributed: rank 1 of 2 failed: ValueError: bad batch on this rank; aborting the job" \
        in run.stderr
    assert "got past" not in run.stdout


def test_ranks_with_different_models_fail_at_construction():
    run = mpirun(2, sys.executable, "tests/distributed/failures.py", "models", check=False, timeout=60)
    assert run.returncode != 0 and "constructed" not in run.stdout
    # both ranks refuse (their lines may interleave: MPI forwards each rank's stdout as it comes)
    assert run.stdout.count("the ranks hold different models") == 2, run.stdout + run.stderr
    assert "rank 0: " in run.stdout and "rank 1: " in run.stdout
    assert "('0.weight', (4, 3), 'float32') on rank 0 but ('0.weight', (5, 3), 'float32') on rank 1" in run.stdout
