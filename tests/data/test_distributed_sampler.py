"""DistributedSampler: torch's shards exactly without shuffling; with shuffling, disjoint shards (up to the padding)
that cover the data set, the same on every rank for a (seed, epoch), new each epoch; clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from torch.utils.data.distributed import DistributedSampler as TorchDistributedSampler

import numnet
from numnet.data import DataLoader, DistributedSampler, TensorDataset
from numnet.errors import ArgumentError, DTypeError


@pytest.mark.parametrize("n", [0, 1, 5, 7, 12, 13])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_equal_torchs_without_shuffle(n, replicas, drop_last):
    data = list(range(n))
    for rank in range(replicas):
        ours = DistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        ref = TorchDistributedSampler(data, num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(ref) and len(ours) == len(ref)


@pytest.mark.parametrize("n,replicas", [(10, 3), (16, 4), (5, 8), (101, 7)])
def test_shuffled_shards_cover_the_data_each_epoch(n, replicas):
    seen_orders = []
    for epoch in range(3):
        shards = []
        for rank in range(replicas):
            s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, seed=3)
            s.set_epoch(epoch)
            shards.append(list(s))
            assert list(s) == shards[-1]                      # deterministic for (seed, epoch)
        assert len({len(sh) for sh in shards}) == 1
        flat = [i for sh in shards for i in sh]
        assert set(flat) == set(range(n))                     # every sample somewhere
        assert len(flat) - len(set(flat)) == len(flat) - n    # repeats only as padding
        seen_orders.append(flat)
    assert seen_orders[0] != seen_orders[1]                   # a new permutation each epoch


def test_drop_last_shuffled_is_disjoint():
    shards = [list(DistributedSampler(range(10), 3, r, drop_last=True)) for r in range(3)]
    flat = [i for sh in shards for i in sh]
    assert len(flat) == 9 and len(set(flat)) == 9


def test_with_a_dataloader_and_defaults_alone():
    ds = TensorDataset(numnet.arange(10))
    sampler = DistributedSampler(ds, shuffle=False)            # world size 1, rank 0 without mpirun
    assert sampler.num_replicas == 1 and sampler.rank == 0
    batches = [b[0].tolist() for b in DataLoader(ds, batch_size=4, sampler=sampler)]
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


@pytest.mark.parametrize("kwargs,error,words", [
    (dict(num_replicas=0, rank=0), ArgumentError, "num_replicas"),
    (dict(num_replicas=2, rank=2), ArgumentError, r"rank to be in \[0, 1\]"),
    (dict(num_replicas=2, rank=-1), ArgumentError, "rank"),
    (dict(num_replicas=2.0, rank=0), DTypeError, "num_replicas"),
    (dict(num_replicas=2, rank=0, shuffle="yes"), DTypeError, "shuffle"),
    (dict(num_replicas=2, rank=0, seed=1.5), DTypeError, "seed"),
    (dict(num_replicas=2, rank=0, drop_last=1), DTypeError, "drop_last"),
])
def test_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        DistributedSampler(range(4), **kwargs)
    with pytest.raises(DTypeError, match="DistributedSampler"):
        DistributedSampler(iter(range(3)), num_replicas=1, rank=0)
    with pytest.raises(DTypeError, match="epoch"):
        DistributedSampler(range(3), 1, 0).set_epoch(1.5)
