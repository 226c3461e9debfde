"""The training subcommands of the ``numnet`` command line: ``train``, ``evaluate``, ``predict``, ``summary``.

Each command is a pair ``<name>_arguments(parser)`` / ``<name>_run(args) -> int`` listed in :data:`COMMANDS`, which
:mod:`numnet.cli` registers. Heavy modules are imported inside the ``run`` functions so ``numnet --help`` stays fast.
User errors are raised as :class:`numnet.errors.NumnetError` / ``FileNotFoundError``; :func:`numnet.cli.main` turns
them into one line ``numnet: error: ...`` and exit status 2.

Examples::

    numnet train --model lenet5 --dataset fashion-mnist --epochs 5 --batch-size 64 --lr 0.05 --momentum 0.9 \\
        --out runs/lenet5
    numnet train ... --epochs 8 --out runs/lenet5 --resume      # 3 more epochs from runs/lenet5/checkpoint.safetensors
    numnet evaluate runs/lenet5/model.safetensors --dataset fashion-mnist
    numnet predict runs/lenet5/model.safetensors shoe.png shirt.jpg
    numnet summary --model lenet5 --input-shape 1 28 28
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import time
from typing import Any, Callable

from numnet._argtypes import positive_int
from numnet.errors import ArgumentError, FileFormatError

__all__ = ["COMMANDS"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "cosine", "onecycle", "step")
MODEL_FILE = "model.safetensors"
CHECKPOINT_FILE = "checkpoint.safetensors"
HISTORY_FILE = "history.csv"
CURVES_FILE = "curves.png"


# ---------------------------------------------------------------------------------------------------- arg types


def _float_in(low: float, high: float, low_open: bool = False, high_open: bool = True) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = math.isfinite(value) and (value > low if low_open else value >= low) and (
            value < high if high_open else value <= high)
        if not ok:
            lo, hi = ("(" if low_open else "[") + f"{low:g}", f"{high:g}" + (")" if high_open else "]")
            raise argparse.ArgumentTypeError(f"expected a number in {lo}, {hi}, got {text!r}")
        return value

    return parse


_lr_type = _float_in(0.0, math.inf, low_open=True)


# ---------------------------------------------------------------------------------------------------- model files
def check_file(path: str, what: str) -> None:
    """Raise a one-line CLI error when ``path`` is missing or a directory."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path!r} does not exist")
    if os.path.isdir(path):
        raise ArgumentError(f"{what} {path!r} is a directory, expected a file")


def load_model_file(path: str) -> Any:
    """Load a numnet model file for a subcommand (clear errors for missing files)."""
    from numnet.io import load_model

    check_file(path, "model file")
    return load_model(path)


def _model_metadata(path: str) -> dict[str, Any]:
    """What ``numnet train`` stores in a model file besides the weights: ``dataset`` and ``classes`` (if present)."""
    import json

    from numnet.io import load_metadata

    meta = load_metadata(path)
    out: dict[str, Any] = {}
    if meta.get("dataset"):
        out["dataset"] = meta["dataset"]
    try:
        classes = json.loads(meta.get("classes", "[]"))
    except ValueError:
        classes = []
    if isinstance(classes, list) and all(isinstance(c, str) for c in classes):
        out["classes"] = classes
    return out


def _build_model(name: str) -> Any:
    from numnet.models import get_model

    return get_model(name)  # ArgumentError naming the known models for an unknown name


def _input_channels(model: Any, default: int = 1) -> int:
    """The number of input channels the model expects (its config, else its first conv layer, else ``default``)."""
    config = getattr(model, "config", None) or {}
    for key in ("in_channels", "input_channels", "channels"):
        if isinstance(config.get(key), int):
            return int(config[key])
    for m in model.modules() if hasattr(model, "modules") else ():
        if hasattr(m, "in_channels") and hasattr(m, "kernel_size"):
            return int(m.in_channels)
    return default


# ---------------------------------------------------------------------------------------------------- train
def train_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet train``."""
    p.add_argument("--model", default="lenet5", help="model name from numnet.models.MODELS: lenet5, vgg or mlp "
                                                     "(default: lenet5)")
    p.add_argument("--dataset", default="fashion-mnist", help="fashion-mnist, mnist or mnist5k (default: fashion-mnist)")
    p.add_argument("--epochs", type=positive_int, default=5, help="total number of epochs; with --resume, "
                                                                    "including those already done (default: 5)")
    p.add_argument("--batch-size", type=positive_int, default=64, help="samples per training batch (default: 64)")
    p.add_argument("--lr", type=_lr_type, default=None,
                   help="learning rate, the peak rate with --scheduler onecycle (default: 0.05 for sgd, 0.001 for "
                        "adam, adamw and rmsprop)")
    p.add_argument("--momentum", type=_float_in(0.0, 1.0), default=None,
                   help="momentum of sgd and rmsprop (default: 0.9 for sgd, 0 for rmsprop)")
    p.add_argument("--weight-decay", type=_float_in(0.0, math.inf), default=None, help="weight decay: L2 for sgd/adam/"
                                                                                      "rmsprop, decoupled for adamw "
                                                                                      "(default: 0; 0.01 for adamw)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="sgd", help="optimizer (default: sgd)")
    p.add_argument("--scheduler", choices=SCHEDULERS, default="none",
                   help="learning-rate schedule: cosine (per epoch, down to 0), onecycle (per step), step (x0.1 at "
                        "half and three quarters of the epochs), none (default)")
    p.add_argument("--seed", type=int, default=0, help="seed of numnet's RNG: initial weights, shuffling (default: 0)")
    p.add_argument("--limit", type=positive_int, default=None, help="train on the first N training images only "
                                                                      "(quick runs); the test set stays whole")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the final test accuracy line")
    p.add_argument("--out", default=None, help="output folder (default runs/<model>-<dataset>): model.safetensors, "
                                               "history.csv, curves.png, checkpoint.safetensors")
    p.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.safetensors (pass the same "
                                                         "options as the first run)")


def _fill_defaults(args: argparse.Namespace) -> None:
    """Per-optimizer defaults for --lr and --momentum."""
    if args.lr is None:
        args.lr = 0.05 if args.optimizer == "sgd" else 0.001
    if args.momentum is None:
        args.momentum = 0.9 if args.optimizer == "sgd" else 0.0
    if args.weight_decay is None:
        args.weight_decay = 0.01 if args.optimizer == "adamw" else 0.0
    if args.momentum and args.optimizer in ("adam", "adamw"):
        raise ArgumentError(f"--momentum is for sgd and rmsprop; {args.optimizer} has betas instead")


def _make_optimizer(args: argparse.Namespace, params: Any) -> Any:
    from numnet import optim

    if args.optimizer == "sgd":
        return optim.SGD(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)
    if args.optimizer == "adam":
        return optim.Adam(params, lr=args.lr, weight_decay=args.weight_decay)
    if args.optimizer == "adamw":
        return optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    return optim.RMSprop(params, lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)


def _make_scheduler(args: argparse.Namespace, optimizer: Any, steps_per_epoch: int) -> tuple[Any, str]:
    from numnet.optim import lr_scheduler

    if args.scheduler == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs), "epoch"
    if args.scheduler == "onecycle":
        return lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch), "step"
    if args.scheduler == "step":
        milestones = sorted({max(1, args.epochs // 2), max(1, (3 * args.epochs) // 4)})
        return lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.1), "epoch"
    return None, "epoch"


def _limit(dataset: Any, n: int | None) -> Any:
    from numnet.data import Subset

    if n is None or n >= len(dataset):
        return dataset
    return Subset(dataset, range(n))


def train_run(args: argparse.Namespace) -> int:
    """``numnet train``: train, print ``test accuracy: 0.xxxx``, write the run's files under ``--out``."""
    import numnet
    from numnet.callbacks import CSVLogger, ModelCheckpoint, TerminateOnNaN
    from numnet.data import DataLoader
    from numnet.datasets import get_dataset
    from numnet.nn import CrossEntropyLoss
    from numnet.train import Trainer

    _fill_defaults(args)
    out = args.out or os.path.join("runs", f"{args.model}-{args.dataset}")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ArgumentError(f"--out {out!r} exists and is not a directory")
    checkpoint = os.path.join(out, CHECKPOINT_FILE)
    if args.resume:
        check_file(checkpoint, "--resume: checkpoint")

    numnet.manual_seed(args.seed)
    model = _build_model(args.model)
    train_set = get_dataset(args.dataset, train=True)
    test_set = get_dataset(args.dataset, train=False)
    classes = list(getattr(train_set, "classes", []) or [])
    train_loader = DataLoader(_limit(train_set, args.limit), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=512)

    optimizer = _make_optimizer(args, model.parameters())
    scheduler, interval = _make_scheduler(args, optimizer, len(train_loader))
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval=interval,
                      metrics=("accuracy",))
    os.makedirs(out, exist_ok=True)
    callbacks = [CSVLogger(os.path.join(out, HISTORY_FILE)), TerminateOnNaN(), ModelCheckpoint(filepath=checkpoint)]
    if not args.quiet:
        n = len(train_loader.dataset)
        verb = "Resuming" if args.resume else "Training"
        print(f"{verb} {args.model} on {args.dataset} ({n} training images, {len(test_set)} test images) for "
              f"{args.epochs} epoch{'s' if args.epochs != 1 else ''}; writing to {out}", flush=True)
    t0 = time.perf_counter()
    history = trainer.fit(train_loader, epochs=args.epochs, val_data=test_loader, callbacks=callbacks,
                          verbose=0 if args.quiet else 1, resume_from=checkpoint if args.resume else None)
    elapsed = time.perf_counter() - t0

    _save_model(model, os.path.join(out, MODEL_FILE), {"dataset": args.dataset, "classes": classes})
    if history.epoch:
        _plot_curves(history, os.path.join(out, CURVES_FILE))
    # The last epoch was validated on the test set with these very weights: reuse it instead of a second pass.
    accuracy = (history.history.get("val_accuracy") or [math.nan])[-1]
    if not math.isfinite(accuracy):
        accuracy = trainer.evaluate(test_loader)["accuracy"]
    if not args.quiet:
        print(f"trained in {elapsed:.1f}s; wrote {MODEL_FILE}, {HISTORY_FILE}, {CURVES_FILE}, {CHECKPOINT_FILE} "
              f"to {out}", flush=True)
    print(f"test accuracy: {accuracy:.4f}", flush=True)
    return 0


def _save_model(model: Any, path: str, metadata: dict[str, Any]) -> None:
    """Save with numnet.io, keeping the data set name and class names for ``numnet predict``."""
    import json

    from numnet.io import save_model

    save_model(model, path, metadata={"dataset": str(metadata.get("dataset", "")),
                                      "classes": json.dumps(list(metadata.get("classes", [])))})


def _plot_curves(history: Any, path: str) -> None:
    """Training curves (loss and accuracy per epoch, training and test) as a PNG, via :mod:`numnet.viz`."""
    if importlib.util.find_spec("matplotlib") is None:  # optional extra
        raise ArgumentError("writing curves.png needs matplotlib: pip install 'numnet[viz]'")
    from numnet.viz import plot_history
    from numnet.viz._mpl import close

    tmp = f"{path}.tmp-{os.getpid()}.png"
    fig = plot_history(history, tmp)
    try:
        os.replace(tmp, path)  # whole file or nothing, like the other files of the run
    finally:
        close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)


# ---------------------------------------------------------------------------------------------------- evaluate
def evaluate_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet evaluate``."""
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")
    p.add_argument("--dataset", default=None, help="fashion-mnist, mnist or mnist5k (default: the data set stored "
                                                   "in the model file)")
    p.add_argument("--split", choices=("test", "train"), default="test", help="which split to evaluate on (default: test)")
    p.add_argument("--batch-size", type=positive_int, default=512, help="samples per batch (default: 512)")
    p.add_argument("--limit", type=positive_int, default=None, help="evaluate on the first N images only")


def evaluate_run(args: argparse.Namespace) -> int:
    """``numnet evaluate``: print the loss and accuracy of a saved model on a data set."""
    from numnet.data import DataLoader
    from numnet.datasets import get_dataset
    from numnet.nn import CrossEntropyLoss
    from numnet.train import evaluate

    model = load_model_file(args.model)
    dataset_name = args.dataset or _model_metadata(args.model).get("dataset")
    if not dataset_name:
        raise ArgumentError(f"the model file {args.model!r} does not name its data set; pass --dataset")
    dataset = _limit(get_dataset(dataset_name, train=args.split == "train"), args.limit)
    result = evaluate(model, DataLoader(dataset, batch_size=args.batch_size), loss=CrossEntropyLoss())
    print(f"{dataset_name} {args.split} ({len(dataset)} images)")
    print(f"loss: {result['loss']:.4f}")
    print(f"accuracy: {result['accuracy']:.4f}")
    return 0


# ---------------------------------------------------------------------------------------------------- predict
def predict_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet predict``."""
    p.description = (
        "Classify images (PNG, JPEG, ...) with a saved model. Each image is converted to the model's channels "
        "(grayscale for 1), resized to 28x28 and scaled to [0, 1]. Fashion-MNIST and MNIST images are light objects "
        "on a dark background; --invert auto (the default) inverts an image whose border is mostly light (a photo "
        "or drawing on white paper), so both kinds work."
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="invert the grey levels; auto (default): when the image's border is light")
    p.add_argument("--top", type=positive_int, default=3, help="how many classes to print per image (default: 3)")
    p.add_argument("--size", type=positive_int, nargs=2, default=(28, 28), metavar=("H", "W"),
                   help="the model's input size (default: 28 28)")


def load_image(path: str, channels: int = 1, size: tuple[int, int] = (28, 28), invert: str = "auto") -> Any:
    """Read an image file as a float32 array ``(channels, H, W)`` in [0, 1], ready for a model.

    Args:
        path: a PNG, JPEG or any file Pillow reads.
        channels: 1 (grayscale, ``L``) or 3 (RGB).
        size: ``(H, W)`` to resize to (bilinear, with Pillow's antialiasing).
        invert: ``"yes"``, ``"no"``, or ``"auto"``: invert (``1 - x``) when the mean of the image's outer ring of
            pixels is above 0.5, i.e. a dark object on a light background, the opposite of MNIST/Fashion-MNIST.

    Raises:
        FileNotFoundError: no such file.
        FileFormatError: Pillow cannot read it.
    """
    import numpy as np

    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # optional extra
        raise ArgumentError("numnet predict needs Pillow: pip install 'numnet[train]'") from None
    check_file(path, "image")
    try:
        with Image.open(path) as img:
            img.load()
            if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:  # flatten onto white
                background = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(background, img.convert("RGBA"))
            img = img.convert("L" if channels == 1 else "RGB")
            img = img.resize((size[1], size[0]), Image.BILINEAR)
            x = np.asarray(img, dtype=np.float32) / np.float32(255.0)
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise FileFormatError(f"cannot read image {path!r}: {e}") from None
    x = x[None] if x.ndim == 2 else np.ascontiguousarray(x.transpose(2, 0, 1))
    if invert == "yes" or (invert == "auto" and _border_mean(x) > 0.5):
        x = np.float32(1.0) - x
    return x


def _border_mean(x: Any) -> float:
    import numpy as np

    ring = np.concatenate([x[:, 0, :].ravel(), x[:, -1, :].ravel(), x[:, :, 0].ravel(), x[:, :, -1].ravel()])
    return float(ring.mean())


def predict_run(args: argparse.Namespace) -> int:
    """``numnet predict``: print the top classes with probabilities for each image."""
    import numpy as np

    from numnet.train import predict

    model = load_model_file(args.model)
    classes = list(_model_metadata(args.model).get("classes") or [])
    channels = _input_channels(model)
    size = tuple(args.size)
    batch = np.stack([load_image(path, channels, size, args.invert) for path in args.images])
    logits = predict(model, batch).astype(np.float64)
    if logits.ndim != 2:
        raise ArgumentError(f"the model's output has shape {logits.shape}; expected class scores (N, C)")
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    k = min(args.top, probs.shape[1])
    width = max([len(c) for c in classes] + [5])
    for path, p in zip(args.images, probs):
        print(path)
        for c in np.argsort(-p, kind="stable")[:k]:
            name = classes[c] if c < len(classes) else f"class {c}"
            print(f"  {name:<{width}}  {p[c]:.4f}")
    return 0


# ---------------------------------------------------------------------------------------------------- summary
def summary_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet summary``."""
    p.add_argument("--model", default="lenet5", help="a model name from numnet.models.MODELS (default: lenet5), or a saved "
                                                    "model file")
    p.add_argument("--input-shape", type=positive_int, nargs="+", default=None, metavar="D",
                   help="one sample's shape without the batch dimension (default: 1 28 28, or C 28 28 from the model)")


def summary_run(args: argparse.Namespace) -> int:
    """``numnet summary``: print the layer table of a model (output shapes, parameters, multiply-adds)."""
    if os.path.isfile(args.model) or args.model.endswith(".safetensors"):
        model = load_model_file(args.model)
    else:
        model = _build_model(args.model)
    shape = tuple(args.input_shape) if args.input_shape else _default_input_shape(model)
    table = model.summary(shape, print_fn=None)
    print(table)
    return 0


def _default_input_shape(model: Any) -> tuple[int, ...]:
    config = getattr(model, "config", None) or {}
    for key in ("input_shape", "in_shape"):
        if config.get(key):
            return tuple(config[key])
    return (_input_channels(model), 28, 28)


# ---------------------------------------------------------------------------------------------------- registry
COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = [
    ("train", "train a model on a data set; writes model, history, curves and a resume checkpoint",
     train_arguments, train_run),
    ("evaluate", "print the loss and accuracy of a saved model on a data set", evaluate_arguments, evaluate_run),
    ("predict", "print the top classes of a saved model for image files", predict_arguments, predict_run),
    ("summary", "print a model's layers, output shapes, parameters and multiply-adds", summary_arguments,
     summary_run),
]
"""``(name, one-line help, add_arguments, run)`` for each command, registered by :mod:`numnet.cli`."""
