"""Files you can trust: tensors in the safetensors format, written atomically; loading never runs code.

* :func:`save` / :func:`load` / :func:`load_metadata` — a ``state_dict`` (name → array) and str→str metadata.
* :func:`save_model` / :func:`load_model` — weights plus what is needed to rebuild a model of the zoo
  (:mod:`numnet.models`): numnet version, model class, registry name and config (JSON) in the file's metadata.
* :func:`save_checkpoint` / :func:`load_checkpoint` — model, optimizer, scheduler, epoch/step, numnet's RNG state and
  user extras in one file, so a resumed run continues bit-identically.

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length ``n``, ``n`` bytes of
JSON (``{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}``), then the raw little-endian tensor bytes.
No pickle anywhere: a file holds only numbers and strings. Before handing a file to the ``safetensors`` package,
numnet checks the header itself (length within the file, valid JSON, every tensor's byte range inside the data), so a
truncated, corrupt or foreign file (a PyTorch ``.pt`` pickle, say) raises :class:`~numnet.errors.FileFormatError`
naming the file.

Writes go to a temporary file in the target's folder, which is flushed and ``fsync``-ed, then renamed over the target
with ``os.replace`` and the folder is ``fsync``-ed: a crash or an exception leaves either the old file or the new one,
never a half-written file.

Nested state (an optimizer's ``{'state': {0: {'momentum_buffer': array}}, 'param_groups': [...]}``) is stored with
:func:`flatten_state`: arrays become tensors named by their path (``optimizer/state/0/momentum_buffer``), everything
else (numbers, strings, lists, tuples, dicts with int keys) becomes JSON in the metadata, from which
:func:`unflatten_state` rebuilds the exact structure, key types included.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np

from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError
from numnet.tensor import Tensor

PathLike = Union[str, "os.PathLike[str]"]

MODEL_FORMAT = "numnet.model"
CHECKPOINT_FORMAT = "numnet.checkpoint"

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


# ---------------------------------------------------------------------------------------------------- writing
def _umask() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: temp file in the same folder, fsync, ``os.replace``, fsync the folder.

    On any exception the temporary file is removed and a previous file at ``path`` is left untouched.

    Raises:
        FileNotFoundError: the folder does not exist.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: folder {folder} does not exist (while writing {path})")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(folder)


def _as_saveable(value: Any, key: str, who: str) -> np.ndarray:
    if isinstance(value, Tensor):
        arr = value.data
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


def save(state_dict: Mapping[str, Any], path: PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save a ``state_dict`` (name → Tensor or array) to a safetensors file, atomically.

    Args:
        state_dict: e.g. ``model.state_dict()``; values may be numnet Tensors, NumPy arrays or numbers.
        path: the file to write (its folder must exist); an existing file is replaced only once the new one is
            complete.
        metadata: optional str → str pairs stored in the file's header (read back with :func:`load_metadata`).

    Raises:
        ArgumentError: ``state_dict`` is not a mapping of str keys (e.g. a model: pass ``model.state_dict()`` or use
            :func:`save_model`), or metadata that is not str → str.
        DTypeError: a value that is not an array, or a dtype safetensors cannot store.
        ImportError: the safetensors package is missing (``pip install numnet[train]``).

    Example:
        >>> numnet.save(model.state_dict(), "weights.safetensors", metadata={"note": "epoch 3"})  # doctest: +SKIP
        >>> model.load_state_dict(numnet.load("weights.safetensors"))  # doctest: +SKIP
    """
    if not isinstance(state_dict, Mapping):
        hint = " (pass model.state_dict(), or use numnet.save_model(model, path))" if hasattr(
            state_dict, "state_dict") else ""
        raise ArgumentError(f"save: expected a dict of name → tensor, got {type(state_dict).__name__}{hint}")
    arrays = {}
    for k, v in state_dict.items():
        if not isinstance(k, str):
            raise ArgumentError(f"save: keys must be strings, got {k!r} ({type(k).__name__})")
        arrays[k] = _as_saveable(v, k, "save")
    _write(path, arrays, _check_metadata(metadata, "save"))


# ---------------------------------------------------------------------------------------------------- reading
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
        for magic, what in _SIGNATURES:
            if head.startswith(magic):
                raise FileFormatError(f"{path}: not a safetensors file: it looks like {what}. numnet reads only "
                                      f"safetensors files (it never unpickles: a pickle can run arbitrary code)")
        if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
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
    return _read_header(path)[1]


def load(path: PathLike) -> dict[str, np.ndarray]:
    """Load the tensors of a safetensors file as a dict of name → NumPy array (writable copies).

    Pass the result to ``model.load_state_dict``. The file is validated first; nothing in it is executed.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: truncated, corrupt, or not a safetensors file (e.g. a pickle).
        ImportError: the safetensors package is missing (``pip install numnet[train]``).

    Example:
        >>> state = numnet.load("weights.safetensors")  # doctest: +SKIP
        >>> sorted(state)[:2]  # doctest: +SKIP
        ['0.bias', '0.weight']
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


# ---------------------------------------------------------------------------------------------------- nested state
def flatten_state(obj: Any, prefix: str,
                  tensors: dict[str, np.ndarray] | None = None) -> tuple[Any, dict[str, np.ndarray]]:
    """Split nested state into a JSON-able skeleton and a flat dict of arrays.

    Arrays (and numnet Tensors, NumPy scalars) are stored under their path, e.g. ``optimizer/state/0/momentum_buffer``,
    and replaced in the skeleton by ``{"__tensor__": name, "type": ...}``. Dicts whose keys are not all plain strings
    become ``{"__dict__": [[key, value], ...]}`` (so int keys come back as ints), tuples ``{"__tuple__": [...]}``.

    Args:
        obj: dicts, lists, tuples, arrays, Tensors, NumPy scalars, and None/bool/int/float/str.
        prefix: the path prefix of the tensor names.
        tensors: a dict to add the arrays to (a new one if None).

    Returns:
        ``(skeleton, tensors)``; ``json.dumps(skeleton)`` works, and :func:`unflatten_state` inverts this.

    Raises:
        ArgumentError: a value of another type (a function, an object) — its path is named.

    Example:
        >>> skel, arrays = flatten_state({"state": {0: {"buf": np.zeros(2)}}, "lr": 0.1}, "opt")
        >>> sorted(arrays)
        ['opt/state/0/buf']
    """
    tensors = {} if tensors is None else tensors

    def name_for(path: str) -> str:
        name, k = path, 1
        while name in tensors:
            name, k = f"{path}#{k}", k + 1
        return name

    def enc(x: Any, path: str) -> Any:
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            return float(x)
        if isinstance(x, (Tensor, np.ndarray, np.generic)):
            kind = "tensor" if isinstance(x, Tensor) else "ndarray" if isinstance(x, np.ndarray) else "scalar"
            name = name_for(path)
            tensors[name] = _as_saveable(x, path, "flatten_state")
            return {"__tensor__": name, "type": kind}
        if isinstance(x, tuple):
            return {"__tuple__": [enc(v, f"{path}/{i}") for i, v in enumerate(x)]}
        if isinstance(x, list):
            return [enc(v, f"{path}/{i}") for i, v in enumerate(x)]
        if isinstance(x, Mapping):
            plain = all(isinstance(k, str) and not k.startswith("__") for k in x)
            if plain:
                return {k: enc(v, f"{path}/{k}") for k, v in x.items()}
            pairs = []
            for k, v in x.items():
                if not (k is None or isinstance(k, (bool, int, float, str))):
                    raise ArgumentError(f"flatten_state: dict key {k!r} at {path} is a {type(k).__name__}; "
                                        f"keys must be str, int, float, bool or None")
                pairs.append([k, enc(v, f"{path}/{k}")])
            return {"__dict__": pairs}
        raise ArgumentError(f"flatten_state: cannot store a {type(x).__name__} at {path}; state must be made of "
                            f"arrays, numbers, strings, None, and lists/tuples/dicts of them")

    return enc(obj, prefix), tensors


def unflatten_state(skeleton: Any, tensors: Mapping[str, np.ndarray], source: str = "state") -> Any:
    """Rebuild the structure saved by :func:`flatten_state` from its skeleton and arrays.

    Raises:
        FileFormatError: the skeleton names a tensor that is missing (``source`` names the file in the message).
    """

    def dec(x: Any) -> Any:
        if isinstance(x, list):
            return [dec(v) for v in x]
        if isinstance(x, dict):
            if "__tensor__" in x:
                name = x["__tensor__"]
                if name not in tensors:
                    raise FileFormatError(f"{source}: tensor {name!r} named in the metadata is missing")
                arr = np.array(tensors[name])
                kind = x.get("type", "ndarray")
                return Tensor(arr) if kind == "tensor" else arr[()] if kind == "scalar" else arr
            if "__tuple__" in x:
                return tuple(dec(v) for v in x["__tuple__"])
            if "__dict__" in x:
                return {k: dec(v) for k, v in x["__dict__"]}
            return {k: dec(v) for k, v in x.items()}
        return x

    return dec(skeleton)


def _json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=True)


def _unjson(meta: dict[str, str], key: str, path: PathLike) -> Any:
    try:
        return json.loads(meta[key])
    except ValueError as e:
        raise FileFormatError(f"{path}: metadata entry {key!r} is not valid JSON ({e})") from None


# ---------------------------------------------------------------------------------------------------- models
def _state_arrays(model: Any, who: str) -> dict[str, np.ndarray]:
    if not callable(getattr(model, "state_dict", None)):
        raise ArgumentError(f"{who}: expected a model with state_dict() (a numnet.nn.Module), got "
                            f"{type(model).__name__}")
    return {k: _as_saveable(v, k, who) for k, v in model.state_dict().items()}


def _check_against_model(model: Any, state: Mapping[str, np.ndarray], path: PathLike, what: str) -> None:
    """Keys and shapes of ``state`` must be exactly the model's; raise before touching the model otherwise."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {missing[:5]}{' …' if len(missing) > 5 else ''}")
        if unexpected:
            parts.append(f"unexpected {unexpected[:5]}{' …' if len(unexpected) > 5 else ''}")
        raise FileFormatError(f"{path}: the {what} does not match the model ({type(model).__name__}): "
                              f"{'; '.join(parts)}")
    for k, v in expected.items():
        want = tuple(np.shape(v.data if isinstance(v, Tensor) else v))
        got = tuple(np.shape(state[k]))
        if want != got:
            raise ShapeError(f"{path}: tensor {k!r} has shape {got} but the model ({type(model).__name__}) "
                             f"expects {want}")


def _registry_name(model: Any) -> str | None:
    try:
        from numnet import models
    except ImportError:
        return None
    registry = getattr(models, "MODELS", {})
    for name, cls in registry.items():
        if cls is type(model):
            return name
    return None


def _version() -> str:
    import numnet

    return str(getattr(numnet, "__version__", "unknown"))


def _class_path(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def save_model(model: Any, path: PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save a model's weights plus what :func:`load_model` needs to rebuild it.

    The file is a plain safetensors file (``numnet.load(path)`` gives the ``state_dict``); its metadata holds
    ``format`` = ``numnet.model``, ``numnet_version``, ``model_class`` and, for models of the zoo
    (``numnet.models.MODELS``), ``model_name`` (the registry key) and ``model_config`` (``model.config`` as JSON).

    Args:
        model: a numnet Module.
        path: the file to write (atomically).
        metadata: extra str → str entries to store.

    Raises:
        ArgumentError: not a model, a zoo model whose ``config`` is not JSON-serialisable, or bad metadata.

    Example:
        >>> numnet.save_model(numnet.models.get_model("lenet5"), "lenet5.safetensors")  # doctest: +SKIP
        >>> model = numnet.load_model("lenet5.safetensors")  # doctest: +SKIP
    """
    arrays = _state_arrays(model, "save_model")
    meta = dict(_check_metadata(metadata, "save_model") or {})
    meta.update({"format": MODEL_FORMAT, "numnet_version": _version(), "model_class": _class_path(model)})
    name = _registry_name(model)
    if name is not None:
        config = getattr(model, "config", None) or {}
        try:
            meta["model_config"] = _json(config)
        except TypeError as e:
            raise ArgumentError(f"save_model: the config of {type(model).__name__} is not JSON-serialisable "
                                f"({e}): {config!r}") from None
        meta["model_name"] = name
    _write(path, arrays, meta)


def load_model(path: PathLike) -> Any:
    """Rebuild a zoo model saved with :func:`save_model` and load its weights.

    Calls ``numnet.models.get_model(model_name, **model_config)`` from the file's metadata, then
    ``load_state_dict``. Models outside the zoo cannot be rebuilt from a file (no code is stored or run): build the
    model yourself and call ``model.load_state_dict(numnet.load(path))``.

    Raises:
        FileFormatError: the file is not a safetensors file, was not written by :func:`save_model` for a zoo model,
            or its tensors do not match the rebuilt model's keys.
        ShapeError: a tensor's shape differs from the rebuilt model's.

    Example:
        >>> model = numnet.load_model("lenet5.safetensors")  # doctest: +SKIP
    """
    meta = load_metadata(path)
    name = meta.get("model_name")
    if name is None:
        what = f"a {meta['model_class']}" if "model_class" in meta else "weights"
        raise FileFormatError(
            f"{path}: holds {what} but no zoo model name (it was not saved by numnet.save_model for a model of "
            f"numnet.models), so numnet cannot rebuild the model. Build the model yourself and load the weights: "
            f"model.load_state_dict(numnet.load({str(path)!r}))"
        )
    config = _unjson(meta, "model_config", path) if "model_config" in meta else {}
    if not isinstance(config, dict):
        raise FileFormatError(f"{path}: model_config must be a JSON object, got {type(config).__name__}")
    from numnet import models

    try:
        model = models.get_model(name, **config)
    except (KeyError, ValueError, TypeError) as e:
        raise FileFormatError(f"{path}: cannot rebuild model {name!r} with config {config} ({e}); was it saved by "
                              f"another numnet version (file: {meta.get('numnet_version', '?')})?") from None
    state = load(path)
    _check_against_model(model, state, path, "weights")
    model.load_state_dict(state)
    return model


# ---------------------------------------------------------------------------------------------------- checkpoints
def save_checkpoint(
    path: PathLike,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int = 0,
    step: int = 0,
    rng: bool = True,
    extra: Any = None,
) -> None:
    """Save everything needed to resume training, in one safetensors file, atomically.

    Stored: the model's ``state_dict`` (tensors ``model/<key>``), the optimizer's and scheduler's ``state_dict``
    (arrays as tensors ``optimizer/...``, the rest as JSON in the metadata, see :func:`flatten_state`), ``epoch``,
    ``step``, numnet's RNG state (:func:`numnet.random.get_rng_state`, if ``rng``), and ``extra`` (any nested
    arrays/numbers/strings, e.g. the history so far).

    Args:
        path: the file to write.
        model: the model (``state_dict()``).
        optimizer: an optimizer with ``state_dict()`` (PyTorch format), or None.
        scheduler: a learning-rate scheduler with ``state_dict()``, or None.
        epoch: epochs completed.
        step: optimizer steps taken.
        rng: store numnet's default generator state (restored by :func:`load_checkpoint`).
        extra: anything :func:`flatten_state` accepts.

    Raises:
        ArgumentError: epoch/step that are not non-negative ints, or state of a type that cannot be stored.

    Example:
        >>> numnet.save_checkpoint("ckpt.safetensors", model, opt, epoch=3, step=1400)  # doctest: +SKIP
        >>> info = numnet.load_checkpoint("ckpt.safetensors", model, opt)  # doctest: +SKIP
        >>> info["epoch"], info["step"]  # doctest: +SKIP
        (3, 1400)
    """
    for name, v in (("epoch", epoch), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ArgumentError(f"save_checkpoint: {name} must be a non-negative integer, got {v!r}")
    tensors = {f"model/{k}": v for k, v in _state_arrays(model, "save_checkpoint").items()}
    meta = {"format": CHECKPOINT_FORMAT, "numnet_version": _version(), "model_class": _class_path(model),
            "epoch": str(int(epoch)), "step": str(int(step))}
    parts: list[tuple[str, Any]] = []
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            if not callable(getattr(obj, "state_dict", None)):
                raise ArgumentError(f"save_checkpoint: {name} has no state_dict(), got {type(obj).__name__}")
            parts.append((name, obj.state_dict()))
    if rng:
        from numnet import random as nrandom

        parts.append(("rng", nrandom.get_rng_state()))
    if extra is not None:
        parts.append(("extra", extra))
    for name, obj in parts:
        skeleton, _ = flatten_state(obj, name, tensors)
        meta[name] = _json(skeleton)
    _write(path, tensors, meta)


def _check_optimizer(optimizer: Any, state: Any, path: PathLike) -> None:
    """Check the saved optimizer state against the optimizer's parameters (count and buffer shapes)."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(state, dict) or "state" not in state or "param_groups" not in state:
        raise FileFormatError(f"{path}: optimizer state must be a dict with 'state' and 'param_groups'")
    if not isinstance(groups, list):
        return
    params = [p for g in groups for p in g.get("params", [])]
    saved = [i for g in state["param_groups"] for i in g.get("params", [])]
    if len(saved) != len(params):
        raise FileFormatError(f"{path}: the optimizer state is for {len(saved)} parameters, the optimizer has "
                              f"{len(params)}")
    for idx, entry in state["state"].items():
        if not isinstance(entry, dict) or not isinstance(idx, int) or not 0 <= idx < len(params):
            continue
        want = tuple(np.shape(params[idx].data if isinstance(params[idx], Tensor) else params[idx]))
        for key, val in entry.items():
            if isinstance(val, (np.ndarray, Tensor)) and np.ndim(val) > 0 and tuple(np.shape(val)) != want:
                raise ShapeError(f"{path}: optimizer buffer state[{idx}][{key!r}] has shape {tuple(np.shape(val))} "
                                 f"but parameter {idx} has shape {want}")


def load_checkpoint(path: PathLike, model: Any, optimizer: Any = None, scheduler: Any = None) -> dict[str, Any]:
    """Restore a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``, ``scheduler``).

    Also restores numnet's RNG state when the checkpoint has it, so shuffling, dropout and initialisation continue
    exactly as in an uninterrupted run. Everything is validated before anything is modified.

    Returns:
        ``{"epoch": int, "step": int, "extra": ..., "numnet_version": str}``.

    Raises:
        FileFormatError: not a numnet checkpoint, corrupt, the model's keys differ, or an optimizer/scheduler was
            passed but the checkpoint holds none.
        ShapeError: a saved tensor's shape differs from the model's (or an optimizer buffer's from its parameter).

    Example:
        >>> info = numnet.load_checkpoint("ckpt.safetensors", model, opt, sched)  # doctest: +SKIP
        >>> start_epoch = info["epoch"]  # doctest: +SKIP
    """
    meta = load_metadata(path)
    if meta.get("format") != CHECKPOINT_FORMAT:
        hint = " (it is a model file: use numnet.load_model or numnet.load)" if meta.get(
            "format") == MODEL_FORMAT else ""
        raise FileFormatError(f"{path}: not a numnet checkpoint{hint}")
    tensors = load(path)
    model_state = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    _check_against_model(model, model_state, path, "checkpoint's model state")
    restored: dict[str, Any] = {}
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is None:
            continue
        if name not in meta:
            raise FileFormatError(f"{path}: the checkpoint holds no {name} state, but an {name} was passed")
        restored[name] = unflatten_state(_unjson(meta, name, path), tensors, str(path))
    if optimizer is not None:
        _check_optimizer(optimizer, restored["optimizer"], path)
    rng_state = unflatten_state(_unjson(meta, "rng", path), tensors, str(path)) if "rng" in meta else None
    extra = unflatten_state(_unjson(meta, "extra", path), tensors, str(path)) if "extra" in meta else None
    try:
        epoch, step = int(meta.get("epoch", "0")), int(meta.get("step", "0"))
    except ValueError:
        raise FileFormatError(f"{path}: epoch/step in the metadata are not integers") from None

    model.load_state_dict(model_state)
    if optimizer is not None:
        optimizer.load_state_dict(restored["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(restored["scheduler"])
    if rng_state is not None:
        from numnet import random as nrandom

        nrandom.set_rng_state(rng_state)
    return {"epoch": epoch, "step": step, "extra": extra, "numnet_version": meta.get("numnet_version", "unknown")}


__all__ = [
    "atomic_write_bytes",
    "flatten_state",
    "load",
    "load_checkpoint",
    "load_metadata",
    "load_model",
    "save",
    "save_checkpoint",
    "save_model",
    "unflatten_state",
]
