"""Extension: the base class of everything a Trainer does besides the training step.

An extension overrides the hooks it needs; the Trainer calls every extension's hook at that
point of the run, highest ``priority`` first (ties in the order the extensions were given):

    start(trainer)             before the first step of the run (after a resume)
    epoch_start(trainer)       before the first step of an epoch (or of its resumed rest)
    step_end(trainer)          after every training step; ``trainer.step_values`` holds its loss
                               and metrics (averaged over the team), ``trainer.sums`` the epoch's
    train_end(trainer)         the epoch's training batches are done or were broken off
    evaluate(trainer, row)     add entries (e.g. ``test_loss``) to the epoch's row
    epoch_end(trainer, row)    the epoch's row is complete and in ``trainer.history``
    interrupted(trainer)       a stop request ended the run in the middle of an epoch
    finish(trainer)            the run ends: finished, stopped early, or stopped by a signal

``leader_only`` extensions (those that print or write files) run on rank 0 of a team alone.
``outputs`` names the files the extension writes into ``trainer.out``. An extension with state
that a resumed run needs (the best value so far, say) returns it from ``state_dict()``: the
Checkpoint extension saves it and ``Trainer.resume`` hands it back to ``load_state_dict``.
"""

from __future__ import annotations

from typing import Any

PRIORITY_EVALUATE = 300  # computes values that others read
PRIORITY_DECIDE = 200  # reads the row and decides (best model, early stopping)
PRIORITY_REPORT = 100  # prints and writes
PRIORITY_SAVE = 0  # the checkpoint, last: it holds what every other extension decided


class Extension:
    """A hook into the Trainer's run; every hook does nothing unless overridden."""

    priority = PRIORITY_REPORT
    leader_only = True
    outputs: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The key of this extension's state in a checkpoint."""
        return type(self).__name__

    def start(self, trainer: Any) -> None:
        pass

    def epoch_start(self, trainer: Any) -> None:
        pass

    def step_end(self, trainer: Any) -> None:
        pass

    def train_end(self, trainer: Any) -> None:
        pass

    def evaluate(self, trainer: Any, row: dict[str, Any]) -> None:
        pass

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        pass

    def interrupted(self, trainer: Any) -> None:
        pass

    def finish(self, trainer: Any) -> None:
        pass

    def state_dict(self) -> dict[str, Any] | None:
        """What a resumed run needs to continue this extension exactly (None: nothing)."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass
