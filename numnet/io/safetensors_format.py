"""The safetensors format: :func:`_write`, :func:`_load_arrays`, :func:`load_metadata`, and the header check behind
them (:mod:`numnet.io.objects` builds :func:`numnet.save` / :func:`numnet.load` on these).

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length ``n``, ``n`` bytes of
JSON (``{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}``), then the raw little-endian tensor bytes.
Before handing a file to the ``safetensors`` package, :func:`_read_header` checks the header itself (length within the
file, valid JSON, every tensor's byte range inside the data), so a truncated, corrupt or foreign file (a PyTorch
``.pt`` pickle, say) raises :class:`~numnet.errors.FileFormatError` naming the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, DTypeError, FileFormatError
from numnet.io.atomic import PathLike, atomic_write_bytes
from numnet.tensor import Tensor

__all__ = ["load_metadata"]

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


def _read_header(path: PathLike) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a safetensors file's header without trusting it; return (tensor entries, metadata)."""
    path = Path(path)
    if path.is_dir():
        raise FileFormatError(f"{path}: is a directory, not a safetensors file")
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(8)
        if size == 0:
            raise FileFormatError(f"{path}: the file is empty; not a safetensors file")
        n_guess = int.from_bytes(head, "little") if len(head) == 8 else 0
        # a plausible header length followed by '{' is safetensors, even when its first bytes happen to match a
        # foreign signature (a 640-byte header starts 0x80 0x02, as a pickle does)
        plausible = 0 < n_guess <= size - 8 and f.read(1) == b"{"
        f.seek(8)
        for magic, what in ([] if plausible else _SIGNATURES):
            if head.startswith(magic):
                raise FileFormatError(f"{path}: not a safetensors file: it looks like {what}. numnet reads only "
                                      f"safetensors files (it never unpickles: a pickle can run arbitrary code)")
        if not plausible and len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
            raise FileFormatError(
                f"{path}: not a safetensors file: it looks like a Python pickle (protocol {head[1]}). numnet never "
                f"unpickles files, since loading a pickle can run arbitrary code; re-save the weights as safetensors"
            )
        if len(head) < 8:
            raise FileFormatError(f"{path}: truncated: {size} byte(s), but a safetensors file starts with an "
                                  f"8-byte header length")
        n = int.from_bytes(head, "little")
        if n == 0 or n > size - 8:
            raise FileFormatError(f"{path}: not a safetensors file or truncated: the header length field says {n} "
                                  f"bytes, but the file has only {size - 8} bytes after it")
        raw = f.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FileFormatError(f"{path}: corrupt safetensors header: not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict):
        raise FileFormatError(f"{path}: corrupt safetensors header: expected a JSON object, got "
                              f"{type(header).__name__}")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise FileFormatError(f"{path}: corrupt safetensors header: __metadata__ must map str to str")
    data_size = size - 8 - n
    end_max = 0
    for name, info in header.items():
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise FileFormatError(f"{path}: corrupt safetensors header: entry {name!r} lacks dtype/shape/data_offsets")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in _ST_DTYPES:
            raise FileFormatError(f"{path}: tensor {name!r} has unknown dtype {dtype!r}")
        if _ST_DTYPES[dtype][0] is None:
            raise FileFormatError(f"{path}: tensor {name!r} has dtype {dtype}, which NumPy cannot represent")
        if (not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) and o >= 0 for o in offsets) or offsets[0] > offsets[1]):
            raise FileFormatError(f"{path}: corrupt safetensors header: bad shape {shape!r} or data_offsets "
                                  f"{offsets!r} for tensor {name!r}")
        nbytes = math.prod(shape) * _ST_DTYPES[dtype][1]
        if offsets[1] - offsets[0] != nbytes:
            raise FileFormatError(f"{path}: corrupt safetensors header: tensor {name!r} of shape {tuple(shape)} "
                                  f"{dtype} needs {nbytes} bytes but its data_offsets span {offsets[1] - offsets[0]}")
        end_max = max(end_max, offsets[1])
    if end_max > data_size:
        raise FileFormatError(f"{path}: truncated: the header describes {end_max} bytes of tensor data, the file "
                              f"holds {data_size}")
    if end_max < data_size:
        raise FileFormatError(f"{path}: corrupt safetensors file: {data_size - end_max} unexpected byte(s) after "
                              f"the tensor data")
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

    The raw reader behind :func:`numnet.load`, model files and checkpoints. The file is validated first; nothing in
    it is executed.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: truncated, corrupt, or not a safetensors file (e.g. a pickle).
        ImportError: the safetensors package is missing (``pip install numnet[train]``).

    """
    header, _ = _read_header(path)
    _safetensors()
    from safetensors import safe_open

    out: dict[str, np.ndarray] = {}
    try:
        with safe_open(str(path), framework="np") as f:
            for name in f.keys():
                arr = f.get_tensor(name)
                out[name] = arr if arr.flags.writeable else arr.copy()
    except Exception as e:  # safetensors raises its own SafetensorError (an Exception subclass)
        raise FileFormatError(f"{path}: corrupt safetensors file ({e})") from None
    if set(out) != set(header):
        raise FileFormatError(f"{path}: corrupt safetensors file: header lists {len(header)} tensors, "
                              f"read {len(out)}")
    return out

