"""Image transforms on NumPy arrays: :class:`Compose`, :class:`Normalize`, :class:`ToTensor`, :class:`Lambda`.

A transform is any callable taking an image array and returning one. The image sets in :mod:`numnet.datasets` hand a
transform a float32 ``(C, H, W)`` array (one sample). Transforms whose ``batched`` attribute is True also accept a
``(N, C, H, W)`` batch and give the same result as applying them to each sample; datasets use that to transform whole
batches on the DataLoader's fast path. Given a numnet Tensor, a transform returns a Tensor (no gradient).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor


def is_batched(transform: Any) -> bool:
    """Whether ``transform`` may be applied to a whole ``(N, C, H, W)`` batch at once."""
    return transform is None or bool(getattr(transform, "batched", False))


def _unwrap(x: Any) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        return x.data, True
    return np.asarray(x), False


class Compose:
    """Apply transforms one after the other.

    Example:
        >>> t = Compose([Normalize([0.5], [0.5]), Lambda(lambda x: x * 2)])
        >>> t(np.ones((1, 2, 2), np.float32))[0, 0]
        array([2., 2.], dtype=float32)
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)
        for t in self.transforms:
            V.function(t, "Compose", "every transform")

    @property
    def batched(self) -> bool:
        return all(is_batched(t) for t in self.transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Normalize:
    """Per-channel standardisation: ``out[c] = (x[c] − mean[c]) / std[c]``.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all); must be non-zero.

    Shape:
        ``(C, H, W)`` or ``(N, C, H, W)``, unchanged; the dtype of a floating input is kept.

    Raises:
        ArgumentError: a zero std, or mean/std lengths that differ.
        ShapeError: fewer than 3 dimensions, or a channel count that does not match ``mean``.
        DTypeError: an integer input (convert with :class:`ToTensor` first).

    Example:
        >>> Normalize([0.5], [0.25])(np.ones((1, 1, 2), np.float32))
        array([[[2., 2.]]], dtype=float32)
    """

    batched = True

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1 or len(self.mean) != len(self.std):
            raise ArgumentError(f"Normalize: mean and std must be sequences of the same length, "
                                f"got {self.mean.tolist()} and {self.std.tolist()}")
        if np.any(self.std == 0):
            raise ArgumentError(V.expected("Normalize", "std", "non-zero", self.std.tolist()))

    def __call__(self, x: Any) -> Any:
        arr, was_tensor = _unwrap(x)
        if not np.issubdtype(arr.dtype, np.floating):
            raise DTypeError(f"Normalize: expected a floating-point image, got dtype {arr.dtype}; "
                             f"use ToTensor() to convert uint8 images to float32 in [0, 1]")
        if arr.ndim < 3:
            raise ShapeError(f"Normalize: expected (C, H, W) or (N, C, H, W), got shape {arr.shape}")
        c = arr.shape[-3]
        if len(self.mean) not in (1, c):
            raise ShapeError(f"Normalize: input has {c} channels but mean/std have {len(self.mean)} values")
        mean = self.mean.astype(arr.dtype).reshape(-1, 1, 1)
        inv_std = (1.0 / self.std).astype(arr.dtype).reshape(-1, 1, 1)
        out = (arr - mean) * inv_std
        return Tensor(out) if was_tensor else out

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class ToTensor:
    """Convert an image of shape ``(H, W)`` or ``(H, W, C)`` (uint8 in [0, 255], like a PIL image) to a float32
    ``(C, H, W)`` numnet Tensor in [0, 1]. Float inputs are only transposed and cast to float32.

    Example:
        >>> ToTensor()(np.full((2, 2), 255, np.uint8)).shape
        (1, 2, 2)
    """

    batched = False

    def __call__(self, pic: Any) -> Tensor:
        arr, _ = _unwrap(pic)
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim == 3:
            arr = arr.transpose(2, 0, 1)
        else:
            raise ShapeError(f"ToTensor: expected an image (H, W) or (H, W, C), got shape {arr.shape}")
        if arr.dtype == np.uint8:
            out = arr.astype(np.float32) / np.float32(255.0)
        elif np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer):
            out = arr.astype(np.float32)
        else:
            raise DTypeError(f"ToTensor: expected a uint8 or float image, got dtype {arr.dtype}")
        return Tensor(np.ascontiguousarray(out))

    def __repr__(self) -> str:
        return "ToTensor()"


class Lambda:
    """Wrap a function as a transform; pass ``batched=True`` if it also works on ``(N, C, H, W)`` batches.

    Example:
        >>> Lambda(lambda x: 1 - x, batched=True)(np.zeros((1, 1, 1), np.float32))
        array([[[1.]]], dtype=float32)
    """

    def __init__(self, fn: Callable[[Any], Any], batched: bool = False) -> None:
        V.function(fn, "Lambda", "fn")
        self.fn = fn
        self.batched = bool(batched)

    def __call__(self, x: Any) -> Any:
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', 'fn')}, batched={self.batched})"
