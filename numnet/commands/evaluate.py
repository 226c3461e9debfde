"""``numnet evaluate MODEL``: the loss and accuracy of a saved model on a data set (default: the one in the file)."""

from __future__ import annotations

import argparse

from numnet._argtypes import positive_int
from numnet._command import Command
from numnet.commands._common import _limit, _model_metadata, load_model_file
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet evaluate``."""
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")
    p.add_argument("--dataset", default=None, help="fashion-mnist, mnist or mnist5k (default: the data set stored "
                                                   "in the model file)")
    p.add_argument("--split", choices=("test", "train"), default="test", help="which split to evaluate on (default: test)")
    p.add_argument("--batch-size", type=positive_int, default=512, help="samples per batch (default: 512)")
    p.add_argument("--limit", type=positive_int, default=None, help="evaluate on the first N images only")


def run(args: argparse.Namespace) -> int:
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


COMMAND = Command("evaluate", "print the loss and accuracy of a saved model on a data set", add_arguments, run)
