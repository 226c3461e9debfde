"""numnet.distributed: data-parallel training across processes and machines, on MPI (docs/distributed.md).

    mpirun -n 4 python train.py            # or: mpirun -n 4 numnet train ...

    import numnet.distributed as dist
    dist.init()                                      # a group of one when run without mpirun
    model = dist.DistributedDataParallel(model)      # backward averages the gradients over the ranks
    sampler = numnet.utils.data.DistributedSampler(train_set)   # each rank its shard

``init``, ``rank``, ``world_size``, ``is_initialized`` and ``get_comm`` live in :mod:`numnet.distributed._comm`
(no numnet layer above the base one), ``DistributedDataParallel`` in :mod:`numnet.distributed.ddp`; it is imported
on first use, so ``numnet.nn`` and ``numnet.data`` can ask for the rank without importing the nn-level code.
"""

from __future__ import annotations

from typing import Any

from numnet.distributed._comm import (
    Comm,
    DistributedError,
    abort_job,
    get_comm,
    init,
    is_initialized,
    launched_by_mpirun,
    rank,
    world_size,
)

__all__ = ["init", "rank", "world_size", "is_initialized", "get_comm", "barrier", "all_reduce", "Comm",
           "DistributedError", "DistributedDataParallel", "abort_job", "launched_by_mpirun", "get_rank",
           "get_world_size"]


def get_rank() -> int:
    """torch.distributed's name for :func:`rank`."""
    return rank()


def get_world_size() -> int:
    """torch.distributed's name for :func:`world_size`."""
    return world_size()


def barrier() -> None:
    """Wait until every rank has called ``barrier``."""
    get_comm().barrier()


def all_reduce(tensor: Any, op: str = "sum") -> Any:
    """Sum (``op="sum"``) or average (``op="mean"``) ``tensor`` over all ranks, in place, as
    ``torch.distributed.all_reduce``; returns it."""
    from numnet.errors import ArgumentError

    if op not in ("sum", "mean"):
        raise ArgumentError(f"all_reduce: expected op to be one of 'sum', 'mean', got {op!r}")
    data = tensor._data if hasattr(tensor, "_data") else tensor
    buf = data if data.flags.c_contiguous else data.copy()
    comm = get_comm()
    comm.allreduce_(buf)
    if op == "mean":
        buf /= comm.size
    if buf is not data:
        data[...] = buf
    return tensor


def __getattr__(name: str) -> Any:
    if name == "DistributedDataParallel":
        from numnet.distributed.ddp import DistributedDataParallel

        return DistributedDataParallel
    raise AttributeError(f"module 'numnet.distributed' has no attribute {name!r}")
