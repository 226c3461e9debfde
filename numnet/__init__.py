"""numnet: a deep-learning library in NumPy that reads like a textbook and trains real CNNs.

>>> import numnet
>>> import numnet.functional as F
>>> x = numnet.tensor([[1.0, -2.0]], requires_grad=True)
>>> F.relu(x).sum().backward()
>>> x.grad
tensor([[1., 0.]])
"""

from numnet._runtime import configure_blas_threads as _configure_blas_threads

_configure_blas_threads()  # before NumPy loads OpenBLAS, which reads its settings once, at load

import numpy as np  # noqa: E402

from numnet._runtime import configure_allocator as _configure_allocator  # noqa: E402

_configure_allocator()

from numnet.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from numnet.errors import (
    ArgumentError,
    DataNotFoundError,
    DTypeError,
    ExportError,
    FileFormatError,
    GradcheckError,
    DeviceError,
    InPlaceError,
    NumnetError,
    ShapeError,
    UnsupportedOpError,
)
from numnet.random import (
    Generator,
    get_rng_state,
    manual_seed,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    set_rng_state,
)
from numnet.tensor import Tensor
from numnet.creation import (
    arange,
    as_tensor,
    cat,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    maximum,
    minimum,
    ones,
    ones_like,
    pad,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

# PyTorch's top-level math, reduction, comparison and shape functions (``numnet.sin(x)``); see numnet/functions.py.
from numnet import functions as _functions  # noqa: E402
from numnet.functions import *  # noqa: E402,F401,F403

__version__ = "0.1.0"

float32 = np.float32
float64 = np.float64
float16 = np.float16
int64 = np.int64
int32 = np.int32
uint8 = np.uint8
bool_ = np.bool_
int16 = np.int16
int8 = np.int8
# PyTorch's short dtype names. They are attributes (``numnet.float``) but not star-exported, since
# ``from numnet import *`` would otherwise shadow Python's ``float``, ``int`` and ``bool``.
float = np.float32  # noqa: A001
double = np.float64
half = np.float16
long = np.int64
int = np.int32  # noqa: A001
short = np.int16
bool = np.bool_  # noqa: A001
_SHORT_DTYPE_NAMES = ("float", "double", "half", "long", "int", "short", "bool")

from numnet.device import device  # noqa: E402
from numnet import accelerator, backends, cuda  # noqa: E402,F401

# Subpackages a user reaches as ``numnet.nn``, ``numnet.optim``, ...; ``numnet.io``'s functions also at top level.
from numnet import functional, kernels, linalg, models, nn, optim  # noqa: E402,F401
from numnet.io import (  # noqa: E402,F401
    load,
    load_checkpoint,
    load_metadata,
    load_model,
    save,
    save_checkpoint,
    save_model,
)
from numnet import onnx  # noqa: E402  (ONNX export/import; the onnx package itself is imported only when used)

# The public API: what ``from numnet import *`` gives (tests/test_namespace.py checks it). Submodules that are only
# imported along the way (autograd, creation, dtypes, errors, ops) are reachable as ``numnet.X`` but not star-exported;
# nor are ``io`` and ``random``, which would shadow the standard library's modules (their functions are listed).
__all__ = [
    # tensors and their creation
    "Tensor", "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like", "arange",
    "empty", "empty_like", "full_like", "eye", "linspace", "logspace",
    # free functions
    "cat", "stack", "pad",
    *_functions.__all__,
    # dtypes
    "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool_",
    # devices (the CPU only)
    "device", "DeviceError",
    # autograd switches
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    # random numbers
    "manual_seed", "Generator", "get_rng_state", "set_rng_state", "rand", "randn", "randint", "randperm",
    "rand_like", "randn_like", "randint_like", "normal",
    # saving and loading
    "save", "load", "save_model", "load_model", "load_metadata", "save_checkpoint", "load_checkpoint",
    # errors
    "NumnetError", "ShapeError", "DTypeError", "ArgumentError", "FileFormatError", "DataNotFoundError",
    "GradcheckError", "InPlaceError", "ExportError", "UnsupportedOpError",
    # subpackages
    "functional", "kernels", "linalg", "models", "nn", "optim",
]
