"""Learning-rate schedulers with ``torch.optim.lr_scheduler``'s names, arguments and exact values.

Call ``scheduler.step()`` once per epoch (or per batch for :class:`OneCycleLR`) *after* ``optimizer.step()``.
Each scheduler writes the new rate into every ``optimizer.param_groups[i]['lr']``; ``get_last_lr()`` returns them.
Chainable schedulers use PyTorch's recursive formulas (each value computed from the group's current ``lr``), so the
sequences agree with PyTorch's to the last bit.

``state_dict()`` holds only plain Python values (numbers, strings, lists, dicts), ready for JSON.

Note:
    PyTorch's deprecated ``step(epoch)`` argument (kept only by CosineAnnealingWarmRestarts, where it is not
    deprecated) and its warnings about calling ``scheduler.step()`` before
    ``optimizer.step()`` are not implemented.

Modules: ``_base`` (:class:`LRScheduler`, the shared argument checks and checkpoints), ``_step`` (StepLR,
MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR), ``_lambda`` (LambdaLR, MultiplicativeLR),
``_cyclic`` (CosineAnnealingLR, CosineAnnealingWarmRestarts, OneCycleLR, CyclicLR), ``_plateau``
(ReduceLROnPlateau), ``_composite`` (SequentialLR, ChainedScheduler). Every public name is importable from
``numnet.optim.lr_scheduler``.
"""

from numnet.optim.lr_scheduler._base import LRScheduler
from numnet.optim.lr_scheduler._composite import ChainedScheduler, SequentialLR
from numnet.optim.lr_scheduler._cyclic import CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR
from numnet.optim.lr_scheduler._lambda import LambdaLR, MultiplicativeLR
from numnet.optim.lr_scheduler._plateau import ReduceLROnPlateau
from numnet.optim.lr_scheduler._step import ConstantLR, ExponentialLR, LinearLR, MultiStepLR, PolynomialLR, StepLR

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "OneCycleLR", "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]
