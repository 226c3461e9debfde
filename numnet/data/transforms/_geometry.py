"""Geometric transforms: :class:`Resize`, :class:`CenterCrop`, :class:`Pad`, :class:`RandomCrop`,
:class:`RandomResizedCrop`, :class:`RandomHorizontalFlip`, :class:`RandomVerticalFlip`."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from numnet import _validation as V
from numnet.data.transforms import functional as F
from numnet.data.transforms._compose import _is_batch, _probability, _rng
from numnet.data.transforms.functional import InterpolationMode
from numnet.errors import ArgumentError, DTypeError, ShapeError


class Resize:
    """Resize to ``size`` ((h, w); an int matches the smaller edge). See :func:`functional.resize`."""

    batched = True

    def __init__(self, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
                 antialias: bool | None = True) -> None:
        if isinstance(size, int):
            F._size_pair(size, "Resize")
        else:
            if not isinstance(size, (tuple, list)) or len(size) not in (1, 2):
                raise ArgumentError(V.expected("Resize", "size", "an int or a sequence of 1 or 2 ints", size))
            F._size_pair(list(size) * (2 if len(size) == 1 else 1), "Resize")
        self.size = size
        self.interpolation = F._interp(interpolation, "Resize")
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img: Any) -> Any:
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, interpolation={self.interpolation.value}, antialias={self.antialias})"


class CenterCrop:
    """Crop the centre ``size`` window."""

    batched = True

    def __init__(self, size: Any) -> None:
        self.size = F._size_pair(size, "CenterCrop")

    def __call__(self, img: Any) -> Any:
        return F.center_crop(img, self.size)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class Pad:
    """Pad every side (see :func:`functional.pad`)."""

    batched = True

    def __init__(self, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> None:
        F._padding_ltrb(padding, "Pad")
        V.choice(padding_mode, "Pad", "padding_mode", ("constant", "edge", "reflect", "symmetric"))
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img: Any) -> Any:
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self) -> str:
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomCrop:
    """Crop a random ``size`` window, after optional ``padding`` (and ``pad_if_needed`` for small images).

    Batched: a 4-D input is padded once and every sample gets its own window, gathered with
    ``sliding_window_view`` and fancy indexing (no per-image loop).
    """

    batched = True

    def __init__(self, size: Any, padding: Any = None, pad_if_needed: bool = False, fill: Any = 0,
                 padding_mode: str = "constant") -> None:
        self.size = F._size_pair(size, "RandomCrop")
        if padding is not None:
            F._padding_ltrb(padding, "RandomCrop")
        V.choice(padding_mode, "RandomCrop", "padding_mode", ("constant", "edge", "reflect", "symmetric"))
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, \
            V.boolean(pad_if_needed, "RandomCrop", "pad_if_needed"), fill, padding_mode

    @staticmethod
    def get_params(img: Any, output_size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(i, j, th, tw): a uniformly random window position."""
        _, h, w = F.get_dimensions(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ShapeError(f"RandomCrop: required crop size {(th, tw)} is larger than the input image size "
                             f"{(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        g = _rng()
        return int(g.integers(0, h - th + 1)), int(g.integers(0, w - tw + 1)), th, tw

    def _pad(self, img: Any) -> Any:
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, h, w = F.get_dimensions(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = F.pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = F.pad(img, [0, th - h], self.fill, self.padding_mode)
        return img

    def __call__(self, img: Any) -> Any:
        img = self._pad(img)
        if _is_batch(img):
            return self._batch(img)
        i, j, h, w = self.get_params(img, self.size)
        return F.crop(img, i, j, h, w)

    def _batch(self, img: Any) -> Any:
        arr, kind, _ = F._to_array(img, "RandomCrop")
        n, _, h, w = arr.shape
        th, tw = self.size
        if h < th or w < tw:
            raise ShapeError(f"RandomCrop: required crop size {(th, tw)} is larger than the input image size "
                             f"{(h, w)}")
        g = _rng()
        i = g.integers(0, h - th + 1, n)
        j = g.integers(0, w - tw + 1, n)
        windows = np.lib.stride_tricks.sliding_window_view(arr, (th, tw), axis=(2, 3))
        out = windows[np.arange(n), :, i, j]  # (N, C, th, tw): advanced dims first, then C
        return F._from_array(np.ascontiguousarray(out), kind, None)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomResizedCrop:
    """Crop a random area fraction ``scale`` with aspect ratio in ``ratio`` (log-uniform), resize to ``size``."""

    batched = False

    def __init__(self, size: Any, scale: Sequence[float] = (0.08, 1.0), ratio: Sequence[float] = (3.0 / 4.0, 4.0 / 3.0),
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        self.size = F._size_pair(size, "RandomResizedCrop")
        self.scale = V.real_pair(scale, "RandomResizedCrop", "scale", 0)
        self.ratio = V.real_pair(ratio, "RandomResizedCrop", "ratio", 0, low_open=True)
        self.interpolation = F._interp(interpolation, "RandomResizedCrop")
        self.antialias = antialias

    @staticmethod
    def get_params(img: Any, scale: Sequence[float], ratio: Sequence[float]) -> tuple[int, int, int, int]:
        """(i, j, h, w), torchvision's algorithm: 10 tries, else a centre crop clamped to ``ratio``."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        g = _rng()
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * g.uniform(scale[0], scale[1])
            aspect = math.exp(g.uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return int(g.integers(0, height - h + 1)), int(g.integers(0, width - w + 1)), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img: Any) -> Any:
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, i, j, h, w, list(self.size), self.interpolation, self.antialias)

    def __repr__(self) -> str:
        return f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio})"


class _RandomFlip:
    batched = True
    _axis = -1

    def __init__(self, p: float = 0.5) -> None:
        self.p = _probability(p, type(self).__name__)

    def _flip(self, img: Any) -> Any:
        raise NotImplementedError

    def __call__(self, img: Any) -> Any:
        if _is_batch(img):
            arr, kind, _ = F._to_array(img, type(self).__name__)
            mask = _rng().random(arr.shape[0]) < self.p  # one coin per sample
            out = arr.copy()
            out[mask] = np.flip(arr[mask], axis=self._axis)
            return F._from_array(out, kind, None)
        if _rng().random() < self.p:
            return self._flip(img)
        return img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p`` (per sample in a batch)."""

    _axis = -1

    def _flip(self, img: Any) -> Any:
        return F.hflip(img)


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p`` (per sample in a batch)."""

    _axis = -2

    def _flip(self, img: Any) -> Any:
        return F.vflip(img)


def _degrees(value: Any, op: str, name: str = "degrees") -> tuple[float, float]:
    if V._is_real(value):
        v = V.real(value, op, name, 0)
        return -v, v
    return V.real_pair(value, op, name)


def _tensor_fill(img: Any, fill: Any) -> Any:
    # torchvision turns a number into one value per channel for tensors (which switches on its fill mask)
    if F._is_pil(img) or fill is None:
        return fill
    c = F.get_dimensions(img)[0]
    return [float(fill)] * c if isinstance(fill, (int, float)) else [float(v) for v in fill]


class RandomRotation:
    """Rotate by an angle drawn uniformly from ``degrees`` ((-d, d) for a number)."""

    batched = False

    def __init__(self, degrees: Any, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
                 center: Sequence[int] | None = None, fill: Any = 0) -> None:
        self.degrees = _degrees(degrees, "RandomRotation")
        self.interpolation = F._interp(interpolation, "RandomRotation")
        self.expand, self.center, self.fill = bool(expand), center, fill

    @staticmethod
    def get_params(degrees: Sequence[float]) -> float:
        """An angle drawn uniformly from [degrees[0], degrees[1]]."""
        return float(_rng().uniform(degrees[0], degrees[1]))

    def __call__(self, img: Any) -> Any:
        angle = self.get_params(self.degrees)
        return F.rotate(img, angle, self.interpolation, self.expand, self.center, _tensor_fill(img, self.fill))

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees}, interpolation={self.interpolation.value})"


class RandomAffine:
    """Random rotation (``degrees``), translation (fractions ``translate`` of the size), ``scale`` and ``shear``."""

    batched = False

    def __init__(self, degrees: Any, translate: Sequence[float] | None = None, scale: Sequence[float] | None = None,
                 shear: Any = None, interpolation: Any = InterpolationMode.NEAREST, fill: Any = 0,
                 center: Sequence[int] | None = None) -> None:
        self.degrees = _degrees(degrees, "RandomAffine")
        if translate is not None:
            translate = V.real_pair(translate, "RandomAffine", "translate", 0, 1, ordered=False)
        if scale is not None:
            scale = V.real_pair(scale, "RandomAffine", "scale", 0, low_open=True)
        if shear is not None:
            if V._is_real(shear) or isinstance(shear, (tuple, list)) and len(shear) == 2:
                shear = _degrees(shear, "RandomAffine", "shear")
            elif isinstance(shear, (tuple, list)) and len(shear) == 4:
                shear = V.real_pair(shear[:2], "RandomAffine", "shear", ordered=False) + \
                    V.real_pair(shear[2:], "RandomAffine", "shear", ordered=False)
            else:
                raise DTypeError(V.expected("RandomAffine", "shear", "a number or 2 or 4 numbers", shear))
        self.translate, self.scale, self.shear = translate, scale, shear
        self.interpolation = F._interp(interpolation, "RandomAffine")
        self.fill, self.center = fill, center

    @staticmethod
    def get_params(degrees: Sequence[float], translate: Sequence[float] | None, scale_ranges: Sequence[float] | None,
                   shears: Sequence[float] | None, img_size: Sequence[int]
                   ) -> tuple[float, tuple[int, int], float, tuple[float, float]]:
        """(angle, (tx, ty), scale, (shear_x, shear_y)), torchvision's draws; ``img_size`` is (width, height)."""
        g = _rng()
        angle = float(g.uniform(degrees[0], degrees[1]))
        if translate is not None:
            max_dx, max_dy = float(translate[0] * img_size[0]), float(translate[1] * img_size[1])
            tx, ty = int(round(g.uniform(-max_dx, max_dx))), int(round(g.uniform(-max_dy, max_dy)))
        else:
            tx, ty = 0, 0
        scale = 1.0 if scale_ranges is None else float(g.uniform(scale_ranges[0], scale_ranges[1]))
        sx = sy = 0.0
        if shears is not None:
            sx = float(g.uniform(shears[0], shears[1]))
            if len(shears) == 4:
                sy = float(g.uniform(shears[2], shears[3]))
        return angle, (tx, ty), scale, (sx, sy)

    def __call__(self, img: Any) -> Any:
        angle, t, s, sh = self.get_params(self.degrees, self.translate, self.scale, self.shear,
                                          F.get_image_size(img))
        return F.affine(img, angle, list(t), s, list(sh), self.interpolation, _tensor_fill(img, self.fill),
                        self.center)

    def __repr__(self) -> str:
        return f"RandomAffine(degrees={self.degrees}, translate={self.translate}, scale={self.scale})"
