"""Evaluator: the loss and metrics of the model on a validation loader at every epoch's end, in
test mode and without a graph, added to the epoch's row as ``<prefix>_<name>``. Rank 0 of a team
evaluates and shares the values; the ProgressBar, when present, shows the evaluation's progress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zerograd.core import no_grad
from zerograd.nn import test_mode
from zerograd.training.extension import PRIORITY_EVALUATE, Extension


def _scalar(value: Any) -> float:
    return float(getattr(value, "data", value))


class Evaluator(Extension):
    """``Evaluator(test_loader, prefix="test")`` adds test_loss and test_<metric> for each of the
    trainer's metrics (or ``metrics`` given here) to every epoch's row."""

    priority = PRIORITY_EVALUATE
    leader_only = False  # every rank takes part in sharing rank 0's values

    def __init__(self, loader: Any, prefix: str = "test", loss: Callable | None = None,
                 metrics: dict[str, Callable] | None = None) -> None:
        self.loader, self.prefix, self.loss, self.metrics = loader, prefix, loss, metrics

    def evaluate(self, trainer: Any, row: dict[str, Any]) -> None:
        values = trainer.team.share(self.measure(trainer) if trainer.is_leader else None)
        row.update((f"{self.prefix}_{name}", value) for name, value in values.items())

    def measure(self, trainer: Any) -> dict[str, float]:
        """Means over the loader of the loss and each metric, weighted by batch size."""
        loss = self.loss or trainer.loss
        metrics = trainer.metrics if self.metrics is None else self.metrics
        sums = dict.fromkeys(["loss", *metrics], 0.0)
        seen = 0
        batches = trainer.progress(self.loader, len(self.loader), f"{self.prefix} set")
        with test_mode(), no_grad():
            for x, t in batches:
                y = trainer.model(x)
                n = len(t)
                sums["loss"] += _scalar(loss(y, t)) * n
                for name, metric in metrics.items():
                    sums[name] += _scalar(metric(y, t)) * n
                seen += n
        return {name: total / seen for name, total in sums.items()}

    def to_gpu(self) -> None:
        self.loader.to_gpu()
