"""numnet's exception types.

Every error a user can trigger through the public API is one of these. Each subclasses the built-in exception a
Python user would expect (``ValueError`` for bad values and shapes, ``TypeError`` for bad types/dtypes), so
``except ValueError`` keeps working, while ``except numnet.NumnetError`` catches everything numnet raises on purpose.
"""

from __future__ import annotations


class NumnetError(Exception):
    """Base class of all errors numnet raises on purpose."""


class ShapeError(NumnetError, ValueError):
    """An array has the wrong number of dimensions or the wrong sizes."""


class DTypeError(NumnetError, TypeError):
    """An array has a dtype the operation cannot use (e.g. an integer input where a float is needed)."""


class ArgumentError(NumnetError, ValueError):
    """An argument has an invalid value (stride 0, negative padding, unknown option, ...)."""


class FileFormatError(NumnetError, ValueError):
    """A file is truncated, corrupt, or not in the expected format."""


class DataNotFoundError(NumnetError, FileNotFoundError):
    """A data set is not on this machine; the message says how to get it."""


class GradcheckError(NumnetError, AssertionError):
    """Autograd's gradient disagrees with finite differences."""


class DeviceError(ArgumentError):
    """A device numnet does not have was asked for (numnet runs on the CPU only)."""


class InPlaceError(NumnetError, RuntimeError):
    """An in-place operation autograd cannot allow: on a leaf that requires grad while gradients are recorded, or
    on a tensor that a recorded op saved for backward (found when ``backward`` runs, as in PyTorch)."""


class IndexOutOfRangeError(ArgumentError, IndexError):
    """An index past the end of a dimension (``x[10]`` on a tensor of 2 rows); also an ``IndexError``, so Python's
    iteration protocol and ``except IndexError`` keep working, as with PyTorch."""


class ExportError(NumnetError, ValueError):
    """A model cannot be written to a file format (an op ONNX cannot express, control flow that depends on the
    input's values); the message names the op and its place in the model."""


class UnsupportedOpError(ArgumentError):
    """A model uses operators numnet cannot run (raised by ``numnet.onnx.load``, listing every one at once)."""
