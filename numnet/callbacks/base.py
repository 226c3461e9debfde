"""The callback protocol: :class:`Callback` (the hooks), :class:`CallbackList` (many as one) and log formatting."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np

from numnet.errors import ArgumentError

if TYPE_CHECKING:  # pragma: no cover
    from numnet.train import Trainer

Logs = dict[str, Any]

# Where a callback runs among the others (``Callback.order``, lower first; equal orders keep the given order).
ORDER_HISTORY = -30
""":class:`~numnet.callbacks.History`: first, so every later callback sees this epoch in ``trainer.history``."""
ORDER_PROGRESS = -20
""":class:`~numnet.callbacks.ProgressBar`: closes the epoch's bar before later callbacks print their messages."""
ORDER_SCHEDULE = -10
"""Schedule callbacks: the rate they set or step is the one user callbacks and checkpoints see."""
ORDER_DEFAULT = 0
"""User callbacks, :class:`~numnet.callbacks.EarlyStopping`, :class:`~numnet.callbacks.CSVLogger`, ..."""
ORDER_CHECKPOINT = 10
""":class:`~numnet.callbacks.ModelCheckpoint`: last, so a checkpoint holds every other callback's epoch-end state."""


class Callback:
    """Base class: override the hooks you need; all of them do nothing by default.

    **Order.** A :class:`CallbackList` (what ``fit`` and ``evaluate`` call) calls its members by their ``order``,
    lower first, and callbacks of equal order in the order they were given. The built-ins, first to last:

    * ``ORDER_HISTORY`` (-30): ``History``, so later callbacks find this epoch in ``trainer.history``;
    * ``ORDER_PROGRESS`` (-20): ``ProgressBar``, so the epoch's line is out before other callbacks print;
    * ``ORDER_SCHEDULE`` (-10): ``LRSchedulerCallback``, ``LearningRateScheduler``, so the rate they set or step is
      the one the rest of the run sees;
    * ``ORDER_DEFAULT`` (0): your callbacks, ``EarlyStopping``, ``TerminateOnNaN``, ``CSVLogger``, as given;
    * ``ORDER_CHECKPOINT`` (10): ``ModelCheckpoint``, so a checkpoint holds every other callback's epoch-end state.

    Set ``order`` on a subclass (or an instance) to run elsewhere, e.g. ``order = ORDER_CHECKPOINT + 1`` to run
    after the checkpoint of the epoch is written.

    Attributes:
        trainer: the :class:`numnet.train.Trainer` running the loop (set before ``on_train_begin``).
        order: where the callback runs among the others (see above); ``ORDER_DEFAULT`` unless a subclass sets it.
        rank_zero_only: under ``fit(..., distributed=True)``, run only on rank 0 (True for the callbacks that print
            or write files: ``ProgressBar``, ``CSVLogger``, ``ModelCheckpoint``, ``LivePlot``). Every rank gets the
            same epoch logs (reduced over the ranks), so the others, such as ``EarlyStopping``, run everywhere.
    """

    trainer: "Trainer | None" = None
    order: int = ORDER_DEFAULT
    rank_zero_only: bool = False

    def set_trainer(self, trainer: "Trainer") -> None:
        self.trainer = trainer

    @property
    def model(self) -> Any:
        """The model being trained (``self.trainer.model``)."""
        return None if self.trainer is None else self.trainer.model

    # State carried in a checkpoint so a resumed run continues exactly (e.g. EarlyStopping's patience counter).
    def state_dict(self) -> dict[str, Any]:
        """JSON-serialisable state saved in resume checkpoints (empty for stateless callbacks)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (a resumed run calls it right after ``on_train_begin``)."""

    def on_train_begin(self, logs: Logs | None = None) -> None: ...
    def on_train_end(self, logs: Logs | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_begin(self, logs: Logs | None = None) -> None: ...
    def on_test_end(self, logs: Logs | None = None) -> None: ...
    def on_test_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_test_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_begin(self, logs: Logs | None = None) -> None: ...
    def on_predict_end(self, logs: Logs | None = None) -> None: ...
    def on_predict_batch_begin(self, batch: int, logs: Logs | None = None) -> None: ...
    def on_predict_batch_end(self, batch: int, logs: Logs | None = None) -> None: ...


_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]


class CallbackList(Callback):
    """Several callbacks called as one, each hook in :attr:`Callback.order` (ties in the given order).

    ``state_dict`` keys each member's state by class name (``EarlyStopping``, ``EarlyStopping_1``, ...), so a resumed
    run restores the state of the callbacks it is given, matched by class and order.

    Attributes:
        callbacks: the members, sorted by ``order`` (a stable sort).
    """

    def __init__(self, callbacks: Iterable[Callback] = (), trainer: "Trainer | None" = None) -> None:
        members: list[Callback] = []
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise ArgumentError(f"callbacks: expected numnet.callbacks.Callback instances, got {type(cb).__name__}")
            members.append(cb)
        self.callbacks: list[Callback] = sorted(members, key=lambda cb: cb.order)
        if trainer is not None:
            self.set_trainer(trainer)

    def set_trainer(self, trainer: "Trainer") -> None:
        self.trainer = trainer
        for cb in self.callbacks:
            cb.set_trainer(trainer)

    def _keys(self) -> list[str]:
        seen: dict[str, int] = {}
        keys = []
        for cb in self.callbacks:
            name = type(cb).__name__
            k = seen.get(name, 0)
            seen[name] = k + 1
            keys.append(name if k == 0 else f"{name}_{k}")
        return keys

    def state_dict(self) -> dict[str, Any]:
        out = {}
        for key, cb in zip(self._keys(), self.callbacks):
            state = cb.state_dict()
            if state:
                out[key] = state
        return out

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, cb in zip(self._keys(), self.callbacks):
            if key in state:
                cb.load_state_dict(state[key])

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)


def _make_dispatch(name: str) -> Callable[..., None]:
    def dispatch(self: CallbackList, *args: Any, **kwargs: Any) -> None:
        for cb in self.callbacks:
            getattr(cb, name)(*args, **kwargs)

    dispatch.__name__ = name
    return dispatch


for _name in _HOOKS:
    setattr(CallbackList, _name, _make_dispatch(_name))


# ---------------------------------------------------------------------------------------------------- log values
def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _fmt(value: Any) -> str:
    """A log value for people: 4 significant decimals, or scientific notation for small numbers like lr."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    v = _to_float(value)
    if v != 0 and math.isfinite(v) and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.3e}"
    return f"{v:.4f}"
