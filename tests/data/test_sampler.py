"""Samplers and the DataLoader's sampler options, against torch.utils.data's semantics (lengths, padding, weights)."""

import numpy as np
import pytest
import torch.utils.data as tud

import numnet
from numnet.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler,
                         TensorDataset, WeightedRandomSampler, IterableDataset, ConcatDataset)
from numnet.errors import ArgumentError, DTypeError


def test_sequential_and_batch_sampler_match_torch():
    for n, bs, drop in [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, True), (0, 2, False)]:
        ours = list(BatchSampler(SequentialSampler(range(n)), bs, drop))
        theirs = list(tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop))
        assert ours == theirs
        assert len(BatchSampler(SequentialSampler(range(n)), bs, drop)) == len(theirs)


def test_random_sampler_lengths_and_permutations_like_torch():
    g = np.random.default_rng(0)
    for n, k, repl in [(7, None, False), (7, 3, False), (7, 16, False), (5, 12, True)]:
        ours = list(RandomSampler(range(n), replacement=repl, num_samples=k, generator=g))
        theirs = list(tud.RandomSampler(range(n), replacement=repl, num_samples=k))
        assert len(ours) == len(theirs) == (k or n)
        if not repl:
            # without replacement: whole permutations chained, the last one cut (torch's rule)
            for start in range(0, len(ours), n):
                chunk = ours[start:start + n]
                assert len(set(chunk)) == len(chunk)
        assert all(0 <= i < n for i in ours)
    with pytest.raises(ArgumentError):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(DTypeError):
        RandomSampler(range(3), replacement=1)


def test_subset_random_sampler_and_weighted():
    s = SubsetRandomSampler([4, 9, 2], generator=np.random.default_rng(1))
    assert sorted(s) == [2, 4, 9] and len(s) == 3
    w = WeightedRandomSampler([0.0, 3.0, 1.0], 4000, generator=np.random.default_rng(0))
    counts = np.bincount(list(w), minlength=3)
    assert counts[0] == 0 and abs(counts[1] / 4000 - 0.75) < 0.03 and len(w) == 4000
    no_rep = list(WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False, generator=np.random.default_rng(0)))
    assert sorted(no_rep) == [0, 1, 2]
    with pytest.raises(ArgumentError, match="without replacement"):
        WeightedRandomSampler([1, 0], 2, replacement=False)
    with pytest.raises(ArgumentError, match="not all zero"):
        WeightedRandomSampler([0, 0], 2)
    with pytest.raises(ArgumentError, match="not all zero"):
        WeightedRandomSampler([-1, 2], 2)


def test_loader_with_sampler_and_batch_sampler():
    x = np.arange(10)
    ds = TensorDataset(x)
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=3, sampler=[9, 1, 5, 3])]
    assert got == [[9, 1, 5], [3]]
    got = [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[0, 2], [4]])]
    assert got == [[0, 2], [4]]
    loader = DataLoader(ds, batch_size=4, sampler=SubsetRandomSampler([0, 1, 2, 3, 4]))
    assert len(loader) == 2 and sorted(np.concatenate([b[0]._data for b in loader]).tolist()) == [0, 1, 2, 3, 4]
    one = list(DataLoader(ds, batch_size=None))
    assert len(one) == 10 and one[3][0].shape == () and int(one[3][0]) == 3


def test_loader_mutual_exclusion_errors_like_torch():
    ds = TensorDataset(np.arange(4))
    cases = [
        (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(ArgumentError, match=msg):
            DataLoader(ds, **kwargs)
        with pytest.raises(ValueError, match=msg.split(" option")[0]):
            tud.DataLoader(list(range(4)), **kwargs)
    with pytest.raises(ArgumentError, match="expected num_workers to be an int >= 0, got -1"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ArgumentError, match="timeout"):
        DataLoader(ds, timeout=-1)


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = numnet.data.get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


def test_iterable_dataset_and_concat():
    batches = [b.tolist() for b in DataLoader(Stream(7), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ArgumentError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    both = sorted(int(v) for b in DataLoader(Stream(9), batch_size=2, num_workers=2) for v in b._data)
    assert both == list(range(9))
    c = ConcatDataset([TensorDataset(np.arange(3)), TensorDataset(np.arange(10, 14))])
    assert len(c) == 7 and int(c[3][0]) == 10 and int(c[-1][0]) == 13 and c.cumulative_sizes == [3, 7]
    assert len(TensorDataset(np.arange(2)) + TensorDataset(np.arange(3))) == 5
    with pytest.raises(IndexError):
        c[7]


def test_utils_data_is_numnet_data():
    import numnet.utils.data as ud

    assert ud.DataLoader is numnet.data.DataLoader and ud.WeightedRandomSampler is WeightedRandomSampler
    assert set(ud.__all__) == set(numnet.data.__all__)
