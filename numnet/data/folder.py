"""torchvision's ``DatasetFolder`` and ``ImageFolder``: one sub-folder per class, ``root/<class>/**/<file>``.

Pillow (``pip install numnet[train]`` or ``pip install pillow``) is imported only when an image is loaded.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Callable, Sequence

from numnet import _validation as V
from numnet.data.dataset import Dataset
from numnet.errors import ArgumentError, DataNotFoundError, FileFormatError

#: torchvision's list plus ``.gif`` (numnet's addition); matched case-insensitively.
IMG_EXTENSIONS: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp",
                                   ".gif")


def _pil() -> Any:
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError("ImageFolder: loading images needs Pillow: pip install 'numnet[train]' "
                          "(or pip install pillow)") from None
    return Image, ImageOps


def has_file_allowed_extension(filename: str, extensions: str | tuple[str, ...]) -> bool:
    """Whether ``filename`` ends with one of ``extensions`` (case-insensitive), as in torchvision."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename: str) -> bool:
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def pil_loader(path: str | os.PathLike) -> Any:
    """Open an image with Pillow, turn it upright by its EXIF orientation, and convert it to RGB.

    Raises:
        FileFormatError: the file cannot be read as an image (naming the path).
    """
    Image, ImageOps = _pil()
    if not os.path.isfile(path):
        raise FileFormatError(f"ImageFolder: cannot read image {path}: not a regular file")
    try:
        with warnings.catch_warnings():
            # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that: both are refused here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open(path, "rb") as f:
                img = Image.open(f)
                img = ImageOps.exif_transpose(img)
                return img.convert("RGB")
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FileFormatError(f"ImageFolder: cannot read image {path}: it has more than {Image.MAX_IMAGE_PIXELS:,} "
                              f"pixels (Pillow's decompression-bomb limit, PIL.Image.MAX_IMAGE_PIXELS)") from None
    except (OSError, ValueError, SyntaxError) as e:  # PIL raises these for unknown, truncated or corrupt files
        raise FileFormatError(f"ImageFolder: cannot read image {path}: {e}") from None


default_loader = pil_loader


def find_classes(directory: str | os.PathLike) -> tuple[list[str], dict[str, int]]:
    """The class folders of ``directory`` (sorted names) and ``{name: index}``, as in torchvision.

    Raises:
        DataNotFoundError: ``directory`` is not a folder or has no class folder (a FileNotFoundError too, as in
            torchvision).
    """
    if not os.path.isdir(directory):
        raise DataNotFoundError(f"find_classes: {os.fspath(directory)!r} is not a folder (ImageFolder wants "
                                "root/<class>/<image> files)")
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise DataNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory: str | os.PathLike, class_to_idx: dict[str, int],
                 extensions: str | tuple[str, ...] | None = None, is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False) -> list[tuple[str, int]]:
    """``(path, class_index)`` for every valid file under each class folder, walked in sorted order (torchvision)."""
    directory = os.path.expanduser(directory)
    if (extensions is None) == (is_valid_file is None):
        raise ArgumentError("Both extensions and is_valid_file cannot be None or not None at the same time")
    check = is_valid_file if is_valid_file is not None else (lambda p: has_file_allowed_extension(p, extensions))
    instances, found = [], set()
    for target_class in sorted(class_to_idx):
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if check(path):
                    instances.append((path, class_to_idx[target_class]))
                    found.add(target_class)
    empty = set(class_to_idx) - found
    if empty and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty))}. "
        if extensions is not None:
            ext = extensions if isinstance(extensions, str) else ", ".join(extensions)
            msg += f"Supported extensions are: {ext}"
        raise DataNotFoundError(msg)
    return instances


class DatasetFolder(Dataset):
    """Samples ``root/<class>/.../<file>`` read by ``loader``; torchvision's ``DatasetFolder``.

    Args:
        root: the folder holding one sub-folder per class.
        loader: reads a sample from its path.
        extensions: the allowed file endings (case-insensitive); exclusive with ``is_valid_file``.
        transform: applied to each loaded sample; target_transform: to each class index.
        is_valid_file: a function of the path deciding whether a file is a sample.
        allow_empty: allow class folders without any valid file.
        on_error: (numnet's extra, keyword-only) ``"raise"`` (default): a file the loader cannot read raises
            FileFormatError naming it when it is loaded; ``"warn"``: every file is loaded once now, and the unreadable
            ones are dropped from ``samples`` with a warning.

    Attributes:
        classes (sorted class names), class_to_idx, samples (list of ``(path, class_index)``), targets.

    Raises:
        FileNotFoundError: no class folder, or (without ``allow_empty``) a class without valid files.
        FileFormatError: an unreadable file (when loaded, with ``on_error="raise"``).
    """

    def __init__(self, root: str | os.PathLike, loader: Callable[[str], Any],
                 extensions: tuple[str, ...] | None = None, transform: Callable | None = None,
                 target_transform: Callable | None = None, is_valid_file: Callable[[str], bool] | None = None,
                 allow_empty: bool = False, *, on_error: str = "raise") -> None:
        who = type(self).__name__
        V.function(loader, who, "loader")
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None:
                V.function(fn, who, name)
        V.choice(on_error, who, "on_error", ("raise", "warn"))
        V.path(root, who)
        V.boolean(allow_empty, who, "allow_empty")
        self.root = os.fspath(Path(root).expanduser())
        self.loader = loader
        self.extensions = extensions
        self.transform = transform
        self.target_transform = target_transform
        self.on_error = on_error
        classes, class_to_idx = self.find_classes(self.root)
        samples = self.make_dataset(self.root, class_to_idx, extensions, is_valid_file, allow_empty)
        if on_error == "warn":
            kept = []
            for path, target in samples:
                try:
                    loader(path)
                except FileFormatError as e:
                    warnings.warn(f"{who}: skipping {path}: {e}", stacklevel=2)
                    continue
                kept.append((path, target))
            samples = kept
        self.classes = classes
        self.class_to_idx = class_to_idx
        self.samples: list[tuple[str, int]] = samples
        self.targets: list[int] = [s[1] for s in samples]

    @staticmethod
    def make_dataset(directory: str, class_to_idx: dict[str, int], extensions: tuple[str, ...] | None = None,
                     is_valid_file: Callable[[str], bool] | None = None,
                     allow_empty: bool = False) -> list[tuple[str, int]]:
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory: str) -> tuple[list[str], dict[str, int]]:
        return find_classes(directory)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        path, target = self.samples[V.integer(index, type(self).__name__, "index")]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self) -> int:
        return len(self.samples)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(root={self.root!r}, samples={len(self)}, classes={len(self.classes)})"


class ImageFolder(DatasetFolder):
    """Images in ``root/<class>/.../<image>``; torchvision's ``ImageFolder``. ``ds[i]`` is ``(PIL RGB image, class
    index)`` unless ``transform`` changes it (e.g. :class:`~numnet.data.transforms.ToTensor` gives a float32
    ``(3, H, W)`` Tensor in [0, 1]).

    Differences from torchvision (deliberate): the default loader honours the EXIF orientation
    (``PIL.ImageOps.exif_transpose``), ``IMG_EXTENSIONS`` also has ``.gif``, an ``extensions`` argument (torchvision's
    ImageFolder has none; its DatasetFolder has), unreadable files raise FileFormatError
    naming the path, and ``on_error="warn"`` skips them instead.

    Attributes:
        imgs: the same list as ``samples`` (torchvision's name).

    Example:
        >>> ds = ImageFolder("photos", transform=ToTensor())  # doctest: +SKIP
        >>> ds.classes, ds[0][0].shape  # doctest: +SKIP
        (['cat', 'dog'], (3, 64, 64))
    """

    def __init__(self, root: str | os.PathLike, transform: Callable | None = None,
                 target_transform: Callable | None = None, loader: Callable[[str], Any] | None = None,
                 is_valid_file: Callable[[str], bool] | None = None,
                 extensions: Sequence[str] | None = IMG_EXTENSIONS, allow_empty: bool = False, *,
                 on_error: str = "raise") -> None:
        super().__init__(root, loader if loader is not None else default_loader,
                         None if is_valid_file is not None else (tuple(extensions) if extensions else None),
                         transform=transform, target_transform=target_transform, is_valid_file=is_valid_file,
                         allow_empty=allow_empty, on_error=on_error)
        self.imgs = self.samples


__all__ = ["DatasetFolder", "IMG_EXTENSIONS", "ImageFolder", "default_loader", "find_classes",
           "has_file_allowed_extension", "is_image_file", "make_dataset", "pil_loader"]
