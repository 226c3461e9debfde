"""Turn a drawing into the image a model was trained on, the way the MNIST digits were made.

MNIST's recipe (LeCun et al.): take the digit's bounding box, scale it (keeping its aspect ratio, anti-aliased) so
its longer side is 20 pixels, and place it in a 28×28 frame so that its centre of mass sits at the frame's centre
(pixel (14, 14): MNIST's training digits have their centre of mass at 14.49 ± 0.29 in continuous coordinates).
:func:`mnist_preprocess` does exactly that in NumPy, for any frame size (the box is 20/28 of the frame):

1. ``auto`` inversion: if the image's outer ring is mostly bright (dark ink on a light background, e.g. a scan),
   it is inverted, so ink is bright on black as in MNIST and Fashion-MNIST;
2. bounding box of the pixels brighter than ``threshold × max``; an image with no ink gives an all-zero frame;
3. one separable resampling (a triangle filter whose width follows the scale, so shrinking averages and does not
   alias) maps the box to ``box`` pixels along its longer side and shifts it by whole pixels so the centre of mass
   lands within half a pixel of the centre of pixel ``(H // 2, W // 2)`` (whole pixels keep the digit as sharp as
   MNIST's, whose centres of mass spread uniformly ±0.5 px); the box is kept inside the frame if centring would
   push it out;
4. values are clipped to [0, 1] and scaled so the brightest pixel is 1 (a thin, thinned-out stroke stays visible).

:func:`decode_image` reads what the explorer's page sends: a PNG/JPEG data URL (needs Pillow) or a 2-D list of
numbers in [0, 1]. Both raise numnet's errors (:class:`~numnet.errors.ArgumentError`,
:class:`~numnet.errors.ShapeError`, :class:`~numnet.errors.DTypeError`) for bad input, which the server reports as
HTTP 400.

>>> canvas = np.zeros((280, 280), np.float32)
>>> canvas[40:240, 130:150] = 1.0                      # a tall vertical bar: "1"
>>> x = mnist_preprocess(canvas)
>>> x.shape, x.dtype, int((x.max(axis=1) > 0.5).sum())   # the bar's 200 rows became 20
((28, 28), dtype('float32'), 20)
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
from typing import Any

import numpy as np

from numnet.errors import ArgumentError, DTypeError, ShapeError

__all__ = ["decode_image", "as_pixel_array", "mnist_preprocess", "fit_to_size", "center_of_mass", "resample_matrix",
           "MIN_SIDE", "MAX_SIDE"]

#: Smallest and largest accepted side of a drawing, in pixels.
MIN_SIDE = 8
MAX_SIDE = 1024

_DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg|webp|gif|bmp);base64,([A-Za-z0-9+/=\s]*)$", re.ASCII)


def _check_side(h: int, w: int, who: str) -> None:
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise ShapeError(f"{who}: expected an image between {MIN_SIDE}×{MIN_SIDE} and {MAX_SIDE}×{MAX_SIDE} pixels, "
                         f"got {h}×{w}")


def _decode_data_url(text: str, who: str) -> np.ndarray:
    match = _DATA_URL.match(text)
    if match is None:
        head = text[:40] + ("…" if len(text) > 40 else "")
        raise ArgumentError(f"{who}: expected a data URL 'data:image/png;base64,...' or a 2-D list of numbers, "
                            f"got the string {head!r}")
    try:
        raw = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ArgumentError(f"{who}: the data URL is not valid base64 ({e})") from None
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # optional extra
        raise ArgumentError(f"{who}: decoding image data URLs needs Pillow: pip install 'numnet[train]' "
                            "(or send the pixels as a 2-D list)") from None
    try:
        with Image.open(io.BytesIO(raw)) as img:
            w, h = img.size  # read from the header before any pixel is decoded: no decompression bombs
            _check_side(h, w, who)
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
                # Transparent pixels carry no ink: flatten onto black (the page's canvas is opaque anyway).
                rgba = img.convert("RGBA")
                black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
                img = Image.alpha_composite(black, rgba)
            gray = np.asarray(img.convert("L"), dtype=np.float32)
    except ShapeError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        raise ArgumentError(f"{who}: cannot decode the image ({type(e).__name__}: {e})") from None
    return gray / np.float32(255.0)


def decode_image(value: Any, who: str = "image") -> np.ndarray:
    """Read a drawing sent by the page: a 2-D float32 array in [0, 1], ink bright or dark.

    Args:
        value: a data URL (``data:image/png;base64,...``; RGB(A) is converted to grey, transparency flattened onto
            black) or a 2-D list of numbers in [0, 1] (rows of equal length).
        who: the name used in error messages.

    Returns:
        ``(H, W)`` float32 with ``MIN_SIDE ≤ H, W ≤ MAX_SIDE``.

    Raises:
        ArgumentError: not a data URL or list, bad base64, undecodable image, values outside [0, 1] or not finite.
        ShapeError: not 2-D, ragged, or a side outside [MIN_SIDE, MAX_SIDE].
        DTypeError: list entries that are not numbers.

    Example:
        >>> decode_image([[0.0] * 8] * 8).shape
        (8, 8)
    """
    if isinstance(value, str):
        return _decode_data_url(value, who)
    arr = as_pixel_array(value, who)
    if arr.ndim != 2:
        raise ShapeError(f"{who}: expected a 2-D list of pixel rows (H, W), got {arr.ndim}-D shape {arr.shape}")
    _check_side(*arr.shape, who)
    return arr


def as_pixel_array(value: Any, who: str = "image") -> np.ndarray:
    """A nested list of numbers in [0, 1] as float32 (any number of dimensions); see :func:`decode_image`.

    Raises:
        ArgumentError: not a list, a value outside [0, 1] or not finite.
        ShapeError: ragged rows.
        DTypeError: entries that are not numbers (``true``/``false`` are not numbers either).
    """
    if not isinstance(value, list) or not value:
        raise ArgumentError(f"{who}: expected a non-empty list of pixel rows or a data URL string, "
                            f"got {type(value).__name__ if not isinstance(value, list) else 'an empty list'}")
    try:
        arr = np.array(value, dtype=object)
    except (ValueError, RecursionError) as e:
        raise ShapeError(f"{who}: the rows must all have the same length ({e})") from None
    if arr.dtype != object or arr.size == 0:
        raise ShapeError(f"{who}: expected a non-empty rectangular array of numbers")
    flat = arr.ravel()
    if not all(type(v) in (int, float) for v in flat):  # bool is excluded on purpose; nested lists are ragged
        bad = next(v for v in flat if type(v) not in (int, float))
        if isinstance(bad, list):
            raise ShapeError(f"{who}: the rows must all have the same length and depth")
        raise DTypeError(f"{who}: pixels must be numbers, got {type(bad).__name__} {bad!r:.40}")
    out = flat.astype(np.float64).reshape(arr.shape)
    if not np.isfinite(out).all():
        raise ArgumentError(f"{who}: pixels must be finite numbers in [0, 1]")
    lo, hi = float(out.min()), float(out.max())
    if lo < 0.0 or hi > 1.0:
        raise ArgumentError(f"{who}: pixels must be in [0, 1], got values from {lo:g} to {hi:g}")
    return out.astype(np.float32)


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    """Intensity-weighted centre ``(y, x)`` of a 2-D image, in continuous pixel coordinates (pixel ``i`` spans
    ``[i, i + 1)``, so a single lit pixel ``(0, 0)`` has centre ``(0.5, 0.5)``).

    Raises:
        ArgumentError: the image has no positive mass.
    """
    a = np.asarray(img, dtype=np.float64)
    total = a.sum()
    if not total > 0:
        raise ArgumentError("center_of_mass: the image is empty (no positive pixels)")
    ys = np.arange(a.shape[0]) + 0.5
    xs = np.arange(a.shape[1]) + 0.5
    return float(ys @ a.sum(axis=1) / total), float(xs @ a.sum(axis=0) / total)


def resample_matrix(n_in: int, n_out: int, scale: float, offset: float) -> np.ndarray:
    """The ``(n_out, n_in)`` weights of a 1-D anti-aliased linear resampling with placement.

    Output pixel ``j`` (centre ``j + 0.5``) reads the input around ``u = (j + 0.5 − offset) / scale`` with a triangle
    filter of radius ``max(1, 1/scale)`` input pixels (plain linear interpolation when enlarging, an area-like
    average when shrinking). Pixels outside the input count as zeros, so rows are normalised by the filter's full
    weight, not only the part that falls on the input: the edge of the drawing fades out instead of being smeared.
    """
    radius = max(1.0, 1.0 / scale)
    pad = int(math.ceil(radius)) + 1
    pos = np.arange(-pad, n_in + pad, dtype=np.float64) + 0.5  # padded input pixel centres
    u = (np.arange(n_out, dtype=np.float64) + 0.5 - offset) / scale
    w = np.clip(1.0 - np.abs(pos[None, :] - u[:, None]) / radius, 0.0, None)  # (n_out, n_in + 2 pad)
    total = w.sum(axis=1, keepdims=True)
    w = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return w[:, pad:pad + n_in]


def _target(n: int) -> float:
    """Where the centre of mass goes: the centre of pixel ``n // 2`` (14.5 for 28, as measured on MNIST)."""
    return n // 2 + 0.5


def _offset(ideal: float, highest: float) -> float:
    """A whole-pixel offset nearest ``ideal`` (so the box stays on the pixel grid, as in MNIST), in [0, highest]."""
    return float(min(max(math.floor(ideal + 0.5), 0), max(math.floor(highest + 1e-9), 0)))


def _border_mean(x: np.ndarray) -> float:
    ring = np.concatenate([x[0], x[-1], x[1:-1, 0], x[1:-1, -1]])
    return float(ring.mean())


def mnist_preprocess(img: Any, size: tuple[int, int] = (28, 28), box: int | None = None, threshold: float = 0.1,
                     invert: str = "auto") -> np.ndarray:
    """MNIST-style preprocessing of one drawing: crop to the ink, scale into a box, centre by centre of mass.

    Args:
        img: a 2-D array (H, W) in [0, 1] (e.g. from :func:`decode_image`).
        size: the output frame ``(H_out, W_out)``. Default ``(28, 28)``.
        box: the longer side of the scaled digit, in pixels. Default ``round(20 / 28 · min(size))`` (20 for 28×28).
        threshold: a pixel is ink when it is at least ``threshold × max``; sets the bounding box. Default 0.1.
        invert: ``"auto"`` (invert when the outer ring's mean is above 0.5), ``"yes"`` or ``"no"``.

    Returns:
        ``(H_out, W_out)`` float32 in [0, 1], brightest pixel 1; all zeros when there is no ink.

    Raises:
        ShapeError: ``img`` is not 2-D or is empty.
        ArgumentError: bad ``size``, ``box``, ``threshold`` or ``invert``.

    Example:
        >>> x = np.zeros((100, 100), np.float32); x[10:30, 60:70] = 1
        >>> y = mnist_preprocess(x)
        >>> [round(c, 2) for c in center_of_mass(y)]     # within ½ px of 14.5, the centre of pixel (14, 14)
        [15.0, 15.0]
    """
    who = "mnist_preprocess"
    x = np.asarray(img, dtype=np.float32)
    if x.ndim != 2 or x.size == 0:
        raise ShapeError(f"{who}: expected a non-empty 2-D image (H, W), got shape {x.shape}")
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, (int, np.integer)) and s >= 1 for s in size)):
        raise ArgumentError(f"{who}: size must be two positive ints (H, W), got {size!r}")
    out_h, out_w = int(size[0]), int(size[1])
    if box is None:
        box = max(1, int(round(20 / 28 * min(out_h, out_w))))
    if not isinstance(box, (int, np.integer)) or not 1 <= box <= min(out_h, out_w):
        raise ArgumentError(f"{who}: box must be an int in [1, {min(out_h, out_w)}], got {box!r}")
    if not 0.0 < threshold <= 1.0:
        raise ArgumentError(f"{who}: threshold must be in (0, 1], got {threshold!r}")
    if invert not in ("auto", "yes", "no"):
        raise ArgumentError(f"{who}: invert must be 'auto', 'yes' or 'no', got {invert!r}")

    x = np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0)
    if invert == "yes" or (invert == "auto" and _border_mean(x) > 0.5):
        x = np.float32(1.0) - x
    frame = np.zeros((out_h, out_w), np.float32)
    peak = float(x.max())
    if peak <= 1e-3:
        return frame
    rows = np.flatnonzero((x >= threshold * peak).any(axis=1))
    cols = np.flatnonzero((x >= threshold * peak).any(axis=0))
    crop = x[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float64)
    ch, cw = crop.shape
    scale = box / max(ch, cw)
    cy, cx = center_of_mass(crop)
    # Place the centre of mass on the frame centre, then keep the scaled box inside the frame.
    off_y = _offset(_target(out_h) - scale * cy, out_h - scale * ch)
    off_x = _offset(_target(out_w) - scale * cx, out_w - scale * cw)
    wy = resample_matrix(ch, out_h, scale, off_y)
    wx = resample_matrix(cw, out_w, scale, off_x)
    out = np.clip(wy @ crop @ wx.T, 0.0, 1.0)
    top = out.max()
    if top > 0:
        out = out / top
    return out.astype(np.float32)


def fit_to_size(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a 2-D image in [0, 1] to ``size`` (anti-aliased linear), e.g. a 28×28 test image for a 32×32 model."""
    x = np.asarray(img, dtype=np.float64)
    h, w = x.shape
    if (h, w) == tuple(size):
        return x.astype(np.float32)
    wy = resample_matrix(h, size[0], size[0] / h, 0.0)
    wx = resample_matrix(w, size[1], size[1] / w, 0.0)
    return np.clip(wy @ x @ wx.T, 0.0, 1.0).astype(np.float32)
