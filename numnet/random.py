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

from numnet.errors import ArgumentError, DTypeError

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
    from numnet import _validation as V

    if not V.is_int(seed):
        raise DTypeError(V.expected("manual_seed", "seed", "an int", seed))
    if not -2 ** 63 <= seed < 2 ** 64:  # PyTorch's range; a negative seed wraps to seed + 2**64, as there
        raise ArgumentError(V.expected("manual_seed", "seed", "an int in [-2**63, 2**64)", seed))
    _generator.bit_generator.state = np.random.PCG64(int(seed) % 2 ** 64).state
    return _generator


class Generator(np.random.Generator):
    """PyTorch's ``torch.Generator``: a NumPy ``Generator`` (so every ``generator=`` argument takes it) with
    ``manual_seed``, ``seed``, ``initial_seed``, ``get_state`` and ``set_state``.

    ``Generator().manual_seed(0)`` gives the stream of ``np.random.default_rng(0)`` (not torch's numbers).

    >>> g = Generator().manual_seed(0)
    >>> float(g.random()) == float(np.random.default_rng(0).random())
    True
    """

    def __init__(self, device: Any = "cpu") -> None:
        from numnet.device import as_device

        self.device = as_device(device, "Generator")
        self._seed = int(np.random.SeedSequence().entropy % (2 ** 63))
        super().__init__(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        from numnet import _validation as V

        self._seed = V.integer(seed, "Generator.manual_seed", "seed", 0)
        self.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self) -> int:
        """Reseed from fresh entropy and return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % (2 ** 63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict[str, Any]:
        return copy.deepcopy(self.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> "Generator":
        self.bit_generator.state = copy.deepcopy(state)
        return self


def default_generator() -> np.random.Generator:
    """The generator numnet draws from when no explicit one is given."""
    return _generator


def get_rng_state() -> dict[str, Any]:
    """A copy of the default generator's state (a plain dict of ints and strings)."""
    return copy.deepcopy(_generator.bit_generator.state)


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_rng_state`."""
    _generator.bit_generator.state = copy.deepcopy(state)


def _size(size: tuple, op: str = "size") -> tuple[int, ...]:
    from numnet.creation import _shape_arg

    return _shape_arg(size, op)


def _gen(generator: Any, op: str) -> np.random.Generator:
    """``generator`` (a NumPy Generator) or numnet's default one."""
    if generator is None:
        return _generator
    if not isinstance(generator, np.random.Generator):
        from numnet.errors import DTypeError

        raise DTypeError(f"{op}: expected generator to be a numpy.random.Generator, got {generator!r}")
    return generator


def _make(arr: np.ndarray, dtype: Any, op: str, device: Any, requires_grad: bool, default: Any) -> "Tensor":
    from numnet.device import as_device
    from numnet.dtypes import as_dtype
    from numnet.tensor import Tensor

    as_device(device, op)
    dt = as_dtype(default if dtype is None else dtype, op)
    return Tensor(arr.astype(dt, copy=False), requires_grad=requires_grad)


def randn(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> "Tensor":
    """Standard normal samples of the given shape (drawn in float64, then cast, so the values do not depend on
    ``dtype`` beyond rounding)."""
    return _make(_gen(generator, "randn").standard_normal(_size(size, "randn")), dtype, "randn", device,
                 requires_grad, np.float32)


def rand(*size: Any, generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> "Tensor":
    """Uniform samples in [0, 1) of the given shape."""
    return _make(_gen(generator, "rand").random(_size(size, "rand")), dtype, "rand", device, requires_grad,
                 np.float32)


def randint(*args: Any, size: Any = None, generator: np.random.Generator | None = None, dtype: Any = None,
            device: Any = None, requires_grad: bool = False) -> "Tensor":
    """Integers in [low, high) as an int64 tensor; PyTorch's forms ``randint(high, size)`` and
    ``randint(low, high, size)``.

    Raises:
        ArgumentError: for a wrong number of arguments or ``low >= high``.
    """
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise ArgumentError(f"randint: expected randint(high, size) or randint(low, high, size), got args {args} "
                            f"and size {size}")
    low, high = (0, args[0]) if len(args) == 1 else args
    from numnet._validation import integer

    low, high = integer(low, "randint", "low"), integer(high, "randint", "high")
    if not low < high:
        raise ArgumentError(f"randint: expected low < high, got low={low}, high={high}")
    arr = _gen(generator, "randint").integers(low, high, size=_size((size,), "randint"), dtype=np.int64)
    return _make(arr, dtype, "randint", device, requires_grad, np.int64)


def rand_like(input: "Tensor", *, dtype: Any = None, device: Any = None, requires_grad: bool = False,  # noqa: A002
              generator: np.random.Generator | None = None) -> "Tensor":
    """``rand`` with ``input``'s shape and (unless given) dtype, which must be floating point."""
    return rand(_like_shape(input, dtype, "rand_like"), generator=generator, dtype=dtype or input.dtype,
                device=device, requires_grad=requires_grad)


def _like_shape(input: Any, dtype: Any, op: str) -> tuple[int, ...]:  # noqa: A002
    """The shape of a ``*_like`` op's tensor; its dtype (unless one is given) must be floating, as in PyTorch."""
    from numnet import _validation as V

    V.tensor(input, op)
    if dtype is None and input.dtype.kind != "f":
        raise DTypeError(V.expected(op, "input", "a floating-point Tensor (or pass dtype=)",
                                    got=f"dtype {input.dtype}"))
    return input.shape


def randn_like(input: "Tensor", *, dtype: Any = None, device: Any = None, requires_grad: bool = False,  # noqa: A002
               generator: np.random.Generator | None = None) -> "Tensor":
    """``randn`` with ``input``'s shape and (unless given) dtype, which must be floating point."""
    return randn(_like_shape(input, dtype, "randn_like"), generator=generator, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def randint_like(input: "Tensor", low: int = 0, high: int | None = None, *, dtype: Any = None,  # noqa: A002
                 device: Any = None, requires_grad: bool = False,
                 generator: np.random.Generator | None = None) -> "Tensor":
    """``randint`` with ``input``'s shape and dtype; ``randint_like(x, high)`` or ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                   requires_grad=requires_grad)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: np.random.Generator | None = None,
           dtype: Any = None, device: Any = None, requires_grad: bool = False) -> "Tensor":
    """Samples of N(mean, std²): ``normal(mean, std, size)`` with numbers, or ``normal(mean_tensor, std)``,
    ``normal(mean, std_tensor)``, ``normal(mean_tensor, std_tensor)`` (shapes broadcast; the result has the
    tensors' dtype), as ``torch.normal``.

    Raises:
        ArgumentError: for a negative ``std``, or numbers without ``size``.
    """
    from numnet.tensor import Tensor

    from numnet import _validation as V

    m = mean._data if isinstance(mean, Tensor) else V.real(mean, "normal", "mean")
    s = std._data if isinstance(std, Tensor) else V.real(std, "normal", "std")
    if size is not None and (isinstance(mean, Tensor) or isinstance(std, Tensor)):
        raise ArgumentError("normal: size is given only with a number mean and std; with a tensor, the result has "
                            "its shape")
    for t, name in ((mean, "mean"), (std, "std")):
        if isinstance(t, Tensor) and t.dtype.kind != "f":
            raise DTypeError(V.expected("normal", name, "a floating-point Tensor", got=f"dtype {t.dtype}"))
    if np.any(np.asarray(s) < 0):
        raise ArgumentError(f"normal: expected std >= 0, got {std!r}")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if not tensors:
        if size is None:
            raise ArgumentError("normal: with a number mean and std, size must be given (normal(mean, std, size))")
        shp = _size((size,), "normal")
        default = np.float32
    else:
        shp = np.broadcast_shapes(*[np.shape(m), np.shape(s)])
        default = tensors[0].dtype
    arr = _gen(generator, "normal").normal(m, s, shp)
    return _make(np.asarray(arr), dtype, "normal", device, requires_grad, default)


def randperm(n: int, *, generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> "Tensor":
    """A random permutation of ``0 … n−1`` as an int64 tensor."""
    from numnet._validation import integer

    n = integer(n, "randperm", "n", 0)
    return _make(_gen(generator, "randperm").permutation(n), dtype, "randperm", device, requires_grad, np.int64)
