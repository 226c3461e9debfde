"""``numnet train``: train a zoo model on a data set; write the model, history, curves and a resume checkpoint.

::

    numnet train --model lenet5 --dataset fashion-mnist --epochs 5 --batch-size 64 --lr 0.05 --momentum 0.9 \\
        --out runs/lenet5
    numnet train ... --epochs 8 --out runs/lenet5 --resume      # 3 more epochs from runs/lenet5/checkpoint.safetensors
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import time
from typing import Any, Callable

from numnet._argtypes import positive_int
from numnet._command import Command
from numnet.commands._common import _build_model, _limit, check_file
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "run"]

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULERS = ("none", "cosine", "onecycle", "step")
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


def run(args: argparse.Namespace) -> int:
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


COMMAND = Command("train", "train a model on a data set; writes model, history, curves and a resume checkpoint",
                  add_arguments, run)
