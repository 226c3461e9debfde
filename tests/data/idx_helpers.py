"""Write small IDX files for tests (the inverse of numnet.data.idx.read_idx)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
          np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    arr = np.asarray(array)
    if arr.dtype.itemsize > 1:
        arr = arr.astype(arr.dtype.newbyteorder(">"))
    header = bytes([0, 0, _CODES[arr.dtype], arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool | None = None) -> Path:
    """Write ``array`` as IDX at ``path``; gzip-compressed when ``gz`` (default: when the name ends in .gz)."""
    path = Path(path)
    data = idx_bytes(array)
    if gz if gz is not None else path.suffix == ".gz":
        data = gzip.compress(data, compresslevel=1)
    path.write_bytes(data)
    return path


def write_image_set(folder: Path, n_train: int = 12, n_test: int = 6, seed: int = 0) -> tuple[np.ndarray, ...]:
    """The four standard files of a tiny 28×28 set in ``folder``; returns (x_train, y_train, x_test, y_test)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    xs = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (n_train, n_test)]
    ys = [rng.integers(0, 10, n, dtype=np.uint8) for n in (n_train, n_test)]
    write_idx(folder / "train-images-idx3-ubyte.gz", xs[0])
    write_idx(folder / "train-labels-idx1-ubyte.gz", ys[0])
    write_idx(folder / "t10k-images-idx3-ubyte.gz", xs[1])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", ys[1])
    return xs[0], ys[0], xs[1], ys[1]
