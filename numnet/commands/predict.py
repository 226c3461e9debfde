"""``numnet predict MODEL IMAGE...``: the top classes of a saved model for image files, and :func:`load_image`."""

from __future__ import annotations

import argparse
from typing import Any

from numnet._argtypes import positive_int
from numnet._command import Command
from numnet.commands._common import _model_metadata, check_file, load_model_file
from numnet.errors import ArgumentError, FileFormatError

__all__ = ["COMMAND", "add_arguments", "load_image", "run"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``numnet predict``."""
    p.description = (
        "Classify images (PNG, JPEG, ...) with a saved model. Each image is converted to the model's channels "
        "(grayscale for 1), resized to the model's input size (28x28 for the zoo's models) and scaled to [0, 1]. "
        "Fashion-MNIST and MNIST images are light objects on a dark background; --invert auto (the default) inverts "
        "an image whose border is mostly light (a photo or drawing on white paper), so both kinds work."
    )
    p.add_argument("model", metavar="MODEL", help="a model file written by numnet train / numnet.io.save_model")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="image files")
    p.add_argument("--invert", choices=("auto", "yes", "no"), default="auto",
                   help="invert the grey levels; auto (default): when the image's border is light")
    p.add_argument("--top", type=positive_int, default=3, help="how many classes to print per image (default: 3)")
    p.add_argument("--size", type=positive_int, nargs=2, default=None, metavar=("H", "W"),
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


def run(args: argparse.Namespace) -> int:
    """``numnet predict``: print the top classes with probabilities for each image."""
    import numpy as np

    from numnet.io import load_metadata
    from numnet.models import input_shape_of
    from numnet.train import predict

    model = load_model_file(args.model)
    classes = list(_model_metadata(args.model).get("classes") or [])
    channels, *model_size = input_shape_of(model, load_metadata(args.model))
    size = tuple(args.size or model_size)
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


COMMAND = Command("predict", "print the top classes of a saved model for image files", add_arguments, run)
