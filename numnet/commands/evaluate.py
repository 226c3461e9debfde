"""``numnet evaluate MODEL``: the loss and accuracy of a saved model on a data set (default: the one in the file),
or on a folder of images (``--data DIR``)."""

from __future__ import annotations

import argparse

from numnet._argtypes import batch_size, positive_int
from numnet._command import Command
from numnet.commands._common import _limit, load_with_card
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet evaluate``."""
    p.add_argument("model", metavar="MODEL", help="a model file or checkpoint written by numnet train, fit or "
                                                  "numnet.io.save_model")
    p.add_argument("--dataset", default=None, help="fashion-mnist, mnist or mnist5k (default: the data set stored "
                                                   "in the model file)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="evaluate on a folder of images (one subfolder per class, named as the model's classes): "
                        "DIR/test or DIR/val when present, else DIR; resized and standardised as in training")
    p.add_argument("--split", choices=("test", "train"), default="test", help="which split to evaluate on (default: test)")
    p.add_argument("--batch-size", type=batch_size, default=512, help="samples per batch (default: 512)")
    p.add_argument("--limit", type=positive_int, default=None, help="evaluate on the first N images only")


def run(args: argparse.Namespace) -> int:
    """``numnet evaluate``: print the loss and accuracy of a saved model on a data set or image folder."""
    from numnet.data import DataLoader
    from numnet.data.image_arrays import FolderImages, evaluation_folder, load_image_folder, open_card_dataset
    from numnet.datasets import get_dataset
    from numnet.nn import CrossEntropyLoss
    from numnet.train import evaluate

    model, card, _ = load_with_card(args.model)
    if args.data is not None and args.dataset is not None:
        raise ArgumentError("give --dataset or --data, not both")
    if args.data is not None:
        root = evaluation_folder(args.data)
        channels, h, w = card.input_shape
        dataset = FolderImages(load_image_folder(root, (h, w), channels, classes=card.classes), card.mean, card.std)
        title = root
    elif args.dataset is not None:
        dataset, title = get_dataset(args.dataset, train=args.split == "train"), f"{args.dataset} {args.split}"
    else:
        if not card.dataset:
            raise ArgumentError(f"the model file {args.model!r} does not name its data set; pass --dataset or --data")
        dataset = open_card_dataset(card, train=args.split == "train")
        title = f"{card.dataset} {args.split}"
    dataset = _limit(dataset, args.limit)
    result = evaluate(model, DataLoader(dataset, batch_size=args.batch_size), loss=CrossEntropyLoss())
    print(f"{title} ({len(dataset)} images)")
    print(f"loss: {result['loss']:.4f}")
    print(f"accuracy: {result['accuracy']:.4f}")
    return 0


COMMAND = Command("evaluate", "print the loss and accuracy of a saved model on a data set", add_arguments, run)
