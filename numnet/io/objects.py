"""``numnet.save(obj, f)`` / ``numnet.load(f)``: PyTorch's checkpoint idiom, in a safetensors file, never pickle.

``obj`` may be a ``state_dict`` or any nesting of dicts, lists, tuples, Tensors, NumPy arrays, numbers, strings,
bools and None, e.g. ``{"epoch": 3, "model_state_dict": model.state_dict(), "optimizer_state_dict":
opt.state_dict(), "loss": 0.3}``. The arrays go in the file as tensors named by their path (a top-level key names its
tensor exactly, so a plain ``state_dict`` file has PyTorch's keys as tensor names); the structure and the scalars go
as JSON in the header's metadata (:func:`numnet.io.state.flatten_state`). :func:`load` gives back the same structure,
with a Tensor where a Tensor was and a NumPy array where an array was.

The file is safetensors whatever its suffix: ``numnet.save(sd, "model.pt")`` writes safetensors to ``model.pt``.
Files written elsewhere (``safetensors.torch.save_file``, Hugging Face weights) load as ``{name: Tensor}``; a real
PyTorch ``.pt`` file (a zip of pickles) is refused with :class:`~numnet.errors.FileFormatError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from numnet.device import as_device
from numnet.errors import ArgumentError, DTypeError
from numnet.io import torch_format
from numnet.io.atomic import PathLike
from numnet.io.safetensors_format import OBJECT_KEY, _check_metadata, _read, _write
from numnet.io.state import _check_depth, _json, _unjson, flatten_state, unflatten_state
from numnet.tensor import Tensor

__all__ = ["load", "save"]


def save(obj: Any, f: PathLike, metadata: Mapping[str, str] | None = None) -> None:
    """Save ``obj`` (a ``state_dict`` or a nested checkpoint dict) to the safetensors file ``f``, atomically.

    Args:
        obj: a ``state_dict``, or dicts / lists / tuples of Tensors, NumPy arrays, numbers, strings, bools and
            None (dict keys: str, int, float, bool or None).
        f: the path to write (its folder must exist); any suffix, the content is safetensors — also for
            ``"model.pt"``: numnet never writes pickles (PyTorch reads the file with
            ``safetensors.torch.load_file``). An existing file is replaced only once the new one is complete.
        metadata: optional str → str pairs for the file's header (read back with :func:`numnet.load_metadata`).

    Raises:
        ArgumentError: ``obj`` holds something else (a model: save ``model.state_dict()``; a function, an
            object), or bad metadata.
        DTypeError: an array of a dtype safetensors cannot store (e.g. complex128, object).

    Example:
        >>> numnet.save({"epoch": 3, "model_state_dict": model.state_dict(),
        ...              "optimizer_state_dict": opt.state_dict(), "loss": 0.3}, "ckpt.pt")  # doctest: +SKIP
        >>> ckpt = numnet.load("ckpt.pt")  # doctest: +SKIP
        >>> model.load_state_dict(ckpt["model_state_dict"])  # doctest: +SKIP
    """
    if not isinstance(obj, (Mapping, list, tuple)) and hasattr(obj, "state_dict"):
        raise ArgumentError(f"save: cannot store a {type(obj).__name__} (numnet stores no code or objects): pass "
                            f"model.state_dict(), or use numnet.save_model(model, path)")
    meta = dict(_check_metadata(metadata, "save") or {})
    if OBJECT_KEY in meta:
        raise ArgumentError(f"save: the metadata key {OBJECT_KEY!r} is numnet's own; choose another name")
    tensors: dict[str, Any] = {}
    if isinstance(obj, Mapping) and all(isinstance(k, str) and k and not k.startswith("__") for k in obj):
        # each top-level key names its tensor, so a state_dict's tensors carry PyTorch's keys in the file
        skeleton = {k: flatten_state(v, k, tensors)[0] for k, v in obj.items()}
    else:
        skeleton = flatten_state(obj, "object", tensors)[0]
    if skeleton:  # the skeleton also keeps the key order (safetensors sorts its tensors by name)
        meta[OBJECT_KEY] = _check_depth(_json(skeleton), "save")
    _write(f, tensors, meta or None)


def _check_map_location(map_location: Any) -> None:
    if map_location is None:
        return
    if isinstance(map_location, Mapping):
        for v in map_location.values():
            as_device(v, "load")
        return
    if callable(map_location) and not isinstance(map_location, str):
        raise DTypeError("load: expected map_location to be None, 'cpu', a numnet.device or a dict of device "
                         "names, got a function (numnet has no storages to hand it; everything loads on the CPU)")
    as_device(map_location, "load")


def load(f: PathLike, map_location: Any = None, pickle_module: Any = None, *, weights_only: bool | None = True,
         mmap: bool | None = None) -> Any:
    """Load what :func:`save` wrote: the same structure, with Tensors where Tensors were (all on the CPU).

    A file that holds only tensors (a ``state_dict``, a :func:`numnet.save_model` file, a safetensors file from
    elsewhere) loads as ``{name: Tensor}``; pass it to ``model.load_state_dict``. The whole file is read and
    validated before anything is returned: a bad file raises and gives nothing.

    A file written by ``torch.save`` (the zip format of PyTorch >= 1.6: state_dicts, optimizer states, checkpoints
    of tensors and plain data) is read too, without torch and without running anything from it: its pickle is
    interpreted symbolically and may name only OrderedDict, the tensor-rebuild functions and the storage types
    (:mod:`numnet.io.torch_format`). bfloat16 tensors come back as float32 (exactly: NumPy has no bfloat16). The
    reader is chosen by the file's content, not its name.

    Args:
        f: the path of a safetensors file or a ``torch.save`` zip file (any suffix).
        map_location: None, ``"cpu"``, a :class:`numnet.device` or a dict whose values are CPU devices; anything
            naming another device raises :class:`~numnet.errors.DeviceError`.
        pickle_module: must be None (numnet never unpickles).
        weights_only: accepted as True, False or None, with the same behaviour: a numnet file holds only arrays,
            numbers and strings, so there is nothing else to allow (numnet never unpickles).
        mmap: accepted for PyTorch compatibility (None/True/False); the tensors are always read into memory.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: truncated, corrupt, neither safetensors nor a torch.save zip (e.g. a plain or legacy
            pickle), a torch file naming anything beyond tensors and plain data, or a structure in the metadata that
            names a missing tensor.
        DeviceError: ``map_location`` names a device other than the CPU.

    Example:
        >>> model.load_state_dict(numnet.load("model.pt", map_location="cpu"))  # doctest: +SKIP
    """
    _check_map_location(map_location)
    if pickle_module is not None:
        raise ArgumentError("load: numnet never unpickles, so pickle_module must be None")
    for name, flag in (("weights_only", weights_only), ("mmap", mmap)):
        if flag is not None and not isinstance(flag, bool):
            raise DTypeError(f"load: expected {name} to be True, False or None, got {flag!r}")
    obj = torch_format.read_if_torch(f, wrap=Tensor)
    if obj is not torch_format._NOT_TORCH:
        return obj
    _, meta, arrays = _read(f, arrays=True)
    if OBJECT_KEY not in meta:
        return {k: Tensor(v) for k, v in arrays.items()}
    return unflatten_state(_unjson(meta, OBJECT_KEY, f), arrays, str(f))

