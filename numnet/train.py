"""The training loop: :func:`fit`, :func:`evaluate`, :func:`predict`, and resuming from a checkpoint.

``fit`` is Keras-like: give it a model, data, a loss and an optimizer; it returns a :class:`~numnet.callbacks.History`.
It is the epoch loop plus callbacks. One step on one batch is :meth:`Trainer.train_step`, the PyTorch step every
tutorial writes (forward, loss, ``zero_grad``, ``backward``, ``step``) and the method to override; everything around
it (progress bar, history, checkpoints, early stopping, LR schedules, CSV logs) is a callback, called with a ``logs``
dict (see :mod:`numnet.callbacks`).

Example:
    >>> import numnet, numpy as np
    >>> from numnet import nn, optim
    >>> from numnet.train import fit, evaluate
    >>> x = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    >>> y = (x[:, 0] > 0).astype(np.int64)
    >>> model = nn.Linear(4, 2)
    >>> history = fit(model, (x, y), loss=nn.CrossEntropyLoss(), optimizer=optim.SGD(model.parameters(), lr=0.5),
    ...               epochs=5, batch_size=16, verbose=0)
    >>> sorted(history.history)
    ['accuracy', 'loss', 'lr']

**Resume.** A checkpoint (:meth:`Trainer.save_checkpoint`, or :class:`~numnet.callbacks.ModelCheckpoint`) holds the
model, optimizer and scheduler states, the number of finished epochs and optimizer steps, numnet's RNG state (which
the :class:`~numnet.data.DataLoader` shuffles with), the history and the callbacks' states. ``fit(...,
resume_from=path)`` restores all of it and continues with the next epoch, so 1 epoch + save + resume in a fresh
process + 1 epoch gives bit-for-bit the parameters of 2 uninterrupted epochs. Checkpoints are taken at epoch
boundaries only.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Sequence

import numpy as np

from numnet._train_data import (
    LossFn,
    _as_loader,
    _class_weighted,
    _split_validation,
    _default_generator,
    _len_or_none,
    _modes,
    _num_samples,
    _resolve_loss,
    _restore_modes,
    _unpack,
)
from numnet import _train_dist
from numnet._train_logs import _first_lr, _Running
from numnet.autograd import no_grad
from numnet.callbacks import Callback, CallbackList, History, LRSchedulerCallback, ProgressBar
from numnet.callbacks.schedule import check_interval
from numnet.errors import ArgumentError
from numnet.metrics import Metric, resolve_metrics
from numnet.tensor import Tensor

__all__ = ["Trainer", "fit", "evaluate", "predict"]

DEFAULT_BATCH_SIZE = 32
"""Batch size of :func:`fit` when it is given arrays or a dataset and no ``batch_size`` (as in Keras)."""
DEFAULT_EVAL_BATCH_SIZE = 256
"""Batch size of :func:`evaluate` and :func:`predict` by default (no gradients, so larger batches are cheap)."""

# ---------------------------------------------------------------------------------------------------- Trainer
class Trainer:
    """One training run's state and its steps: :meth:`train_step` is the loop's extension point.

    :func:`fit` creates one; use the class directly to keep the state between calls (e.g. ``trainer.fit(...)`` then
    ``trainer.evaluate(test)``). Callbacks read it as ``self.trainer``. Subclass it and override :meth:`train_step`
    (or :meth:`test_step`, :meth:`predict_step`) for gradient clipping, several losses or any other step; the epoch
    loop, the logs and the callbacks stay the same.

    Args:
        model: a :class:`numnet.nn.Module` (anything with ``__call__``, ``parameters()``, ``train()``/``eval()``,
            ``state_dict()``).
        loss: ``loss(output, target) -> scalar Tensor``, e.g. ``nn.CrossEntropyLoss()``, or a name
            (``"cross_entropy"``, ``"mse"``, ``"nll"``).
        optimizer: a :mod:`numnet.optim` optimizer over the model's parameters.
        scheduler: an optional :mod:`numnet.optim.lr_scheduler` scheduler; :meth:`fit` steps it through an
            :class:`~numnet.callbacks.LRSchedulerCallback`, and checkpoints hold its state.
        scheduler_interval: ``"epoch"`` (``scheduler.step()`` after each epoch; ``ReduceLROnPlateau`` gets
            ``val_loss``, or ``loss`` without validation data) or ``"step"`` (after each optimizer step).
        metrics: metric names (see :data:`numnet.metrics.METRICS`) or callables ``fn(output, target) -> float``.

    Attributes:
        epoch: the 0-based index of the current epoch; ``global_step``: optimizer steps taken so far.
        stop_training: set to True (by a callback) to stop after the current batch.
        epoch_complete: in ``on_epoch_end``, whether the epoch ran all its batches (False when stopped early).
        history: the run's :class:`~numnet.callbacks.History`.
        metadata: str → str entries every checkpoint of the run stores beside the zoo model's name and config,
            e.g. the model card (:func:`numnet.io.model_card.card_metadata`) that ``numnet train`` sets.
        callbacks: the run's :class:`~numnet.callbacks.CallbackList`, in calling order.
        params: ``{"epochs", "steps", "samples", "batch_size", "verbose"}`` for callbacks.

    Raises:
        ArgumentError: an unknown loss, metric or ``scheduler_interval``.

    Example:
        >>> class ClippedTrainer(Trainer):
        ...     def train_step(self, batch):
        ...         x, y = batch
        ...         output = self.model(x)
        ...         loss = self.loss_fn(output, y)
        ...         self.optimizer.zero_grad()
        ...         loss.backward()
        ...         for p in self.model.parameters():
        ...             p.grad.clamp_(-1.0, 1.0)
        ...         self.optimizer.step()
        ...         return {"loss": loss, "output": output, "target": y}
    """

    def __init__(self, model: Any, loss: Any, optimizer: Any = None, scheduler: Any = None,
                 scheduler_interval: str = "epoch", metrics: Sequence[str | Metric] | None = ("accuracy",)) -> None:
        check_interval(scheduler, scheduler_interval, "fit", "scheduler_interval")
        self.model = model
        self.loss_fn = _resolve_loss(loss, "fit")
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.scheduler_interval = scheduler_interval
        self.metrics = resolve_metrics(metrics)
        self.epoch = 0
        self.global_step = 0
        self.stop_training = False
        self.epoch_complete = False
        self.history: History = History()
        self.params: dict[str, Any] = {}
        self.callbacks: CallbackList = CallbackList(trainer=self)
        self._train_loader: Any = None
        self._run_schedulers: list[Any] = []  # the schedulers the last fit's schedule callbacks stepped
        self._weighted_loss: LossFn | None = None  # fit(class_weight=...): the training loss, weighted per class
        self.metadata: dict[str, str] = {}  # str → str entries (e.g. the model card) every checkpoint stores
        self._comm: Any = None  # the process group while a distributed fit or evaluate runs

    # ------------------------------------------------------------------ steps
    def train_step(self, batch: Any) -> dict[str, Any]:
        """One optimisation step on one batch, in train mode; returns the batch's step logs.

        The default is the PyTorch step: ``output = model(x)``, ``loss = loss_fn(output, y)``,
        ``optimizer.zero_grad()``, ``loss.backward()``, ``optimizer.step()``. :meth:`fit` calls it once per batch,
        between ``on_train_batch_begin`` and ``on_train_batch_end``; override it to change the step.

        Args:
            batch: one item of the training loader: ``(x, y)``, ``(x,)`` or ``x``.

        Returns:
            ``{"loss": loss, "output": output, "target": y}``. ``output`` and ``target`` feed the metrics (skipped
            without them); ``"size"`` (optional) is the batch's sample count, by default ``output.shape[0]``; every
            other key is a scalar (float or 0-d Tensor) averaged over the epoch's samples like ``loss``, and reaches
            the batch and epoch logs, the history and the progress bar under its own name.
        """
        x, y = _unpack(batch, "fit")
        output = self.model(x)
        loss = (self._weighted_loss or self.loss_fn)(output, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return {"loss": loss, "output": output, "target": y}

    def test_step(self, batch: Any) -> dict[str, Any]:
        """One evaluation step (eval mode, no gradients): ``{"loss", "output", "target"}`` as :meth:`train_step`.

        Used by :meth:`evaluate` and by :meth:`fit`'s validation; ``loss`` only when the Trainer has a loss.

        Raises:
            ArgumentError: a loss, but the batch has no targets.
        """
        x, y = _unpack(batch, "evaluate")
        output = self.model(x)
        logs: dict[str, Any] = {"output": output, "target": y}
        if self.loss_fn is not None:
            if y is None:
                raise ArgumentError("evaluate: a loss needs targets, but the data has inputs only")
            logs["loss"] = self.loss_fn(output, y)
        return logs

    def predict_step(self, batch: Any) -> Any:
        """The model's output for one batch (eval mode, no gradients); targets in the batch are ignored."""
        x, _ = _unpack(batch, "predict")
        return self.model(x)

    # ------------------------------------------------------------------ checkpoints
    def _checkpoint_scheduler(self, who: str) -> Any:
        """The one scheduler a checkpoint holds: the Trainer's, or the one a schedule callback of the run steps."""
        found: list[Any] = []
        for s in (self.scheduler, *self._run_schedulers):
            if s is not None and all(s is not f for f in found):
                found.append(s)
        if len(found) > 1:
            raise ArgumentError(f"{who}: a checkpoint holds one LR scheduler, got {len(found)} "
                                f"({', '.join(type(s).__name__ for s in found)})")
        return found[0] if found else None

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write a resume checkpoint: model, optimizer, scheduler, epochs done, steps, RNG, history, callbacks.

        Called at the end of an epoch (as :class:`~numnet.callbacks.ModelCheckpoint` does), it records
        ``epoch + 1`` finished epochs. The file is written atomically by :func:`numnet.io.save_checkpoint`.

        Raises:
            ArgumentError: the run steps more than one LR scheduler (a checkpoint holds one).
        """
        from numnet.io import save_checkpoint

        scheduler = self._checkpoint_scheduler("save_checkpoint")
        extra: dict[str, Any] = {
            "history": self.history.to_dict(),
            "callbacks": self.callbacks.state_dict(),
        }
        gen = getattr(self._train_loader, "generator", None)
        if isinstance(gen, np.random.Generator) and gen is not _default_generator():
            extra["loader_rng"] = gen.bit_generator.state  # a DataLoader with its own generator
        save_checkpoint(os.fspath(path), self.model, optimizer=self.optimizer, scheduler=scheduler,
                        epoch=self.epoch + 1, step=self.global_step, rng=True, extra=extra,
                        metadata=self.metadata or None)

    def load_checkpoint(self, path: str | os.PathLike) -> dict[str, Any]:
        """Restore a checkpoint written by :meth:`save_checkpoint` into the model, optimizer, scheduler and RNG.

        Returns the checkpoint's ``{"epoch", "step", "extra"}``; sets :attr:`global_step` and the history.

        All or nothing: the file is read and everything in it checked (as :func:`numnet.io.load_checkpoint`, plus
        the history, the callbacks' states and a DataLoader generator's state) before anything is changed; on an
        error the model, optimizer, scheduler, RNG, history and step are exactly as before.

        Raises:
            FileNotFoundError: no file at ``path``.
            FileFormatError: a corrupt or mismatched checkpoint (nothing is changed).
        """
        from numnet.errors import FileFormatError
        from numnet.io.checkpoints import _Restore, check_rng_state

        path = os.fspath(path)
        if not os.path.lexists(path):  # (a symlink loop is the reader's FileFormatError)
            raise FileNotFoundError(f"fit: resume_from: no checkpoint at {path!r}")
        restore = _Restore(path, self.model, self.optimizer, self._checkpoint_scheduler("load_checkpoint"))
        extra = restore.extra if restore.extra is not None else {}
        if not isinstance(extra, dict):
            raise FileFormatError(f"{path}: malformed checkpoint: extra must be a dict, got {type(extra).__name__}")
        history = History()
        if "history" in extra:
            try:
                state = extra["history"]
                if not isinstance(state, dict) or not isinstance(state.get("history", {}), dict):
                    raise TypeError("expected {'epoch': [...], 'history': {name: [...]}}")
                history.load_dict(state)
            except (TypeError, ValueError, AttributeError) as e:
                raise FileFormatError(f"{path}: malformed checkpoint: the history ({e})") from None
        if not isinstance(extra.get("callbacks", {}), dict):
            raise FileFormatError(f"{path}: malformed checkpoint: the callbacks' states must be a dict")
        gen = getattr(self._train_loader, "generator", None)
        own_gen = isinstance(gen, np.random.Generator) and gen is not _default_generator()
        if "loader_rng" in extra and own_gen:
            check_rng_state(extra["loader_rng"], path, "DataLoader generator state", type(gen.bit_generator))
        state = restore.apply()
        self.global_step = int(state.get("step", 0))
        self.history = history
        if "loader_rng" in extra and own_gen:
            gen.bit_generator.state = extra["loader_rng"]
        return state

    # ------------------------------------------------------------------ fit
    def fit(self, train_data: Any, *, epochs: int = 1, val_data: Any = None, callbacks: Iterable[Callback] = (),
            batch_size: int | None = None, verbose: int = 1, initial_epoch: int = 0,
            resume_from: str | os.PathLike | None = None, shuffle: bool = True, validation_split: float | None = None,
            class_weight: Any = None, distributed: bool = False) -> History:
        """Train for ``epochs`` epochs; see :func:`fit`."""
        if self.optimizer is None:
            raise ArgumentError("fit: an optimizer is needed to train")
        if self.loss_fn is None:
            raise ArgumentError("fit: a loss is needed to train")
        for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ArgumentError(f"fit: expected {name} to be a non-negative integer, got {value!r}")
        if verbose not in (0, 1, 2):
            raise ArgumentError(f"fit: expected verbose 0 (silent), 1 (progress bar) or 2 (one line per epoch), "
                                f"got {verbose!r}")
        user = list(callbacks)
        for cb in user:
            if not isinstance(cb, Callback):
                raise ArgumentError(f"fit: expected numnet.callbacks.Callback instances in callbacks, got "
                                    f"{type(cb).__name__}")
        user_schedulers = [cb.scheduler for cb in user if isinstance(cb, LRSchedulerCallback)]
        if any(s is self.scheduler for s in user_schedulers):
            raise ArgumentError("fit: the scheduler is given twice, as scheduler= and in an LRSchedulerCallback; "
                                "give it once")
        if validation_split is not None:
            if val_data is not None:
                raise ArgumentError("fit: give val_data or validation_split, not both")
            train_data, val_data = _split_validation(train_data, validation_split, "fit")
        self._weighted_loss = None if class_weight is None else _class_weighted(self.loss_fn, class_weight, "fit")
        comm = _train_dist.join(distributed, "fit")
        if comm is None:
            loader = _as_loader(train_data, batch_size, shuffle, "fit", DEFAULT_BATCH_SIZE)
        else:
            loader = _train_dist.shard_train(train_data, batch_size, shuffle, comm, DEFAULT_BATCH_SIZE)
        val_loader = None
        if val_data is not None and comm is None:
            val_loader = _as_loader(val_data, batch_size, False, "fit: val_data", DEFAULT_EVAL_BATCH_SIZE)
        elif val_data is not None:
            val_loader = _train_dist.shard_eval(val_data, batch_size, comm, "fit: val_data", DEFAULT_EVAL_BATCH_SIZE)
        self._train_loader = loader
        self._run_schedulers = user_schedulers
        self.history = History()
        resumed_callbacks: dict[str, Any] | None = None
        if resume_from is not None:
            state = self.load_checkpoint(resume_from)
            initial_epoch = int(state.get("epoch", 0))
            resumed_callbacks = (state.get("extra") or {}).get("callbacks", {})

        # The loop never steps a scheduler itself: fit's own goes in as a callback, like a user's would.
        progress = [ProgressBar(verbose)] if verbose else []
        schedule = [] if self.scheduler is None else [LRSchedulerCallback(self.scheduler, self.scheduler_interval)]
        members = [self.history, *progress, *schedule, *user]
        if comm is not None:  # the progress bar and the file writers run on rank 0 only
            members = _train_dist.rank_zero_callbacks(members, comm)
        cbs = CallbackList(members, trainer=self)  # sorted by Callback.order
        self.callbacks = cbs
        self.stop_training = False
        self.params = {
            "epochs": int(epochs),
            "steps": _len_or_none(loader),
            "samples": _num_samples(loader),
            "batch_size": getattr(loader, "batch_size", batch_size),
            "verbose": verbose,
            "world_size": 1 if comm is None else comm.size,  # the progress bar's samples/s counts every rank
        }

        ddp = None
        if comm is not None:
            from numnet.distributed.ddp import DistributedDataParallel

            ddp = DistributedDataParallel(self.model, comm=comm)  # its hooks average the gradients in backward
        self._comm = comm
        try:
            cbs.on_train_begin()
            if resumed_callbacks:
                cbs.load_state_dict(resumed_callbacks)
            last_logs: dict[str, Any] = {}
            for epoch in range(int(initial_epoch), int(epochs)):
                self.epoch = epoch
                if comm is not None and hasattr(getattr(loader, "sampler", None), "set_epoch"):
                    loader.sampler.set_epoch(epoch)
                logs = self._train_epoch(loader, val_loader, cbs)
                last_logs = logs
                if self.stop_training:
                    break
            cbs.on_train_end(last_logs)
        finally:
            self._comm = None
            if ddp is not None:
                ddp.remove_hooks()
        return self.history

    def _train_epoch(self, loader: Any, val_loader: Any, cbs: CallbackList) -> dict[str, Any]:
        self.model.train()
        cbs.on_epoch_begin(self.epoch)
        running = _Running(self.metrics, with_loss=True)
        lr = _first_lr(self.optimizer)
        stopped_in_epoch = False
        comm = self._comm
        for batch_index, batch in enumerate(loader):
            cbs.on_train_batch_begin(batch_index)
            lr = _first_lr(self.optimizer)  # the rate this step uses, before a schedule callback moves it
            if comm is not None:
                _train_dist.sync_buffers(self.model, comm)
            step_logs = self.train_step(batch)
            self.global_step += 1
            logs = running.update(step_logs)
            cbs.on_train_batch_end(batch_index, logs)
            if comm is not None and comm.size > 1:  # stop together: a rank that stops alone would hang the others
                self.stop_training = _train_dist.any_rank(self.stop_training, comm)
            if self.stop_training:
                stopped_in_epoch = True
                break

        self.epoch_complete = not stopped_in_epoch
        if comm is not None:
            _train_dist.reduce_running(running, comm)
        epoch_logs: dict[str, Any] = running.result()
        if val_loader is not None and not stopped_in_epoch:
            val_logs = self._evaluate_loader(val_loader, cbs)
            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
        epoch_logs["lr"] = lr
        cbs.on_epoch_end(self.epoch, epoch_logs)
        return epoch_logs

    # ------------------------------------------------------------------ evaluate / predict
    def _evaluate_loader(self, loader: Any, cbs: CallbackList) -> dict[str, float]:
        saved = _modes(self.model)
        self.model.eval()
        running = _Running(self.metrics, with_loss=self.loss_fn is not None)
        try:
            if self._comm is not None:
                _train_dist.sync_buffers(self.model, self._comm)  # every rank evaluates rank 0's model
            cbs.on_test_begin()
            with no_grad():
                for batch_index, batch in enumerate(loader):
                    cbs.on_test_batch_begin(batch_index)
                    logs = running.update(self.test_step(batch))
                    cbs.on_test_batch_end(batch_index, logs)
            if self._comm is not None:
                _train_dist.reduce_running(running, self._comm)
            result = running.result()
            cbs.on_test_end(result)
        finally:
            _restore_modes(saved)
        return result

    def evaluate(self, data: Any, *, batch_size: int | None = None, callbacks: Iterable[Callback] = (),
                 verbose: int = 0, distributed: bool = False) -> dict[str, float]:
        """Loss and metrics over ``data`` in eval mode, from :meth:`test_step`; see :func:`evaluate`."""
        if verbose not in (0, 1, 2):
            raise ArgumentError(f"evaluate: expected verbose 0, 1 or 2, got {verbose!r}")
        comm = _train_dist.join(distributed, "evaluate")
        if comm is None:
            loader = _as_loader(data, batch_size, False, "evaluate", DEFAULT_EVAL_BATCH_SIZE)
        else:
            loader = _train_dist.shard_eval(data, batch_size, comm, "evaluate", DEFAULT_EVAL_BATCH_SIZE)
        cb_list = ([ProgressBar(verbose)] if verbose else []) + list(callbacks)
        if comm is not None:
            cb_list = _train_dist.rank_zero_callbacks(cb_list, comm)
        cbs = CallbackList(cb_list, trainer=self)
        self.params = dict(self.params, test_steps=_len_or_none(loader), test_samples=_num_samples(loader))
        self._comm = comm
        try:
            return self._evaluate_loader(loader, cbs)
        finally:
            self._comm = None

    def predict(self, data: Any, *, batch_size: int | None = None, callbacks: Iterable[Callback] = ()) -> np.ndarray:
        """The outputs of :meth:`predict_step` for every batch, concatenated; see :func:`predict`.

        Callbacks get ``on_predict_begin``, ``on_predict_batch_begin(batch)``,
        ``on_predict_batch_end(batch, {"outputs": array})`` and ``on_predict_end``.
        """
        loader = _as_loader(data, batch_size, False, "predict", DEFAULT_EVAL_BATCH_SIZE)
        cbs = CallbackList(callbacks, trainer=self)
        saved = _modes(self.model)
        self.model.eval()
        outputs: list[np.ndarray] = []
        try:
            cbs.on_predict_begin()
            with no_grad():
                for batch_index, batch in enumerate(loader):
                    cbs.on_predict_batch_begin(batch_index)
                    out = self.predict_step(batch)
                    outputs.append(np.array(out._data if isinstance(out, Tensor) else out, copy=True))
                    cbs.on_predict_batch_end(batch_index, {"outputs": outputs[-1]})
            cbs.on_predict_end()
        finally:
            _restore_modes(saved)
        if not outputs:
            raise ArgumentError("predict: the data is empty")
        return np.concatenate(outputs, axis=0)


# ---------------------------------------------------------------------------------------------------- functions
def fit(model: Any, train_data: Any, *, loss: Any, optimizer: Any, epochs: int = 1, val_data: Any = None,
        metrics: Sequence[str | Metric] | None = ("accuracy",), scheduler: Any = None,
        scheduler_interval: str = "epoch", callbacks: Iterable[Callback] = (), batch_size: int | None = None,
        verbose: int = 1, initial_epoch: int = 0, resume_from: str | os.PathLike | None = None,
        shuffle: bool = True, validation_split: float | None = None, class_weight: Any = None,
        distributed: bool = False) -> History:
    """Train ``model`` on ``train_data`` for ``epochs`` epochs, Keras-style; returns the :class:`History`.

    Each epoch runs :meth:`Trainer.train_step` per batch in train mode (forward, loss, ``optimizer.zero_grad()``,
    ``loss.backward()``, ``optimizer.step()``), then evaluates ``val_data`` (eval mode, no gradients). The logged loss
    and metrics of an epoch are means over its samples, computed while the weights change (as in Keras).

    Args:
        model: the :class:`numnet.nn.Module` to train (in place).
        train_data: a :class:`numnet.data.DataLoader`; a dataset; or an ``(x, y)`` pair of arrays/Tensors (batched
            with ``batch_size``, shuffled with numnet's RNG when ``shuffle``).
        loss: ``loss(output, target) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``) or a name
            (``"cross_entropy"``, ``"mse"``, ``"nll"``).
        optimizer: a :mod:`numnet.optim` optimizer over ``model.parameters()``.
        epochs: the index of the last epoch + 1 (with ``initial_epoch=e`` it trains epochs ``e .. epochs-1``).
        val_data: validation data, in any form ``train_data`` takes; logged under ``val_`` keys.
        metrics: names in :data:`numnet.metrics.METRICS` (``"accuracy"``, ``"top5_accuracy"``, ``"precision"``,
            ``"recall"``, ``"f1"``...) or callables ``fn(output, target) -> float``; precision, recall and F1 are
            computed over the whole epoch (see :class:`numnet.metrics.ClassificationMetric`).
        scheduler: an optional LR scheduler from :mod:`numnet.optim.lr_scheduler`, stepped by an
            :class:`~numnet.callbacks.LRSchedulerCallback` (the same as passing one in ``callbacks``).
        scheduler_interval: ``"epoch"`` (after validation) or ``"step"`` (after each optimizer step): when
            ``scheduler.step()`` is called. ``ReduceLROnPlateau`` is stepped per epoch with ``val_loss`` (``loss``
            without ``val_data``).
        callbacks: :class:`numnet.callbacks.Callback` instances, called by their ``order``: after the history, the
            progress bar and the schedule, in the order given; :class:`~numnet.callbacks.ModelCheckpoint` instances
            go last, so that a checkpoint holds the other callbacks' end-of-epoch state.
        batch_size: the batch size for arrays or datasets (default 32); not allowed with a DataLoader.
        verbose: 0 silent; 1 a tqdm bar per epoch (one line per epoch when the output is not a terminal);
            2 one line per epoch.
        initial_epoch: the epoch to start at (for continuing a run by hand).
        resume_from: a checkpoint from :meth:`Trainer.save_checkpoint` / ``ModelCheckpoint``: restores model,
            optimizer, scheduler, RNG, history and callback states, and continues after its last finished epoch
            (``initial_epoch`` is then ignored).
        validation_split: as in Keras, hold out the last fraction of ``train_data`` (arrays or a dataset, taken
            before shuffling) as ``val_data``. Not with a DataLoader, and not together with ``val_data``.
        class_weight: as in Keras, ``{class index: weight}`` (or a sequence): the training loss becomes
            ``Σ_n w[y_n]·ℓ_n / N`` over each batch's per-sample losses (the loss must take ``reduction="none"``;
            classes missing from a dict weigh 1). Validation losses stay unweighted.
        shuffle: shuffle arrays/datasets each epoch (a DataLoader keeps its own setting).
        distributed: train data-parallel across the ranks of ``mpirun`` (a group of one without it): gradients
            averaged by :class:`numnet.distributed.DistributedDataParallel`, each rank a shard of the data
            (``batch_size`` per rank), logs and metrics over all ranks, files written by rank 0 only
            (:mod:`numnet._train_dist`, docs/distributed.md).

    Returns:
        History: ``history.history`` maps ``loss``, each metric, ``val_loss``, ``val_<metric>`` and ``lr`` (the
        learning rate of the epoch's last step) to one value per epoch; ``history.epoch`` lists the epochs.

    Raises:
        ArgumentError: bad ``epochs``, ``verbose``, ``batch_size``, ``scheduler_interval``, loss or metric names;
            the scheduler given twice (``scheduler=`` and in an ``LRSchedulerCallback``).
        FileNotFoundError: ``resume_from`` does not exist.

    Example:
        >>> history = fit(model, train_loader, loss=nn.CrossEntropyLoss(), epochs=5,    # doctest: +SKIP
        ...               optimizer=optim.SGD(model.parameters(), lr=0.05, momentum=0.9), val_data=test_loader)
        >>> history.history["val_accuracy"][-1]                                         # doctest: +SKIP
        0.8972
    """
    trainer = Trainer(model, loss, optimizer, scheduler=scheduler, scheduler_interval=scheduler_interval,
                      metrics=metrics)
    return trainer.fit(train_data, epochs=epochs, val_data=val_data, callbacks=callbacks, batch_size=batch_size,
                       verbose=verbose, initial_epoch=initial_epoch, resume_from=resume_from, shuffle=shuffle,
                       validation_split=validation_split, class_weight=class_weight, distributed=distributed)


def evaluate(model: Any, data: Any, loss: Any = None, metrics: Sequence[str | Metric] | None = ("accuracy",),
             batch_size: int | None = None, *, callbacks: Iterable[Callback] = (), verbose: int = 0,
             distributed: bool = False) -> dict[str, float]:
    """The mean loss and metrics of ``model`` over ``data``, in eval mode and without gradients.

    Each submodule's train/eval mode is restored afterwards.

    Args:
        model: the model.
        data: a DataLoader, a dataset, or an ``(x, y)`` pair of arrays/Tensors.
        loss: an optional loss (callable or name); without it only the metrics are computed.
        metrics: metric names or callables.
        batch_size: the batch size for arrays/datasets (default 256).
        callbacks: callbacks whose ``on_test_*`` hooks are called.
        verbose: 0 silent, 1 a progress bar (a summary line when not on a terminal), 2 a summary line.
        distributed: each rank of ``mpirun`` evaluates every R-th sample and the figures are reduced over the
            ranks (every sample counted once; every rank gets the same result).

    Returns:
        ``{"loss": ..., "accuracy": ...}`` (``loss`` only when a loss is given), means over all samples.

    Raises:
        ArgumentError: bad arguments, or a loss with data that has no targets.

    Example:
        >>> evaluate(model, test_set, loss=nn.CrossEntropyLoss())  # doctest: +SKIP
        {'loss': 0.2871, 'accuracy': 0.8969}
    """
    trainer = Trainer(model, _resolve_loss(loss, "evaluate"), metrics=metrics)
    return trainer.evaluate(data, batch_size=batch_size, callbacks=callbacks, verbose=verbose,
                            distributed=distributed)


def predict(model: Any, data: Any, batch_size: int | None = None) -> np.ndarray:
    """The model's outputs for every sample of ``data``, concatenated, in eval mode and without gradients.

    Each submodule's train/eval mode is restored afterwards.

    Args:
        model: the model.
        data: an array or Tensor of inputs ``(N, ...)``; a dataset or a DataLoader (targets, if any, are ignored).
        batch_size: the batch size for arrays/datasets (default 256).

    Returns:
        a NumPy array ``(N, *output_shape)`` (e.g. logits ``(N, C)``).

    Raises:
        ArgumentError: bad ``data`` or ``batch_size``.

    Example:
        >>> predict(model, np.zeros((3, 1, 28, 28), np.float32)).shape  # doctest: +SKIP
        (3, 10)
    """
    return Trainer(model, None).predict(data, batch_size=batch_size)
