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
from numnet.nn.activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid,
                                  LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmax2d, Softplus,
                                  Softsign, Tanh, Tanhshrink, Threshold)
from numnet.nn.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from numnet.nn.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from numnet.nn.dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d
from numnet.nn.flatten import Unflatten
from numnet.nn.linear import Dropout, Flatten, Identity, Linear
from numnet.nn.loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from numnet.nn.module import IncompatibleKeys, Module, Parameter, RemovableHandle
from numnet.nn.normalization import (BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d,
                                     LayerNorm, SyncBatchNorm)
from numnet.nn.padding import (CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d,
                               ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, ZeroPad1d, ZeroPad2d)
from numnet.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d,
                               AvgPool2d, MaxPool1d, MaxPool2d)
from numnet.nn.sparse import Embedding
from numnet.nn.summary import Summary, SummaryRow
from numnet.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "IncompatibleKeys", "RemovableHandle",
    "Conv2d", "Conv1d", "ConvTranspose2d", "ConvTranspose1d", "Linear", "Flatten", "Dropout", "Identity",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxPool1d", "AvgPool1d",
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "BatchNorm1d", "BatchNorm2d", "SyncBatchNorm",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "Softmax2d", "ELU", "SELU", "CELU", "SiLU", "Mish", "Softplus", "LogSigmoid", "Hardtanh", "ReLU6", "Hardsigmoid",
    "Hardswish", "Softsign", "Tanhshrink", "Threshold", "PReLU",
    "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Unflatten", "Embedding",
    "LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCEWithLogitsLoss", "BCELoss",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d",
    "ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d",
    "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d",
    "Summary", "SummaryRow", "init", "functional", "utils",
]
