"""``numnet predict MODEL IMAGE|DIR...``: the top classes of a saved model for image files or whole folders (as a
table or a CSV file), and :func:`load_image`."""

from __future__ import annotations

import argparse
from typing import Any

from numnet._argtypes import image_side, positive_int
from numnet._command import Command
from numnet.commands._common import load_with_card, normalize_inputs
from numnet.errors import ArgumentError

__all__ = ["COMMAND", "add_arguments", "load_image", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet predict``."""
    p.description = (
        "Classify images (PNG, JPEG, ...) with a saved model or checkpoint. Each image is converted to the model's "
        "channels (grayscale for 1), resized to the model's input size and scaled to [0, 1], then standardised "
        "with the training set's mean and std: all from the model card numnet train stores in the file (else "
        "1x28x28). Fashion-MNIST and MNIST images are light objects on a dark background; for models trained on "
        "them --invert auto (the default) inverts an image whose border is mostly light (a photo or drawing on "
        "white paper), so both kinds work; models trained on your own folder (--data) are never auto-inverted."
    )
    p.add_argument("model", metavar="MODEL", help="a model file or checkpoint written by numnet train, fit or "
                                                  "numnet.io.save_model")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files, or folders (searched recursively "
                                                              "for PNG, JPEG, BMP, WebP, GIF and TIFF files)")
    p.add_argument("--csv", default=None, metavar="OUT",
                   help="write path,prediction,probability and one probability column per class to OUT (CSV) "
                        "instead of printing the top classes")
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="invert the grey levels; auto (default): when the image's border is light")
    p.add_argument("--top", type=positive_int, default=3, help="how many classes to print per image (default: 3)")
    p.add_argument("--size", type=image_side, nargs=2, default=None, metavar=("H", "W"),
                   help="the model's input size (default: from the model file, else 28 28)")


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

    from numnet.data.image_arrays import load_image_array

    x = load_image_array(path, channels, tuple(size))
    if invert == "yes" or (invert == "auto" and _border_mean(x) > 0.5):
        x = np.float32(1.0) - x
    return x


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff", ".pgm", ".ppm")


def _expand(paths: list[str]) -> list[str]:
    """Image files from the arguments: files as given, folders searched recursively (sorted)."""
    import os

    files: list[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(os.path.join(d, f) for d, _, names in os.walk(path) for f in names
                           if f.lower().endswith(IMAGE_SUFFIXES))
            if not found:
                raise ArgumentError(f"folder {path!r} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
            files += found
        else:
            files.append(path)
    return files


def _border_mean(x: Any) -> float:
    import numpy as np

    ring = np.concatenate([x[:, 0, :].ravel(), x[:, -1, :].ravel(), x[:, :, 0].ravel(), x[:, :, -1].ravel()])
    return float(ring.mean())


def run(args: argparse.Namespace) -> int:
    """``numnet predict``: print the top classes with probabilities for each image (or write them as CSV)."""
    import csv
    import os

    import numpy as np

    from numnet.train import predict

    model, card, _ = load_with_card(args.model)
    classes = list(card.classes or [])
    channels, *model_size = card.input_shape
    size = tuple(args.size or model_size)
    invert = args.invert
    if invert == "auto" and (card.dataset or "").startswith("folder:"):
        invert = "no"  # the model was trained on the user's own images, as they are
    files = _expand(args.images)
    batch = normalize_inputs(np.stack([load_image(path, channels, size, invert) for path in files]), card)
    logits = predict(model, batch).astype(np.float64)
    if logits.ndim != 2:
        raise ArgumentError(f"the model's output has shape {logits.shape}; expected class scores (N, C)")
    z = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    names = [classes[c] if c < len(classes) else f"class {c}" for c in range(probs.shape[1])]
    if args.csv:
        tmp = f"{args.csv}.tmp-{os.getpid()}"
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["path", "prediction", "probability", *names])
            for path, p in zip(files, probs):
                best = int(np.argmax(p))
                writer.writerow([path, names[best], f"{p[best]:.6f}", *(f"{v:.6f}" for v in p)])
        os.replace(tmp, args.csv)
        print(f"wrote predictions for {len(files)} images to {args.csv}")
        return 0
    k = min(args.top, probs.shape[1])
    width = max([len(c) for c in names] + [5])
    for path, p in zip(files, probs):
        print(path)
        for c in np.argsort(-p, kind="stable")[:k]:
            print(f"  {names[c]:<{width}}  {p[c]:.4f}")
    return 0


COMMAND = Command("predict", "print the top classes of a saved model for image files or folders (or a CSV)",
                  add_arguments, run)
