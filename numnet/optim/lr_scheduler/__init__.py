"""Learning-rate schedulers with ``torch.optim.lr_scheduler``'s names, arguments and exact values.

Call ``scheduler.step()`` once per epoch (or per batch for :class:`OneCycleLR`) *after* ``optimizer.step()``.
Each scheduler writes the new rate into every ``optimizer.param_groups[i]['lr']``; ``get_last_lr()`` returns them.
Chainable schedulers use PyTorch's recursive formulas (each value computed from the group's current ``lr``), so the
sequences agree with PyTorch's to the last bit.

``state_dict()`` holds only plain Python values (numbers, strings, lists, dicts), ready for JSON.

Note:
    PyTorch's deprecated ``step(epoch)`` argument and its warnings about calling ``scheduler.step()`` before
    ``optimizer.step()`` are not implemented.

Modules: ``_base`` (:class:`LRScheduler`, the shared argument checks and checkpoints), ``_step`` (StepLR,
MultiStepLR, ExponentialLR), ``_cyclic`` (CosineAnnealingLR, OneCycleLR), ``_plateau`` (ReduceLROnPlateau). Every
public name is importable from ``numnet.optim.lr_scheduler``.
"""

from numnet.optim.lr_scheduler._base import LRScheduler
from numnet.optim.lr_scheduler._cyclic import CosineAnnealingLR, OneCycleLR
from numnet.optim.lr_scheduler._plateau import ReduceLROnPlateau
from numnet.optim.lr_scheduler._step import ExponentialLR, MultiStepLR, StepLR

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR",
           "ReduceLROnPlateau"]
