"""PyTorch's top-level math, reduction, comparison, product and shape functions: ``numnet.sin(x)``, ``numnet.max(x,
1)``, ``numnet.flatten(x, 1)``, ... Each checks that ``input`` is a Tensor (naming the function) and calls the Tensor
method of the same name, where the argument checks and the math are documented; ``numnet.X`` and ``x.X`` therefore
give the same results and errors.
"""

from __future__ import annotations

from typing import Any, Callable

from numnet import _validation as V
from numnet.creation import einsum, maximum, minimum, where  # noqa: F401  (re-exported with the rest)
from numnet.tensor import Tensor


def _as_function(name: str, method_name: str | None = None) -> Callable[..., Any]:
    """A free function ``name(input, *args, **kwargs)`` that checks ``input`` and calls ``input.<method>``."""
    method = getattr(Tensor, method_name or name)

    def function(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        return method(V.tensor(input, name), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``numnet.{name}(input, ...)`` is ``input.{method_name or name}(...)``.\n\n" + \
        (method.__doc__ or "")
    return function


_NAMES = (
    # elementwise math
    "exp", "log", "sqrt", "abs", "sin", "cos", "tan", "tanh", "erf", "sigmoid", "log1p", "expm1", "rsqrt", "reciprocal",
    "square", "neg", "negative", "sign", "floor", "ceil", "round", "clamp", "clip", "clamp_min", "clamp_max",
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder",
    "fmod", "softmax", "log_softmax",
    # reductions
    "sum", "mean", "var", "std", "prod", "cumsum", "logsumexp", "amax", "amin", "max", "min", "argmax", "argmin",
    "any", "all",
    # comparisons and tests
    "eq", "ne", "lt", "le", "gt", "ge", "not_equal", "less", "less_equal", "greater", "greater_equal", "equal",
    "isclose", "allclose", "isnan", "isinf", "isfinite",
    # products
    "matmul", "dot", "mm", "bmm", "outer", "ger",
    # shape
    "reshape", "flatten", "unflatten", "permute", "transpose", "swapaxes", "swapdims", "movedim", "moveaxis",
    "squeeze", "unsqueeze", "t", "narrow", "split", "chunk", "unbind", "flip", "tile", "roll", "numel",
    # selection and sorting (numnet/_tensor_select.py)
    "topk", "sort", "argsort", "msort", "gather", "scatter", "scatter_add", "index_select", "take_along_dim",
    "masked_fill", "masked_select", "nonzero", "argwhere", "count_nonzero", "norm", "cumprod", "cummax", "cummin",
    "trace",
)


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001,A002
    """``input ** exponent``; either side may be a number (not both)."""
    if not isinstance(input, Tensor):
        return V.tensor(exponent, "pow", "exponent").__rpow__(input)
    return input ** exponent


def _export() -> None:
    for name in _NAMES:
        globals()[name] = _as_function(name)


_export()
relu = _as_function("relu")  # torch.relu; the other activations are in numnet.functional

__all__ = list(_NAMES) + ["pow", "where", "einsum", "maximum", "minimum", "relu"]
