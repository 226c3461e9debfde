"""What the training subcommands share: clear errors for missing files, loading a model file and what
``numnet train`` stored beside its weights, building a zoo model by name, limiting a data set."""

from __future__ import annotations

import os
from typing import Any

from numnet.errors import ArgumentError

__all__ = ["check_file", "load_model_file"]


def check_file(path: str, what: str) -> None:
    """Raise a one-line CLI error when ``path`` is missing or a directory."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path!r} does not exist")
    if os.path.isdir(path):
        raise ArgumentError(f"{what} {path!r} is a directory, expected a file")


def load_model_file(path: str) -> Any:
    """Load a numnet model file for a subcommand (clear errors for missing files)."""
    from numnet.io import load_model

    check_file(path, "model file")
    return load_model(path)


def _model_metadata(path: str) -> dict[str, Any]:
    """What ``numnet train`` stores in a model file besides the weights: ``dataset`` and ``classes`` (if present)."""
    import json

    from numnet.io import load_metadata

    meta = load_metadata(path)
    out: dict[str, Any] = {}
    if meta.get("dataset"):
        out["dataset"] = meta["dataset"]
    try:
        classes = json.loads(meta.get("classes", "[]"))
    except ValueError:
        classes = []
    if isinstance(classes, list) and all(isinstance(c, str) for c in classes):
        out["classes"] = classes
    return out


def _build_model(name: str) -> Any:
    from numnet.models import get_model

    return get_model(name)  # ArgumentError naming the known models for an unknown name


def _limit(dataset: Any, n: int | None) -> Any:
    from numnet.data import Subset

    if n is None or n >= len(dataset):
        return dataset
    return Subset(dataset, range(n))

