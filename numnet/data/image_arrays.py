"""A user's folder of images as in-memory arrays: what ``numnet train --data``, ``evaluate --data``, ``predict DIR``
and ``explore`` use.

The folder has torchvision's ``ImageFolder`` layout (one subfolder per class; the listing and class order are
:class:`numnet.datasets.ImageFolder`'s). Every image is decoded once with Pillow (EXIF orientation honoured),
converted to the requested channels (``L`` for 1, ``RGB`` for 3; transparency flattened onto white), resized to
``(H, W)`` (bilinear with antialiasing) and scaled to float32 in [0, 1], CHW. Training on small and medium folders
then runs at array speed, and augmentation runs batched (see :mod:`numnet.transforms`).
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from typing import Any, NamedTuple, Sequence

import numpy as np

from numnet.data.arrays import InMemoryImages
from numnet.errors import ArgumentError, FileFormatError

__all__ = ["FolderImages", "ImageArrays", "evaluation_folder", "folder_splits", "image_properties",
           "load_image_array", "load_image_folder", "open_card_dataset", "standardize", "stratified_split"]

PIL_HINT = "reading image files needs Pillow: pip install 'numnet[train]'"


def _pil() -> Any:
    try:
        from PIL import Image, ImageOps
    except ImportError:  # optional extra
        raise ArgumentError(PIL_HINT) from None
    return Image, ImageOps


def _open(path: str) -> Any:
    Image, ImageOps = _pil()
    if not os.path.exists(path):
        raise FileNotFoundError(f"image {path!r} does not exist")
    if not os.path.isfile(path):
        raise FileFormatError(f"cannot read image {path!r}: not a regular file")
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both are refused here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
            img.load()
            return ImageOps.exif_transpose(img)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FileFormatError(f"cannot read image {path!r}: it has more than {Image.MAX_IMAGE_PIXELS:,} pixels "
                              f"(Pillow's decompression-bomb limit, PIL.Image.MAX_IMAGE_PIXELS)") from None
    except (OSError, SyntaxError, ValueError) as e:  # UnidentifiedImageError is an OSError
        raise FileFormatError(f"cannot read image {path!r}: {e}") from None


def image_properties(path: str) -> tuple[int, tuple[int, int]]:
    """``(channels, (H, W))`` an image file has: 1 for grayscale modes, 3 for colour ones."""
    img = _open(path)
    channels = 1 if img.mode in ("1", "L", "LA", "I", "I;16", "F") else 3
    return channels, (img.height, img.width)


def load_image_array(path: str, channels: int = 1, size: tuple[int, int] | None = None) -> np.ndarray:
    """An image file as float32 ``(channels, H, W)`` in [0, 1] (``size=None`` keeps the file's size).

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: Pillow cannot read it.
    """
    Image, _ = _pil()
    if channels not in (1, 3):
        raise ArgumentError(f"load_image_array: expected channels to be 1 or 3, got {channels!r}")
    img = _open(path)
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:  # flatten onto white
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    img = img.convert("L" if channels == 1 else "RGB")
    if size is not None and (img.height, img.width) != tuple(size):
        img = img.resize((int(size[1]), int(size[0])), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    return x[None] if x.ndim == 2 else np.ascontiguousarray(x.transpose(2, 0, 1))


class ImageArrays(NamedTuple):
    """A folder's images ``(N, C, H, W)`` float32 in [0, 1], labels ``(N,)`` int64, class names and file paths."""

    images: np.ndarray
    targets: np.ndarray
    classes: list[str]
    paths: list[str]


def _choose(values: Counter, what: str, option: str, root: str) -> Any:
    if len(values) == 1:
        return next(iter(values))
    listed = ", ".join(f"{v} ({n} images)" for v, n in values.most_common(4))
    raise ArgumentError(f"{root}: the images have different {what} ({listed}); choose one with {option}")


def load_image_folder(root: str, image_size: Sequence[int] | None = None, channels: int | None = None,
                      classes: Sequence[str] | None = None) -> ImageArrays:
    """Load every image of an ImageFolder-style ``root`` into memory.

    Args:
        root: a folder with one subfolder per class.
        image_size: ``(H, W)`` to resize to; default the images' size when they all have one (else an error
            asking for it).
        channels: 1 or 3; default 1 when every image is grayscale, else 3.
        classes: the class names the labels must follow (a trained model's); the folder's class subfolders must
            be among them. Default: the folder's classes, sorted.

    Raises:
        FileNotFoundError: ``root`` does not exist. ArgumentError: no images, mixed sizes without ``image_size``,
        or a class subfolder the model does not know. FileFormatError: an unreadable image, named by path.
    """
    from numnet.datasets import ImageFolder

    if not os.path.isdir(root):
        raise FileNotFoundError(f"image folder {root!r} does not exist")
    folder = ImageFolder(root)
    if not folder.samples:
        raise ArgumentError(f"{root}: no images found (expected one subfolder per class holding PNG/JPEG/BMP/WebP "
                            f"files)")
    paths = [p for p, _ in folder.samples]
    if channels is None or image_size is None:
        props = [image_properties(p) for p in paths]
        if channels is None:
            channels = 1 if all(c == 1 for c, _ in props) else 3
        if image_size is None:
            image_size = _choose(Counter(s for _, s in props), "sizes (H, W)", "--image-size H W", root)
    names = list(folder.classes)
    if classes is None:
        classes = names
    mapping = {c: i for i, c in enumerate(classes)}
    unknown = [c for c in names if c not in mapping]
    if unknown:
        raise ArgumentError(f"{root}: class folders {unknown} are not among the model's classes {list(classes)}")
    targets = np.array([mapping[names[t]] for _, t in folder.samples], np.int64)
    size = (int(image_size[0]), int(image_size[1]))
    images = np.stack([load_image_array(p, channels, size) for p in paths]) if paths else \
        np.zeros((0, channels, *size), np.float32)
    return ImageArrays(images, targets, list(classes), paths)


def folder_splits(root: str) -> tuple[str, str | None]:
    """``(train folder, validation folder or None)``: ``root/train`` with ``root/val`` (or ``root/test``) when
    present, else ``root`` itself and no validation folder (the caller splits)."""
    train = os.path.join(root, "train")
    if os.path.isdir(train):
        for name in ("val", "valid", "validation", "test"):
            if os.path.isdir(os.path.join(root, name)):
                return train, os.path.join(root, name)
        return train, None
    return root, None


def stratified_split(targets: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(train indices, validation indices)``: ``round(fraction · n_c)`` of each class ``c`` (at least one when
    the class has two or more samples) to validation, chosen by a generator seeded with ``seed``; both sorted."""
    if not 0.0 < fraction < 1.0:
        raise ArgumentError(f"stratified_split: expected fraction strictly between 0 and 1, got {fraction!r}")
    rng = np.random.default_rng(seed)
    val: list[np.ndarray] = []
    for c in np.unique(targets):
        idx = np.flatnonzero(targets == c)
        k = int(round(fraction * idx.size))
        if idx.size >= 2:
            k = min(max(k, 1), idx.size - 1)
        else:
            k = 0
        val.append(rng.permutation(idx)[:k])
    v = np.sort(np.concatenate(val)) if val else np.zeros(0, np.int64)
    mask = np.ones(targets.size, bool)
    mask[v] = False
    return np.flatnonzero(mask), v


def standardize(images: np.ndarray, mean: Sequence[float] | None, std: Sequence[float] | None) -> np.ndarray:
    """``(x - mean) / std`` per channel of ``(N, C, H, W)`` images (one value broadcasts to every channel);
    ``images`` unchanged without statistics. The model card records them (:mod:`numnet.io.model_card`)."""
    if mean is None or std is None:
        return images
    c = images.shape[1]
    m = np.asarray(list(mean) * (c if len(mean) == 1 else 1), np.float64).reshape(1, c, 1, 1)
    s = np.asarray(list(std) * (c if len(std) == 1 else 1), np.float64).reshape(1, c, 1, 1)
    return ((images - m) / s).astype(np.float32)


class FolderImages(InMemoryImages):
    """An image folder in memory as a data set like the built-in ones: ``data`` ``(N, C, H, W)`` float32 (in
    [0, 1], or standardised with ``mean``/``std``), ``targets``, ``classes``, ``paths``, ``ds[i]``, ``get_batch``."""

    def __init__(self, arrays: ImageArrays, mean: Sequence[float] | None = None,
                 std: Sequence[float] | None = None) -> None:
        self.data = standardize(arrays.images, mean, std)
        self.targets = arrays.targets
        self.classes = list(arrays.classes)
        self.paths = list(arrays.paths)


def evaluation_folder(root: str) -> str:
    """The folder to evaluate on: ``root/test`` (or ``val``...) when present, else ``root``."""
    for name in ("test", "val", "valid", "validation"):
        if os.path.isdir(os.path.join(root, name)):
            return os.path.join(root, name)
    return root


def open_card_dataset(card: Any, train: bool = False, standardized: bool = True) -> Any:
    """The data set a model card names: a built-in one by name, or ``folder:<path>`` loaded at the card's input
    shape and class order (standardised like the training data unless ``standardized=False``; the test/val
    subfolder unless ``train``).

    Raises:
        ArgumentError: the card names no data set. FileNotFoundError: the folder is gone.
    """
    if not card.dataset:
        raise ArgumentError("the model file names no data set; give one (--dataset NAME or --data DIR)")
    if not card.dataset.startswith("folder:"):
        from numnet.datasets import get_dataset

        return get_dataset(card.dataset, train=train)
    root = card.dataset[len("folder:"):]
    if not os.path.isdir(root):
        raise FileNotFoundError(f"the model was trained on the folder {root!r}, which is not on this machine; "
                                f"pass --data DIR")
    root = folder_splits(root)[0] if train else evaluation_folder(root)
    channels, h, w = card.input_shape
    arrays = load_image_folder(root, (h, w), channels, classes=card.classes)
    return FolderImages(arrays, card.mean if standardized else None, card.std if standardized else None)
