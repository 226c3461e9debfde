"""Nested state (an optimizer's ``state_dict``, an RNG state, a history) as flat tensors plus a JSON skeleton.

:func:`flatten_state` stores arrays as tensors named by their path (``optimizer/state/0/momentum_buffer``) and
everything else (numbers, strings, lists, tuples, dicts with int keys) as JSON, from which :func:`unflatten_state`
rebuilds the exact structure, key types included.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, FileFormatError
from numnet.io.atomic import PathLike
from numnet.io.limits import MAX_JSON_DEPTH, json_depth, loads_bounded
from numnet.io.safetensors_format import _as_saveable
from numnet.tensor import Tensor

__all__ = ["flatten_state", "unflatten_state"]


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

    def bad(what: str, x: Any) -> FileFormatError:
        text = repr(x)
        return FileFormatError(f"{source}: malformed state in the metadata: {what}, got "
                               f"{text if len(text) <= 80 else text[:77] + '...'}")

    def dec(x: Any) -> Any:
        if isinstance(x, list):
            return [dec(v) for v in x]
        if isinstance(x, dict):
            if "__tensor__" in x:
                name = x["__tensor__"]
                if not isinstance(name, str):
                    raise bad("a tensor reference must name a tensor by a string", x)
                if name not in tensors:
                    raise FileFormatError(f"{source}: tensor {name!r} named in the metadata is missing")
                arr = np.array(tensors[name])
                kind = x.get("type", "ndarray")
                if kind not in ("tensor", "ndarray", "scalar"):
                    raise bad("a tensor's type must be 'tensor', 'ndarray' or 'scalar'", kind)
                if kind == "scalar" and arr.ndim != 0:
                    raise bad("a scalar must be stored as a 0-d tensor", x)
                return Tensor(arr) if kind == "tensor" else arr[()] if kind == "scalar" else arr
            if "__tuple__" in x:
                if not isinstance(x["__tuple__"], list):
                    raise bad("__tuple__ must be a list", x)
                return tuple(dec(v) for v in x["__tuple__"])
            if "__dict__" in x:
                pairs = x["__dict__"]
                if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                    raise bad("__dict__ must be a list of [key, value] pairs", x)
                out = {}
                for k, v in pairs:
                    if not (k is None or isinstance(k, (bool, int, float, str))):
                        raise bad("a dict key must be a str, int, float, bool or None", k)
                    out[k] = dec(v)
                return out
            return {k: dec(v) for k, v in x.items()}
        return x

    return dec(skeleton)


def _json(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), allow_nan=True)


def _unjson(meta: dict[str, str], key: str, path: PathLike) -> Any:
    """A metadata entry's JSON, parsed within :mod:`numnet.io.limits` (depth, duplicate keys)."""
    return loads_bounded(meta[key], f"{path}: metadata entry {key!r}")


def _check_depth(text: str, who: str) -> str:
    """Refuse to write JSON that the readers would refuse (deeper than :data:`~numnet.io.limits.MAX_JSON_DEPTH`)."""
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ArgumentError(f"{who}: the state is nested {depth} levels deep; numnet files hold at most "
                            f"{MAX_JSON_DEPTH} (MAX_JSON_DEPTH)")
    return text

