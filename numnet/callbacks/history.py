"""The :class:`History` callback: every epoch's logs, what :func:`numnet.train.fit` returns."""

from __future__ import annotations

import math
from typing import Any

from numnet.callbacks.base import ORDER_HISTORY, Callback, Logs, _to_float


class History(Callback):
    """Records each epoch's logs; :func:`numnet.train.fit` returns it.

    Attributes:
        history: ``{"loss": [...], "accuracy": [...], "val_loss": [...], "val_accuracy": [...], "lr": [...]}``,
            one value per epoch (a key missing in some epoch gets ``nan`` there, so all lists stay aligned).
        epoch: the 0-based index of each recorded epoch.
        params: ``{"epochs", "steps", "samples", "batch_size", "verbose"}`` of the run.

    Example:
        >>> h = History()
        >>> h.on_epoch_end(0, {"loss": 0.5}); h.on_epoch_end(1, {"loss": 0.25})
        >>> h.history, h.epoch
        ({'loss': [0.5, 0.25]}, [0, 1])
    """

    order = ORDER_HISTORY  # first: callbacks after it (checkpoints included) see this epoch in the history

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.params: dict[str, Any] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        if self.trainer is not None:
            self.params = dict(self.trainer.params)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        n_before = len(self.epoch)
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            self.history.setdefault(key, [math.nan] * n_before).append(_to_float(value))
        for values in self.history.values():
            if len(values) < n_before + 1:
                values.append(math.nan)

    def to_dict(self) -> dict[str, Any]:
        """``{"epoch": [...], "history": {...}}``, JSON-serialisable (used by resume checkpoints)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    def load_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`to_dict` returned."""
        self.epoch = [int(e) for e in state.get("epoch", [])]
        self.history = {k: [float(x) for x in v] for k, v in state.get("history", {}).items()}

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"
