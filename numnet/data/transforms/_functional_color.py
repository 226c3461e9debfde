"""Colour and blur on every image kind (torchvision's ``rgb_to_grayscale``, ``adjust_brightness/contrast/
saturation/hue``, ``gaussian_blur``), re-exported by :mod:`numnet.data.transforms.functional`."""

from __future__ import annotations

from typing import Any

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, ShapeError
from numnet.tensor import Tensor

from numnet.data.transforms._image import (_apply, _is_pil, _max_value, _pad_array, convert_image_dtype,
                                           pil_to_tensor, to_pil_image)


def _blend(a: np.ndarray, b: np.ndarray, ratio: float) -> np.ndarray:
    out = ratio * a.astype(np.float32) + (1.0 - ratio) * b if not np.issubdtype(a.dtype, np.floating) \
        else ratio * a + (1.0 - ratio) * b
    out = np.clip(out, 0, _max_value(a.dtype))
    return out.astype(a.dtype)


def _gray(x: np.ndarray) -> np.ndarray:
    if x.shape[-3] == 1:
        return x.copy()
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    if np.issubdtype(x.dtype, np.floating):
        out = x.dtype.type(0.2989) * r + x.dtype.type(0.587) * g + x.dtype.type(0.114) * b
    else:
        out = (np.float32(0.2989) * r + np.float32(0.587) * g + np.float32(0.114) * b)
    return out.astype(x.dtype)[..., None, :, :]


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """``L = 0.2989 R + 0.587 G + 0.114 B`` (torchvision's weights), 1 or 3 channels out."""
    if num_output_channels not in (1, 3) or isinstance(num_output_channels, bool):
        raise ArgumentError(V.expected("rgb_to_grayscale", "num_output_channels", "1 or 3", num_output_channels))
    if _is_pil(img):
        g = img.convert("L")
        return g.convert("RGB") if num_output_channels == 3 else g

    def fn(x: np.ndarray) -> np.ndarray:
        if x.shape[-3] not in (1, 3):
            raise ShapeError(f"rgb_to_grayscale: expected 1 or 3 channels, got {x.shape[-3]}")
        g = _gray(x)
        return np.repeat(g, 3, axis=-3) if num_output_channels == 3 else g

    return _apply(img, "rgb_to_grayscale", fn)


def _check_factor(factor: float, op: str, name: str) -> float:
    V.real(factor, op, name)
    if factor < 0:
        raise ArgumentError(V.expected(op, name, "non-negative", factor))
    return float(factor)


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    """``factor · img`` clipped (0 black, 1 the original)."""
    f = _check_factor(brightness_factor, "adjust_brightness", "brightness_factor")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Brightness(img).enhance(f)
    return _apply(img, "adjust_brightness", lambda x: _blend(x, np.zeros_like(x), f))


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    """Blend with the image's mean grey level."""
    f = _check_factor(contrast_factor, "adjust_contrast", "contrast_factor")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Contrast(img).enhance(f)

    def fn(x: np.ndarray) -> np.ndarray:
        dt = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
        g = _gray(x) if x.shape[-3] == 3 else x
        mean = np.mean(g.astype(dt), axis=(-3, -2, -1), keepdims=True)
        return _blend(x, mean, f)

    return _apply(img, "adjust_contrast", fn)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    """Blend with the grey image (0 grey, 1 the original)."""
    f = _check_factor(saturation_factor, "adjust_saturation", "saturation_factor")
    if _is_pil(img):
        from PIL import ImageEnhance
        return ImageEnhance.Color(img).enhance(f)
    return _apply(img, "adjust_saturation", lambda x: x.copy() if x.shape[-3] == 1 else _blend(x, _gray(x), f))


def _rgb2hsv(x: np.ndarray) -> np.ndarray:
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    maxc, minc = x.max(axis=-3), x.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / np.where(eqc, 1, maxc)
    crd = np.where(eqc, 1, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    h = (maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc) \
        + ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod(h / 6.0 + 1.0, 1.0)
    return np.stack((h, s, maxc), axis=-3).astype(x.dtype)


def _hsv2rgb(x: np.ndarray) -> np.ndarray:
    h, s, v = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = [np.select([i == k for k in range(6)], [c[ch] for c in choices]) for ch in range(3)]
    return np.stack(out, axis=-3).astype(x.dtype)


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` ∈ [−0.5, 0.5] of a turn (in HSV)."""
    V.real(hue_factor, "adjust_hue", "hue_factor")
    if not -0.5 <= hue_factor <= 0.5:
        raise ArgumentError(V.expected("adjust_hue", "hue_factor", "in [-0.5, 0.5]", hue_factor))

    def fn(x: np.ndarray) -> np.ndarray:
        if x.shape[-3] == 1:
            return x.copy()
        xf = convert_image_dtype(x, np.float32)
        hsv = _rgb2hsv(xf)
        hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), 1.0)
        return convert_image_dtype(_hsv2rgb(hsv), x.dtype)

    return _apply(img, "adjust_hue", fn)


def _gaussian_kernel1d(ks: int, sigma: float) -> np.ndarray:
    half = (ks - 1) * 0.5
    x = np.linspace(-half, half, ks, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(img: Any, kernel_size: Any, sigma: Any = None) -> Any:
    """Gaussian blur with odd ``kernel_size`` ((kx, ky) or int) and ``sigma`` ((sx, sy) or number; default
    ``0.3·((k−1)·0.5 − 1) + 0.8``), reflect-padded like torchvision."""
    kx, ky = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    for k in (kx, ky):
        if isinstance(k, bool) or not isinstance(k, int) or k <= 0 or k % 2 == 0:
            raise ArgumentError(V.expected("gaussian_blur", "kernel_size", "odd positive ints", kernel_size))
    if sigma is None:
        sx, sy = (0.3 * ((k - 1) * 0.5 - 1) + 0.8 for k in (kx, ky))
    else:
        sx, sy = (sigma, sigma) if isinstance(sigma, (int, float)) else (tuple(sigma) * 2)[:2]
    if sx <= 0 or sy <= 0:
        raise ArgumentError(V.expected("gaussian_blur", "sigma", "positive", sigma))
    gx, gy = _gaussian_kernel1d(kx, sx), _gaussian_kernel1d(ky, sy)

    def fn(x: np.ndarray) -> np.ndarray:
        xf = x.astype(np.float32) if not np.issubdtype(x.dtype, np.floating) else x
        p = _pad_array(xf, [kx // 2, ky // 2, kx // 2, ky // 2], padding_mode="reflect")
        win = np.lib.stride_tricks.sliding_window_view(p, (ky, kx), axis=(-2, -1))
        out = np.einsum("...ij,i,j->...", win, gy.astype(xf.dtype), gx.astype(xf.dtype), optimize=True)
        if np.issubdtype(x.dtype, np.floating):
            return out.astype(x.dtype)
        return np.clip(np.round(out), 0, _max_value(x.dtype)).astype(x.dtype)

    if _is_pil(img):
        return to_pil_image(Tensor(fn(np.asarray(pil_to_tensor(img)._data))), mode=img.mode)
    return _apply(img, "gaussian_blur", fn)
