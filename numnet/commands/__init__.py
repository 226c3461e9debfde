"""The training subcommands of the ``numnet`` command line: ``train``, ``evaluate``, ``predict``, ``summary``,
``export``.

One module per command (``train.py``, ``evaluate.py``, ``predict.py``, ``summary.py``, ``export.py``), each with
``add_arguments(parser)``, ``run(args) -> int`` and the :class:`~numnet._command.Command` ``COMMAND`` built from them;
:data:`COMMANDS` lists them for :mod:`numnet.cli`; what they share is in ``_common.py``. Heavy modules are imported
inside the ``run`` functions so ``numnet --help`` stays fast. User errors are raised as
:class:`numnet.errors.NumnetError` / ``FileNotFoundError``; :func:`numnet.cli.main` turns them into one line
``numnet: error: ...`` and exit status 2.

Examples::

    numnet train --model lenet5 --dataset fashion-mnist --epochs 5 --batch-size 64 --lr 0.05 --momentum 0.9 \\
        --out runs/lenet5
    numnet train ... --epochs 8 --out runs/lenet5 --resume      # 3 more epochs from runs/lenet5/checkpoint.safetensors
    numnet evaluate runs/lenet5/model.safetensors --dataset fashion-mnist
    numnet predict runs/lenet5/model.safetensors shoe.png shirt.jpg
    numnet summary --model lenet5 --input-shape 1 28 28
    numnet export runs/lenet5/model.safetensors --onnx lenet5.onnx --numpy lenet5_numpy
"""

from __future__ import annotations

from numnet._command import Command
from numnet.commands import evaluate, export, predict, summary, train
from numnet.commands._common import check_file, load_model_file
from numnet.commands.predict import load_image

__all__ = ["COMMANDS", "check_file", "load_image", "load_model_file"]

COMMANDS: list[Command] = [train.COMMAND, evaluate.COMMAND, predict.COMMAND, summary.COMMAND, export.COMMAND]
"""The training commands, registered by :mod:`numnet.cli`."""
