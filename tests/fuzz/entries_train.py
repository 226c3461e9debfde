"""Fuzzer entries for training and data: every optimizer and learning-rate scheduler, datasets, samplers,
``DataLoader`` and collate, ``ImageFolder``, and every transform (torchvision's as the reference). ``L`` is numnet's
or torch's namespace (harness.Lib)."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np

from tests.fuzz.harness import DT, Arr, Entry, Params, f32, i64
from tests.tv_transforms_ref import torchvision_transforms

IMG = Arr(np.random.default_rng(11).uniform(0, 1, (3, 8, 8)).astype(np.float32), "img(3,8,8)")
GRAY = Arr(np.random.default_rng(12).uniform(0, 1, (1, 8, 8)).astype(np.float32), "img(1,8,8)")
U8 = Arr(np.random.default_rng(13).integers(0, 256, (3, 8, 8)).astype(np.uint8), "img(3,8,8):uint8")
BATCH = Arr(np.random.default_rng(14).uniform(0, 1, (2, 3, 8, 8)).astype(np.float32), "imgs(2,3,8,8)")


def _opt(cls_name: str):
    """Build ``optim.<cls_name>(params, *args)``, take one step on a fixed gradient, return the parameter."""
    def call(L, params, *args):
        opt = getattr(L.optim, cls_name)(params, *args)
        p = opt.param_groups[0]["params"][0]
        (p * L.lib.arange(3.0)).sum().backward()
        opt.step()
        return p.detach()
    return call


def _sched(cls_name: str, steps: int = 3):
    """``lr_scheduler.<cls_name>(SGD(lr=0.1), *args)``, stepped ``steps`` times; the learning rates seen."""
    def call(L, params, *args):
        opt = L.optim.SGD(params, lr=0.1, momentum=0.9)
        sched = getattr(L.sched, cls_name)(opt, *args)
        seen = []
        for _ in range(steps):
            opt.step()
            sched.step()
            seen.append(opt.param_groups[0]["lr"])
        return seen
    return call


def _plateau(L, params, mode, factor, patience, threshold):
    opt = L.optim.SGD(params, lr=0.1)
    sched = L.sched.ReduceLROnPlateau(opt, mode, factor, patience, threshold)
    seen = []
    for metric in (1.0, 1.0, 1.0, 0.5, 0.5, 0.5):
        sched.step(metric)
        seen.append(opt.param_groups[0]["lr"])
    return seen


def _nested(kind: str):
    """Schedulers built from others (ChainedScheduler, SequentialLR): the inner ones in the same library."""
    def call(L, params, *args):
        opt = L.optim.SGD(params, lr=0.1)
        inner = [L.sched.StepLR(opt, 2), L.sched.ExponentialLR(opt, 0.9)]
        sched = L.sched.ChainedScheduler(inner) if kind == "chained" else L.sched.SequentialLR(opt, inner, *args)
        seen = []
        for _ in range(4):
            opt.step()
            sched.step()
            seen.append(opt.param_groups[0]["lr"])
        return seen
    return call


def _loader(L, data, batch_size, shuffle, drop_last):
    """len(loader) and the size of every batch (the order is random with shuffle)."""
    loader = L.DataLoader(data, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    return [len(loader), *[len(b) if isinstance(b, (list, tuple)) else b.shape[0] if b.ndim else 1 for b in loader]]


def _collate(L, data, batch_size):
    return list(L.DataLoader(data, batch_size=batch_size))


def _data_lib(L):
    if L.name == "numnet":
        import numnet.data as D
        return D
    import torch.utils.data as D
    return D


def _tensor_dataset(L, *tensors):
    ds = _data_lib(L).TensorDataset(*tensors)
    return [len(ds), *ds[0]]


def _subset(L, indices):
    ds = _data_lib(L).Subset(list(range(10, 20)), indices)
    return [len(ds), ds[0]]


def _concat(L, datasets):
    ds = _data_lib(L).ConcatDataset(datasets)
    return [len(ds), ds[len(ds) - 1]]


def _random_split(L, lengths):
    return [len(s) for s in _data_lib(L).random_split(list(range(10)), lengths)]


def _sampler(name: str):
    """A sampler over its arguments; the number of indices it yields (the indices are random)."""
    def call(L, *args):
        return len(list(getattr(_data_lib(L), name)(*args)))
    return call


def _batch_sampler(L, n, batch_size, drop_last):
    D = _data_lib(L)
    return list(D.BatchSampler(D.SequentialSampler(range(n)) if isinstance(n, int) else n, batch_size, drop_last))


@functools.lru_cache(maxsize=1)
def _image_root() -> str:
    """A tiny image folder (two classes, two PNGs each), made once per test process."""
    from PIL import Image
    root = Path(tempfile.mkdtemp(prefix="numnet-fuzz-images-"))
    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir()
        for i in range(2):
            Image.fromarray(rng.integers(0, 256, (6, 5, 3)).astype(np.uint8)).save(root / cls / f"{i}.png")
    return str(root)


def _image_folder(L, root, allow_empty):
    root = _image_root() if isinstance(root, str) and root == "<images>" else root
    if L.name == "numnet":
        from numnet.datasets import ImageFolder
    else:
        from tests.torchvision_ref import torchvision_folder
        folder = torchvision_folder()
        # the bare torchvision package has no image-backend switch: give its ImageFolder Pillow directly
        ImageFolder = functools.partial(folder.ImageFolder, loader=folder.pil_loader)
    ds = ImageFolder(root, allow_empty=allow_empty)
    return [len(ds), *ds.classes, ds[0][1]]


def _mnist5k(L, train, normalize):
    from numnet.datasets import MNIST5k
    ds = MNIST5k(train=train, normalize=normalize)
    return [len(ds), ds[0][1]]


def _get_dataset(L, name, train):
    from numnet.datasets import get_dataset
    return len(get_dataset(name, train=train))


def _fashion_root(L, root, train):
    from numnet.datasets import FashionMNIST
    return len(FashionMNIST(root, train=train))


def _array_dataset(L, images, labels, classes):
    from numnet.datasets import ArrayDataset
    ds = ArrayDataset(images, labels, classes=classes)
    return [len(ds), ds[0][1]]


def _transform(name: str, n_ctor: int | None = None):
    """``transforms.<name>(*args[:-1])(args[-1])``: the last argument is the image."""
    def build(L, args):
        if L.name == "numnet":
            from numnet import transforms as T
        else:
            T = torchvision_transforms()
        ctor = args[:-1]
        ctor = tuple(getattr(L.lib, a.name) if isinstance(a, DT) else a for a in ctor)
        return getattr(T, name)(*ctor)

    def call(L, *args):
        return build(L, args)(args[-1])
    return call


def _compose(L, kind, p, img):
    if L.name == "numnet":
        from numnet import transforms as T
    else:
        T = torchvision_transforms()
    inner = [T.CenterCrop(4), T.Resize(4)]  # the same output shape in any order or choice
    builders = {"Compose": lambda: T.Compose(inner), "RandomApply": lambda: T.RandomApply(inner, p),
                "RandomChoice": lambda: T.RandomChoice(inner, p), "RandomOrder": lambda: T.RandomOrder(inner)}
    # a bad ``kind`` becomes Compose's own argument: the list of transforms itself is fuzzed
    t = builders[kind]() if isinstance(kind, str) and kind in builders else T.Compose(kind)
    return t(img)


_OPTIMIZERS = [("SGD", [[0.1, 0.0], [0.0, 0.9], [0.0, 0.1], [0.0, 1e-4]]),
               ("Adam", [[1e-3, 0.1], [(0.9, 0.999), (0.5, 0.9)], [1e-8], [0.0, 0.1], [False, True]]),
               ("AdamW", [[1e-3, 0.1], [(0.9, 0.999)], [1e-8], [0.01, 0.0], [False, True]]),
               ("Adamax", [[2e-3], [(0.9, 0.999)], [1e-8], [0.0, 0.1]]),
               ("NAdam", [[2e-3], [(0.9, 0.999)], [1e-8], [0.0], [4e-3, 0.0]]),
               ("RAdam", [[1e-3], [(0.9, 0.999)], [1e-8], [0.0, 0.1]]),
               ("RMSprop", [[1e-2], [0.99, 0.5], [1e-8], [0.0], [0.0, 0.9], [False, True]]),
               ("Adagrad", [[1e-2], [0.0, 0.1], [0.0], [0.0, 0.1], [1e-10]]),
               ("Adadelta", [[1.0, 0.5], [0.9, 0.5], [1e-6], [0.0, 0.1]]),
               ("ASGD", [[1e-2], [1e-4], [0.75], [1e6, 1.0], [0.0]]),
               ("Rprop", [[1e-2], [(0.5, 1.2)], [(1e-6, 50)]])]
_SCHEDULERS = [("StepLR", [[1, 3], [0.1, 0.5]]), ("MultiStepLR", [[[1, 3], (2,)], [0.1]]),
               ("ExponentialLR", [[0.9, 0.5]]), ("ConstantLR", [[0.5, 1 / 3], [2, 5]]),
               ("LinearLR", [[0.5, 1 / 3], [1.0, 0.5], [2, 5]]), ("CosineAnnealingLR", [[2, 10], [0.0, 1e-3]]),
               ("CosineAnnealingWarmRestarts", [[2, 3], [1, 2], [0.0, 1e-3]]),
               ("PolynomialLR", [[2, 5], [1.0, 2.0]]),
               ("CyclicLR", [[0.01, 0.001], [0.1, 0.05], [2, 4], [None, 3], ["triangular", "triangular2", "exp_range"]]),
               ("OneCycleLR", [[0.1, 1.0], [10, 20]])]

TRAIN_ENTRIES: list[Entry] = [
    *[Entry(f"optim.{n}", _opt(n), [[Params()], *s], fixed=1) for n, s in _OPTIMIZERS],
    *[Entry(f"lr_scheduler.{n}", _sched(n), [[Params()], *s], fixed=1) for n, s in _SCHEDULERS],
    Entry("lr_scheduler.ReduceLROnPlateau", _plateau, [[Params()], ["min", "max"], [0.1, 0.5], [0, 1, 10],
                                                       [1e-4, 0.0]], fixed=1),
    Entry("lr_scheduler.ChainedScheduler", _nested("chained"), [[Params()]], fixed=1),
    Entry("lr_scheduler.SequentialLR", _nested("sequential"), [[Params()], [[2], (1,)]], fixed=1),
    # ---- data sets, samplers, loaders
    Entry("TensorDataset", _tensor_dataset, [[f32(4, 3), i64(4)], [i64(4), f32(4, 2)]]),
    Entry("Subset", _subset, [[[0, 3], [9, -1], (2,)]]),
    Entry("ConcatDataset", _concat, [[[[1, 2], [3]], ([1], [2, 3, 4])]]),
    Entry("random_split", _random_split, [[[5, 5], [0.3, 0.7], (2, 8), [0.5, 0.25, 0.25]]], compare="values"),
    Entry("RandomSampler", _sampler("RandomSampler"), [[list(range(5))], [False, True], [None, 3, 7]]),
    Entry("SequentialSampler", _sampler("SequentialSampler"), [[list(range(5)), range(3)]]),
    Entry("SubsetRandomSampler", _sampler("SubsetRandomSampler"), [[[0, 2, 4], (1,)]]),
    Entry("WeightedRandomSampler", _sampler("WeightedRandomSampler"), [[[0.1, 0.9], (1.0, 1.0, 2.0)], [3, 5],
                                                                       [True, False]]),
    Entry("BatchSampler", _batch_sampler, [[5, 7], [2, 3], [True, False]]),
    Entry("DataLoader", _loader, [[list(range(7)), [(1, 2), (3, 4)]], [1, 2, None], [False, True], [False, True]]),
    Entry("DataLoader[collate]", _collate, [[[1, 2, 3], [{"a": 1}, {"a": 2}], [{"a": 1}, {"b": 2}],
                                             [(1, 2), (3, 4)], [(1, 2), (3,)], [[1.5], [2.5]]], [1, 2]],
          differs=[(r"\[\[1\.5\], \[2\.5\]\]", "Python floats collate to float32, numnet's rule for Python "
                                                  "floats (PyTorch: float64)")]),
    Entry("ImageFolder", _image_folder, [["<images>"], [False, True]]),
    # built-in data sets (no PyTorch reference: torchvision's would download): the error classes only
    Entry("datasets.MNIST5k", _mnist5k, [[True, False], [False, True]], compare="none"),
    Entry("datasets.get_dataset", _get_dataset, [["mnist5k", "MNIST5k"], [True, False]], compare="none"),
    Entry("datasets.fashion-mnist", _fashion_root, [["/nonexistent/fashion-mnist"], [True, False]],
          compare="none"),
    Entry("datasets.ArrayDataset", _array_dataset, [[np.zeros((4, 1, 8, 8), np.float32), np.zeros((4, 8, 8, 3),
                                                                                               np.uint8)],
                                                    [np.arange(4), [0, 1, 0, 1]], [None, ["a", "b"]]],
          compare="none"),
    # ---- transforms: deterministic ones by value, random ones by shape and dtype, torchvision the reference
    Entry("transforms.Normalize", _transform("Normalize"), [[(0.5,), (0.5, 0.5, 0.5)], [(0.2,), (1.0, 2.0, 0.5)],
                                                            [IMG, GRAY, BATCH]]),
    Entry("transforms.CenterCrop", _transform("CenterCrop"), [[2, (2, 3), 10], [IMG, BATCH]]),
    Entry("transforms.Resize", _transform("Resize"), [[4, (4, 6), 12], [IMG, GRAY, BATCH]]),
    Entry("transforms.Pad", _transform("Pad"), [[1, (1, 2), (1, 0, 2, 3)], [0, 0.5],
                                                ["constant", "edge", "reflect", "symmetric"], [IMG, BATCH]]),
    Entry("transforms.Grayscale", _transform("Grayscale"), [[1, 3], [IMG]]),
    Entry("transforms.GaussianBlur", _transform("GaussianBlur"), [[3, (3, 5)], [1.0, 0.5], [IMG, GRAY]]),
    Entry("transforms.ConvertImageDtype", _transform("ConvertImageDtype"),
          [[DT("float32"), DT("float64"), DT("uint8")], [IMG, U8]]),
    Entry("transforms.RandomCrop", _transform("RandomCrop"), [[4, (4, 6), 10], [None, 2, (1, 2)], [False, True],
                                                              [IMG, BATCH]], compare="shape"),
    Entry("transforms.RandomResizedCrop", _transform("RandomResizedCrop"), [[4, (4, 6)], [(0.08, 1.0), (0.5, 1.0)],
                                                                           [(0.75, 4 / 3)], [IMG]], compare="shape"),
    Entry("transforms.RandomHorizontalFlip", _transform("RandomHorizontalFlip"), [[0.0, 1.0], [IMG, BATCH]]),
    Entry("transforms.RandomVerticalFlip", _transform("RandomVerticalFlip"), [[0.0, 1.0], [IMG, BATCH]]),
    Entry("transforms.RandomRotation", _transform("RandomRotation"), [[10, (-5, 5), 0], [IMG]], compare="shape"),
    Entry("transforms.RandomAffine", _transform("RandomAffine"), [[10, 0], [None, (0.1, 0.1)], [None, (0.9, 1.1)],
                                                                  [None, 5], [IMG]], compare="shape"),
    Entry("transforms.ColorJitter", _transform("ColorJitter"), [[0, 0.2], [0, 0.2], [0, 0.2], [0, 0.1], [IMG]],
          compare="shape"),
    Entry("transforms.RandomErasing", _transform("RandomErasing"), [[0.5, 1.0], [(0.02, 0.33)], [(0.3, 3.3)],
                                                                    [0, 0.5], [IMG]], compare="shape"),
    Entry("transforms.RandomGrayscale", _transform("RandomGrayscale"), [[0.0, 1.0], [IMG]]),
    # p=1.0 for RandomApply so both libraries apply it (the shapes then agree); RandomChoice takes a list of weights
    Entry("transforms.compose", _compose, [["Compose", "RandomApply", "RandomChoice", "RandomOrder"],
                                           [None, 1.0, [0.5, 0.5]],
                                           [IMG]], compare="shape"),
]
