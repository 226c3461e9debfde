import numpy as np
import pytest

import numnet
from numnet.data import Dataset, Subset, TensorDataset, random_split
from numnet.errors import ArgumentError, DTypeError, ShapeError


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return float(i), i * i


def test_dataset_base_needs_subclass_methods():
    with pytest.raises(NotImplementedError):
        len(Dataset())
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    assert Squares()[3] == (3.0, 9)


def test_tensor_dataset_items_keep_dtypes_and_accept_tensors():
    x = np.arange(12, dtype=np.float64).reshape(6, 2)
    y = numnet.tensor([0, 1, 2, 3, 4, 5])
    ds = TensorDataset(x, y, [1.0] * 6)
    assert len(ds) == 6
    a, b, c = ds[-1]
    assert isinstance(a, numnet.Tensor) and a.dtype == np.float64
    np.testing.assert_array_equal(a._data, [10.0, 11.0])
    assert b.dtype == np.int64 and int(b) == 5
    assert c.dtype == np.float32  # Python floats → float32
    assert [t.shape for t in ds.tensors] == [(6, 2), (6,), (6,)]
    xb, yb, _ = ds.get_batch(np.array([4, 0]))
    np.testing.assert_array_equal(xb, x[[4, 0]])
    np.testing.assert_array_equal(yb, [4, 0])


def test_tensor_dataset_errors():
    with pytest.raises(ArgumentError, match="at least one"):
        TensorDataset()
    with pytest.raises(ShapeError, match=r"same first dimension N, got sizes \[3, 4\]"):
        TensorDataset(np.zeros(3), np.zeros(4))
    with pytest.raises(ShapeError, match="0-dimensional"):
        TensorDataset(np.float32(1.0))
    ds = TensorDataset(np.zeros(3))
    with pytest.raises(IndexError, match="out of range"):
        ds[3]
    with pytest.raises(DTypeError, match="TensorDataset: expected index to be an int, got 1.0"):
        ds[1.0]


def test_subset_indexes_parent_and_keeps_batch_protocol():
    base = TensorDataset(np.arange(10) * 10)
    s = Subset(base, [7, 3, -1])
    assert len(s) == 3 and int(s[0][0]) == 70 and int(s[2][0]) == 90
    assert hasattr(s, "get_batch")
    np.testing.assert_array_equal(s.get_batch(np.array([2, 1]))[0], [90, 30])
    generic = Subset(Squares(), [6, 1])
    assert not hasattr(generic, "get_batch")
    assert generic[0] == (6.0, 36)
    nested = Subset(s, [1])
    np.testing.assert_array_equal(nested.get_batch(np.array([0]))[0], [30])


def test_subset_errors():
    with pytest.raises(ArgumentError,
                       match=r"Subset: expected indices to be in \[-3, 3\) for a dataset of length 3, got "
                                            r"min 0 and max 3"):
        Subset(TensorDataset(np.zeros(3)), [0, 3])
    with pytest.raises(DTypeError, match="Subset: expected indices to be a 1-d sequence of ints, got dtype float64"):
        Subset(TensorDataset(np.zeros(3)), [0.5])
    with pytest.raises(ShapeError, match=r"Subset: expected indices to be a 1-d sequence of ints, got shape \(1, 2\)"):
        Subset(TensorDataset(np.zeros(3)), [[0, 1]])
    assert len(Subset(TensorDataset(np.zeros(3)), [])) == 0


def test_random_split_integer_lengths_partition_the_dataset():
    ds = TensorDataset(np.arange(10))
    a, b = random_split(ds, [7, 3], generator=np.random.default_rng(1))
    assert (len(a), len(b)) == (7, 3)
    allidx = np.concatenate([a.indices, b.indices])
    assert sorted(allidx.tolist()) == list(range(10))


def test_random_split_fractions_follow_pytorch_rounding():
    ds = TensorDataset(np.arange(11))
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=np.random.default_rng(0))
    # floors 5, 3, 2 = 10; the one left over goes to the first split
    assert [len(p) for p in parts] == [6, 3, 2]


def test_random_split_is_reproducible_with_manual_seed_and_explicit_generator_wins():
    ds = TensorDataset(np.arange(20))
    numnet.manual_seed(5)
    first = random_split(ds, [10, 10])[0].indices
    numnet.manual_seed(5)
    again = random_split(ds, [10, 10])[0].indices
    np.testing.assert_array_equal(first, again)
    g1 = random_split(ds, [10, 10], generator=np.random.default_rng(3))[0].indices
    numnet.manual_seed(99)
    g2 = random_split(ds, [10, 10], generator=np.random.default_rng(3))[0].indices
    np.testing.assert_array_equal(g1, g2)


def test_random_split_errors():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ArgumentError, match="sum to 9"):
        random_split(ds, [5, 4])
    with pytest.raises(ArgumentError, match="fractions"):
        random_split(ds, [0.5, 0.6])
    with pytest.raises(ArgumentError, match=r"random_split: expected lengths to be ints >= 0, got \[11, -1\]"):
        random_split(ds, [11, -1])
    with pytest.raises(ArgumentError, match="empty"):
        random_split(ds, [])
