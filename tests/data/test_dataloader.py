from collections import namedtuple

import numpy as np
import pytest

import numnet
from numnet.data import DataLoader, Dataset, TensorDataset, default_collate
from numnet.data.transforms import Normalize
from numnet.errors import ArgumentError, DTypeError, ShapeError


def _data(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


class CountingArrays(Dataset):
    """A generic dataset (no batch protocol) that counts __getitem__ calls."""

    def __init__(self, x, y):
        self.x, self.y, self.calls = x, y, 0

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        self.calls += 1
        return self.x[i], int(self.y[i])


class Batched(CountingArrays):
    def get_batch(self, idx):
        return self.x[idx], self.y[idx]


def test_batches_in_order_with_last_partial_batch():
    x, y = _data(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    assert len(loader) == 3 and loader.fast
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert all(isinstance(t, numnet.Tensor) for b in batches for t in b)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in batches]), y)


def test_drop_last_and_len():
    x, y = _data(10)
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[0].shape[0] for b in loader] == [4, 4]
    assert len(DataLoader(TensorDataset(x, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader(TensorDataset(x, y), batch_size=20, drop_last=True)) == 0
    assert list(DataLoader(TensorDataset(x, y), batch_size=20, drop_last=True)) == []


def test_shuffle_is_a_permutation_reproducible_with_manual_seed_and_new_each_epoch():
    x, y = _data(50)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    numnet.manual_seed(0)
    e1 = np.concatenate([b[1]._data for b in loader])
    e2 = np.concatenate([b[1]._data for b in loader])
    assert sorted(e1.tolist()) == list(range(50))
    assert not np.array_equal(e1, e2)
    numnet.manual_seed(0)
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in loader]), e1)
    np.testing.assert_array_equal(x[e1], np.concatenate([b[0]._data for b in _epoch(loader, 0)]))


def _epoch(loader, seed):
    numnet.manual_seed(seed)
    return list(loader)


def test_permutation_is_drawn_when_iteration_starts():
    x, y = _data(20)
    loader = DataLoader(TensorDataset(x, y), batch_size=5, shuffle=True)
    numnet.manual_seed(1)
    it = iter(loader)
    numnet.random.default_generator().random(3)  # drawing after iter() must not change this epoch's order
    got = np.concatenate([b[1]._data for b in it])
    numnet.manual_seed(1)
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in loader]), got)


def test_explicit_generator_wins_over_manual_seed():
    x, y = _data(30)
    orders = []
    for seed in (1, 2):
        numnet.manual_seed(seed)
        loader = DataLoader(TensorDataset(x, y), batch_size=7, shuffle=True, generator=np.random.default_rng(42))
        orders.append(np.concatenate([b[1]._data for b in loader]))
    np.testing.assert_array_equal(orders[0], orders[1])
    np.testing.assert_array_equal(orders[0], np.random.default_rng(42).permutation(30))


def test_fast_path_indexes_whole_batches_without_getitem():
    x, y = _data(12)
    ds = Batched(x, y)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(0))
    assert loader.fast
    batches = list(loader)
    assert ds.calls == 0 and len(batches) == 3


def test_generic_dataset_matches_fast_path():
    x, y = _data(13)
    slow_ds = CountingArrays(x, y)
    slow = list(DataLoader(slow_ds, batch_size=4, shuffle=True, generator=np.random.default_rng(3)))
    fast = list(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, generator=np.random.default_rng(3)))
    assert slow_ds.calls == 13
    for (a, b), (c, d) in zip(slow, fast):
        np.testing.assert_array_equal(a._data, c._data)
        np.testing.assert_array_equal(b._data, d._data)
        assert a.dtype == c.dtype == np.float32 and b.dtype == d.dtype == np.int64


def test_custom_collate_fn_gets_the_list_of_samples():
    x, y = _data(6)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return samples

    out = list(DataLoader(TensorDataset(x, y), batch_size=4, collate_fn=collate))
    assert seen == [4, 2] and len(out[0]) == 4 and isinstance(out[0][0], tuple)


def test_loader_transform_applies_to_inputs_on_both_paths():
    x = np.random.default_rng(0).random((6, 1, 2, 2)).astype(np.float32)
    y = np.arange(6)
    t = Normalize([0.5], [0.25])
    fast = next(iter(DataLoader(TensorDataset(x, y), batch_size=6, transform=t)))
    slow = next(iter(DataLoader(CountingArrays(x, y), batch_size=6, transform=t)))
    np.testing.assert_allclose(fast[0]._data, (x - 0.5) / 0.25, rtol=1e-6)
    np.testing.assert_array_equal(fast[0]._data, slow[0]._data)
    np.testing.assert_array_equal(fast[1]._data, y)


def test_default_collate_structures():
    P = namedtuple("P", "a b")
    samples = [
        {"img": np.full((2,), i, np.float32), "meta": (i, float(i), "s%d" % i, np.int16(i), True), "p": P(i, [i])}
        for i in range(3)
    ]
    out = default_collate(samples)
    assert out["img"].shape == (3, 2) and out["img"].dtype == np.float32
    i, f, s, n16, b = out["meta"]
    assert i.dtype == np.int64 and f.dtype == np.float32 and s == ["s0", "s1", "s2"]
    assert n16.dtype == np.int16 and b.dtype == np.bool_
    assert isinstance(out["p"], P) and out["p"].a.tolist() == [0, 1, 2]
    assert isinstance(out["p"].b, list) and out["p"].b[0].tolist() == [0, 1, 2]
    t = default_collate([numnet.ones(2, 2), numnet.zeros(2, 2)])
    assert t.shape == (2, 2, 2)


def test_default_collate_errors():
    with pytest.raises(ArgumentError, match="empty"):
        default_collate([])
    with pytest.raises(ShapeError, match="different shapes"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ArgumentError, match="different lengths"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(DTypeError, match="cannot batch samples of type object"):
        default_collate([object(), object()])


def test_dataloader_argument_errors():
    ds = TensorDataset(np.zeros(3))
    for bad in (0, -1):
        with pytest.raises(ArgumentError, match=f"DataLoader: expected batch_size to be an int >= 1, got {bad}"):
            DataLoader(ds, batch_size=bad)
    for bad in (2.0, True):
        with pytest.raises(DTypeError, match=f"DataLoader: expected batch_size to be an int >= 1, got {bad}"):
            DataLoader(ds, batch_size=bad)
    with pytest.raises(DTypeError, match="DataLoader: expected generator to be a numpy.random.Generator or None, "
                                         "got int"):
        DataLoader(ds, generator=0)
    with pytest.raises(DTypeError, match="DataLoader: expected collate_fn to be callable, got int"):
        DataLoader(ds, collate_fn=1)
    with pytest.raises(DTypeError, match="DataLoader: expected transform to be callable, got str"):
        DataLoader(ds, transform="x")
    with pytest.raises(DTypeError, match="__len__"):
        DataLoader(5)
    assert "batch_size=1" in repr(DataLoader(ds))
