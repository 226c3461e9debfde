"""Every layer in one namespace (``from numnet.nn.layers import Conv2d``).

The layers live in one file per concern: :mod:`numnet.nn.conv`, :mod:`numnet.nn.pooling`,
:mod:`numnet.nn.activation`, :mod:`numnet.nn.linear` (Linear, Flatten, Dropout, Identity) and
:mod:`numnet.nn.normalization`.
"""

from numnet.nn.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from numnet.nn.conv import Conv2d
from numnet.nn.linear import Dropout, Flatten, Identity, Linear
from numnet.nn.normalization import BatchNorm1d, BatchNorm2d
from numnet.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d

__all__ = ["Conv2d", "Linear", "Flatten", "Dropout", "Identity", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
           "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax"]
