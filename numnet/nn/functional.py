"""``import numnet.nn.functional as F`` works as in PyTorch: this module re-exports :mod:`numnet.functional`."""

from numnet.functional import *  # noqa: F401,F403
