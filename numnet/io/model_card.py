"""The model card: what inference needs besides the weights, in a model file's (or checkpoint's) metadata.

``numnet train`` writes it and ``numnet predict / evaluate / summary / plot / explore`` read it, so a model trained on
32×32 RGB images with standardised inputs is fed exactly that at inference without any ``--size`` option. Keys (each
optional; all values are strings in the safetensors metadata, as JSON where structured):

============== ================================================ ===============================================
key            value                                            example
============== ================================================ ===============================================
``input_shape`` JSON list ``[C, H, W]`` of positive ints          ``[3, 32, 32]``
``classes``    JSON list of class-name strings, index = label   ``["circle", "square", "triangle"]``
``normalize``  JSON ``{"mean": [...], "std": [...]}``, one       ``{"mean": [0.49, 0.48, 0.45], "std": [...]}``
               number per channel (std > 0), applied to pixels
               scaled to [0, 1] as ``(x - mean) / std``
``dataset``    the data set the model was trained on: a          ``fashion-mnist``, ``folder:/data/shapes``
               built-in name, or ``folder:<path>``
============== ================================================ ===============================================

:func:`card_metadata` builds and validates the entries when saving (:func:`numnet.io.save_model` and
:func:`numnet.io.save_checkpoint` refuse malformed ones: a wrong format is never silently ignored); :func:`read_card`
parses them when loading and raises :class:`~numnet.errors.FileFormatError` naming the file and the key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from numnet._argtypes import MAX_INPUT_ELEMENTS
from numnet.errors import ArgumentError, FileFormatError
from numnet.io.limits import loads_bounded

_CARD_DEPTH = 3  # the deepest a valid card entry nests: {"mean": [...]} is 2


def _loads(raw: Any) -> Any:
    """A card entry's JSON; deep nesting, duplicate keys or bad JSON give ValueError (a malformed entry)."""
    try:
        return loads_bounded(raw, "model card", max_depth=_CARD_DEPTH)
    except FileFormatError as e:
        raise ValueError(str(e)) from None

__all__ = ["CARD_KEYS", "ModelCard", "card_metadata", "check_card", "read_card"]

CARD_KEYS = ("input_shape", "classes", "normalize", "dataset")


class ModelCard(NamedTuple):
    """The parsed card; ``None`` for a key the file does not have."""

    input_shape: tuple[int, int, int] | None = None
    classes: list[str] | None = None
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None
    dataset: str | None = None


def _problem(key: str, value: Any) -> str | None:
    """Why ``value`` (already JSON-decoded) is not a valid ``key`` entry, or None."""
    if key == "input_shape":
        ok = (isinstance(value, list) and len(value) == 3
              and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value)
              and math.prod(value) <= MAX_INPUT_ELEMENTS)
        return None if ok else f"a JSON list [C, H, W] of positive ints with C·H·W <= {MAX_INPUT_ELEMENTS}"
    if key == "classes":
        ok = isinstance(value, list) and all(isinstance(c, str) for c in value) and len(set(value)) == len(value)
        return None if ok else "a JSON list of distinct class-name strings, e.g. [\"cat\", \"dog\"]"
    if key == "normalize":
        what = 'a JSON object {"mean": [...], "std": [...]} with one finite number per channel and std > 0'
        if not (isinstance(value, dict) and set(value) == {"mean", "std"}):
            return what
        mean, std = value["mean"], value["std"]
        nums = all(isinstance(v, list) and v and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                                     and math.isfinite(x) for x in v) for v in (mean, std))
        return None if nums and len(mean) == len(std) and all(s > 0 for s in std) else what
    if key == "dataset":
        return None if isinstance(value, str) and value else "a non-empty data set name"
    return None


def check_card(metadata: Mapping[str, str], who: str) -> None:
    """Raise ArgumentError if a card entry in ``metadata`` (str → str, as stored) is malformed."""
    for key in CARD_KEYS:
        if key not in metadata:
            continue
        raw = metadata[key]
        try:
            value = raw if key == "dataset" else _loads(raw)
        except ValueError:
            value = None
        why = _problem(key, value)
        if why:
            raise ArgumentError(f"{who}: expected metadata {key!r} to be {why}, got {raw!r}")
    if "input_shape" in metadata and "normalize" in metadata:
        c = _loads(metadata["input_shape"])[0]
        n = len(_loads(metadata["normalize"])["mean"])
        if n not in (1, c):
            raise ArgumentError(f"{who}: metadata 'normalize' has {n} values per statistic but input_shape has {c} "
                                f"channels")


def card_metadata(input_shape: Sequence[int] | None = None, classes: Sequence[str] | None = None,
                  mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                  dataset: str | None = None) -> dict[str, str]:
    """The card's metadata entries (str → str) for :func:`numnet.io.save_model` ``metadata=``, validated.

    Raises:
        ArgumentError: a malformed entry (see the module docstring), or only one of ``mean``/``std``.

    Example:
        >>> card_metadata(input_shape=(1, 28, 28), classes=["a", "b"])
        {'input_shape': '[1, 28, 28]', 'classes': '["a", "b"]'}
    """
    meta: dict[str, str] = {}
    if input_shape is not None:
        meta["input_shape"] = json.dumps([int(n) for n in input_shape])
    if classes is not None:
        meta["classes"] = json.dumps([c for c in classes])
    if (mean is None) != (std is None):
        raise ArgumentError("card_metadata: give both mean and std, or neither")
    if mean is not None:
        meta["normalize"] = json.dumps({"mean": [float(m) for m in mean], "std": [float(s) for s in std]})
    if dataset is not None:
        meta["dataset"] = str(dataset)
    check_card(meta, "card_metadata")
    return meta


def read_card(metadata: Mapping[str, str], path: Any) -> ModelCard:
    """The :class:`ModelCard` in a file's metadata (:func:`numnet.load_metadata`).

    Raises:
        FileFormatError: a malformed card entry, naming the file and the key.
    """
    try:
        check_card(metadata, str(path))
    except ArgumentError as e:
        raise FileFormatError(str(e)) from None
    shape = _loads(metadata["input_shape"]) if "input_shape" in metadata else None
    classes = _loads(metadata["classes"]) if "classes" in metadata else None
    norm = _loads(metadata["normalize"]) if "normalize" in metadata else None
    return ModelCard(
        input_shape=tuple(shape) if shape else None,
        classes=classes if classes else None,
        mean=tuple(float(m) for m in norm["mean"]) if norm else None,
        std=tuple(float(s) for s in norm["std"]) if norm else None,
        dataset=metadata.get("dataset") or None,
    )
