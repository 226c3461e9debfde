"""``model.summary(input_shape)``: one forward pass, a table of layers, output shapes, parameters and MACs.

Counting rules (multiply-accumulates, MACs; 1 MAC ≈ 2 FLOPs), for the batch that was run:

- ``Conv2d``: ``N · C_out · H_out · W_out · (C_in / groups) · kH · kW`` (the bias add is not counted);
- ``Linear``: ``N · in_features · out_features`` (for inputs ``(*, in)``: every output element costs ``in``);
- everything else (pooling, activations, BatchNorm, Dropout, Flatten, losses): 0. They do no multiply-adds worth
  counting next to the convolutions and matrix products; their cost is memory traffic, not arithmetic.

Rows list the modules that ran, in call order: every leaf module, and any container that owns parameters directly.
A module called twice gets two rows; its parameters are counted in the first. Totals come from
``model.parameters()``, so a shared parameter counts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from numnet.autograd import no_grad
from numnet.errors import ArgumentError
from numnet import _validation as V
from numnet.tensor import Tensor

if TYPE_CHECKING:  # pragma: no cover
    from numnet.nn.module import Module

__all__ = ["Summary", "SummaryRow", "summary", "count_macs"]


@dataclass
class SummaryRow:
    """One layer call: its path in the model, class name, output shape, own parameter count and MACs."""

    name: str
    class_name: str
    output_shape: Any
    num_params: int
    macs: int


@dataclass
class Summary:
    """The result of :meth:`Module.summary`; ``str(summary)`` is the table."""

    model_name: str
    input_shape: tuple[int, ...]
    output_shape: Any
    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_macs: int = 0
    param_bytes: int = 0

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        header = ("Layer (type)", "Output shape", "Params", "MACs")
        body = [(f"{r.name} ({r.class_name})" if r.name else r.class_name, _shape_text(r.output_shape),
                 f"{r.num_params:,}", f"{r.macs:,}") for r in self.rows]
        widths = [max(len(row[i]) for row in [header] + body) for i in range(4)]
        total_width = sum(widths) + 3 * 4

        def line(cells: Sequence[str]) -> str:
            return (f"{cells[0]:<{widths[0]}}   {cells[1]:<{widths[1]}}   "
                    f"{cells[2]:>{widths[2]}}   {cells[3]:>{widths[3]}}").rstrip()

        out = [f"{self.model_name}: input {_shape_text(self.input_shape)} -> output {_shape_text(self.output_shape)}",
               "=" * total_width, line(header), "-" * total_width]
        out += [line(row) for row in body]
        out += ["=" * total_width,
                f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}",
                f"Total MACs: {self.total_macs:,} ({_human(self.total_macs)}MACs, "
                f"about {_human(2 * self.total_macs)}FLOPs)",
                f"Parameter memory: {self.param_bytes / 2**20:.2f} MiB",
                "=" * total_width]
        return "\n".join(out)

    def __repr__(self) -> str:
        return (f"Summary({self.model_name}, input_shape={self.input_shape}, total_params={self.total_params:,}, "
                f"total_macs={self.total_macs:,})")


def _shape_text(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join(str(n) for n in shape) + ")" if isinstance(shape, tuple) else str(shape)


def _human(n: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n:g} "


def count_macs(module: "Module", inputs: tuple, output: Any) -> int:
    """Multiply-adds of one call of ``module`` by the rules in this module's docstring."""
    from numnet.nn.conv import Conv2d
    from numnet.nn.linear import Linear

    if not isinstance(output, Tensor):
        return 0
    if isinstance(module, Conv2d):
        kh, kw = module.kernel_size
        return int(output._data.size) * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, Linear):
        return int(output._data.size) * module.in_features
    return 0


def _output_shape(out: Any) -> Any:
    if isinstance(out, Tensor):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        return [_output_shape(o) for o in out]
    return type(out).__name__


def summary(model: "Module", input_shape: Sequence[int], print_fn: Callable[[str], Any] | None = print, *,
            includes_batch: bool = False, dtype: Any = None) -> Summary:
    """Run ``model`` once on zeros and tabulate each layer's output shape, parameters and MACs.

    The pass runs under ``no_grad`` in evaluation mode (so BatchNorm statistics are not touched); every module's
    training flag is restored afterwards.

    Args:
        model: the module to describe.
        input_shape: the shape of one sample, e.g. ``(1, 28, 28)``; a batch of 1 is prepended. With
            ``includes_batch=True`` it is the full input shape, e.g. ``(64, 1, 28, 28)`` (MACs then scale with N).
        print_fn: called once with the table; None prints nothing.
        includes_batch: see ``input_shape``.
        dtype: dtype of the zeros input; defaults to the model's first floating parameter's dtype (else float32).

    Returns:
        A :class:`Summary` (``rows``, ``total_params``, ``trainable_params``, ``total_macs``); ``str()`` is the table.

    Raises:
        ArgumentError: ``input_shape`` is not a sequence of positive ints.
        Whatever the model raises for that input (with the failing layer's path).

    >>> from numnet import models
    >>> s = models.LeNet5().summary((1, 28, 28), print_fn=None)
    >>> s.total_params, s.total_macs
    (61706, 416520)
    """
    if V.is_int(input_shape):
        input_shape = (int(input_shape),)
    if not isinstance(input_shape, (tuple, list)) or not input_shape \
            or not all(V.is_int(n) and n >= 1 for n in input_shape):
        raise ArgumentError(V.expected("summary", "input_shape", "a sequence of ints >= 1", input_shape))
    shape = tuple(int(n) for n in input_shape)
    if not includes_batch:
        shape = (1,) + shape
    if dtype is None:
        floats = [p.dtype for p in model.parameters() if p.dtype.kind == "f"]
        dtype = floats[0] if floats else np.float32
    x = Tensor(np.zeros(shape, dtype=dtype))

    rows: list[SummaryRow] = []
    seen: set[int] = set()
    handles = []

    def make_hook(path: str):
        def hook(module: "Module", inputs: tuple, output: Any) -> None:
            first = id(module) not in seen
            seen.add(id(module))
            own = sum(p._data.size for p in module.parameters(recurse=False)) if first else 0
            if module._modules and not own:
                return
            rows.append(SummaryRow(path, type(module).__name__, _output_shape(output), int(own),
                                   count_macs(module, inputs, output)))
        return hook

    modes = [(m, m.training) for m in model.modules()]
    try:
        for path, m in model.named_modules():
            handles.append(m.register_forward_hook(make_hook(path)))
        model.eval()
        with no_grad():
            out = model(x)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)

    params = list(model.parameters())
    result = Summary(
        model_name=type(model).__name__,
        input_shape=shape,
        output_shape=_output_shape(out),
        rows=rows,
        total_params=int(sum(p._data.size for p in params)),
        trainable_params=int(sum(p._data.size for p in params if p.requires_grad)),
        total_macs=int(sum(r.macs for r in rows)),
        param_bytes=int(sum(p._data.nbytes for p in params)),
    )
    if print_fn is not None:
        print_fn(str(result))
    return result
