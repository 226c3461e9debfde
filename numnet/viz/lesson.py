"""The lesson's pictures: convolution, pooling and activations, with the lesson's own numbers.

The numbers come from :mod:`numnet.basics` (``convolution2D``, ``max_pooling2D``, ``average_pooling2D``,
``sigmoid``, ``sigmoid_derivative``, ``relu``) applied to the lesson's example (:mod:`numnet.lesson`: the 4×4 image
1..16 and the kernel ``[[-1, -1], [1, 1]]``), so the pictures always agree with ``numnet lesson``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from numnet.viz._mpl import close, finish, new_figure, require_matplotlib

__all__ = ["plot_lesson_convolution", "plot_lesson_pooling", "plot_lesson_activations", "save_lesson_plots"]

_WINDOW_COLORS = ("#e07b22", "#3a7d68", "#b0413e", "#4a6fa5")  # orange, green, red, blue
_NEGATIVE, _POSITIVE = (0.70, 0.80, 0.95), (0.97, 0.75, 0.72)  # pale blue, pale red


def _fmt(v: float) -> str:
    return f"{v:g}"


def _matrix(ax: Any, m: np.ndarray, title: str, cell_colors: np.ndarray | None = None,
            cmap: str = "Greys", bold: set[tuple[int, int]] = frozenset()) -> None:
    """Draw a small matrix as a table of numbers with cell backgrounds (a colormap or explicit RGB colours)."""
    h, w = m.shape
    if cell_colors is not None:
        ax.imshow(cell_colors, interpolation="nearest")
    else:
        lo, hi = float(m.min()), float(m.max())
        ax.imshow(np.full(m.shape, 0.15) if hi == lo else 0.05 + 0.45 * (m - lo) / (hi - lo), cmap=cmap,
                  vmin=0, vmax=1, interpolation="nearest")
    for (i, j), v in np.ndenumerate(m):
        ax.text(j, i, _fmt(v), ha="center", va="center", fontsize=15,
                fontweight="bold" if (i, j) in bold else "normal")
    ax.set_xticks(np.arange(-0.5, w, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, h, 1), minor=True)
    ax.grid(which="minor", color="black", linewidth=1.2)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=12)


def _box(ax: Any, row: int, col: int, h: int, w: int, color: str) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((col - 0.5, row - 0.5), w, h, fill=False, edgecolor=color, linewidth=4, zorder=3))


def _symbol(ax: Any, text: str, fontsize: int = 30) -> None:
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=fontsize, transform=ax.transAxes)


def plot_lesson_convolution(path: str | os.PathLike | None = None, figsize: tuple[float, float] = (11.0, 4.8),
                            dpi: int = 100) -> Any:
    """The lesson's convolution: image 1..16 ⋆ kernel ``[[-1, -1], [1, 1]]`` = a 3×3 feature map of 8s.

    Two windows are outlined in the image with the output cell each one produces, and the sums are written out:
    the kernel slides over the image, and each output is the sum of the window times the kernel (a
    cross-correlation, as in deep learning: the kernel is not flipped).

    Args:
        path: where to save the figure; None to only return it.
        figsize: inches.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.
    """
    from numnet.basics import convolution2D
    from numnet.lesson import IMAGE, KERNEL

    image, kernel = np.asarray(IMAGE), np.asarray(KERNEL)
    out = convolution2D(image, kernel)
    kh, kw = kernel.shape
    fig = new_figure(figsize, dpi)
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [4, 0.7, 2, 0.7, 3]})
    _matrix(axes[0], image, f"image {image.shape[0]}×{image.shape[1]}", cmap="Greys")
    _symbol(axes[1], "$\\star$", fontsize=44)
    signs = np.where(kernel[..., None] < 0, np.array(_NEGATIVE), np.array(_POSITIVE))
    _matrix(axes[2], kernel, f"kernel {kh}×{kw}", signs)
    _symbol(axes[3], "=")
    _matrix(axes[4], out, f"feature map {out.shape[0]}×{out.shape[1]}", cmap="Greys")
    lines = []
    for (r, c), color in zip(((0, 0), (1, 2)), _WINDOW_COLORS):
        _box(axes[0], r, c, kh, kw, color)
        _box(axes[4], r, c, 1, 1, color)
        window = image[r:r + kh, c:c + kw]
        terms = " + ".join(f"({_fmt(k)})·{_fmt(v)}" for k, v in zip(kernel.ravel(), window.ravel()))
        lines.append((f"out[{r}, {c}] = {terms} = {_fmt(out[r, c])}", color))
    for i, (text, color) in enumerate(lines):
        fig.text(0.5, 0.02 + 0.06 * (len(lines) - 1 - i), text, ha="center", va="bottom", fontsize=12, color=color,
                 fontweight="bold")
    fig.get_layout_engine().set(rect=(0, 0.06 * len(lines) + 0.02, 1, 1 - 0.06 * len(lines) - 0.02))
    fig.suptitle("convolution: slide the kernel over the image; each output = Σ window × kernel "
                 "(stride 1, no padding)", fontsize=12)
    return finish(fig, path)


def plot_lesson_pooling(path: str | os.PathLike | None = None, figsize: tuple[float, float] = (11.0, 4.6),
                        dpi: int = 100) -> Any:
    """The lesson's pooling of the 4×4 image 1..16 with 2×2 windows, stride 2: max pooling and average pooling.

    Each window has its own colour in the image and in both results; the maximum of each window is bold.

    Args:
        path: where to save the figure; None to only return it.
        figsize: inches.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.
    """
    from numnet.basics import average_pooling2D, max_pooling2D
    from numnet.lesson import IMAGE

    require_matplotlib()
    from matplotlib.colors import to_rgb

    image = np.asarray(IMAGE)
    k = s = 2
    mx, avg = max_pooling2D(image, k, s), average_pooling2D(image, k, s)
    oh, ow = mx.shape
    pale = np.array([[0.55 * np.array(to_rgb(c)) + 0.45 for c in _WINDOW_COLORS]]).reshape(-1, 3)
    win_id = np.arange(oh * ow).reshape(oh, ow)
    out_colors = pale[win_id % len(pale)]
    img_colors = np.full(image.shape + (3,), 0.95)
    bold: set[tuple[int, int]] = set()
    for i in range(oh):
        for j in range(ow):
            img_colors[i * s:i * s + k, j * s:j * s + k] = out_colors[i, j]
            window = image[i * s:i * s + k, j * s:j * s + k]
            u, v = np.unravel_index(np.argmax(window), window.shape)
            bold.add((i * s + int(u), j * s + int(v)))
    fig = new_figure(figsize, dpi)
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [4, 0.8, 2, 0.4, 2]})
    _matrix(axes[0], image, f"image {image.shape[0]}×{image.shape[1]}, {k}×{k} windows", img_colors, bold=bold)
    _symbol(axes[1], "→")
    _matrix(axes[2], mx, "max pooling", out_colors, bold={(i, j) for i in range(oh) for j in range(ow)})
    axes[3].axis("off")
    _matrix(axes[4], avg, "average pooling", out_colors)
    first = image[:k, :k].ravel()
    fig.supxlabel(f"first window {{{', '.join(_fmt(v) for v in first)}}}: max = {_fmt(mx[0, 0])}, "
                  f"mean = {_fmt(avg[0, 0])}.  Pool size {k}, stride {s}: 4×4 → {oh}×{ow}", fontsize=12)
    fig.suptitle("pooling: summarise each window by one number (max or mean)", fontsize=12)
    return finish(fig, path)


def plot_lesson_activations(path: str | os.PathLike | None = None, figsize: tuple[float, float] = (11.0, 4.2),
                            dpi: int = 100) -> Any:
    """Sigmoid and ReLU with their derivatives, from :mod:`numnet.basics`.

    σ(x) = 1/(1 + e^(−x)) with σ'(x) = σ(x)(1 − σ(x)), at most 0.25 (at x = 0): gradients shrink through each
    sigmoid layer. ReLU(x) = max(0, x) with derivative 1 for x > 0 and 0 for x ≤ 0 (numnet, like PyTorch, takes 0
    at 0).

    Args:
        path: where to save the figure; None to only return it.
        figsize: inches.
        dpi: dots per inch.

    Returns:
        the matplotlib Figure.
    """
    from numnet.basics import relu, sigmoid, sigmoid_derivative

    x = np.linspace(-6.0, 6.0, 601)
    fig = new_figure(figsize, dpi)
    ax_s, ax_r = fig.subplots(1, 2)
    ax_s.plot(x, sigmoid(x), color="C0", linewidth=2.5, label=r"$\sigma(x) = 1/(1+e^{-x})$")
    ax_s.plot(x, sigmoid_derivative(x), color="C1", linewidth=2.5, linestyle="--",
              label=r"$\sigma'(x) = \sigma(x)\,(1-\sigma(x))$")
    ax_s.plot([0, 0], [float(sigmoid(0.0)), float(sigmoid_derivative(0.0))], "o", color="k", markersize=5)
    ax_s.annotate(f"σ(0) = {float(sigmoid(0.0)):g}", (0, float(sigmoid(0.0))), xytext=(0.7, 0.40), fontsize=10,
                  arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax_s.annotate(f"σ'(0) = {float(sigmoid_derivative(0.0)):g}, its maximum", (0, float(sigmoid_derivative(0.0))),
                  xytext=(1.4, 0.30), fontsize=10, arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax_s.set_ylim(-0.08, 1.08)
    ax_s.set_title("sigmoid")

    r = relu(x)
    ax_r.plot(x, r, color="C0", linewidth=2.5, label=r"ReLU$(x) = \max(0, x)$")
    neg, pos = x <= 0, x > 0
    ax_r.plot(x[neg], np.zeros(neg.sum()), color="C1", linewidth=2.5, linestyle="--",
              label="ReLU'(x) = 1 if x > 0, else 0")
    ax_r.plot(x[pos], np.ones(pos.sum()), color="C1", linewidth=2.5, linestyle="--")
    ax_r.plot([0], [0], "o", color="C1", markersize=7)
    ax_r.plot([0], [1], "o", markerfacecolor="white", markeredgecolor="C1", markersize=7)
    ax_r.annotate("ReLU'(0) = 0", (0, 0), xytext=(-5.6, 0.6), fontsize=10,
                  arrowprops={"arrowstyle": "->", "color": "0.3"})
    ax_r.set_ylim(-0.3, 6.3)
    ax_r.set_title("ReLU")
    for ax in (ax_s, ax_r):
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8)
        ax.set_xlabel("x")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=10)
    fig.suptitle("activation functions and their derivatives", fontsize=12)
    return finish(fig, path)


def save_lesson_plots(folder: str | os.PathLike = ".", dpi: int = 100) -> list[Path]:
    """Write ``lesson_convolution.png``, ``lesson_pooling.png`` and ``lesson_activations.png`` into ``folder``.

    Returns:
        the three paths, in that order.
    """
    folder = Path(os.fspath(folder))
    paths = []
    for name, fn in (("lesson_convolution.png", plot_lesson_convolution), ("lesson_pooling.png", plot_lesson_pooling),
                     ("lesson_activations.png", plot_lesson_activations)):
        p = folder / name
        close(fn(p, dpi=dpi))
        paths.append(p)
    return paths
