"""The training loop's logs: sample-weighted running means of the step logs and metrics, the current rate.

Private to :mod:`numnet.train`.
"""

from __future__ import annotations

import math
from typing import Any

from numnet.metrics import Metric
from numnet.tensor import Tensor


def _first_lr(optimizer: Any) -> float:
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else math.nan


_NOT_AVERAGED = ("output", "target", "size")  # step-log keys that are metric inputs, not values to average


def _scalar(value: Any) -> float:
    return float(value._data) if isinstance(value, Tensor) else float(value)


class _Running:
    """Sample-weighted running means of the step logs (loss, extra values) and the metrics over one pass."""

    def __init__(self, metrics: dict[str, Metric], with_loss: bool) -> None:
        self.metrics = metrics
        # Metrics that are not means of batch values (precision, recall, F1) accumulate over the pass instead.
        self.accumulators = {name: fn.accumulator() for name, fn in metrics.items() if hasattr(fn, "accumulator")}
        self.count = 0
        self.sums: dict[str, float] = dict.fromkeys((["loss"] if with_loss else []) + list(metrics), 0.0)
        self._counts: dict[str, int] = {}  # samples behind each extra key a custom step returns (maybe not always)

    def update(self, step: dict[str, Any]) -> dict[str, float]:
        output, target = step.get("output"), step.get("target")
        if "size" in step:
            n = int(step["size"])
        else:
            n = int(output.shape[0]) if output is not None and output.ndim else 1
        self.count += n
        for key, value in step.items():
            if key in _NOT_AVERAGED or value is None:
                continue
            if key not in self.sums:
                self.sums[key] = 0.0
                self._counts[key] = 0
            self.sums[key] += _scalar(value) * n
            if key in self._counts:
                self._counts[key] += n
        if self.metrics and output is not None and target is not None:
            out, tgt = output._data, target._data
            for name, fn in self.metrics.items():
                if name in self.accumulators:
                    self.accumulators[name].update(out, tgt)
                else:
                    self.sums[name] += float(fn(out, tgt)) * n
        logs = self.result()
        logs["size"] = n
        return logs

    def result(self) -> dict[str, float]:
        if self.count == 0:
            return {k: math.nan for k in self.sums}
        logs = {k: v / self._counts.get(k, self.count) for k, v in self.sums.items()}
        logs.update({k: acc.value() for k, acc in self.accumulators.items()})
        return logs
