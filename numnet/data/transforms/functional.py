"""torchvision's ``transforms.functional`` on NumPy: every function takes a PIL image, a numnet Tensor or a NumPy
array laid out ``(..., C, H, W)`` (as torchvision does on tensors) and returns the same kind.

Float images are in [0, 1]; integer images in [0, max of the dtype]. Pillow is optional and imported lazily.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any, Callable, Sequence

import numpy as np

from numnet import _validation as V
from numnet.dtypes import as_dtype
from numnet.errors import ArgumentError, DTypeError, ShapeError
from numnet.tensor import Tensor


class InterpolationMode(Enum):
    """Interpolation modes, with torchvision's names and values."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _pil():
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow is in numnet[train]
        raise ImportError("numnet.transforms: PIL images need Pillow; install it with "
                          "`pip install pillow` (or numnet[train])") from exc
    return Image


def _is_pil(img: Any) -> bool:
    mod = type(img).__module__
    if not mod.startswith("PIL."):
        return False
    return isinstance(img, _pil().Image)


def _to_array(img: Any, op: str) -> tuple[np.ndarray, str, Any]:
    """(array (..., C, H, W), kind, PIL mode) for a PIL image, Tensor or ndarray."""
    if _is_pil(img):
        arr = np.asarray(img)
        arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
        return np.ascontiguousarray(arr), "pil", img.mode
    if isinstance(img, Tensor):
        arr, kind = img._data, "tensor"
    elif isinstance(img, np.ndarray):
        arr, kind = img, "array"
    else:
        raise DTypeError(f"{op}: expected img to be a PIL image, Tensor or NumPy array, got {type(img).__name__}")
    if arr.ndim < 2:
        raise ShapeError(f"{op}: expected an image (..., H, W), got shape {arr.shape}")
    if arr.ndim == 2:
        arr = arr[None]
    return arr, kind, None


def _from_array(arr: np.ndarray, kind: str, mode: Any, like: Any = None) -> Any:
    if kind == "pil":
        image = _pil()
        a = arr[0] if arr.shape[0] == 1 else arr.transpose(1, 2, 0)
        return image.fromarray(np.ascontiguousarray(a))
    if like is not None and isinstance(like, (np.ndarray, Tensor)) and like.ndim == 2 and arr.ndim == 3 and \
            arr.shape[0] == 1:  # a 2-D (H, W) image comes back 2-D, as torchvision does
        arr = arr[0]
    if kind == "tensor":
        return Tensor(np.ascontiguousarray(arr))
    return arr


def _apply(img: Any, op: str, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    arr, kind, mode = _to_array(img, op)
    return _from_array(fn(arr), kind, mode, like=img)


def _max_value(dtype: np.dtype) -> float:
    if np.issubdtype(dtype, np.floating):
        return 1.0
    if dtype == np.bool_:
        return 1
    return int(np.iinfo(dtype).max)


def get_dimensions(img: Any) -> list[int]:
    """``[channels, height, width]``."""
    arr, _, _ = _to_array(img, "get_dimensions")
    return [int(arr.shape[-3]), int(arr.shape[-2]), int(arr.shape[-1])]


def get_image_size(img: Any) -> list[int]:
    """``[width, height]`` (torchvision's order)."""
    _, h, w = get_dimensions(img)
    return [w, h]


# ---------------------------------------------------------------------------------------------- tensor / dtype


def to_tensor(pic: Any) -> Tensor:
    """torchvision's ``to_tensor``: a PIL image or an ``(H, W[, C])`` uint8 array → ``(C, H, W)`` float32 in [0, 1].

    Pass-through (numnet's addition): a Tensor, or a floating NumPy array of 3 or more dims, is taken as already
    ``(..., C, H, W)`` and only cast to float32; a 2-D float array gets a channel axis. A 4-D uint8 array is taken as
    an ``(N, H, W, C)`` batch. Other integer ``(H, W, C)`` arrays are transposed without scaling, like torchvision.
    """
    if _is_pil(pic):
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[None]
        else:
            arr = arr.transpose(2, 0, 1)
        if arr.dtype == np.uint8:
            return Tensor(np.ascontiguousarray(arr, dtype=np.float32) / np.float32(255.0))
        return Tensor(np.ascontiguousarray(arr))
    if isinstance(pic, Tensor):
        arr = pic._data
        return pic if arr.dtype == np.float32 else Tensor(arr.astype(np.float32))
    if not isinstance(pic, np.ndarray):
        raise DTypeError(f"to_tensor: expected pic to be a PIL image, Tensor or NumPy array, got "
                         f"{type(pic).__name__}")
    arr = pic
    if np.issubdtype(arr.dtype, np.floating):
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim < 2:
            raise ShapeError(f"to_tensor: expected an image (H, W), (C, H, W) or (N, C, H, W), got shape {arr.shape}")
        return Tensor(np.ascontiguousarray(arr, dtype=np.float32))
    if arr.ndim == 2:
        arr = arr[None]
    elif arr.ndim == 3:
        arr = arr.transpose(2, 0, 1)
    elif arr.ndim == 4 and arr.dtype == np.uint8:
        arr = arr.transpose(0, 3, 1, 2)
    else:
        raise ShapeError(f"to_tensor: expected an image (H, W) or (H, W, C), got shape {arr.shape}")
    if arr.dtype == np.uint8:
        return Tensor(np.ascontiguousarray(arr, dtype=np.float32) / np.float32(255.0))
    if not np.issubdtype(arr.dtype, np.integer):
        raise DTypeError(f"to_tensor: expected a uint8 or float image, got dtype {arr.dtype}")
    return Tensor(np.ascontiguousarray(arr))


def pil_to_tensor(pic: Any) -> Tensor:
    """A PIL image → ``(C, H, W)`` Tensor of its own dtype (uint8 for 8-bit images), no scaling."""
    if not _is_pil(pic):
        raise DTypeError(f"pil_to_tensor: expected pic to be a PIL image, got {type(pic).__name__}")
    arr = np.asarray(pic)
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return Tensor(np.ascontiguousarray(arr))


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """A ``(C, H, W)`` Tensor (float in [0, 1] → ×255 and truncated, as torchvision) or an ``(H, W[, C])`` array
    → a PIL image."""
    image = _pil()
    if isinstance(pic, Tensor):
        arr = pic._data
        if arr.ndim == 2:
            arr = arr[None]
        if np.issubdtype(arr.dtype, np.floating):
            arr = (arr * 255).astype(np.uint8)
        arr = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        arr = pic[..., None] if pic.ndim == 2 else pic
        if np.issubdtype(arr.dtype, np.floating):
            arr = (arr * 255).astype(np.uint8)
    else:
        raise DTypeError(f"to_pil_image: expected pic to be a Tensor or NumPy array, got {type(pic).__name__}")
    if arr.shape[-1] == 1:
        arr = arr[..., 0]
    return image.fromarray(np.ascontiguousarray(arr), mode=mode)


def convert_image_dtype(image: Any, dtype: Any = np.float32) -> Any:
    """torchvision's ``convert_image_dtype``: rescales between integer ranges and [0, 1]."""
    dtype = as_dtype(dtype, "convert_image_dtype")

    def fn(x: np.ndarray) -> np.ndarray:
        if x.dtype == dtype:
            return x
        if np.issubdtype(x.dtype, np.floating):
            if np.issubdtype(dtype, np.floating):
                return x.astype(dtype)
            eps = 1e-3
            m = float(_max_value(dtype))
            return (x * (m + 1.0 - eps)).astype(dtype)
        if np.issubdtype(dtype, np.floating):
            return (x.astype(dtype) / dtype.type(_max_value(x.dtype)))
        mi, mo = _max_value(x.dtype), _max_value(dtype)
        if mi > mo:
            factor = (mi + 1) // (mo + 1)
            return (x // factor).astype(dtype)
        factor = (mo + 1) // (mi + 1)
        return x.astype(dtype) * dtype.type(factor)

    return _apply(image, "convert_image_dtype", fn)


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


def _pad_array(x: np.ndarray, ltrb: Sequence[int], fill: Any = 0, padding_mode: str = "constant") -> np.ndarray:
    l, t, r, b = (int(v) for v in ltrb)
    widths = [(0, 0)] * (x.ndim - 2) + [(t, b), (l, r)]
    if padding_mode == "constant":
        if isinstance(fill, (tuple, list)) and len(fill) > 1:
            out = np.stack([np.pad(x[..., c, :, :], widths[:-3] + widths[-2:], constant_values=f)
                            for c, f in enumerate(fill)], axis=-3)
            return out.astype(x.dtype)
        f = fill[0] if isinstance(fill, (tuple, list)) else fill
        return np.pad(x, widths, mode="constant", constant_values=f)
    return np.pad(x, widths, mode=padding_mode)


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
