"""torchvision's pure-Python transforms as a test reference (``import torchvision`` itself fails on the CUDA libs)."""

import importlib.util
import sys
import types


def torchvision_transforms():
    """``torchvision.transforms``, imported under a bare ``torchvision`` package that skips its C extensions."""
    if "torchvision" not in sys.modules:
        spec = importlib.util.find_spec("torchvision")
        m = types.ModuleType("torchvision")
        m.__path__ = list(spec.submodule_search_locations)
        sys.modules["torchvision"] = m
    import torchvision.transforms as tvt

    return tvt
