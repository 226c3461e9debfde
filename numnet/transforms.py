"""``import numnet.transforms as T``: the same module objects as :mod:`numnet.data.transforms` (torchvision's
``torchvision.transforms`` spelling), including ``numnet.transforms.functional``."""

import sys

from numnet.data import transforms as _transforms
from numnet.data.transforms import functional as _functional

# Replace this module by the package, and alias its submodule, so both names give the very same objects.
sys.modules[__name__ + ".functional"] = _functional
sys.modules[__name__] = _transforms
