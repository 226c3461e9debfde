"""numnet's random state: one seeded ``np.random.Generator`` used by initialisation, dropout and shuffling.

``numnet.manual_seed(s)`` makes a run reproducible; ``get_rng_state``/``set_rng_state`` let a checkpoint carry the
state (a JSON-serialisable dict) so a resumed run draws the same numbers as an uninterrupted one. The generator object
returned by :func:`default_generator` stays the same for the whole process: seeding and restoring change its state in
place, so code that kept a reference to it follows along.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from numnet.errors import ArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from numnet.tensor import Tensor

_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed numnet's default generator (weights, dropout masks, shuffling) and return it.

    The stream equals ``np.random.default_rng(seed)``'s.

    >>> import numnet
    >>> _ = numnet.manual_seed(0); a = numnet.randn(3)
    >>> _ = numnet.manual_seed(0); bool((numnet.randn(3) == a).all())
    True
    """
    _generator.bit_generator.state = np.random.PCG64(int(seed)).state
    return _generator


def default_generator() -> np.random.Generator:
    """The generator numnet draws from when no explicit one is given."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """A copy of the default generator's state (a plain dict of ints and strings)."""
    return copy.deepcopy(_generator.bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    _generator.bit_generator.state = copy.deepcopy(state)


def _size(size: tuple) -> tuple[int, ...]:
    from numnet.creation import _shape_arg

    return _shape_arg(size)


def randn(*size: int, dtype: Any = np.float32, requires_grad: bool = False,
          generator: np.random.Generator | None = None) -> "Tensor":
    """Standard normal samples of the given shape (drawn in float64, then cast, so the values do not depend on
    ``dtype`` beyond rounding)."""
    from numnet.tensor import Tensor

    g = generator or _generator
    return Tensor(g.standard_normal(_size(size)).astype(dtype), requires_grad=requires_grad)


def rand(*size: int, dtype: Any = np.float32, requires_grad: bool = False,
         generator: np.random.Generator | None = None) -> "Tensor":
    """Uniform samples in [0, 1) of the given shape."""
    from numnet.tensor import Tensor

    g = generator or _generator
    return Tensor(g.random(_size(size)).astype(dtype), requires_grad=requires_grad)


def randint(*args: Any, size: Any = None, generator: np.random.Generator | None = None,
            dtype: Any = np.int64) -> "Tensor":
    """Integers in [low, high) as an int64 tensor; PyTorch's forms ``randint(high, size)`` and
    ``randint(low, high, size)``.

    Raises:
        ArgumentError: for a wrong number of arguments or ``low >= high``.
    """
    from numnet.tensor import Tensor

    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise ArgumentError(f"randint: expected randint(high, size) or randint(low, high, size), got args {args} "
                            f"and size {size}")
    low, high = (0, args[0]) if len(args) == 1 else args
    if not low < high:
        raise ArgumentError(f"randint: expected low < high, got low={low}, high={high}")
    g = generator or _generator
    return Tensor(g.integers(low, high, size=_size((size,)), dtype=np.int64).astype(dtype, copy=False))


def randperm(n: int, generator: np.random.Generator | None = None) -> "Tensor":
    """A random permutation of ``0 … n−1`` as an int64 tensor."""
    from numnet.tensor import Tensor

    g = generator or _generator
    return Tensor(g.permutation(int(n)).astype(np.int64, copy=False))
