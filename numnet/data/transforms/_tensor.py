"""Conversions and tensor-only transforms: :class:`ToTensor`, :class:`PILToTensor`, :class:`ToPILImage`,
:class:`ConvertImageDtype`, :class:`Normalize`, :class:`RandomErasing`."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from numnet import _validation as V
from numnet.dtypes import as_dtype
from numnet.data.transforms import functional as F
from numnet.data.transforms._compose import _is_batch, _probability, _rng
from numnet.errors import ArgumentError
from numnet.tensor import Tensor


class ToTensor:
    """torchvision's ``ToTensor``: a PIL image or ``(H, W[, C])`` uint8 array → ``(C, H, W)`` float32 Tensor / 255.

    Pass-through (numnet): a Tensor or a float array is taken as already channels-first (what numnet's data sets
    yield) and only cast to float32, so it is batched too; a 4-D uint8 array is an ``(N, H, W, C)`` batch.
    Deliberate difference: torchvision transposes a float ``(H, W, C)`` array; numnet keeps float arrays as CHW.

    Example:
        >>> ToTensor()(np.full((2, 2), 255, np.uint8)).shape
        (1, 2, 2)
    """

    batched = True

    def __call__(self, pic: Any) -> Tensor:
        return F.to_tensor(pic)

    def __repr__(self) -> str:
        return "ToTensor()"


class PILToTensor:
    """A PIL image → ``(C, H, W)`` Tensor of the image's dtype (uint8), no scaling."""

    batched = False

    def __call__(self, pic: Any) -> Tensor:
        return F.pil_to_tensor(pic)

    def __repr__(self) -> str:
        return "PILToTensor()"


class ToPILImage:
    """A ``(C, H, W)`` Tensor or ``(H, W[, C])`` array → a PIL image (needs Pillow)."""

    batched = False

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def __call__(self, pic: Any) -> Any:
        return F.to_pil_image(pic, self.mode)

    def __repr__(self) -> str:
        return f"ToPILImage(mode={self.mode})"


class ConvertImageDtype:
    """Convert an image to ``dtype``, rescaling values between integer ranges and [0, 1]."""

    batched = True

    def __init__(self, dtype: Any) -> None:
        self.dtype = as_dtype(dtype, "ConvertImageDtype")

    def __call__(self, image: Any) -> Any:
        return F.convert_image_dtype(image, self.dtype)

    def __repr__(self) -> str:
        return f"ConvertImageDtype({self.dtype})"


class Normalize:
    """Per-channel standardisation: ``out[c] = (x[c] − mean[c]) / std[c]``.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all); must be non-zero.
        inplace: write into the input.

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

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float], inplace: bool = False) -> None:
        from numnet import _validation as V

        for name, v in (("mean", mean), ("std", std)):
            for item in (v if isinstance(v, (list, tuple)) else [v]):
                V.real(item, "Normalize", name)
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1 or len(self.mean) != len(self.std):
            raise ArgumentError(f"Normalize: mean and std must be sequences of the same length, "
                                f"got {self.mean.tolist()} and {self.std.tolist()}")
        if np.any(self.std == 0):
            raise ArgumentError(V.expected("Normalize", "std", "non-zero", self.std.tolist()))
        self.inplace = bool(inplace)

    def __call__(self, tensor: Any) -> Any:
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomErasing:
    """With probability ``p`` erase a random rectangle (area fraction in ``scale``, aspect ratio in ``ratio``) with
    ``value`` (a number, one per channel, or ``'random'`` for standard normal noise). Tensors/arrays only.

    Batched: a 4-D input draws a rectangle per sample, vectorised (torchvision would use one for the batch).
    """

    batched = True

    def __init__(self, p: float = 0.5, scale: Sequence[float] = (0.02, 0.33), ratio: Sequence[float] = (0.3, 3.3),
                 value: Any = 0, inplace: bool = False) -> None:
        self.p = _probability(p, "RandomErasing")
        self.scale = V.real_pair(scale, "RandomErasing", "scale")
        self.ratio = V.real_pair(ratio, "RandomErasing", "ratio")
        if self.scale[0] < 0 or self.scale[1] > 1:
            raise ArgumentError(V.expected("RandomErasing", "scale", "within [0, 1]", scale))
        if not (isinstance(value, (int, float, tuple, list)) or value == "random") or isinstance(value, bool):
            raise ArgumentError(V.expected("RandomErasing", "value", "a number, a sequence or 'random'", value))
        self.value = value
        self.inplace = bool(inplace)

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float],
                   value: Sequence[float] | None = None) -> tuple[int, int, int, int, Any]:
        """(i, j, h, w, v) of the rectangle, torchvision's algorithm (10 tries, else the whole image unchanged)."""
        c, img_h, img_w = F.get_dimensions(img)
        area = img_h * img_w
        g = _rng()
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * g.uniform(scale[0], scale[1])
            aspect = math.exp(g.uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect)))
            w = int(round(math.sqrt(erase_area / aspect)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = g.standard_normal((c, h, w)).astype(np.float32)
            else:
                v = np.asarray(value, dtype=np.float32)[:, None, None]
            i = int(g.integers(0, img_h - h + 1))
            j = int(g.integers(0, img_w - w + 1))
            return i, j, h, w, v
        return 0, 0, img_h, img_w, img

    def _value(self, c: int) -> list[float] | None:
        if isinstance(self.value, str):
            return None
        v = [float(self.value)] if isinstance(self.value, (int, float)) else [float(t) for t in self.value]
        if len(v) not in (1, c):
            raise ArgumentError(f"RandomErasing: expected value to have 1 or {c} (the channel count) numbers, "
                                f"got {self.value!r}")
        return v

    def __call__(self, img: Any) -> Any:
        if _is_batch(img):
            return self._batch(img)
        c = F.get_dimensions(img)[0]  # checks the image before the draw, so a bad input never passes unseen
        if _rng().random() >= self.p:
            return img
        i, j, h, w, v = self.get_params(img, self.scale, self.ratio, self._value(c))
        return F.erase(img, i, j, h, w, v, self.inplace)

    def _batch(self, img: Any) -> Any:
        arr, kind, _ = F._to_array(img, "RandomErasing")
        n, c, img_h, img_w = arr.shape
        value = self._value(c)
        g = _rng()
        apply = g.random(n) < self.p
        # all 10 tries at once; each sample keeps its first valid one (or is left unchanged, as torchvision)
        area = g.uniform(self.scale[0], self.scale[1], (n, 10)) * (img_h * img_w)
        aspect = np.exp(g.uniform(math.log(self.ratio[0]), math.log(self.ratio[1]), (n, 10)))
        hs = np.round(np.sqrt(area * aspect)).astype(np.int64)
        ws = np.round(np.sqrt(area / aspect)).astype(np.int64)
        ok = (hs < img_h) & (ws < img_w)
        first = np.argmax(ok, axis=1)
        apply &= ok.any(axis=1)
        h, w = hs[np.arange(n), first], ws[np.arange(n), first]
        i = np.floor(g.random(n) * (img_h - h + 1)).astype(np.int64)
        j = np.floor(g.random(n) * (img_w - w + 1)).astype(np.int64)
        rows, cols = np.arange(img_h), np.arange(img_w)
        mask = ((rows[None, :, None] >= i[:, None, None]) & (rows[None, :, None] < (i + h)[:, None, None])
                & (cols[None, None, :] >= j[:, None, None]) & (cols[None, None, :] < (j + w)[:, None, None])
                & apply[:, None, None])[:, None]
        if value is None:
            fill = g.standard_normal(arr.shape).astype(arr.dtype)
        else:
            fill = np.asarray(value, dtype=arr.dtype).reshape(1, -1, 1, 1)
        if self.inplace:
            np.copyto(arr, np.broadcast_to(fill, arr.shape), where=mask)
            return img
        return F._from_array(np.where(mask, fill, arr), kind, None)

    def __repr__(self) -> str:
        return f"RandomErasing(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value})"
