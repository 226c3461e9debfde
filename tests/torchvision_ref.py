"""torchvision as a test reference without its CUDA-linked extension: register a bare ``torchvision`` package module
(so its ``__init__`` with the C++ ops is never run), then import only the pure-Python submodules a test needs.

    from tests.torchvision_ref import torchvision_folder
    folder = torchvision_folder()   # torchvision.datasets.folder, or None when even that cannot be imported
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any


def _bare_package() -> bool:
    if "torchvision" in sys.modules:
        return True
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return False
    module = types.ModuleType("torchvision")
    module.__path__ = list(spec.submodule_search_locations)
    sys.modules["torchvision"] = module
    return True


def torchvision_module(name: str) -> Any | None:
    """``torchvision.<name>`` imported under a bare package, or None when it cannot be imported here."""
    if not _bare_package():
        return None
    try:
        return importlib.import_module(f"torchvision.{name}")
    except Exception:  # CUDA libraries, missing optional deps: the caller falls back to written expectations
        return None


def torchvision_folder() -> Any | None:
    return torchvision_module("datasets.folder")
