"""Every layer in one namespace (``from numnet.nn.layers import Conv2d``).

The layers live in one file per concern: :mod:`numnet.nn.conv`, :mod:`numnet.nn.pooling`,
:mod:`numnet.nn.activation`, :mod:`numnet.nn.linear` (Linear, Flatten, Dropout, Identity),
:mod:`numnet.nn.normalization`, :mod:`numnet.nn.dropout` (channel and alpha dropout), :mod:`numnet.nn.flatten`
(Unflatten) and :mod:`numnet.nn.sparse` (Embedding).
"""

from numnet.nn.activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid,
                                  LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmax2d, Softplus,
                                  Softsign, Tanh, Tanhshrink, Threshold)
from numnet.nn.conv import Conv2d
from numnet.nn.dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d
from numnet.nn.flatten import Unflatten
from numnet.nn.linear import Dropout, Flatten, Identity, Linear
from numnet.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from numnet.nn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from numnet.nn.sparse import Embedding

__all__ = ["Conv2d", "Linear", "Flatten", "Dropout", "Identity", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
           "BatchNorm1d", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
           "Softmax2d", "ELU", "SELU", "CELU", "SiLU", "Mish", "Softplus", "LogSigmoid", "Hardtanh", "ReLU6",
           "Hardsigmoid", "Hardswish", "Softsign", "Tanhshrink", "Threshold", "PReLU",
           "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Unflatten", "Embedding",
           "LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d"]
