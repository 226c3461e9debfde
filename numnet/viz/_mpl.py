"""matplotlib plumbing shared by the plots: lazy import with an install hint, figure creation, saving.

matplotlib is an optional extra (``pip install numnet[viz]``) imported only when a plot is drawn, so
``import numnet.viz`` and ``numnet --help`` stay fast and work without it.

Figures:

- In a Jupyter kernel, every plot function returns a figure that displays inline exactly once: a
  :class:`matplotlib.figure.Figure` that pyplot does not manage (so the inline backend does not show it a second
  time at the end of the cell) and that renders itself as PNG (``_repr_png_``), whether or not pyplot was imported.
  Assign it (``fig = plot_history(h)``) or end the line with ``;`` to not display it.
- Elsewhere, when the user already imported ``matplotlib.pyplot`` (an interactive session), figures are made with
  ``plt.figure`` so ``plt.show()`` works as usual.
- Otherwise a plain Figure on an Agg canvas is made: no GUI backend is chosen, no display is needed, and no figure is
  left in pyplot's global registry.

Library code never calls ``plt.show``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from numnet._runtime import in_notebook
from numnet.errors import ArgumentError, NumnetError, ShapeError
from numnet.tensor import Tensor

INSTALL_HINT = "numnet.viz needs matplotlib: pip install numnet[viz]"
DEFAULT_DPI = 100


class MissingMatplotlibError(NumnetError, ImportError):
    """matplotlib is not installed (an ImportError, and a NumnetError so the CLI prints it as one line)."""


def require_matplotlib() -> Any:
    """Import and return ``matplotlib``, or raise :class:`MissingMatplotlibError` with the install hint."""
    try:
        import matplotlib
    except ImportError as e:
        raise MissingMatplotlibError(INSTALL_HINT) from e
    return matplotlib


def new_figure(figsize: tuple[float, float], dpi: float = DEFAULT_DPI, **kwargs: Any) -> Any:
    """A Figure of ``figsize`` inches at ``dpi`` with constrained layout (titles and labels are not clipped)."""
    require_matplotlib()
    _check_size(figsize, dpi)
    kwargs.setdefault("layout", "constrained")
    if in_notebook():
        fig = _inline_figure_class()(figsize=figsize, dpi=dpi, **kwargs)
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
        return fig
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=figsize, dpi=dpi, **kwargs)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, **kwargs)
    FigureCanvasAgg(fig)
    return fig


_INLINE_FIGURE: Any = None


def _inline_figure_class() -> Any:
    """A Figure subclass whose PNG is its rich display in Jupyter (made once, when matplotlib is imported)."""
    global _INLINE_FIGURE
    if _INLINE_FIGURE is None:
        import io

        from matplotlib.figure import Figure

        class InlineFigure(Figure):
            """A matplotlib Figure that Jupyter shows once, as PNG, when it is a cell's value."""

            def _repr_png_(self) -> bytes:
                buf = io.BytesIO()
                self.savefig(buf, format="png", dpi=self.dpi)
                return buf.getvalue()

        _INLINE_FIGURE = InlineFigure
    return _INLINE_FIGURE


def _check_size(figsize: Any, dpi: Any) -> None:
    try:
        w, h = (float(v) for v in figsize)
    except (TypeError, ValueError):
        raise ArgumentError(f"viz: figsize must be (width, height) in inches, got {figsize!r}") from None
    if not (w > 0 and h > 0):
        raise ArgumentError(f"viz: figsize must be positive, got {figsize!r}")
    if not (isinstance(dpi, (int, float)) and dpi > 0):
        raise ArgumentError(f"viz: dpi must be a positive number, got {dpi!r}")


def finish(fig: Any, path: str | os.PathLike | None) -> Any:
    """Save ``fig`` to ``path`` (parent folders created; format from the suffix, PNG by default) and return it.

    The image is exactly ``figsize × dpi`` pixels: no ``bbox_inches="tight"`` cropping.
    """
    if path is not None:
        path = Path(os.fspath(path))
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        fmt = path.suffix[1:].lower() or "png"
        fig.savefig(path, dpi=fig.dpi, format=fmt)
    return fig


def close(fig: Any) -> None:
    """Release a figure made by :func:`new_figure` (only pyplot-managed figures need it)."""
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        plt.close(fig)


def as_array(x: Any) -> np.ndarray:
    """A NumPy array from a Tensor, an array or a list."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def image_2d(img: np.ndarray, who: str) -> tuple[np.ndarray, str | None]:
    """One image as something ``imshow`` takes: ``(H, W)`` with a grey colormap, or ``(H, W, 3)`` RGB.

    Accepts ``(H, W)``, ``(1, H, W)``, ``(3, H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` and a leading batch axis of 1.
    """
    a = np.asarray(img, dtype=np.float64)
    while a.ndim > 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = np.moveaxis(a, 0, -1)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return a, "gray"
    if a.ndim == 3 and a.shape[-1] == 3:
        lo, hi = np.nanmin(a), np.nanmax(a)
        if lo < 0 or hi > 1:  # standardised data: rescale for display
            a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
        return a, None
    raise ShapeError(f"{who}: expected an image (H, W), (1, H, W) or (3, H, W), got shape {np.shape(img)}")


def grid_shape(n: int, max_cols: int = 8) -> tuple[int, int]:
    """Rows and columns of a near-square grid holding ``n`` panels, at most ``max_cols`` wide."""
    cols = max(1, min(max_cols, int(np.ceil(np.sqrt(n)))))
    rows = max(1, int(np.ceil(n / cols)))
    return rows, cols
