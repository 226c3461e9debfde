"""torchvision's ``transforms.functional`` on NumPy: every function takes a PIL image, a numnet Tensor or a NumPy
array laid out ``(..., C, H, W)`` (as torchvision does on tensors) and returns the same kind.

Float images are in [0, 1]; integer images in [0, max of the dtype]. Pillow is optional and imported lazily.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from numnet import _validation as V
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor

# the image kinds and conversions, and the colour functions, live beside this module; every name stays here too
from numnet.data.transforms._image import (InterpolationMode, _apply, _from_array, _is_pil, _max_value,  # noqa: F401
                                           _pad_array, _pil, _to_array, convert_image_dtype, get_dimensions,
                                           get_image_size, pil_to_tensor, to_pil_image, to_tensor)
from numnet.data.transforms._functional_color import (adjust_brightness, adjust_contrast, adjust_hue,  # noqa: F401
                                                      adjust_saturation, gaussian_blur, rgb_to_grayscale)


def normalize(tensor: Any, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> Any:
    """``out[c] = (x[c] − mean[c]) / std[c]`` on a floating ``(..., C, H, W)`` image."""
    arr, kind, _ = _to_array(tensor, "normalize")
    if not np.issubdtype(arr.dtype, np.floating):
        raise DTypeError(f"normalize: expected a floating-point image, got dtype {arr.dtype}; "
                         f"use ToTensor() to convert uint8 images to float32 in [0, 1]")
    if np.asarray(tensor._data if isinstance(tensor, Tensor) else tensor).ndim < 3:
        raise ShapeError(f"Normalize: expected (C, H, W) or (N, C, H, W), got shape {arr.shape}")
    m = np.atleast_1d(np.asarray(mean, dtype=arr.dtype))
    s = np.atleast_1d(np.asarray(std, dtype=arr.dtype))
    c = arr.shape[-3]
    if len(m) not in (1, c):
        raise ShapeError(f"Normalize: input has {c} channels but mean/std have {len(m)} values")
    m, s = m.reshape(-1, 1, 1), s.reshape(-1, 1, 1)
    if inplace and kind != "pil":
        np.subtract(arr, m, out=arr)
        np.divide(arr, s, out=arr)
        return tensor
    return _from_array((arr - m) / s, kind, None)


# ---------------------------------------------------------------------------------------------- geometry


def hflip(img: Any) -> Any:
    """Mirror left-right."""
    return _apply(img, "hflip", lambda x: x[..., ::-1].copy())


def vflip(img: Any) -> Any:
    """Mirror top-bottom."""
    return _apply(img, "vflip", lambda x: x[..., ::-1, :].copy())


def _padding_ltrb(padding: Any, op: str) -> list[int]:
    if isinstance(padding, bool) or not isinstance(padding, (int, tuple, list)):
        raise DTypeError(V.expected(op, "padding", "an int or a sequence of 1, 2 or 4 ints", padding))
    p = [padding] if isinstance(padding, int) else list(padding)
    if len(p) not in (1, 2, 4) or any(isinstance(v, bool) or not isinstance(v, int) for v in p):
        raise ArgumentError(V.expected(op, "padding", "an int or a sequence of 1, 2 or 4 ints", padding))
    p = [V.integer(v, op, "padding", 0) for v in p]
    if len(p) == 1:
        return [p[0]] * 4
    if len(p) == 2:
        return [p[0], p[1], p[0], p[1]]
    return p


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad by ``padding`` (int, (left/right, top/bottom) or (left, top, right, bottom)); ``padding_mode`` one of
    ``constant`` (with ``fill``), ``edge``, ``reflect``, ``symmetric``."""
    ltrb = _padding_ltrb(padding, "pad")
    V.choice(padding_mode, "pad", "padding_mode", ("constant", "edge", "reflect", "symmetric"))
    return _apply(img, "pad", lambda x: _pad_array(x, ltrb, fill, padding_mode))


def _crop_array(x: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    h, w = x.shape[-2:]
    if top < 0 or left < 0 or top + height > h or left + width > w:
        # torchvision zero-pads a crop that leaves the image
        pads = [max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)]
        x = _pad_array(x, pads, 0)
        top, left = top + pads[1], left + pads[0]
    return x[..., top:top + height, left:left + width].copy()


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height × width`` window whose top-left corner is ``(top, left)``; zero-padded where it leaves the
    image."""
    return _apply(img, "crop", lambda x: _crop_array(x, int(top), int(left), int(height), int(width)))


def _size_pair(size: Any, op: str, name: str = "size") -> tuple[int, int]:
    if isinstance(size, bool) or not isinstance(size, (int, tuple, list)):
        raise DTypeError(V.expected(op, name, "an int or a sequence of 1 or 2 ints", size))
    s = [size] if isinstance(size, int) else list(size)
    if len(s) == 1:
        s = [s[0], s[0]]
    if len(s) != 2 or any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in s):
        raise ArgumentError(V.expected(op, name, "a positive int or a sequence of 1 or 2 positive ints", size))
    if s[0] * s[1] * 8 >= 2 ** 63:  # no array can hold that many pixels (NumPy's limit)
        raise ArgumentError(V.expected(op, name, "a size whose pixel count an array can hold", size))
    return int(s[0]), int(s[1])


def center_crop(img: Any, output_size: Any) -> Any:
    """The centred ``output_size`` window (torchvision's rounding); zero-padded if larger than the image."""
    th, tw = _size_pair(output_size, "center_crop", "output_size")

    def fn(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[-2:]
        if tw > w or th > h:
            ltrb = [(tw - w) // 2 if tw > w else 0, (th - h) // 2 if th > h else 0,
                    (tw - w + 1) // 2 if tw > w else 0, (th - h + 1) // 2 if th > h else 0]
            x = _pad_array(x, ltrb, 0)
            h, w = x.shape[-2:]
            if tw == w and th == h:
                return x
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return _crop_array(x, top, left, th, tw)

    return _apply(img, "center_crop", fn)


def _output_size(h: int, w: int, size: Any, max_size: int | None) -> tuple[int, int]:
    if isinstance(size, int) or (isinstance(size, (list, tuple)) and len(size) == 1):
        requested = size if isinstance(size, int) else size[0]
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ArgumentError(f"resize: expected max_size to be greater than size, got {max_size!r}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if w <= h else (new_short, new_long)
    return int(size[0]), int(size[1])


def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def _weights(in_size: int, out_size: int, mode: InterpolationMode, antialias: bool) -> np.ndarray:
    """The ``(out, in)`` resampling matrix of one axis, following PyTorch's interpolate (align_corners=False)."""
    scale = in_size / out_size
    i = np.arange(out_size, dtype=np.float64)
    j = np.arange(in_size, dtype=np.float64)
    if mode is InterpolationMode.NEAREST:
        src = np.minimum(np.floor(i.astype(np.float32) * np.float32(scale)).astype(np.int64), in_size - 1)
        w = np.zeros((out_size, in_size))
        w[np.arange(out_size), src] = 1.0
        return w
    if mode is InterpolationMode.BICUBIC and not antialias:
        # PyTorch's bicubic (A = −0.75), border pixels replicated
        src = (i + 0.5) * scale - 0.5
        i0 = np.floor(src)
        w = np.zeros((out_size, in_size))
        for k in range(-1, 3):
            idx = np.clip(i0 + k, 0, in_size - 1).astype(np.int64)
            np.add.at(w, (np.arange(out_size), idx), _cubic(src - (i0 + k), -0.75))
        return w
    # separable filter with a support widened by the scale when shrinking (PIL's and PyTorch's antialias);
    # without antialias this is exactly bilinear interpolation with edge clamping
    support = 1.0 if mode is InterpolationMode.BILINEAR else 2.0
    fs = scale if (antialias and scale > 1.0) else 1.0
    center = (i + 0.5) * scale
    x = (j[None, :] - center[:, None] + 0.5) / fs
    if mode is InterpolationMode.BILINEAR:
        w = np.maximum(0.0, 1.0 - np.abs(x))
    else:
        w = _cubic(x, -0.5)
    lo = np.maximum(np.floor(center - support * fs + 0.5), 0)
    hi = np.minimum(np.floor(center + support * fs + 0.5), in_size)
    w = np.where((j[None, :] >= lo[:, None]) & (j[None, :] < hi[:, None]), w, 0.0)
    return w / w.sum(axis=1, keepdims=True)


_PIL_MODES = {"nearest": 0, "bilinear": 2, "bicubic": 3, "box": 4, "hamming": 5, "lanczos": 1}


def _interp(interpolation: Any, op: str) -> InterpolationMode:
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    value = getattr(interpolation, "value", interpolation)
    try:
        return InterpolationMode(value)
    except ValueError:
        raise ArgumentError(V.expected(op, "interpolation", "an InterpolationMode", interpolation)) from None


def resize(img: Any, size: Any, interpolation: Any = InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True) -> Any:
    """Resize to ``size`` ((h, w), or an int for the smaller edge keeping the aspect ratio).

    PIL images go through Pillow (as torchvision). Arrays and Tensors use a NumPy port of PyTorch's
    ``interpolate`` (NEAREST, BILINEAR, BICUBIC; with ``antialias`` PIL's filter): float results match torchvision to
    ~1e-5; integer images are computed in float32 and rounded, within 1 of torchvision's fixed-point uint8 kernel.
    """
    mode = _interp(interpolation, "resize")
    if _is_pil(img):
        w, h = img.size
        oh, ow = _output_size(h, w, size, max_size)
        if (oh, ow) == (h, w):
            return img
        return img.resize((ow, oh), _PIL_MODES[mode.value])
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR, InterpolationMode.BICUBIC):
        raise ArgumentError(V.expected("resize", "interpolation", "NEAREST, BILINEAR or BICUBIC for arrays",
                                       interpolation))

    def fn(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[-2:]
        oh, ow = _output_size(h, w, size, max_size)
        if (oh, ow) == (h, w):
            return x
        aa = bool(antialias)
        wy = _weights(h, oh, mode, aa).astype(np.float32)
        wx = _weights(w, ow, mode, aa).astype(np.float32)
        xf = x.astype(np.float32) if not np.issubdtype(x.dtype, np.floating) else x
        out = np.einsum("oh,...hw,pw->...op", wy.astype(xf.dtype), xf, wx.astype(xf.dtype), optimize=True)
        if np.issubdtype(x.dtype, np.floating):
            return out.astype(x.dtype)
        return np.clip(np.round(out), 0, _max_value(x.dtype)).astype(x.dtype)

    return _apply(img, "resize", fn)


def resized_crop(img: Any, top: int, left: int, height: int, width: int, size: Any,
                 interpolation: Any = InterpolationMode.BILINEAR, antialias: bool | None = True) -> Any:
    """:func:`crop` then :func:`resize`."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


# ---------------------------------------------------------------------------------------------- colour


def erase(img: Any, i: int, j: int, h: int, w: int, v: Any, inplace: bool = False) -> Any:
    """Set ``img[..., i:i+h, j:j+w] = v`` (Tensor or array)."""
    arr, kind, _ = _to_array(img, "erase")
    if kind == "pil":
        raise DTypeError("erase: expected img to be a Tensor or NumPy array, got a PIL image")
    out = arr if inplace else arr.copy()
    out[..., i:i + h, j:j + w] = np.asarray(v._data if isinstance(v, Tensor) else v, dtype=arr.dtype)
    if inplace:
        return img
    return _from_array(out, kind, None)


# ---------------------------------------------------------------------------------------------- rotate / affine


def _inverse_affine_matrix(center: Sequence[float], angle: float, translate: Sequence[float], scale: float,
                           shear: Sequence[float]) -> list[float]:
    """torchvision's ``_get_inverse_affine_matrix``: output pixel → input pixel, as 6 numbers."""
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [v / scale for v in (d, -b, 0.0, -c, a, 0.0)]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def _grid_transform(x: np.ndarray, matrix: Sequence[float], oh: int, ow: int, mode: InterpolationMode,
                    fill: Any) -> np.ndarray:
    """PyTorch's ``grid_sample`` (zeros padding, align_corners=False) on torchvision's affine grid, with its
    fill rule (a ones channel sampled alongside marks the pixels that came from inside)."""
    h, w = x.shape[-2:]
    dt = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    theta = np.asarray(matrix, dtype=dt).reshape(2, 3)
    dtt = np.dtype(dt)
    xs = np.arange(ow, dtype=dtt) - dtt.type(ow * 0.5 - 0.5)
    ys = np.arange(oh, dtype=dtt) - dtt.type(oh * 0.5 - 0.5)
    gx = theta[0, 0] * xs[None, :] + theta[0, 1] * ys[:, None] + theta[0, 2]
    gy = theta[1, 0] * xs[None, :] + theta[1, 1] * ys[:, None] + theta[1, 2]
    ix = gx + dtt.type((w - 1) * 0.5)
    iy = gy + dtt.type((h - 1) * 0.5)
    xf = x.astype(dtt)
    if fill is not None:
        xf = np.concatenate([xf, np.ones(xf.shape[:-3] + (1, h, w), dtt)], axis=-3)

    def at(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        ok = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        v = xf[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
        return v * ok

    if mode is InterpolationMode.NEAREST:
        out = at(np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64))
    else:
        x0, y0 = np.floor(ix), np.floor(iy)
        wx1, wy1 = ix - x0, iy - y0
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        out = (at(y0, x0) * ((1 - wx1) * (1 - wy1)) + at(y0, x0 + 1) * (wx1 * (1 - wy1))
               + at(y0 + 1, x0) * ((1 - wx1) * wy1) + at(y0 + 1, x0 + 1) * (wx1 * wy1))
    if fill is not None:
        mask, out = out[..., -1:, :, :], out[..., :-1, :, :]
        f = np.asarray(fill if isinstance(fill, (list, tuple)) else [fill], dtype=dtt).reshape(-1, 1, 1)
        if mode is InterpolationMode.NEAREST:
            out = np.where(mask < 0.5, f, out)
        else:
            out = out * mask + (1.0 - mask) * f
    if np.issubdtype(x.dtype, np.floating):
        return out.astype(x.dtype)
    return np.clip(np.round(out), 0, _max_value(x.dtype)).astype(x.dtype)


def _pil_fill(fill: Any, img: Any) -> dict:
    if fill is None:
        return {}
    bands = len(img.getbands())
    if isinstance(fill, (list, tuple)):
        fill = tuple(int(v) if img.mode != "F" else v for v in fill)
        if len(fill) == 1:
            fill = fill[0] if bands == 1 else fill * bands
    else:
        fill = int(fill) if bands == 1 else tuple([int(fill)] * bands)
    return {"fillcolor": fill}


def rotate(img: Any, angle: float, interpolation: Any = InterpolationMode.NEAREST, expand: bool = False,
           center: Sequence[int] | None = None, fill: Any = None) -> Any:
    """Rotate by ``angle`` degrees counter-clockwise about ``center`` (default the image centre); NEAREST or
    BILINEAR for arrays (torchvision's grid sampling), any Pillow filter for PIL images."""
    V.real(angle, "rotate", "angle")
    mode = _interp(interpolation, "rotate")
    if _is_pil(img):
        return img.rotate(float(angle), _PIL_MODES[mode.value], bool(expand), center, **_pil_fill(fill, img))
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ArgumentError(V.expected("rotate", "interpolation", "NEAREST or BILINEAR for arrays", interpolation))

    def fn(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[-2:]
        cf = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
        m = _inverse_affine_matrix(cf, -float(angle), [0.0, 0.0], 1.0, [0.0, 0.0])
        ow, oh = w, h
        if expand:
            pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                            [0.5 * w, -0.5 * h, 1.0]], np.float32)
            new = pts @ np.asarray(m, np.float32).reshape(2, 3).T
            lo, hi = new.min(axis=0) + [w * 0.5, h * 0.5], new.max(axis=0) + [w * 0.5, h * 0.5]
            tol = 1e-4
            size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
            ow, oh = int(size[0]), int(size[1])
        return _grid_transform(x, m, oh, ow, mode, fill)

    return _apply(img, "rotate", fn)


def affine(img: Any, angle: float, translate: Sequence[int], scale: float, shear: Any,
           interpolation: Any = InterpolationMode.NEAREST, fill: Any = None,
           center: Sequence[int] | None = None) -> Any:
    """Rotate by ``angle``, translate, scale and shear (degrees; a number means x-shear only), keeping the size."""
    mode = _interp(interpolation, "affine")
    sh = [float(shear), 0.0] if isinstance(shear, (int, float)) else [float(v) for v in shear]
    if len(sh) == 1:
        sh = [sh[0], sh[0]]
    if _is_pil(img):
        w, h = img.size
        c = [w * 0.5, h * 0.5] if center is None else center
        m = _inverse_affine_matrix(c, float(angle), translate, float(scale), sh)
        return img.transform(img.size, _pil().AFFINE, m, _PIL_MODES[mode.value], **_pil_fill(fill, img))
    if mode not in (InterpolationMode.NEAREST, InterpolationMode.BILINEAR):
        raise ArgumentError(V.expected("affine", "interpolation", "NEAREST or BILINEAR for arrays", interpolation))

    def fn(x: np.ndarray) -> np.ndarray:
        h, w = x.shape[-2:]
        cf = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [w, h])]
        m = _inverse_affine_matrix(cf, float(angle), [1.0 * t for t in translate], float(scale), sh)
        return _grid_transform(x, m, h, w, mode, fill)

    return _apply(img, "affine", fn)


__all__ = [
    "InterpolationMode", "adjust_brightness", "affine", "adjust_contrast", "adjust_hue", "adjust_saturation", "center_crop",
    "convert_image_dtype", "crop", "erase", "gaussian_blur", "get_dimensions", "get_image_size", "hflip",
    "normalize", "pad", "pil_to_tensor", "resize", "resized_crop", "rgb_to_grayscale", "rotate", "to_pil_image", "to_tensor",
    "vflip",
]
