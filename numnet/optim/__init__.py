"""``numnet.optim``: optimizers and learning-rate schedulers with ``torch.optim``'s names, defaults and updates.

>>> import numnet.optim
>>> w = numnet.tensor([3.0], requires_grad=True)
>>> opt = numnet.optim.SGD([w], lr=0.25)
>>> sched = numnet.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> for _ in range(2):
...     opt.zero_grad()
...     (w * w).sum().backward()
...     opt.step()
...     sched.step()
>>> w, sched.get_last_lr()
(tensor([1.125], requires_grad=True), [0.0625])
"""

from numnet.optim import lr_scheduler
from numnet.optim.adadelta import Adadelta
from numnet.optim.adagrad import Adagrad
from numnet.optim.adam import Adam, AdamW
from numnet.optim.adamax import Adamax
from numnet.optim.asgd import ASGD
from numnet.optim.nadam import NAdam
from numnet.optim.optimizer import Optimizer
from numnet.optim.radam import RAdam
from numnet.optim.rmsprop import RMSprop
from numnet.optim.rprop import Rprop
from numnet.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad", "Adamax", "NAdam", "RAdam",
           "ASGD", "Rprop", "lr_scheduler"]
