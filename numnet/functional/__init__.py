"""``numnet.functional`` (import as ``F``): stateless neural-network functions with PyTorch's signatures.

Each function validates its arguments at this public boundary (with the shared rules of ``numnet._validation``: a
wrong kind, an ``np.ndarray`` for a tensor included, is a ``DTypeError``; a wrong value an ``ArgumentError``),
documents its math once, and dispatches to the primitives in ``numnet/ops``. Submodules: ``conv``, ``pool``, ``resize``, ``padding``, ``activation``, ``activation_family``, ``dropout``, ``loss``, ``normalization``, ``linear``, ``embedding``.
"""

from numnet.functional.activation import *  # noqa: F401,F403
from numnet.functional.activation_family import *  # noqa: F401,F403
from numnet.functional.dropout import *  # noqa: F401,F403
from numnet.functional.conv import *  # noqa: F401,F403
from numnet.functional.embedding import *  # noqa: F401,F403
from numnet.functional.linear import *  # noqa: F401,F403
from numnet.functional.loss import *  # noqa: F401,F403
from numnet.functional.normalization import *  # noqa: F401,F403
from numnet.functional.pool import *  # noqa: F401,F403
from numnet.functional.resize import *  # noqa: F401,F403
from numnet.functional.padding import pad  # noqa: F401
