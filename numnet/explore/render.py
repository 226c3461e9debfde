"""Pictures for the explorer's page: a minimal PNG encoder, data URLs, and feature maps coloured by a lookup table.

Only NumPy and the standard library (``zlib``, ``struct``): the server sends maps as small inline PNGs without
Pillow or matplotlib.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

from numnet.errors import ShapeError

__all__ = ["encode_png", "data_url", "render_maps"]


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def encode_png(rgb: np.ndarray) -> bytes:
    """A minimal PNG (8-bit RGB, or grey for 2-D input) from a uint8 array ``(H, W, 3)`` or ``(H, W)``."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    if a.ndim == 2:
        color_type, rows = 0, a
    elif a.ndim == 3 and a.shape[2] == 3:
        color_type, rows = 2, a.reshape(a.shape[0], -1)
    else:
        raise ShapeError(f"encode_png: expected (H, W) or (H, W, 3) uint8, got shape {a.shape}")
    h, w = a.shape[:2]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), rows], axis=1).tobytes()  # filter byte 0 per row
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(raw, 6))
            + _png_chunk(b"IEND", b""))


def data_url(png: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes, as an ``<img src>`` takes it."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# Colour maps as a few stops, interpolated to 256 entries: a sequential one (dark → bright, viridis-like) for
# non-negative maps and a diverging one (blue → white → red) for maps with negative values, centred on 0.
_SEQ_STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float64)
_DIV_STOPS = np.array([[33, 102, 172], [146, 197, 222], [247, 247, 247], [244, 165, 130], [178, 24, 43]], np.float64)


def _lut(stops: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, 256)
    at = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(t, at, stops[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


_SEQ_LUT = _lut(_SEQ_STOPS)
_DIV_LUT = _lut(_DIV_STOPS)


def render_maps(maps: np.ndarray, count: int) -> tuple[list[str], list[float], str]:
    """PNG data URLs of the first ``count`` maps ``(C, H, W)``, one colour scale for the whole layer.

    Returns ``(urls, [low, high], scale)``: maps with a negative value use the diverging scale, symmetric around 0
    (``[-m, m]`` with ``m`` the largest magnitude); others the sequential one over ``[0, max]``.
    """
    m = np.nan_to_num(maps[:count].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(m.min()), float(m.max())
    if lo < 0.0:
        limit = max(abs(lo), abs(hi)) or 1.0
        idx = np.clip((m / limit + 1.0) * 127.5, 0, 255).astype(np.uint8)
        lut, scale, value_range = _DIV_LUT, "diverging", [-limit, limit]
    else:
        top = hi if hi > 0 else 1.0
        idx = np.clip(m / top * 255.0, 0, 255).astype(np.uint8)
        lut, scale, value_range = _SEQ_LUT, "sequential", [0.0, hi]
    rgb = lut[idx]  # (count, H, W, 3)
    return [data_url(encode_png(img)) for img in rgb], value_range, scale
