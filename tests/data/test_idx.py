import gzip
from pathlib import Path

import numpy as np
import pytest

from numnet.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx, read_idx_images, read_idx_labels
from numnet.errors import FileFormatError
from tests.data.idx_helpers import idx_bytes, write_idx

FASHION = Path("/usr/share/datasets/fashion-mnist")


def test_reads_the_real_fashion_mnist_test_labels_and_images():
    y = read_idx_labels(FASHION / "t10k-labels-idx1-ubyte.gz")
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [1000] * 10
    x = read_idx_images(FASHION / "t10k-images-idx3-ubyte.gz")
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert x.max() == 255 and x.min() == 0


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, ">i2", ">i4", ">f4", ">f8"])
def test_roundtrip_raw_and_gzip_every_element_type(tmp_path, gz, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if np.dtype(dtype) != np.uint8 else \
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = write_idx(tmp_path / ("a.idx.gz" if gz else "a.idx"), arr)
    got = read_idx(path)
    assert got.dtype.isnative and got.dtype == np.dtype(dtype).newbyteorder("=")
    np.testing.assert_array_equal(got, arr)
    assert got.flags.writeable  # a fresh array
    got[0, 0, 0] = 1


def test_raw_file_named_gz_is_still_read(tmp_path):
    path = write_idx(tmp_path / "labels.gz", np.arange(5, dtype=np.uint8), gz=False)
    np.testing.assert_array_equal(read_idx_labels(path), np.arange(5))


def _raises(path, match, reader=read_idx_images):
    with pytest.raises(FileFormatError, match=match) as info:
        reader(path)
    assert str(path) in str(info.value)
    return str(info.value)


def test_empty_file(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(b"")
    _raises(p, "empty")


def test_empty_gzip_member(tmp_path):
    p = tmp_path / "x.gz"
    p.write_bytes(gzip.compress(b""))
    _raises(p, r"empty \(after gunzip\)")


def test_bad_magic(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"\x12\x34\x56\x78" + bytes(100))
    _raises(p, "bad magic number 0x12345678")


def test_labels_file_given_as_images_names_both_magics(tmp_path):
    p = write_idx(tmp_path / "labels.gz", np.zeros(4, np.uint8))
    msg = _raises(p, "magic number 0x00000801")
    assert f"0x{IMAGES_MAGIC:08X}" in msg
    with pytest.raises(FileFormatError, match=f"expected 0x{LABELS_MAGIC:08X}"):
        read_idx_labels(write_idx(tmp_path / "img.gz", np.zeros((1, 2, 2), np.uint8)))


def test_text_file_named_gz_is_neither_gzip_nor_idx(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte.gz"
    p.write_text("<html>404 Not Found</html>")
    _raises(p, "not gzip-compressed either")


def test_truncated_data_raw_and_gzip(tmp_path):
    data = idx_bytes(np.zeros((3, 28, 28), np.uint8))
    raw = tmp_path / "raw"
    raw.write_bytes(data[:-10])
    msg = _raises(raw, "truncated")
    assert "2352 data bytes, found 2342" in msg
    gz = tmp_path / "t.gz"
    gz.write_bytes(gzip.compress(data[:-1]))
    _raises(gz, r"truncated \(after gunzip\)")


def test_truncated_gzip_stream(tmp_path):
    blob = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8).reshape(10, 10, 10)))
    p = tmp_path / "cut.gz"
    p.write_bytes(blob[: len(blob) // 2])
    _raises(p, "gzip stream is corrupt or truncated")


def test_corrupt_gzip_stream(tmp_path):
    blob = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8).reshape(10, 10, 10))))
    blob[12:20] = b"\xff" * 8
    p = tmp_path / "bad.gz"
    p.write_bytes(bytes(blob))
    _raises(p, "gzip stream is corrupt")


def test_wrong_count_and_trailing_bytes(tmp_path):
    # header says 5 labels, 4 present
    p = tmp_path / "labels"
    p.write_bytes(bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + bytes(4))
    _raises(p, "truncated", read_idx_labels)
    p.write_bytes(bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes(4))
    _raises(p, "trailing bytes", read_idx_labels)


def test_truncated_header(tmp_path):
    p = tmp_path / "h"
    p.write_bytes(bytes([0, 0, 8, 3]) + bytes(5))
    _raises(p, "truncated header")
    p.write_bytes(b"\x00\x00")
    _raises(p, "too short")


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")
