"""Inside a CNN: the first convolution layer's filters, and what every conv/pool layer makes of one image."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from numnet.errors import ArgumentError
from numnet.viz._mpl import finish, grid_shape, image_2d, new_figure
from numnet.viz.capture import activations, first_conv, is_conv, is_pool

__all__ = ["plot_filters", "plot_feature_maps"]


def _bare(ax: Any) -> None:
    """No ticks, no frame: room for an image and a label."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def plot_filters(model_or_conv_layer: Any, path: str | os.PathLike | None = None, channel: int | str = "mean",
                 figsize: tuple[float, float] | None = None, dpi: int = 100) -> Any:
    """The first convolution layer's filters as a grid, one panel per output channel.

    The weight ``(C_out, C_in, kH, kW)`` gives ``C_out`` panels of ``kH × kW``. With one input channel (grey images)
    each panel is the filter itself; with several (RGB, or a deeper layer) each panel shows the mean over the input
    channels (``channel="mean"``, the default) or one input channel (``channel=i``); the figure's title says which.
    All panels share one colour scale, symmetric around 0 (blue negative, red positive), so filters can be compared.

    Args:
        model_or_conv_layer: a model (its first layer with a 4-D weight is used) or a Conv2d layer.
        path: where to save the figure; None to only return it.
        channel: ``"mean"`` or the index of the input channel to show.
        figsize: inches; default from the grid size.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.

    Raises:
        DTypeError: not a Module.
        ArgumentError: no convolution layer, or ``channel`` out of range.

    Example:
        >>> from numnet.models import LeNet5
        >>> plot_filters(LeNet5(), "filters.png")  # doctest: +SKIP
    """
    name, layer = first_conv(model_or_conv_layer)
    w = np.asarray(layer.weight._data, dtype=np.float64)
    c_out, c_in, kh, kw = w.shape
    if channel == "mean":
        maps = w.mean(axis=1)
        how = "the filter" if c_in == 1 else f"mean over its {c_in} input channels"
    elif isinstance(channel, (int, np.integer)) and not isinstance(channel, bool) and -c_in <= channel < c_in:
        maps = w[:, int(channel)]
        how = f"input channel {int(channel) % c_in} of {c_in}"
    else:
        raise ArgumentError(f"plot_filters: channel must be 'mean' or an input channel in [0, {c_in}), "
                            f"got {channel!r}")
    rows, cols = grid_shape(c_out, max_cols=8)
    fig = new_figure(figsize or (max(1.3 * cols + 1.2, 5.0), 1.35 * rows + 1.1), dpi)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    vmax = float(np.abs(maps).max()) or 1.0
    im = None
    for i, ax in enumerate(axes):
        _bare(ax)
        if i >= c_out:
            ax.set_visible(False)
            continue
        im = ax.imshow(maps[i], cmap="RdBu_r", vmin=-vmax, vmax=vmax, interpolation="nearest")
        ax.set_title(f"filter {i}", fontsize=8)
    layer_name = name or type(layer).__name__
    fig.suptitle(f"{layer_name}: {c_out} filter{'' if c_out == 1 else 's'} {kh}×{kw}\neach panel: {how}", fontsize=10)
    if im is not None:
        fig.colorbar(im, ax=list(axes[:c_out]), shrink=0.8, label="weight")
    return finish(fig, path)


def _default_layer(module: Any) -> bool:
    return is_conv(module) or is_pool(module)


def plot_feature_maps(model: Any, image: Any, path: str | os.PathLike | None = None,
                      layers: list[str] | None = None, max_channels: int = 16, title: str | None = None,
                      figsize: tuple[float, float] | None = None, dpi: int = 100) -> Any:
    """What each conv/pool layer makes of one image: the input, then one row per layer with its channels.

    The activations come from :func:`numnet.viz.activations` (forward hooks, eval mode, no gradients). Each map is
    drawn with its own colour range (viridis: dark low, yellow high), so a channel's pattern shows even when its
    values are small; a constant map (e.g. all zeros after ReLU) says so in its title. A layer with more than
    ``max_channels`` channels shows the first ``max_channels`` (the row's label gives the full shape). Layers whose
    output is not ``(1, C, H, W)`` (e.g. ``Linear``) are drawn as one strip of values.

    Args:
        model: a numnet Module.
        image: one input ``(H, W)``, ``(C, H, W)`` or ``(1, C, H, W)``, like the model's training data.
        path: where to save the figure; None to only return it.
        layers: layer paths to show (``named_modules()`` names such as ``"features.0"``); default every conv and
            pooling layer.
        max_channels: most channels drawn per layer.
        title: a line about the image (e.g. ``"test image 3: Trouser"``), shown above the maps.
        figsize: inches; default from the number of layers and channels.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.

    Raises:
        ArgumentError: no layer to show, an unknown layer name, or ``max_channels`` < 1.
        ShapeError: ``image`` is not one image.

    Example:
        >>> from numnet.models import LeNet5
        >>> from numnet.datasets import FashionMNIST
        >>> plot_feature_maps(LeNet5(), FashionMNIST(train=False).data[0], "maps.png")  # doctest: +SKIP
    """
    if isinstance(max_channels, bool) or not isinstance(max_channels, (int, np.integer)) or max_channels < 1:
        raise ArgumentError(f"plot_feature_maps: max_channels must be a positive integer, got {max_channels!r}")
    acts = activations(model, image, layers=layers, include=None if layers is not None else _default_layer)
    if not acts:
        raise ArgumentError(f"plot_feature_maps: {type(model).__name__} has no convolution or pooling layer to show; "
                            "pass layers=[...] with the names of the layers to draw")
    modules = dict(model.named_modules())
    widths = [min(a.shape[1], max_channels) if a.ndim == 4 else 1 for _, a in acts]
    cols = max(widths + [1])
    rows = len(acts) + 1
    fig = new_figure(figsize or (max(0.95 * cols + 1.9, 6.5), 1.05 * rows + 0.7), dpi)
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.ravel():
        _bare(ax)

    img, cmap = image_2d(np.asarray(getattr(image, "data", image)), "plot_feature_maps")
    axes[0, 0].imshow(img, cmap=cmap, interpolation="nearest")
    _row_label(axes[0, 0], "input", "", tuple(np.shape(img)))
    for ax in axes[0, 1:]:
        ax.set_visible(False)

    for r, (name, arr) in enumerate(acts, start=1):
        base = name.split("#")[0]
        kind = type(modules.get(base, model)).__name__
        shape = tuple(arr.shape[1:])
        if arr.ndim == 4:
            n = min(arr.shape[1], max_channels)
            for c in range(n):
                m = arr[0, c]
                axes[r, c].imshow(m, cmap="viridis", interpolation="nearest")
                lo, hi = float(m.min()), float(m.max())
                axes[r, c].set_title(f"{c}: all {lo:.3g}" if lo == hi else str(c), fontsize=7, pad=2)
            hidden = axes[r, n:]
            note = f"first {n} of {arr.shape[1]}" if n < arr.shape[1] else ""
        else:
            strip = arr.reshape(1, -1)
            axes[r, 0].set_visible(False)
            strip_ax = fig.add_subplot(axes[r, 0].get_gridspec()[r, :])
            _bare(strip_ax)
            strip_ax.imshow(strip, cmap="viridis", aspect="auto", interpolation="nearest")
            axes[r, 0] = strip_ax
            hidden, note = axes[r, 1:], ""
        for ax in hidden:
            ax.set_visible(False)
        _row_label(axes[r, 0], name, kind, shape, note)
    heading = f"feature maps of {type(model).__name__} (each map scaled to its own range)"
    fig.suptitle(heading if title is None else f"{title}\n{heading}", fontsize=10)
    return finish(fig, path)


def _row_label(ax: Any, name: str, kind: str, shape: tuple, note: str = "") -> None:
    dims = "×".join(str(s) for s in shape)
    lines = [name] + ([kind] if kind else []) + [dims] + ([note] if note else [])
    ax.set_ylabel("\n".join(lines), rotation=0, ha="right", va="center", fontsize=8, labelpad=6)
