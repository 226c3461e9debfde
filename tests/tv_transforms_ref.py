"""torchvision's pure-Python transforms as a test reference (``import torchvision`` itself fails on the CUDA libs);
the bare-package import lives in tests/torchvision_ref.py."""

from tests.torchvision_ref import torchvision_module


def torchvision_transforms():
    """``torchvision.transforms``, imported under a bare ``torchvision`` package that skips its C extensions."""
    tvt = torchvision_module("transforms")
    if tvt is None:
        raise ImportError("torchvision.transforms cannot be imported here: run `make test` (it installs the test "
                          "extra with torchvision==0.28.0)")
    return tvt
