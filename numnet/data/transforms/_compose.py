"""Containers and the helpers every transform shares: :func:`is_batched`, :class:`Compose`, :class:`Lambda`,
:class:`RandomApply`, :class:`RandomChoice`, :class:`RandomOrder`."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError
from numnet.random import default_generator
from numnet.tensor import Tensor


def is_batched(transform: Any) -> bool:
    """Whether ``transform`` may be applied to a whole ``(N, C, H, W)`` batch at once."""
    return transform is None or bool(getattr(transform, "batched", False))


def _rng() -> np.random.Generator:
    # looked up at call time so numnet.manual_seed (and DataLoader worker reseeding) reproduce augmentations
    return default_generator()


def _is_batch(img: Any) -> bool:
    """A 4-D NumPy array or Tensor: a batch whose samples get their own random parameters."""
    arr = img._data if isinstance(img, Tensor) else img
    return isinstance(arr, np.ndarray) and arr.ndim == 4


def _transforms(transforms: Any, op: str) -> list:
    """A list or tuple of callables (the transforms a container applies), as a list."""
    if not isinstance(transforms, (list, tuple)):
        raise DTypeError(V.expected(op, "transforms", "a list of transforms", got=type(transforms).__name__))
    for t in transforms:
        V.function(t, op, "every transform")
    return list(transforms)


def _probability(p: Any, op: str) -> float:
    V.real(p, op, "p")
    if not 0.0 <= float(p) <= 1.0:
        raise ArgumentError(V.expected(op, "p", "a probability in [0, 1]", p))
    return float(p)


class Compose:
    """Apply transforms one after the other; batched when every member is.

    Example:
        >>> t = Compose([Normalize([0.5], [0.5]), Lambda(lambda x: x * 2)])
        >>> t(np.ones((1, 2, 2), np.float32))[0, 0]
        array([2., 2.], dtype=float32)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = _transforms(transforms, "Compose")

    @property
    def batched(self) -> bool:
        return all(is_batched(t) for t in self.transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda:
    """Wrap a function as a transform; pass ``batched=True`` if it also works on ``(N, C, H, W)`` batches.

    Example:
        >>> Lambda(lambda x: 1 - x, batched=True)(np.zeros((1, 1, 1), np.float32))
        array([[[1.]]], dtype=float32)
    """

    def __init__(self, lambd: Callable[[Any], Any], batched: bool = False) -> None:
        V.function(lambd, "Lambda", "fn")
        self.lambd = lambd
        self.batched = bool(batched)

    @property
    def fn(self) -> Callable[[Any], Any]:
        return self.lambd

    def __call__(self, img: Any) -> Any:
        return self.lambd(img)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.lambd, '__name__', 'fn')}, batched={self.batched})"


class RandomApply:
    """Apply the list of ``transforms`` (in order) with probability ``p``, else return the input."""

    batched = False

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: float = 0.5) -> None:
        self.transforms = _transforms(transforms, "RandomApply")
        self.p = _probability(p, "RandomApply")

    def __call__(self, img: Any) -> Any:
        if self.p < _rng().random():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        return f"RandomApply(p={self.p}, transforms={self.transforms!r})"


class RandomChoice:
    """Apply one transform picked at random (weights ``p``, default uniform)."""

    batched = False

    def __init__(self, transforms: Sequence[Callable[[Any], Any]], p: Sequence[float] | None = None) -> None:
        self.transforms = _transforms(transforms, "RandomChoice")
        if p is not None:
            w = V.real_array(p, "RandomChoice", "p")
            if w.shape != (len(self.transforms),) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
                raise ArgumentError(V.expected("RandomChoice", "p", f"{len(self.transforms)} non-negative, finite "
                                               "weights, not all zero", p))
        self.p = None if p is None else [float(v) for v in p]

    def __call__(self, *args: Any) -> Any:
        w = None if self.p is None else np.asarray(self.p) / np.sum(self.p)
        t = self.transforms[int(_rng().choice(len(self.transforms), p=w))]
        return t(*args)

    def __repr__(self) -> str:
        return f"RandomChoice(transforms={self.transforms!r}, p={self.p})"


class RandomOrder:
    """Apply the transforms in a random order."""

    batched = False

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = _transforms(transforms, "RandomOrder")

    def __call__(self, img: Any) -> Any:
        for i in _rng().permutation(len(self.transforms)):
            img = self.transforms[int(i)](img)
        return img

    def __repr__(self) -> str:
        return f"RandomOrder({self.transforms!r})"
