"""What the training subcommands share: clear errors for missing files, loading a model file and what
``numnet train`` stored beside its weights, building a zoo model by name, limiting a data set."""

from __future__ import annotations

import os
from typing import Any

from numnet.errors import ArgumentError

__all__ = ["check_file", "load_model_file", "load_with_card", "normalize_inputs", "build_model_for"]


def check_file(path: str, what: str) -> None:
    """Raise a one-line CLI error when ``path`` is missing or a directory."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what} {path!r} does not exist")
    if os.path.isdir(path):
        raise ArgumentError(f"{what} {path!r} is a directory, expected a file")


def load_model_file(path: str) -> Any:
    """Load a model file or a checkpoint (``fit``, ``ModelCheckpoint``, ``numnet train``) for a subcommand."""
    from numnet.io import load_model

    check_file(path, "model file")
    return load_model(path)


def load_with_card(path: str) -> tuple[Any, Any, dict[str, str]]:
    """``(model, model card, raw metadata)`` of a model file or checkpoint (:mod:`numnet.io.model_card`).

    The card's ``input_shape`` is completed from the model (:func:`numnet.models.input_shape_of`) when the file
    has none, so every command feeds the model what it was trained on.
    """
    from numnet.io import load_metadata
    from numnet.io.model_card import read_card
    from numnet.models import input_shape_of

    model = load_model_file(path)
    meta = load_metadata(path)
    card = read_card(meta, path)
    if card.input_shape is None:
        card = card._replace(input_shape=tuple(input_shape_of(model, meta)))
    return model, card, meta


def normalize_inputs(images: Any, card: Any) -> Any:
    """``(x - mean) / std`` per channel when the card records the training normalisation; else ``images``."""
    from numnet.data.image_arrays import standardize

    return standardize(images, card.mean, card.std)


def _model_metadata(path: str) -> dict[str, Any]:
    """The ``dataset`` and ``classes`` of a file's model card (if present); a malformed card is an error."""
    from numnet.io import load_metadata
    from numnet.io.model_card import read_card

    card = read_card(load_metadata(path), path)
    out: dict[str, Any] = {}
    if card.dataset:
        out["dataset"] = card.dataset
    if card.classes:
        out["classes"] = card.classes
    return out


def _build_model(name: str) -> Any:
    from numnet.models import get_model

    return get_model(name)  # ArgumentError naming the known models for an unknown name


def build_model_for(name: str, channels: int, size: tuple[int, int], num_classes: int) -> Any:
    """A zoo model adapted to the data: its ``in_channels``, input size and ``num_classes`` set from the data.

    Models with a size-dependent classifier (LeNet5, VGGSmall) need square images; :class:`~numnet.models.ResNet`
    takes any size, and an MLP gets ``in_features = C·H·W``.
    """
    import inspect

    from numnet.models import MODELS, get_model
    from numnet.models import _ALIASES  # noqa: PLC2701 - the registry's aliases, to find the class for a name

    key = _ALIASES.get(name.lower(), name.lower())
    cls = MODELS.get(key) or (MODELS["resnet"] if key.startswith("resnet") else None)
    if cls is None:
        return get_model(name)  # the registry's error, listing the known names
    params = inspect.signature(cls.__init__).parameters
    config: dict[str, Any] = {"num_classes": num_classes}
    if "in_channels" in params:
        config["in_channels"] = channels
    if "in_features" in params:
        config["in_features"] = channels * size[0] * size[1]
    if "input_size" in params:
        if size[0] != size[1] and cls.__name__ != "ResNet":
            raise ArgumentError(f"--model {name} needs square images, got --image-size {size[0]} {size[1]}; use "
                                f"--model resnet for other shapes")
        config["input_size"] = size[0]
    return get_model(name, **config)


def _limit(dataset: Any, n: int | None) -> Any:
    from numnet.data import Subset

    if n is None or n >= len(dataset):
        return dataset
    return Subset(dataset, range(n))

