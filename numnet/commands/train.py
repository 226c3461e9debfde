"""``numnet train``: train a zoo model on a data set; write the model, history, curves and a resume checkpoint.

::

    numnet train --model lenet5 --dataset fashion-mnist --epochs 5 --batch-size 64 --lr 0.05 --momentum 0.9 \\
        --out runs/lenet5
    numnet train ... --epochs 8 --out runs/lenet5 --resume      # 3 more epochs from runs/lenet5/checkpoint.safetensors
    numnet train --data shapes/ --model resnet --image-size 32 32 --augment standard --out runs/shapes

``--data DIR`` trains on a folder of the user's images (ImageFolder layout: one subfolder per class; ``DIR/train``
with ``DIR/val`` or ``DIR/test`` when present, else a seeded, stratified ``--val-split``). The model file records
the model card (input shape, class names, the training set's per-channel mean/std, the data set), which
``predict``, ``evaluate``, ``summary``, ``plot`` and ``explore`` read.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import time
from typing import Any, Callable

from numnet._argtypes import batch_size, image_side, positive_int
from numnet._command import Command
from numnet.commands._common import _limit, build_model_for, check_file
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "run"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "cosine", "onecycle", "step")
AUGMENT = ("none", "crop", "flip", "standard")
DEFAULT_DATASET = "fashion-mnist"
MODEL_FILE = "model.safetensors"
CHECKPOINT_FILE = "checkpoint.safetensors"
HISTORY_FILE = "history.csv"
CURVES_FILE = "curves.png"


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


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet train``."""
    p.add_argument("--model", default="lenet5", help="model name from numnet.models.MODELS: lenet5, vgg, resnet "
                                                     "(resnet8, resnet20, ...) or mlp, adapted to the data's "
                                                     "channels, image size and classes (default: lenet5)")
    p.add_argument("--dataset", default=None, help="fashion-mnist, mnist or mnist5k (default: fashion-mnist "
                                                   "unless --data is given)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="train on a folder of your images instead: one subfolder per class (PNG, JPEG, BMP, WebP); "
                        "DIR/train and DIR/val (or DIR/test) when present, else --val-split of DIR is held out")
    p.add_argument("--image-size", type=image_side, nargs=2, default=None, metavar=("H", "W"),
                   help="with --data: resize every image to H x W (default: the images' size, when they share one)")
    p.add_argument("--channels", type=int, choices=(1, 3), default=None,
                   help="with --data: 1 (grayscale) or 3 (RGB) (default: 1 if every image is grayscale, else 3)")
    p.add_argument("--val-split", type=_float_in(0.0, 1.0, low_open=True), default=0.2,
                   help="with --data and no DIR/val: the fraction of each class held out for validation, chosen "
                        "with --seed (default: 0.2)")
    p.add_argument("--augment", choices=AUGMENT, default="none",
                   help="training augmentation, batched: crop = RandomCrop with padding H/8; flip = "
                        "RandomHorizontalFlip; standard = both (the CIFAR recipe; not for digits or text, which "
                        "flips change); none (default)")
    p.add_argument("--epochs", type=positive_int, default=5, help="total number of epochs; with --resume, "
                                                                    "including those already done (default: 5)")
    p.add_argument("--batch-size", type=batch_size, default=64,
                   help="samples per training batch (default: 64); under mpirun -n N the batch of each rank, so the "
                        "global batch is N times this")
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
    p.add_argument("--overwrite", action="store_true", help="replace the files of an earlier run in a non-empty "
                                                            "--out (without it, or --resume, train refuses)")


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


class _Data:
    """What the run trains and validates on, and what the model card records about it."""

    def __init__(self, train: Any, val: Any, classes: list[str], shape: tuple[int, int, int], name: str,
                 mean: list[float] | None = None, std: list[float] | None = None, val_name: str = "test") -> None:
        self.train, self.val, self.classes, self.shape, self.name = train, val, classes, shape, name
        self.mean, self.std, self.val_name = mean, std, val_name


def _builtin_data(name: str) -> _Data:
    from numnet.datasets import get_dataset

    train_set = get_dataset(name, train=True)
    test_set = get_dataset(name, train=False)
    shape = tuple(int(n) for n in train_set.data.shape[1:])
    return _Data(train_set, test_set, list(getattr(train_set, "classes", []) or []), shape, name)


def _folder_data(args: argparse.Namespace) -> _Data:
    """Load ``--data``: images in memory at one size and channel count, standardised with the training set's
    per-channel mean and std (recorded in the model card, so inference applies the same)."""
    import numpy as np

    from numnet.data import TensorDataset
    from numnet.data.image_arrays import folder_splits, load_image_folder, stratified_split

    root = os.path.abspath(args.data)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"--data {args.data!r} is not a folder")
    train_dir, val_dir = folder_splits(root)
    train = load_image_folder(train_dir, args.image_size, args.channels)
    size = train.images.shape[2:]
    channels = train.images.shape[1]
    if val_dir is not None:
        val = load_image_folder(val_dir, size, channels, classes=train.classes)
        tx, ty, vx, vy = train.images, train.targets, val.images, val.targets
        val_name = os.path.basename(val_dir)
    else:
        tr, va = stratified_split(train.targets, args.val_split, args.seed)
        tx, ty, vx, vy = train.images[tr], train.targets[tr], train.images[va], train.targets[va]
        val_name = f"held-out {args.val_split:g}"
    mean = tx.mean(axis=(0, 2, 3), dtype=np.float64)
    std = np.maximum(tx.std(axis=(0, 2, 3), dtype=np.float64), 1e-6)
    scale = lambda x: ((x - mean.reshape(1, -1, 1, 1)) / std.reshape(1, -1, 1, 1)).astype(np.float32)  # noqa: E731
    return _Data(TensorDataset(scale(tx), ty), TensorDataset(scale(vx), vy) if len(vy) else None, train.classes,
                 (int(channels), int(size[0]), int(size[1])), f"folder:{root}", mean.tolist(), std.tolist(), val_name)


def _augmentation(preset: str, size: tuple[int, int]) -> Any:
    """The ``--augment`` preset as one batched transform for the training DataLoader (None for ``none``)."""
    if preset == "none":
        return None
    import numnet.transforms as T

    steps: list[Any] = []
    if preset in ("crop", "standard"):
        steps.append(T.RandomCrop(tuple(size), padding=max(1, size[0] // 8)))
    if preset in ("flip", "standard"):
        steps.append(T.RandomHorizontalFlip())
    return T.Compose(steps)


def _check_resume(checkpoint: str, args: argparse.Namespace, steps_per_epoch: int) -> None:
    """``--resume`` with another ``--epochs`` than the run was started with: allowed where the schedule can simply go
    on, refused with the reason where the schedule is tied to the run's length.

    * ``--scheduler none``, ``step``: the run continues to the new ``--epochs``. ``step`` keeps the milestones of the
      first run (half and three quarters of its ``--epochs``), so the extra epochs run at the last rate.
    * ``--scheduler cosine`` anneals over exactly the first run's epochs (``T_max``), ``onecycle`` over exactly its
      steps (``total_steps``; stepping past them is an error): both are refused unless ``--epochs`` is the same.
    """
    from numnet.io import load_metadata
    from numnet.io.state import _unjson

    meta = load_metadata(checkpoint)
    if meta.get("format") != "numnet.checkpoint":
        raise ArgumentError(f"--resume: {checkpoint!r} is not a numnet checkpoint")
    done = meta.get("epoch", "0")
    done = int(done) if done.isascii() and done.isdigit() else 0
    if args.epochs < done:
        raise ArgumentError(f"--resume: the checkpoint has already done {done} epochs; --epochs {args.epochs} is "
                            f"the total, so pass --epochs {done + 1} or more to train further")
    state = _unjson(meta, "scheduler", checkpoint) if "scheduler" in meta else None
    if not isinstance(state, dict):
        return
    if args.scheduler == "cosine" and isinstance(state.get("T_max"), int) and state["T_max"] != args.epochs:
        first = state["T_max"]
        raise ArgumentError(
            f"--resume with --scheduler cosine: the run was started with --epochs {first}, and its cosine schedule "
            f"is fixed to that length (T_max = {first}: the rate reaches its minimum at epoch {first} and would "
            f"rise again after it); resume with --epochs {first}, or start a new run with --epochs {args.epochs}")
    if args.scheduler == "onecycle" and isinstance(state.get("total_steps"), int):
        total = state["total_steps"]
        if total != args.epochs * steps_per_epoch:
            first = total // max(steps_per_epoch, 1)
            raise ArgumentError(
                f"--resume with --scheduler onecycle: the run was started with --epochs {first} ({total} steps), and "
                f"a one-cycle schedule is fixed to that many steps (its rate falls to the minimum at the last one; "
                f"it cannot step past it); resume with --epochs {first}, or start a new run with --epochs "
                f"{args.epochs}")


def _check_out(out: str, args: argparse.Namespace) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise ArgumentError(f"--out {out!r} exists and is not a directory")
    if os.path.isdir(out) and os.listdir(out) and not (args.overwrite or args.resume):
        raise ArgumentError(f"--out {out!r} already holds files of another run; pass --overwrite to replace them, "
                            f"--resume to continue that run, or choose another --out")


def run(args: argparse.Namespace) -> int:
    """``numnet train``: train, print ``test accuracy: 0.xxxx``, write the run's files under ``--out``."""
    import numnet
    from numnet.callbacks import CSVLogger, ModelCheckpoint, TerminateOnNaN
    from numnet.data import DataLoader
    from numnet.io.model_card import card_metadata
    from numnet.nn import CrossEntropyLoss
    from numnet.train import Trainer

    from numnet.distributed import _comm as dist

    # under mpirun -n N (N > 1): data-parallel training, rank 0 prints and writes (docs/distributed.md)
    comm = dist.init() if dist.launched_by_mpirun() else None
    lead = comm is None or comm.rank == 0
    if not lead:
        args.quiet = True
    _fill_defaults(args)
    if args.data is not None and args.dataset is not None:
        raise ArgumentError("give --dataset (a built-in data set) or --data (your image folder), not both")
    if args.data is None:
        for option, value in (("--image-size", args.image_size), ("--channels", args.channels)):
            if value is not None:
                raise ArgumentError(f"{option} is for --data folders; the built-in data sets have a fixed size")
    dataset = args.dataset or (None if args.data else DEFAULT_DATASET)
    tag = dataset if dataset else os.path.basename(os.path.normpath(args.data))
    out = args.out or os.path.join("runs", f"{args.model}-{tag}")
    _check_out(out, args)
    checkpoint = os.path.join(out, CHECKPOINT_FILE)
    if args.resume:
        check_file(checkpoint, "--resume: checkpoint")
    if comm is not None:
        comm.barrier()  # every rank has checked --out before rank 0 starts writing there

    numnet.manual_seed(args.seed)
    data = _folder_data(args) if args.data else _builtin_data(dataset)
    channels, height, width = data.shape
    model = build_model_for(args.model, channels, (height, width), max(len(data.classes), 1) if data.classes
                            else 10)
    card = card_metadata(input_shape=data.shape, classes=data.classes or None, mean=data.mean, std=data.std,
                         dataset=data.name)
    train_set = _limit(data.train, args.limit)
    if comm is None:
        train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                                  transform=_augmentation(args.augment, (height, width)))
    else:
        from numnet.data import DistributedSampler

        train_loader = DataLoader(train_set, batch_size=args.batch_size, transform=_augmentation(args.augment,
                                  (height, width)), sampler=DistributedSampler(train_set, seed=args.seed))
    test_loader = DataLoader(data.val, batch_size=512) if data.val is not None else None

    if args.resume:
        _check_resume(checkpoint, args, len(train_loader))
    optimizer = _make_optimizer(args, model.parameters())
    scheduler, interval = _make_scheduler(args, optimizer, len(train_loader))
    trainer = Trainer(model, CrossEntropyLoss(), optimizer, scheduler=scheduler, scheduler_interval=interval,
                      metrics=("accuracy",))
    trainer.metadata = card  # every checkpoint carries the card too, so commands can use it as a model file
    if lead and args.overwrite and not args.resume and os.path.isdir(out):
        for name in (MODEL_FILE, CHECKPOINT_FILE, HISTORY_FILE, CURVES_FILE):
            if os.path.exists(os.path.join(out, name)):
                os.remove(os.path.join(out, name))
    if lead:
        os.makedirs(out, exist_ok=True)
    callbacks = [CSVLogger(os.path.join(out, HISTORY_FILE)), TerminateOnNaN(), ModelCheckpoint(filepath=checkpoint)]
    if not args.quiet:
        n = len(train_loader.dataset)
        verb = "Resuming" if args.resume else "Training"
        where = dataset or args.data
        val = f", {len(data.val)} {data.val_name} images" if data.val is not None else ""
        ranks = "" if comm is None else f" on {comm.size} ranks (batch {args.batch_size} per rank)"
        print(f"{verb} {args.model} on {where} ({n} training images{val}; {channels}x{height}x{width}, "
              f"{len(data.classes) or 10} classes) for {args.epochs} epoch{'s' if args.epochs != 1 else ''}{ranks}; "
              f"writing to {out}", flush=True)
    t0 = time.perf_counter()
    history = trainer.fit(train_loader, epochs=args.epochs, val_data=test_loader, callbacks=callbacks,
                          verbose=0 if args.quiet else 1, resume_from=checkpoint if args.resume else None,
                          distributed=comm is not None)
    elapsed = time.perf_counter() - t0

    if lead:
        _save_model(model, os.path.join(out, MODEL_FILE), card)
        if history.epoch:
            _plot_curves(history, os.path.join(out, CURVES_FILE))
    # The last epoch was validated on the test set with these very weights: reuse it instead of a second pass.
    accuracy = (history.history.get("val_accuracy") or [math.nan])[-1]
    if not math.isfinite(accuracy) and test_loader is not None:
        accuracy = trainer.evaluate(test_loader, distributed=comm is not None)["accuracy"]
    if not lead:
        return 0
    if not args.quiet:
        print(f"trained in {elapsed:.1f}s; wrote {MODEL_FILE}, {HISTORY_FILE}, {CURVES_FILE}, {CHECKPOINT_FILE} "
              f"to {out}", flush=True)
    label = "test accuracy" if data.val_name == "test" else f"validation accuracy ({data.val_name})"
    print(f"{label}: {accuracy:.4f}", flush=True)
    return 0


def _save_model(model: Any, path: str, card: dict[str, str]) -> None:
    """Save with numnet.io, with the model card (:mod:`numnet.io.model_card`) in the metadata."""
    from numnet.io import save_model

    save_model(model, path, metadata=card)


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


COMMAND = Command("train", "train a model on a data set; writes model, history, curves and a resume checkpoint",
                  add_arguments, run)
