"""numnet's random state: one seeded ``np.random.Generator`` used by initialisation, dropout and shuffling.

``numnet.manual_seed(s)`` makes a run reproducible; ``get_rng_state``/``set_rng_state`` let a checkpoint carry the
state (a JSON-serialisable dict) so a resumed run draws the same numbers as an uninterrupted one.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

_generator: np.random.Generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed numnet's default generator (weights, dropout masks, shuffling) and return it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
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


def randn(*size: int, dtype: Any = np.float32, requires_grad: bool = False, generator: np.random.Generator | None = None):
    """Standard normal samples of the given shape."""
    from numnet.tensor import Tensor, _shape_arg

    g = generator or _generator
    return Tensor(g.standard_normal(_shape_arg(size)).astype(dtype), requires_grad=requires_grad)


def rand(*size: int, dtype: Any = np.float32, requires_grad: bool = False, generator: np.random.Generator | None = None):
    """Uniform samples in [0, 1) of the given shape."""
    from numnet.tensor import Tensor, _shape_arg

    g = generator or _generator
    return Tensor(g.random(_shape_arg(size)).astype(dtype), requires_grad=requires_grad)


def randint(low: int, high: int, size: tuple[int, ...], generator: np.random.Generator | None = None):
    """Integers in [low, high) as an int64 tensor."""
    from numnet.tensor import Tensor

    g = generator or _generator
    return Tensor(g.integers(low, high, size=tuple(size), dtype=np.int64))
