"""Reader for the IDX format of MNIST and Fashion-MNIST (``*-idx3-ubyte.gz`` images, ``*-idx1-ubyte.gz`` labels).

Layout (all integers big-endian)::

    bytes 0-1   zero
    byte  2     element type: 0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions d
    4·d bytes   the size of each dimension (uint32)
    the rest    the elements, C order; exactly prod(sizes) · itemsize bytes

So the magic number ``0x00000803`` means "ubyte, 3 dims" (images N×28×28) and ``0x00000801`` "ubyte, 1 dim"
(labels N). Files may be gzip-compressed (detected from their first bytes, not their name). Anything wrong —
bad magic, truncated data, trailing bytes, a broken gzip stream — raises :class:`numnet.errors.FileFormatError`
naming the file.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Union

import numpy as np

from numnet.errors import FileFormatError

PathLike = Union[str, "os.PathLike[str]"]

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's content, gunzipped if it is gzip-compressed, and whether it was."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise FileFormatError(f"IDX file {path}: is a directory, not a file") from None
    if raw[:2] != _GZIP_MAGIC:
        return raw, False
    try:
        return gzip.decompress(raw), True
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise FileFormatError(f"IDX file {path}: the gzip stream is corrupt or truncated ({e})") from None


def read_idx(path: PathLike, expected_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or gzip-compressed) into a NumPy array in native byte order.

    Args:
        path: the file.
        expected_magic: if given, the magic number the file must start with (``IMAGES_MAGIC``, ``LABELS_MAGIC``).

    Returns:
        An array of the file's shape and element type (read-only is not enforced; it is a fresh array).

    Raises:
        FileNotFoundError: the file does not exist.
        FileFormatError: empty, truncated, wrong magic number, unknown element type, or a byte count that does not
            match the header's dimensions.

    Example:
        >>> labels = read_idx("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", LABELS_MAGIC)
        >>> labels.shape, labels.dtype
        ((10000,), dtype('uint8'))
    """
    path = Path(path)
    data, was_gzip = _read_bytes(path)
    gz = " (after gunzip)" if was_gzip else ""
    if len(data) == 0:
        raise FileFormatError(f"IDX file {path}: the file is empty{gz}")
    if len(data) < 4:
        raise FileFormatError(f"IDX file {path}: only {len(data)} byte(s){gz}, too short for the 4-byte magic number")
    magic = int.from_bytes(data[:4], "big")
    not_gzip = ""
    if not gz and path.suffix == ".gz":
        not_gzip = "; the name ends in .gz but the file is not gzip-compressed either"
    if data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES or data[3] == 0:
        raise FileFormatError(
            f"IDX file {path}: bad magic number 0x{magic:08X}{gz}; an IDX file starts with 0x0000TTDD "
            f"(TT element type, DD number of dimensions){not_gzip}"
        )
    if expected_magic is not None and magic != expected_magic:
        raise FileFormatError(
            f"IDX file {path}: magic number 0x{magic:08X}{gz}, expected 0x{expected_magic:08X} "
            f"({_describe(expected_magic)}); is this the right file?"
        )
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise FileFormatError(
            f"IDX file {path}: truncated header{gz}: {ndim} dimension(s) need {header} bytes, the file has {len(data)}"
        )
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = _DTYPES[data[2]]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing bytes"
        raise FileFormatError(
            f"IDX file {path}: {what}{gz}: dimensions {dims} of {dtype.name} need {expected} data bytes, "
            f"found {got}"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def _describe(magic: int) -> str:
    return {IMAGES_MAGIC: "ubyte images, 3 dimensions", LABELS_MAGIC: "ubyte labels, 1 dimension"}.get(magic, "")


def read_idx_images(path: PathLike) -> np.ndarray:
    """Read an ``idx3-ubyte`` image file: a ``uint8`` array of shape ``(N, rows, cols)``."""
    return read_idx(path, IMAGES_MAGIC)


def read_idx_labels(path: PathLike) -> np.ndarray:
    """Read an ``idx1-ubyte`` label file: a ``uint8`` array of shape ``(N,)``."""
    return read_idx(path, LABELS_MAGIC)
