"""The Trainer: the epoch loop under every zerograd training job, with extensions around it.

    trainer = Trainer(model, F.softmax_cross_entropy, optimizer, train_loader, epochs=5,
                      metrics={"acc": F.accuracy}, out="runs/mine",
                      extensions=[Evaluator(test_loader), ProgressBar(), LogReport(),
                                  PrintReport(), Checkpoint()])
    history = trainer.run()           # one dict per epoch: epoch, train_loss, train_acc, ...

A step: forward, the loss and the metrics (averaged over the team), a check that the loss is
finite, backward, then an optimizer update (every ``accumulate`` steps, with gradients clipped to
``clip_grad`` first when given). The scheduler steps after every update (``scheduler_interval=
"step"``) or after every epoch (``"epoch"``, the default). At an epoch's end the row of means is
built (``train_<metric>``), the extensions add to it (evaluation) and then read it (logs, plots,
checkpoints). Ctrl-C or SIGTERM stops the run after the current step: the extensions'
``interrupted`` hooks run (Checkpoint saves that exact point) and ``run()`` returns with
``trainer.stop_signal`` set; ``Trainer.resume`` continues it bitwise.

The trainer depends on zerograd.core, nn and data only. A data-parallel run hands it a ``team``
(see ``zerograd.training.team``); an ONNX export is an ``Export`` extension given the exporter.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zerograd.nn.optimizers import ClipGrad
from zerograd.training.extension import Extension
from zerograd.training.folder import FolderInUse, exclusive_use
from zerograd.training.signals import StopRequest
from zerograd.training.team import SingleProcess


class LossNotFinite(ArithmeticError):
    """The training loss became nan or infinite; ``args`` = (value, epoch, step)."""


@dataclass
class EpochSums:
    """Sums over the training steps of the current epoch so far, each value weighted by its
    samples (every rank's); saved when a run stops mid-epoch so the resumed epoch reports the same
    means. ``seconds``: the training time of the epoch's earlier parts."""

    sums: dict[str, float] = field(default_factory=dict)
    seen: int = 0
    seconds: float = 0.0

    def add(self, values: dict[str, float], n: int) -> None:
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, 0.0) + value * n
        self.seen += n

    def means(self) -> dict[str, float]:
        return {name: total / self.seen for name, total in self.sums.items()}


def _scalar(value: Any) -> float:
    return float(getattr(value, "data", value))


class Trainer:
    """Train ``model`` on ``train_loader`` (batches ``(x, t)``) for ``epochs`` epochs.

    Args:
        model: a Layer; ``model(x)`` gives the prediction ``y``.
        loss: ``loss(y, t)``, a scalar Variable.
        optimizer: set up on the model (or wrapped for the team, e.g. MultiNodeOptimizer).
        train_loader: a DataLoader (its position is saved by checkpoints).
        epochs: passes over the training set.
        metrics: name -> ``metric(y, t)`` (a scalar), logged as ``train_<name>``.
        out: the folder extensions write into (created; locked for the run).
        extensions: Extension objects (see ``zerograd.training.extensions``).
        scheduler: a learning-rate scheduler, stepped per ``scheduler_interval``.
        clip_grad: clip the gradients' global L2 norm to this before each update.
        accumulate: sum the gradients of this many steps (loss divided by it) per update.
        team: SingleProcess() by default; a data-parallel team for mpiexec runs.
        handle_signals: stop cleanly on Ctrl-C/SIGTERM (install the handlers while running).
    """

    def __init__(self, model: Any, loss: Callable[[Any, Any], Any], optimizer: Any,
                 train_loader: Any, *, epochs: int = 1,
                 metrics: dict[str, Callable[[Any, Any], Any]] | None = None,
                 out: str | os.PathLike | None = None, extensions: Iterable[Extension] = (),
                 scheduler: Any = None, scheduler_interval: str = "epoch",
                 clip_grad: float | None = None, accumulate: int = 1, team: Any = None,
                 handle_signals: bool = True) -> None:
        if not (isinstance(epochs, int) and epochs >= 1):
            raise ValueError(f"Trainer: epochs must be an int >= 1, got {epochs!r}")
        if not (isinstance(accumulate, int) and accumulate >= 1):
            raise ValueError(f"Trainer: accumulate must be an int >= 1, got {accumulate!r}")
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError("Trainer: scheduler_interval must be 'epoch' or 'step', got "
                             f"{scheduler_interval!r}")
        self.team = SingleProcess() if team is None else team
        if accumulate > 1 and self.team.size > 1:
            raise NotImplementedError("Trainer: accumulate > 1 with a team of several ranks "
                                      "(their optimizer reduces gradients at every backward)")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.train_loader, self.epochs = train_loader, epochs
        self.metrics = dict(metrics or {})
        self.out = None if out is None else Path(out)
        self.extensions = sorted(extensions, key=lambda e: -e.priority)  # stable: ties keep order
        self.scheduler, self.scheduler_interval = scheduler, scheduler_interval
        self.accumulate, self.handle_signals = accumulate, handle_signals
        if clip_grad is not None:
            optimizer.add_hook(ClipGrad(clip_grad))  # runs inside update(), after any reduction
        self.epoch = 0  # epochs completed
        self.history: list[dict[str, Any]] = []
        self.sums = EpochSums()
        self.step_values: dict[str, float] = {}
        self._steps_since_update = 0  # backward passes since the last optimizer update
        self.stop_training = False  # set by an extension (EarlyStopping) to end after the epoch
        self.stop_signal: int | None = None  # the signal that stopped the run, if one did

    # -- where the run stands ---------------------------------------------------------------
    @property
    def is_leader(self) -> bool:
        return self.team.rank == 0

    @property
    def step(self) -> int:
        """Steps done in the current epoch (the loader's position)."""
        return self.train_loader.iteration

    @property
    def mid_epoch(self) -> bool:
        return self.sums.seen > 0

    def position(self) -> str:
        """'after epoch 2' at an epoch's end, else 'in epoch 3, step 140'."""
        if not self.mid_epoch:
            return f"after epoch {self.epoch}"
        return f"in epoch {self.epoch + 1}, step {self.step}"

    @property
    def finished(self) -> bool:
        return self.epoch >= self.epochs and not self.mid_epoch

    def progress(self, iterable: Iterable, total: int, description: str) -> Iterable:
        """``iterable`` shown by the extension that draws progress (the ProgressBar), if any."""
        for extension in self._active():
            wrap = getattr(extension, "wrap", None)
            if wrap is not None:
                return wrap(iterable, total, description)
        return iterable

    def outputs(self) -> list[str]:
        """The files the extensions write into ``out``."""
        return [name for extension in self.extensions for name in extension.outputs]

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> list[dict[str, Any]]:
        """Train until ``epochs`` are done, an extension stops the run, or a signal does; the
        history (one row per epoch). Raises LossNotFinite, FolderInUse."""
        stop = StopRequest(quiet=not self.is_leader)
        with self._folder(), (stop.installed() if self.handle_signals
                              else contextlib.nullcontext()):
            self._call("start")
            try:
                while self.epoch < self.epochs and not self.stop_training:
                    if not self._train_epoch(stop):
                        self.stop_signal = stop.signal
                        self._call("interrupted")
                        break
                    self._end_epoch()
                    if self.team.any_rank(stop.signal is not None):
                        self.stop_signal = stop.signal or signal.SIGTERM  # a rank that saw none
                        break
            finally:
                self._call("finish")
        return self.history

    def _folder(self) -> contextlib.AbstractContextManager:
        """The lock on ``out`` (rank 0 holds it); every rank raises FolderInUse alike."""
        stack = contextlib.ExitStack()
        problem = None
        if self.out is not None and self.is_leader:
            self.out.mkdir(parents=True, exist_ok=True)
            try:
                stack.enter_context(exclusive_use(self.out, self.outputs()))
            except FolderInUse as err:
                problem = str(err)
        problem = self.team.share(problem) if self.out is not None else None
        if problem is not None:
            stack.close()
            raise FolderInUse(problem)
        return stack

    def _active(self) -> list[Extension]:
        return [e for e in self.extensions if self.is_leader or not e.leader_only]

    def _call(self, hook: str, *args: Any) -> None:
        for extension in self._active():
            getattr(extension, hook)(self, *args)

    def _train_epoch(self, stop: StopRequest) -> bool:
        """Train on the rest of the epoch; False when a stop request ended it early."""
        start = time.perf_counter()
        self._call("epoch_start")
        try:
            for x, t in self.train_loader:
                agreed = self._step(x, t, stop)
                self._call("step_end")
                if self.team.stops_now(stop, agreed) and self._update_done():
                    return False
            if not self._update_done():  # the epoch's last, shorter group of accumulated steps
                self._update()
            return True
        finally:
            self.sums.seconds += time.perf_counter() - start
            self._call("train_end")

    def _step(self, x: Any, t: Any, stop: StopRequest) -> bool:
        """One step; whether every rank agreed to stop after it."""
        y = self.model(x)
        loss = self.loss(y, t)
        names = ["loss", *self.metrics]
        values = [float(loss.data), *(_scalar(metric(y, t)) for metric in self.metrics.values())]
        values, agreed = self.team.agree(values, stop)
        if not math.isfinite(values[0]):
            raise LossNotFinite(values[0], self.epoch + 1, self.step)
        self.step_values = dict(zip(names, values))
        if self._update_done():  # the first step of a group: clear the last group's gradients
            self.model.cleargrads()
        (loss if self.accumulate == 1 else loss / self.accumulate).backward()
        self._steps_since_update += 1
        if self._steps_since_update == self.accumulate:
            self._update()
        self.sums.add(self.step_values, len(t) * self.team.size)  # every rank's batch has len(t)
        return agreed

    def _update_done(self) -> bool:
        return self._steps_since_update == 0

    def _update(self) -> None:
        self.optimizer.update()
        self._steps_since_update = 0
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()

    def _end_epoch(self) -> None:
        start = time.perf_counter()
        row: dict[str, Any] = {"epoch": self.epoch + 1}
        row.update((f"train_{name}", value) for name, value in self.sums.means().items())
        self._call("evaluate", row)
        if self.scheduler is not None and self.scheduler_interval == "epoch":
            self.scheduler.step()
        # the epoch's time: its training (all parts of a resumed epoch) and its evaluation
        row["seconds"] = self.team.share(self.sums.seconds + time.perf_counter() - start)
        self.epoch += 1
        self.history.append(row)
        self.sums = EpochSums()
        self._call("epoch_end", row)

    # -- checkpoints -----------------------------------------------------------------------------
    def checkpoint_entries(self) -> dict[str, Any]:
        """What a checkpoint holds: the objects with state and the plain values of the run."""
        entries: dict[str, Any] = {"model": self.model, "optimizer": self.optimizer}
        if self.scheduler is not None:
            entries["scheduler"] = self.scheduler
        entries.update(
            loader=self.train_loader, epoch=self.epoch, history=self.history,
            epoch_sums=asdict(self.sums) if self.mid_epoch else None, ranks=self.team.size,
            extensions={e.name: e.state_dict() for e in self.extensions
                        if e.state_dict() is not None})
        return entries

    def resume(self, path: str | os.PathLike) -> dict[str, Any]:
        """Load a checkpoint saved by the Checkpoint extension: the model, optimizer, scheduler,
        loader position, random states, history and the extensions' states; the plain values."""
        objects = {name: value for name, value in self.checkpoint_entries().items()
                   if name in ("model", "optimizer", "scheduler", "loader")}
        values = self.team.load_checkpoint(path, **objects)
        self.epoch, self.history = values["epoch"], list(values["history"])
        self.sums = EpochSums(**(values.get("epoch_sums") or {}))
        states = values.get("extensions") or {}
        for extension in self.extensions:
            if extension.name in states:
                extension.load_state_dict(states[extension.name])
        return values

    def to_gpu(self) -> None:
        """Parameters, optimizer slots and every loader onto the GPU. Call it after ``resume``:
        a layer not sized yet takes the checkpoint's arrays on the host, so they move only now,
        and reloading the optimizer's own state puts its slots on their parameters' device."""
        self.model.to_gpu()
        self.optimizer.load_state_dict(self.optimizer.state_dict())
        self.train_loader.to_gpu()
        for extension in self.extensions:
            if hasattr(extension, "to_gpu"):
                extension.to_gpu()
