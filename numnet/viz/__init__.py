"""``numnet.viz``: see inside the network as pictures (matplotlib, the optional extra ``pip install numnet[viz]``).

Every ``plot_*`` function returns the matplotlib Figure and, given ``path``, saves it there (PNG by default) at
exactly ``figsize × dpi`` pixels. matplotlib is imported only when a plot is drawn; without a display the Agg
canvas is used, and library code never calls ``plt.show()``.

* :func:`plot_history` — loss and accuracy per epoch (a ``History`` or a ``history.csv``).
* :func:`plot_filters` — the first convolution layer's filters.
* :func:`plot_feature_maps` — every conv/pool layer's output for one image; :func:`activations` gives the arrays.
* :func:`plot_confusion_matrix` / :func:`confusion_matrix` — which classes are mistaken for which.
* :func:`plot_mistakes` — the wrong predictions the model was most sure of.
* :func:`plot_lesson_convolution`, :func:`plot_lesson_pooling`, :func:`plot_lesson_activations` — the lesson's
  pictures, with its numbers.

The command line draws the same: ``numnet plot curves|filters|maps|confusion|mistakes|lesson`` (see
:mod:`numnet.viz.cli`).

>>> from numnet.models import LeNet5
>>> from numnet.viz import activations
>>> [(name, a.shape) for name, a in activations(LeNet5(), np.zeros((28, 28)))][0]  # doctest: +SKIP
('features.0', (1, 6, 28, 28))
"""

from numnet.viz._mpl import INSTALL_HINT
from numnet.viz.capture import activations, first_conv
from numnet.viz.evaluation import confusion_matrix, plot_confusion_matrix, plot_mistakes
from numnet.viz.lesson import plot_lesson_activations, plot_lesson_convolution, plot_lesson_pooling, save_lesson_plots
from numnet.viz.network import plot_feature_maps, plot_filters
from numnet.viz.live import LivePlot
from numnet.viz.training import plot_history, read_history

__all__ = [
    "LivePlot",
    "activations",
    "first_conv",
    "confusion_matrix",
    "plot_history",
    "read_history",
    "plot_filters",
    "plot_feature_maps",
    "plot_confusion_matrix",
    "plot_mistakes",
    "plot_lesson_convolution",
    "plot_lesson_pooling",
    "plot_lesson_activations",
    "save_lesson_plots",
    "INSTALL_HINT",
]
