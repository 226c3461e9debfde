"""Jupyter for real: examples/train_in_jupyter.ipynb is executed in an IPython kernel with nbclient, and its outputs
show what a notebook user sees: fit's progress bar as a live tqdm widget, LivePlot's figure updated in place (one
image), and every plot cell displaying its figure exactly once (with and without pyplot imported)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "train_in_jupyter.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


def _images(cell) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.outputs)


def test_the_example_notebook_runs_with_widgets_and_single_figures(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    env_path = os.pathsep.join([str(NOTEBOOK.parents[1]), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path  # the kernel imports this checkout's numnet
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    setup, fit_cell, plot_cell, pyplot_cell, confusion_cell = code
    assert not any(out.get("output_type") == "error" for c in code for out in c.outputs)
    # fit: one tqdm widget per epoch (2 epochs), no carriage-return text bars, and LivePlot's single image
    widgets = [out for out in fit_cell.outputs if WIDGET in out.get("data", {})]
    assert len(widgets) == 2, [out.get("data", {}).keys() for out in fit_cell.outputs]
    assert not any("\r" in out.get("text", "") for out in fit_cell.outputs)
    assert _images(fit_cell) == 1  # updated in place after each epoch, not appended
    for cell in (plot_cell, pyplot_cell, confusion_cell):
        assert _images(cell) == 1, [out.get("data", {}).keys() for out in cell.outputs]
        assert not any("<Figure size" in str(out.get("data", {}).get("text/plain", "")) and
                       "image/png" not in out.get("data", {}) for out in cell.outputs)
    text = "".join(out.get("text", "") for out in confusion_cell.outputs)
    assert "test accuracy 0." in text
    assert sys.executable  # the kernel is this interpreter's ipykernel (nbclient's default "python3" spec)
