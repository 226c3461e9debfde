"""The bounds every numnet file reader enforces before it trusts a file, and the one bounded JSON parser.

A file is data from anywhere: these limits make reading one cost at most a known amount of time and memory, and turn
everything outside them into a :class:`~numnet.errors.FileFormatError` naming the file (never a ``RecursionError``,
a ``MemoryError`` or a hang). ``docs/reliability.md`` lists them with the tests that hold them.

============================ =========== ==========================================================================
limit                        value       what it bounds
============================ =========== ==========================================================================
``MAX_HEADER_BYTES``         32 MiB      a safetensors header (room for the metadata and 100,000 tensors)
``MAX_JSON_DEPTH``           64          nesting of ``[``/``{`` in any JSON numnet parses (header, metadata values)
``MAX_TENSORS``              100,000     tensors in one file
``MAX_TENSOR_DIMS``          32          dimensions of one tensor (NumPy's own limit is 64)
``MAX_METADATA_BYTES``       16 MiB      the ``__metadata__`` keys and values together
``MAX_METADATA_ENTRIES``     10,000      entries in ``__metadata__``
============================ =========== ==========================================================================

The depth is checked by a scan of the bytes (strings skipped) before ``json.loads`` sees them, and duplicate keys
in a JSON object are refused (``object_pairs_hook``): two readers must never disagree about which value counts.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from numnet.errors import FileFormatError

__all__ = ["MAX_HEADER_BYTES", "MAX_JSON_DEPTH", "MAX_METADATA_BYTES", "MAX_METADATA_ENTRIES", "MAX_TENSORS",
           "MAX_TENSOR_DIMS", "json_depth", "loads_bounded"]

MAX_HEADER_BYTES = 32 * 2**20
MAX_JSON_DEPTH = 64
MAX_TENSORS = 100_000
MAX_TENSOR_DIMS = 32
MAX_METADATA_BYTES = 16 * 2**20
MAX_METADATA_ENTRIES = 10_000

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_DELTA = np.zeros(256, dtype=np.int8)
_DELTA[ord("[")] = _DELTA[ord("{")] = 1
_DELTA[ord("]")] = _DELTA[ord("}")] = -1


def json_depth(text: str | bytes) -> int:
    """The deepest ``[``/``{`` nesting in JSON text (brackets inside strings do not count); linear time, no recursion.

    >>> json_depth('{"a": [1, [2, "]]]"]]}')
    3
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if b"[" not in raw and b"{" not in raw:
        return 0
    stripped = _STRING.sub(b"", raw)
    steps = _DELTA[np.frombuffer(stripped, dtype=np.uint8)].astype(np.int32)
    return int(np.cumsum(steps).max(initial=0))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _Duplicate(k)
        out[k] = v
    return out


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def loads_bounded(text: str | bytes, where: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses deep nesting and duplicate keys with a :class:`FileFormatError`.

    Args:
        text: the JSON text (bytes must be UTF-8).
        where: what the text is, for the message (e.g. ``"model.safetensors: metadata entry 'optimizer'"``).
        max_depth: the deepest nesting allowed.

    Raises:
        FileFormatError: not UTF-8, not JSON, nested deeper than ``max_depth``, or an object with a repeated key.
    """
    if isinstance(text, (bytes, bytearray, memoryview)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise FileFormatError(f"{where}: not valid UTF-8 JSON ({e})") from None
    if not isinstance(text, str):
        raise FileFormatError(f"{where}: expected JSON text, got {type(text).__name__}")
    depth = json_depth(text)
    if depth > max_depth:
        raise FileFormatError(f"{where}: JSON nested {depth} levels deep; numnet reads at most {max_depth} "
                              f"(MAX_JSON_DEPTH)")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _Duplicate as e:
        raise FileFormatError(f"{where}: the JSON object has the key {e.key!r} twice") from None
    except RecursionError:  # pragma: no cover - the depth scan above is the guard
        raise FileFormatError(f"{where}: JSON nested too deeply") from None
    except ValueError as e:
        raise FileFormatError(f"{where}: not valid UTF-8 JSON ({e})") from None
