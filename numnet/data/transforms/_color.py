"""Colour transforms: :class:`ColorJitter`, :class:`Grayscale`, :class:`RandomGrayscale`, :class:`GaussianBlur`."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from numnet import _validation as V
from numnet.data.transforms import functional as F
from numnet.data.transforms._compose import _probability, _rng
from numnet.errors import ArgumentError, DTypeError


def _jitter_range(value: Any, name: str, center: float = 1.0, bound: tuple[float, float] = (0, float("inf")),
                  clip_first_on_zero: bool = True) -> tuple[float, float] | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, tuple, list)):
        raise DTypeError(V.expected("ColorJitter", name, "a number or a (min, max) pair", value))
    if isinstance(value, (int, float)):
        value = V.real(value, "ColorJitter", name, 0)
        lo, hi = center - value, center + value
        if clip_first_on_zero:
            lo = max(lo, 0.0)
    else:
        lo, hi = V.real_pair(value, "ColorJitter", name, ordered=False)
    if not bound[0] <= lo <= hi <= bound[1]:
        raise ArgumentError(V.expected("ColorJitter", name, f"within {list(bound)}", value))
    return None if lo == hi == center else (lo, hi)


class ColorJitter:
    """Randomly change brightness, contrast, saturation and hue, in a random order (torchvision's ranges:
    a number ``v`` means ``[max(0, 1 − v), 1 + v]``, for hue ``[−v, v]`` with ``v <= 0.5``)."""

    batched = False

    def __init__(self, brightness: Any = 0, contrast: Any = 0, saturation: Any = 0, hue: Any = 0) -> None:
        self.brightness = _jitter_range(brightness, "brightness")
        self.contrast = _jitter_range(contrast, "contrast")
        self.saturation = _jitter_range(saturation, "saturation")
        self.hue = _jitter_range(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def get_params(brightness: Sequence[float] | None, contrast: Sequence[float] | None,
                   saturation: Sequence[float] | None, hue: Sequence[float] | None
                   ) -> tuple[np.ndarray, float | None, float | None, float | None, float | None]:
        """(order of the 4 adjustments, brightness, contrast, saturation, hue factors; None where off)."""
        g = _rng()
        order = g.permutation(4)
        b = None if brightness is None else float(g.uniform(brightness[0], brightness[1]))
        c = None if contrast is None else float(g.uniform(contrast[0], contrast[1]))
        s = None if saturation is None else float(g.uniform(saturation[0], saturation[1]))
        h = None if hue is None else float(g.uniform(hue[0], hue[1]))
        return order, b, c, s, h

    def __call__(self, img: Any) -> Any:
        order, b, c, s, h = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        for k in order:
            if k == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif k == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif k == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif k == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self) -> str:
        return (f"ColorJitter(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale:
    """Convert to grey (``num_output_channels`` 1 or 3)."""

    batched = True

    def __init__(self, num_output_channels: int = 1) -> None:
        if num_output_channels not in (1, 3) or isinstance(num_output_channels, bool):
            raise ArgumentError(V.expected("Grayscale", "num_output_channels", "1 or 3", num_output_channels))
        self.num_output_channels = num_output_channels

    def __call__(self, img: Any) -> Any:
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self) -> str:
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class RandomGrayscale:
    """Convert to grey with probability ``p``, keeping the channel count."""

    batched = False

    def __init__(self, p: float = 0.1) -> None:
        self.p = _probability(p, "RandomGrayscale")

    def __call__(self, img: Any) -> Any:
        c = F.get_dimensions(img)[0]
        if _rng().random() < self.p:
            return F.rgb_to_grayscale(img, num_output_channels=c)
        return img

    def __repr__(self) -> str:
        return f"RandomGrayscale(p={self.p})"


class GaussianBlur:
    """Blur with a Gaussian of odd ``kernel_size`` and a sigma drawn uniformly from ``sigma`` (min, max)."""

    batched = False

    def __init__(self, kernel_size: Any, sigma: Any = (0.1, 2.0)) -> None:
        ks = V.int_or_pair(kernel_size, "GaussianBlur", "kernel_size", 1)
        if any(k % 2 == 0 for k in ks):
            raise ArgumentError(V.expected("GaussianBlur", "kernel_size", "odd positive ints", kernel_size))
        if V._is_real(sigma):
            sigma = (sigma, sigma)
        self.kernel_size = ks
        self.sigma = V.real_pair(sigma, "GaussianBlur", "sigma", 0, low_open=True)

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        """A sigma drawn uniformly from [sigma_min, sigma_max]."""
        return float(_rng().uniform(sigma_min, sigma_max))

    def __call__(self, img: Any) -> Any:
        s = self.get_params(self.sigma[0], self.sigma[1])
        return F.gaussian_blur(img, list(self.kernel_size), [s, s])

    def __repr__(self) -> str:
        return f"GaussianBlur(kernel_size={self.kernel_size}, sigma={self.sigma})"
