"""``numnet plot ...``: the :mod:`numnet.viz` pictures from the command line, each written as a PNG.

::

    numnet plot curves runs/lenet5                        # runs/lenet5/history.csv → runs/lenet5/curves.png
    numnet plot filters runs/lenet5/model.safetensors     # → runs/lenet5/model_filters.png
    numnet plot maps runs/lenet5/model.safetensors --index 0          # test image 0 of the model's data set
    numnet plot maps runs/lenet5/model.safetensors --image shoe.png   # any image file (or a .npy array)
    numnet plot confusion runs/lenet5/model.safetensors --dataset fashion-mnist
    numnet plot mistakes runs/lenet5/model.safetensors --dataset fashion-mnist -n 25
    numnet plot lesson --out docs/img                     # the lesson's three pictures

Every command prints the path of each file it wrote. MODEL is a file written by ``numnet train`` or
:func:`numnet.io.save_model`. ``--dataset`` defaults to the data set stored in the model file by ``numnet train``,
else ``fashion-mnist``. Only :mod:`argparse` is imported at module level, so ``numnet --help`` stays fast; a missing
file or bad value raises an error that :func:`numnet.cli.main` prints as one line (exit status 2).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from numnet._argtypes import batch_size, non_negative_int, positive_int
from numnet._command import Command
from numnet.commands import check_file as _check_file
from numnet.commands import load_model_file as _load_model

__all__ = ["COMMAND", "HELP", "add_arguments", "run"]

HELP = "draw training curves, filters, feature maps, confusion matrices, mistakes or the lesson's pictures as PNG"
DEFAULT_DATASET = "fashion-mnist"


# ---------------------------------------------------------------------------------------------------- helpers


def _default_out(model_path: str, suffix: str) -> Path:
    p = Path(model_path)
    return p.with_name(f"{p.stem}_{suffix}.png")


def _stored_dataset(model_path: str) -> str | None:
    """The data set name ``numnet train`` stored in the model file's metadata, if any."""
    from numnet.io import load_metadata

    return load_metadata(model_path).get("dataset") or None


def _card(model_path: str) -> Any:
    from numnet.io import load_metadata
    from numnet.io.model_card import read_card

    return read_card(load_metadata(model_path), model_path)


def _dataset(args: argparse.Namespace) -> tuple[Any, str]:
    """The data set to plot on: ``--dataset``, else the one the model card names (a built-in set, or the image
    folder the model was trained on, loaded and standardised as in training), else Fashion-MNIST."""
    from numnet.datasets import get_dataset

    train = getattr(args, "split", "test") == "train"
    if args.dataset:
        return get_dataset(args.dataset, train=train), args.dataset
    card = _card(args.model)
    if card.dataset and card.dataset.startswith("folder:"):
        from numnet.data.image_arrays import open_card_dataset
        from numnet.models import input_shape_of

        if card.input_shape is None:
            card = card._replace(input_shape=input_shape_of(_load_model(args.model)))
        return open_card_dataset(card, train=train), card.dataset
    name = card.dataset or DEFAULT_DATASET
    return get_dataset(name, train=train), name


def _save(fig: Any, out: Path) -> int:
    from numnet.viz._mpl import close, finish

    try:
        finish(fig, out)
    finally:
        close(fig)
    print(out)
    return 0


def _out_arg(p: argparse.ArgumentParser, default: str) -> None:
    p.add_argument("--out", default=None, help=f"the PNG to write (default: {default})")


def _model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")


def _dataset_args(p: argparse.ArgumentParser, split: bool = True) -> None:
    p.add_argument("--dataset", default=None, help="fashion-mnist, mnist or mnist5k (default: the data set stored in "
                                                   f"the model file, else {DEFAULT_DATASET})")
    if split:
        p.add_argument("--split", choices=("test", "train"), default="test", help="which split (default: test)")
        p.add_argument("--limit", type=positive_int, default=None, help="use the first N images only")
        p.add_argument("--batch-size", type=batch_size, default=512, help="images per batch (default: 512)")


# ---------------------------------------------------------------------------------------------------- commands
def _curves_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder holding history.csv (or the CSV file itself)")
    _out_arg(p, "RUN_DIR/curves.png")


def _curves_run(args: argparse.Namespace) -> int:
    from numnet.viz.training import plot_history

    src = Path(args.run_dir)
    if not src.exists():
        raise FileNotFoundError(f"run folder {args.run_dir!r} does not exist")
    folder = src if src.is_dir() else src.parent
    fig = plot_history(src)
    return _save(fig, Path(args.out) if args.out else folder / "curves.png")


def _filters_arguments(p: argparse.ArgumentParser) -> None:
    _model_arg(p)
    p.add_argument("--channel", default="mean",
                   help="for a multi-channel input: 'mean' over the input channels, or an input channel index")
    _out_arg(p, "MODEL_filters.png beside the model")


def _filters_run(args: argparse.Namespace) -> int:
    from numnet.errors import ArgumentError
    from numnet.viz.network import plot_filters

    channel: int | str = args.channel
    if channel != "mean":
        try:
            channel = int(channel)
        except ValueError:
            raise ArgumentError(f"--channel must be 'mean' or an integer, got {args.channel!r}") from None
    model = _load_model(args.model)
    fig = plot_filters(model, channel=channel)
    return _save(fig, Path(args.out) if args.out else _default_out(args.model, "filters"))


def _maps_arguments(p: argparse.ArgumentParser) -> None:
    _model_arg(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--image", metavar="FILE", help="an image file (PNG, JPEG, ...) or a .npy array")
    which.add_argument("--index", type=non_negative_int, metavar="N", help="image N of the data set's split")
    _dataset_args(p, split=False)
    p.add_argument("--split", choices=("test", "train"), default="test", help="split for --index (default: test)")
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="for --image: invert grey levels (auto: when the border is light, as numnet predict)")
    p.add_argument("--layers", nargs="+", default=None, metavar="NAME",
                   help="layer names to show (default: every conv and pooling layer)")
    p.add_argument("--max-channels", type=positive_int, default=16, help="most channels per layer (default: 16)")
    _out_arg(p, "MODEL_maps_<index or image name>.png beside the model")


def _read_image(path: str, model: Any, model_path: str, invert: str) -> Any:
    import numpy as np

    from numnet.errors import FileFormatError

    _check_file(path, "image")
    if path.lower().endswith(".npy"):
        try:
            return np.load(path, allow_pickle=False)
        except ValueError as e:
            raise FileFormatError(f"cannot read {path!r} as a NumPy array: {e}") from None
    from numnet.commands import load_image
    from numnet.io import load_metadata
    from numnet.models import input_shape_of

    from numnet.data.image_arrays import standardize

    card = _card(model_path)
    channels, *size = input_shape_of(model, load_metadata(model_path))
    if invert == "auto" and (card.dataset or "").startswith("folder:"):
        invert = "no"  # trained on the user's own images, as they are
    return standardize(load_image(path, channels=channels, size=tuple(size), invert=invert)[None],
                       card.mean, card.std)[0]


def _maps_run(args: argparse.Namespace) -> int:
    from numnet.errors import ArgumentError
    from numnet.viz.network import plot_feature_maps

    model = _load_model(args.model)
    if args.image is not None:
        image = _read_image(args.image, model, args.model, args.invert)
        tag, title = Path(args.image).stem, f"image {args.image}"
    else:
        dataset, name = _dataset(args)
        if args.index >= len(dataset):
            raise ArgumentError(f"--index {args.index} is out of range: {name} {args.split} has {len(dataset)} images")
        images, labels = dataset.get_batch([args.index])
        image, label = images[0], int(labels[0])
        classes = list(getattr(dataset, "classes", []) or [])
        label_name = classes[label] if label < len(classes) else str(label)
        tag, title = str(args.index), f"{name} {args.split} image {args.index}: {label_name}"
    fig = plot_feature_maps(model, image, layers=args.layers, max_channels=args.max_channels, title=title)
    return _save(fig, Path(args.out) if args.out else _default_out(args.model, f"maps_{tag}"))


def _predictions(args: argparse.Namespace) -> tuple[Any, Any, Any, list[str] | None, Any]:
    """``(images, y_true, probs, class names, model)`` on the requested split, in batches."""
    import numpy as np

    from numnet.train import predict

    model = _load_model(args.model)
    dataset, _ = _dataset(args)
    n = len(dataset) if args.limit is None else min(args.limit, len(dataset))
    images, targets = dataset.get_batch(np.arange(n))
    logits = np.asarray(predict(model, images, batch_size=args.batch_size), dtype=np.float64)
    if logits.ndim != 2:
        from numnet.errors import ShapeError

        raise ShapeError(f"the model's output has shape {logits.shape}; expected class scores (N, C)")
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    classes = list(getattr(dataset, "classes", []) or []) or None
    if classes is not None and len(classes) != probs.shape[1]:
        classes = None
    return images, targets, probs, classes, model


def _confusion_arguments(p: argparse.ArgumentParser) -> None:
    _model_arg(p)
    _dataset_args(p)
    p.add_argument("--normalize", action="store_true", help="show fractions of each true class instead of counts")
    _out_arg(p, "MODEL_confusion.png beside the model")


def _confusion_run(args: argparse.Namespace) -> int:
    from numnet.viz.evaluation import plot_confusion_matrix

    _, targets, probs, classes, _ = _predictions(args)
    fig = plot_confusion_matrix(targets, probs.argmax(axis=1), classes, normalize=args.normalize)
    return _save(fig, Path(args.out) if args.out else _default_out(args.model, "confusion"))


def _mistakes_arguments(p: argparse.ArgumentParser) -> None:
    _model_arg(p)
    _dataset_args(p)
    p.add_argument("-n", type=positive_int, default=16, help="how many mistakes to show (default: 16)")
    _out_arg(p, "MODEL_mistakes.png beside the model")


def _mistakes_run(args: argparse.Namespace) -> int:
    from numnet.viz.evaluation import plot_mistakes

    images, targets, probs, classes, _ = _predictions(args)
    fig = plot_mistakes(images, targets, probs.argmax(axis=1), probs, classes, n=args.n)
    return _save(fig, Path(args.out) if args.out else _default_out(args.model, "mistakes"))


def _lesson_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default=".", help="the folder to write lesson_convolution.png, lesson_pooling.png and "
                                              "lesson_activations.png into (default: the current folder)")


def _lesson_run(args: argparse.Namespace) -> int:
    from numnet.viz.lesson import save_lesson_plots

    if os.path.exists(args.out) and not os.path.isdir(args.out):
        from numnet.errors import ArgumentError

        raise ArgumentError(f"--out {args.out!r} exists and is not a folder")
    for path in save_lesson_plots(args.out):
        print(path)
    return 0


_SUBCOMMANDS: list[Command] = [
    Command("curves", "loss and accuracy per epoch from RUN_DIR/history.csv", _curves_arguments, _curves_run),
    Command("filters", "the first convolution layer's filters", _filters_arguments, _filters_run),
    Command("maps", "every conv/pool layer's feature maps for one image", _maps_arguments, _maps_run),
    Command("confusion", "the confusion matrix of a model on a data set", _confusion_arguments, _confusion_run),
    Command("mistakes", "the wrong predictions the model was most sure of", _mistakes_arguments, _mistakes_run),
    Command("lesson", "the lesson's pictures: convolution, pooling, activations", _lesson_arguments, _lesson_run),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``numnet plot <what> ...``: one sub-parser per picture."""
    sub = parser.add_subparsers(dest="plot_command", metavar="<what>", required=True)
    for cmd in _SUBCOMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(_plot_run=cmd.run)


def run(args: argparse.Namespace) -> int:
    """Run the chosen ``numnet plot`` sub-command; returns the exit status."""
    return int(args._plot_run(args) or 0)


COMMAND = Command("plot", HELP, add_arguments, run)
"""``numnet plot``, registered by :mod:`numnet.cli`."""
