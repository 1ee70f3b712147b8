"""ProgressBar: a tqdm bar per epoch (steps, samples/s, the running loss and metrics, ETA) and one
for each evaluation. Quiet when stderr is not a terminal (tqdm's convention, so a captured log
holds no redraws) and on every rank but 0; ``ProgressBar(enabled=False)`` switches it off."""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Iterable
from typing import Any

from zerograd.training.extension import Extension


def require_tqdm() -> Any:
    try:
        return importlib.import_module("tqdm").tqdm
    except ImportError:
        raise ImportError("ProgressBar needs tqdm: pip install 'zerograd-training[progress]' "
                          "(or pip install tqdm)") from None


class ProgressBar(Extension):
    """Draws the training (and evaluation) progress on ``file`` (stderr by default)."""

    def __init__(self, enabled: bool = True, file: Any = None, mininterval: float = 0.5) -> None:
        self.tqdm = require_tqdm()
        self.enabled, self.file, self.mininterval = enabled, file, mininterval
        self.bar: Any = None

    def _bar(self, total: int, initial: int, description: str, unit: str) -> Any:
        # disable=None: tqdm's own rule, quiet unless the file is a terminal
        return self.tqdm(total=total, initial=initial, unit=unit, desc=description,
                         dynamic_ncols=True, mininterval=self.mininterval,
                         file=self.file or sys.stderr, disable=None if self.enabled else True)

    def epoch_start(self, trainer: Any) -> None:
        self.bar = self._bar(len(trainer.train_loader), trainer.step,
                             f"epoch {trainer.epoch + 1}/{trainer.epochs}", "batch")
        self.started, self.seen_before = time.perf_counter(), trainer.sums.seen

    def step_end(self, trainer: Any) -> None:
        means = trainer.sums.means()
        rate = (trainer.sums.seen - self.seen_before) / (time.perf_counter() - self.started)
        self.bar.set_postfix(refresh=False, **{name: f"{value:.4f}" for name, value in
                                               means.items()}, samples_per_s=f"{rate:.0f}")
        self.bar.update(1)  # after the step: the bar and a stop message name the same step

    def train_end(self, trainer: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def wrap(self, iterable: Iterable, total: int, description: str) -> Iterable:
        """``iterable`` with a bar of its own (the Evaluator's batches)."""
        bar = self._bar(total, 0, description, "batch")
        try:
            for item in iterable:
                yield item
                bar.update(1)
        finally:
            bar.close()
