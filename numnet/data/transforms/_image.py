"""The image kinds the transforms take and the conversions between them (torchvision's ``to_tensor``,
``pil_to_tensor``, ``to_pil_image``, ``convert_image_dtype``): a PIL image, a numnet Tensor or a NumPy array, laid
out ``(..., C, H, W)``; every transform unpacks its input with ``_to_array`` and packs the result in the same kind
with ``_from_array``. Pillow is optional and imported lazily."""

from __future__ import annotations

from enum import Enum
from typing import Any, Callable, Sequence

import numpy as np

from numnet.dtypes import as_dtype
from numnet.errors import DTypeError, ShapeError
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
