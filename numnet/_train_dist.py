"""What ``fit(..., distributed=True)`` and ``evaluate(..., distributed=True)`` change (docs/distributed.md).

- **The model:** a :class:`~numnet.distributed.DistributedDataParallel` is attached to it for the run. Its hooks
  sit on the parameters, so ``loss.backward()`` averages the gradients over the ranks inside any
  ``train_step``, even a user's. Rank 0's buffers (BatchNorm statistics) are copied to every rank before each step,
  as DDP's forward does, so every rank evaluates the same model.
- **The data:** a dataset (or arrays) is split by a :class:`~numnet.data.DistributedSampler`, given a new epoch
  before each epoch. A DataLoader must already have one. ``batch_size`` is the batch of one rank; the global batch
  is ``world_size × batch_size``. Evaluation reads every sample exactly once: rank r reads samples r, r + R, ...
  with no padding.
- **The logs:** the sums behind the epoch's loss and metrics (and the confusion matrices of F1 and friends) are
  summed over the ranks, so every rank logs, checks early stopping and steps ``ReduceLROnPlateau`` on the same
  global figures.
- **The files:** callbacks that print or write (``rank_zero_only``: the progress bar, ``CSVLogger``,
  ``ModelCheckpoint``, ``LivePlot``) run on rank 0 only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet.errors import ArgumentError


def shard_train(data: Any, batch_size: int | None, shuffle: bool, comm: Any, default_batch_size: int) -> Any:
    """A DataLoader over this rank's shard of ``data`` (see the module docstring)."""
    from numnet.data import DataLoader, DistributedSampler

    if isinstance(data, DataLoader):
        if not isinstance(data.sampler, DistributedSampler):
            raise ArgumentError("fit(distributed=True): expected a dataset, arrays, or a DataLoader whose sampler is "
                                "a DistributedSampler, got a DataLoader with "
                                f"{type(data.sampler).__name__}")
        return data
    dataset = _dataset(data, "fit")
    sampler = DistributedSampler(dataset, num_replicas=comm.size, rank=comm.rank, shuffle=shuffle)
    return DataLoader(dataset, batch_size=batch_size or default_batch_size, sampler=sampler)


class _Strided:
    """Indices ``rank, rank + R, ...`` of a data set: every sample read once across the ranks, no padding."""

    def __init__(self, n: int, rank: int, size: int):
        self.indices = list(range(rank, n, size))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def shard_eval(data: Any, batch_size: int | None, comm: Any, who: str, default_batch_size: int) -> Any:
    """A DataLoader over this rank's strided part of ``data`` for evaluation (every sample once in all)."""
    from numnet.data import DataLoader

    if isinstance(data, DataLoader):
        if batch_size is not None:
            raise ArgumentError(f"{who}: batch_size is set by the DataLoader; do not pass batch_size with one")
        dataset, bs, kw = data.dataset, data.batch_size, {"collate_fn": data.collate_fn}
    else:
        dataset, bs, kw = _dataset(data, who), batch_size or default_batch_size, {}
    return DataLoader(dataset, batch_size=bs, sampler=_Strided(len(dataset), comm.rank, comm.size), **kw)


def _dataset(data: Any, who: str) -> Any:
    from numnet._train_data import _as_dataset

    dataset = _as_dataset(data)
    if dataset is None:
        raise ArgumentError(f"{who}(distributed=True): expected a dataset, arrays or a DataLoader, got "
                            f"{type(data).__name__}")
    return dataset


def reduce_running(running: Any, comm: Any) -> None:
    """Sum a pass's running sums, counts and confusion matrices over the ranks, in place (every rank the same)."""
    if comm.size == 1:
        return
    keys = sorted(running.sums)
    if any(k != keys for k in comm.allgather(keys)):
        raise ArgumentError("fit(distributed=True): the ranks logged different values (a train_step that returns "
                            "different keys on different ranks)")
    counted = sorted(running._counts)
    buf = np.array([running.sums[k] for k in keys] + [running._counts[k] for k in counted] + [running.count],
                   dtype=np.float64)
    comm.allreduce_(buf)
    for i, k in enumerate(keys):
        running.sums[k] = float(buf[i])
    for j, k in enumerate(counted):
        running._counts[k] = int(buf[len(keys) + j])
    running.count = int(buf[-1])
    for name in sorted(running.accumulators):
        acc = running.accumulators[name]
        n = max(comm.allgather(acc.cm.shape[0]))
        cm = np.zeros((n, n), np.int64)
        cm[:acc.cm.shape[0], :acc.cm.shape[0]] = acc.cm
        comm.allreduce_(cm)
        acc.cm = cm


def rank_zero_callbacks(callbacks: list, comm: Any) -> list:
    """The callbacks this rank runs: all on rank 0; elsewhere those that neither print nor write."""
    if comm.rank == 0:
        return callbacks
    return [cb for cb in callbacks if not getattr(cb, "rank_zero_only", False)]


def any_rank(flag: bool, comm: Any) -> bool:
    """Whether ``flag`` is set on any rank (so that all ranks stop at the same step)."""
    buf = np.array([1.0 if flag else 0.0])
    comm.allreduce_(buf)
    return bool(buf[0] > 0)


def sync_buffers(model: Any, comm: Any) -> None:
    """Copy rank 0's buffers (BatchNorm's running statistics) to every rank."""
    from numnet.distributed._comm import bcast_tensors

    bcast_tensors(comm, (b for _, b in model.named_buffers()))


def join(distributed: Any, who: str) -> Any:
    """The process group for ``distributed=True`` (a group of one without mpirun), else None."""
    from numnet import _validation as V

    V.boolean(distributed, who, "distributed")
    if not distributed:
        return None
    from numnet.distributed._comm import init

    return init()
