"""``torch.utils.data`` for numnet: the very same objects as :mod:`numnet.data` (``numnet.utils.data.DataLoader is
numnet.data.DataLoader``), so code written for PyTorch imports work unchanged.
"""

from numnet.data import *  # noqa: F401,F403  (re-export: the same objects, not copies)
from numnet.data import __all__  # noqa: F401
