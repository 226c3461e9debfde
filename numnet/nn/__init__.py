"""``numnet.nn``: modules, layers, losses and initialisation, with PyTorch's names and state_dict keys.

>>> import numnet
>>> from numnet import nn
>>> net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1176, 10))
>>> net(numnet.zeros(8, 1, 28, 28)).shape
(8, 10)
>>> list(net.state_dict())
['0.weight', '0.bias', '4.weight', '4.bias']
"""

from numnet.nn import functional, init, utils
from numnet.nn.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from numnet.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from numnet.nn.conv import Conv2d
from numnet.nn.linear import Dropout, Flatten, Identity, Linear
from numnet.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from numnet.nn.module import IncompatibleKeys, Module, Parameter, RemovableHandle
from numnet.nn.normalization import BatchNorm1d, BatchNorm2d
from numnet.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from numnet.nn.summary import Summary, SummaryRow

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "IncompatibleKeys", "RemovableHandle",
    "Conv2d", "Linear", "Flatten", "Dropout", "Identity",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss",
    "Summary", "SummaryRow", "init", "functional", "utils",
]
