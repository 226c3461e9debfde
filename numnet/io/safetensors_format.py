"""The safetensors format: :func:`_write`, :func:`_load_arrays`, :func:`load_metadata`, and the header check behind
them (:mod:`numnet.io.objects` builds :func:`numnet.save` / :func:`numnet.load` on these).

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length ``n``, ``n`` bytes of
JSON (``{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}``), then the raw little-endian tensor bytes.
Reading never trusts the file: :func:`_read` opens only regular files (no FIFO, device or directory; a symlink loop
is an error), bounds the header (:mod:`numnet.io.limits`: length, JSON depth, duplicate keys, tensor count, metadata
size), and :func:`validate_header` (shared by :func:`load_metadata` and every loader) checks every dtype, shape and
byte range before a single array is allocated; the arrays are then read with NumPy through the same descriptor. A
truncated, corrupt or foreign file (a PyTorch ``.pt`` pickle, say) raises :class:`~numnet.errors.FileFormatError`
naming the file. Writing uses the ``safetensors`` package.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, DTypeError, FileFormatError
from numnet.io.atomic import PathLike, atomic_write_bytes
from numnet.io.limits import (MAX_HEADER_BYTES, MAX_METADATA_BYTES, MAX_METADATA_ENTRIES, MAX_TENSOR_DIMS, MAX_TENSORS,
                              loads_bounded)
from numnet.tensor import Tensor

__all__ = ["load_metadata", "validate_header"]

# the metadata entry where numnet.save keeps the JSON skeleton of a nested object (numnet.io.objects)
OBJECT_KEY = "numnet.object"

# safetensors dtype → (NumPy dtype or None if NumPy has none, itemsize in bytes)
_ST_DTYPES: dict[str, tuple[Any, int]] = {
    "BOOL": (np.bool_, 1), "U8": (np.uint8, 1), "I8": (np.int8, 1), "U16": (np.uint16, 2), "I16": (np.int16, 2),
    "U32": (np.uint32, 4), "I32": (np.int32, 4), "U64": (np.uint64, 8), "I64": (np.int64, 8),
    "F16": (np.float16, 2), "F32": (np.float32, 4), "F64": (np.float64, 8), "C64": (np.complex64, 8),
    "BF16": (None, 2), "F8_E4M3": (None, 1), "F8_E5M2": (None, 1),
}
_NP_OK = {np.dtype(d) for d, _ in _ST_DTYPES.values() if d is not None}

_SIGNATURES = [
    (b"PK\x03\x04", "a zip archive (a PyTorch .pt/.pth file is a zip of pickles)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x89HDF", "an HDF5 file (Keras .h5?)"),
    (b"\x08\x01\x12", "a protobuf (ONNX?) file"),
]


def _safetensors() -> Any:
    """Import ``safetensors.numpy`` lazily, with an install hint."""
    try:
        import safetensors.numpy as st_numpy
    except ImportError:
        raise ImportError("numnet's model files need the safetensors package: pip install numnet[train] "
                          "(or pip install safetensors)") from None
    return st_numpy


def _as_saveable(value: Any, key: str, who: str) -> np.ndarray:
    if isinstance(value, Tensor):
        arr = value._data
    elif isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
    elif isinstance(value, (bool, int, float)):
        arr = np.asarray(value)
        if arr.dtype == np.float64 and not isinstance(value, np.floating):
            arr = arr.astype(np.float32)
    else:
        raise DTypeError(f"{who}: value of {key!r} is a {type(value).__name__}; expected a numnet Tensor or a "
                         f"NumPy array")
    if arr.dtype.newbyteorder("=") not in _NP_OK:
        raise DTypeError(f"{who}: {key!r} has dtype {arr.dtype}, which safetensors cannot store "
                         f"(supported: bool, (u)int8-64, float16/32/64, complex64)")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr if arr.flags.c_contiguous else arr.copy(order="C")  # (ascontiguousarray turns 0-d into 1-d)


def _check_metadata(metadata: Mapping[str, str] | None, who: str) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise ArgumentError(f"{who}: metadata must be a dict of str to str, got {type(metadata).__name__}")
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise ArgumentError(f"{who}: metadata must map str to str (encode other values, e.g. with json.dumps), "
                                f"got {k!r}: {type(v).__name__}")
    return dict(metadata)


def _write(path: PathLike, arrays: dict[str, np.ndarray], metadata: dict[str, str] | None) -> None:
    data = _safetensors().save(arrays, metadata=metadata or None)
    atomic_write_bytes(path, data)



def _os_call(path: Any, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` with its OS errors worded for ``path``: missing → FileNotFoundError, anything else (a symlink
    loop included) → FileFormatError."""
    try:
        return fn(*args)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise FileFormatError(f"{path}: a loop of symbolic links, not a file") from None
        raise FileFormatError(f"{path}: cannot read the file ({e.strerror or e})") from None

def _open_regular(path: Path) -> tuple[Any, int]:
    """Open ``path`` for reading only if it is a regular file: ``(binary file, size)``.

    ``os.stat`` first (a FIFO, a device, a socket or a directory is refused without opening it, so a read can never
    block on a pipe), then ``open`` with ``O_NONBLOCK`` and ``fstat`` of the opened descriptor, so a file swapped for a
    FIFO between the two calls is refused too. A symbolic-link loop is a :class:`FileFormatError`.
    """
    st = _os_call(path, os.stat, path)
    _check_regular(path, st.st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = _os_call(path, os.open, path, flags)
    try:
        st = os.fstat(fd)
        _check_regular(path, st.st_mode)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _check_regular(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise FileFormatError(f"{path}: is {kind}, not a safetensors file; numnet reads only regular files")


def _sniff(path: Path, head: bytes, size: int, first: bytes) -> None:
    """Name a foreign format (zip, pickle, .npy, ...) when the first bytes are not a plausible safetensors header."""
    n_guess = int.from_bytes(head, "little") if len(head) == 8 else 0
    # a plausible header length followed by '{' is safetensors, even when its first bytes happen to match a
    # foreign signature (a 640-byte header starts 0x80 0x02, as a pickle does)
    if 0 < n_guess <= size - 8 and first == b"{":
        return
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise FileFormatError(f"{path}: not a safetensors file: it looks like {what}. numnet reads only "
                                  f"safetensors files (it never unpickles: a pickle can run arbitrary code)")
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise FileFormatError(
            f"{path}: not a safetensors file: it looks like a Python pickle (protocol {head[1]}). numnet never "
            f"unpickles files, since loading a pickle can run arbitrary code; re-save the weights as safetensors"
        )


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def validate_header(header: Any, data_size: int, path: PathLike) -> tuple[dict[str, Any], dict[str, str]]:
    """Check a parsed safetensors header against the data it describes; return ``(tensor entries, metadata)``.

    The one validator behind :func:`load_metadata`, :func:`numnet.load`, model files and checkpoints: a JSON object;
    ``__metadata__`` a str → str map within :data:`~numnet.io.limits.MAX_METADATA_ENTRIES` /
    :data:`~numnet.io.limits.MAX_METADATA_BYTES`; at most :data:`~numnet.io.limits.MAX_TENSORS` tensors, each with a
    known dtype NumPy can hold, a shape of at most :data:`~numnet.io.limits.MAX_TENSOR_DIMS` non-negative ints,
    ``data_offsets`` whose span is exactly the shape's bytes; and the byte ranges, in order, tile the data exactly
    (no overlap, no gap, nothing out of range, nothing after the last tensor).

    Raises:
        FileFormatError: naming the file and the first problem found.
    """
    if not isinstance(header, dict):
        raise FileFormatError(f"{path}: corrupt safetensors header: expected a JSON object, got "
                              f"{type(header).__name__}")
    header = dict(header)
    metadata = header.pop("__metadata__", None)
    metadata = {} if metadata is None else metadata
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FileFormatError(f"{path}: corrupt safetensors header: __metadata__ must map str to str")
    if len(metadata) > MAX_METADATA_ENTRIES:
        raise FileFormatError(f"{path}: the metadata has {len(metadata)} entries; numnet reads at most "
                              f"{MAX_METADATA_ENTRIES} (MAX_METADATA_ENTRIES)")
    meta_bytes = sum(len(k) + len(v) for k, v in metadata.items())
    if meta_bytes > MAX_METADATA_BYTES:
        raise FileFormatError(f"{path}: the metadata holds {meta_bytes} characters; numnet reads at most "
                              f"{MAX_METADATA_BYTES} (MAX_METADATA_BYTES)")
    if len(header) > MAX_TENSORS:
        raise FileFormatError(f"{path}: the header lists {len(header)} tensors; numnet reads at most {MAX_TENSORS} "
                              f"(MAX_TENSORS)")
    spans: list[tuple[int, int, str]] = []
    for name, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise FileFormatError(f"{path}: corrupt safetensors header: entry {name!r} lacks dtype/shape/data_offsets")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if not isinstance(dtype, str) or dtype not in _ST_DTYPES:
            raise FileFormatError(f"{path}: tensor {name!r} has unknown dtype {dtype!r}")
        if _ST_DTYPES[dtype][0] is None:
            raise FileFormatError(f"{path}: tensor {name!r} has dtype {dtype}, which NumPy cannot represent")
        if (not isinstance(shape, list) or len(shape) > MAX_TENSOR_DIMS
                or not all(_is_int(d) and 0 <= d <= _MAX_DIM for d in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(_is_int(o) and o >= 0 for o in offsets) or offsets[0] > offsets[1]):
            raise FileFormatError(f"{path}: corrupt safetensors header: bad shape {_short(shape)} or data_offsets "
                                  f"{_short(offsets)} for tensor {name!r}")
        if math.prod(max(d, 1) for d in shape) > _MAX_DIM:
            raise FileFormatError(f"{path}: tensor {name!r} has shape {tuple(shape)}, too large to describe")
        nbytes = math.prod(shape) * _ST_DTYPES[dtype][1]
        if offsets[1] - offsets[0] != nbytes:
            raise FileFormatError(f"{path}: corrupt safetensors header: tensor {name!r} of shape {tuple(shape)} "
                                  f"{dtype} needs {nbytes} bytes but its data_offsets span {offsets[1] - offsets[0]}")
        spans.append((offsets[0], offsets[1], name))
    spans.sort()
    end = 0
    for lo, hi, name in spans:
        if hi > data_size:
            raise FileFormatError(f"{path}: truncated or corrupt: tensor {name!r} ends at byte {hi} of the data, "
                                  f"the file holds {data_size}")
        if lo < end:
            raise FileFormatError(f"{path}: corrupt safetensors header: tensor {name!r} (bytes {lo}-{hi}) overlaps "
                                  f"another tensor's data")
        if lo > end:
            raise FileFormatError(f"{path}: corrupt safetensors header: a gap of {lo - end} byte(s) before tensor "
                                  f"{name!r} (offsets must tile the data)")
        end = hi
    if end < data_size:
        raise FileFormatError(f"{path}: corrupt safetensors file: {data_size - end} unexpected byte(s) after "
                              f"the tensor data")
    return header, metadata


_MAX_DIM = 2**48  # no dimension (nor the product of the non-zero ones) may exceed this


def _short(x: Any, limit: int = 80) -> str:
    text = x if isinstance(x, str) and limit > 80 else repr(x)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _read(path: PathLike, arrays: bool) -> tuple[dict[str, Any], dict[str, str], dict[str, np.ndarray]]:
    """Open, bound, parse and validate a safetensors file through one descriptor; read its arrays if ``arrays``."""
    path = Path(path)
    f, size = _open_regular(path)
    with f:
        head = f.read(8)
        if size == 0:
            raise FileFormatError(f"{path}: the file is empty; not a safetensors file")
        first = f.read(1)
        _sniff(path, head, size, first)
        if len(head) < 8:
            raise FileFormatError(f"{path}: truncated: {size} byte(s), but a safetensors file starts with an "
                                  f"8-byte header length")
        n = int.from_bytes(head, "little")
        if n == 0 or n > size - 8:
            raise FileFormatError(f"{path}: not a safetensors file or truncated: the header length field says {n} "
                                  f"bytes, but the file has only {size - 8} bytes after it")
        if n > MAX_HEADER_BYTES:
            raise FileFormatError(f"{path}: the header length field says {n} bytes; numnet reads headers of at most "
                                  f"{MAX_HEADER_BYTES} bytes (MAX_HEADER_BYTES)")
        raw = first + f.read(n - 1)
        if len(raw) != n:
            raise FileFormatError(f"{path}: truncated while reading: the header is {n} bytes, read {len(raw)}")
        if raw.count(b'"data_offsets"') > MAX_TENSORS:  # refused before the JSON becomes Python objects
            raise FileFormatError(f"{path}: the header lists more than {MAX_TENSORS} tensors; numnet reads at "
                                  f"most {MAX_TENSORS} (MAX_TENSORS)")
        parsed = loads_bounded(raw, f"{path}: corrupt safetensors header")
        header, metadata = validate_header(parsed, size - 8 - n, path)
        out: dict[str, np.ndarray] = {}
        if arrays:
            base = 8 + n
            for name, info in header.items():
                np_dtype = np.dtype(_ST_DTYPES[info["dtype"]][0]).newbyteorder("<")
                arr = np.empty(tuple(info["shape"]), dtype=np_dtype)
                lo, hi = info["data_offsets"]
                if hi > lo:
                    f.seek(base + lo)
                    got = f.readinto(memoryview(arr.reshape(-1).view(np.uint8)))
                    if got != hi - lo:
                        raise FileFormatError(f"{path}: truncated while reading tensor {name!r} (the file changed?)")
                out[name] = arr if np_dtype.isnative else arr.astype(np_dtype.newbyteorder("="))
    return header, metadata, out


def _read_header(path: PathLike) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a safetensors file's header without trusting it; return (tensor entries, metadata)."""
    header, metadata, _ = _read(path, arrays=False)
    return header, metadata


def load_metadata(path: PathLike) -> dict[str, str]:
    """The str → str metadata stored in a safetensors file's header (``{}`` if none); reads only the header.

    Raises:
        FileFormatError: the file is not a valid safetensors file.

    Example:
        >>> numnet.load_metadata("lenet5.safetensors")["model_name"]  # doctest: +SKIP
        'lenet5'
    """
    meta = _read_header(path)[1]
    meta.pop(OBJECT_KEY, None)  # numnet's own structure record, not user metadata
    return meta


def _load_arrays(path: PathLike) -> dict[str, np.ndarray]:
    """Load the tensors of a safetensors file as a dict of name → NumPy array (writable copies).

    The raw reader behind :func:`numnet.load`, model files and checkpoints. The file is validated first (the same
    :func:`validate_header` as :func:`load_metadata`), then each tensor is read into its own new array; nothing in it
    is executed.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: truncated, corrupt, not a regular file, or not a safetensors file (e.g. a pickle).
    """
    return _read(path, arrays=True)[2]
