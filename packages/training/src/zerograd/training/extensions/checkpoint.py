"""Checkpoint: the whole state of the run in one file (``out/checkpoint.npz``), saved at every
epoch's end and at the exact step where a signal stopped it: model, optimizer, scheduler, loader
position, every random generator, the history, the epoch in progress and the extensions' states
(through the team, so a data-parallel run saves every rank's generators). ``Trainer.resume`` reads
it back; the resumed run repeats the uninterrupted one bitwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zerograd.training.extension import PRIORITY_SAVE, Extension


class Checkpoint(Extension):
    """``Checkpoint("checkpoint.npz", values={"settings": ...})``: ``values`` are saved too (plain
    values, e.g. the arguments a resume must repeat)."""

    priority = PRIORITY_SAVE
    leader_only = False  # every rank takes part: each hands over its random states

    def __init__(self, filename: str = "checkpoint.npz",
                 values: dict[str, Any] | None = None) -> None:
        self.filename, self.values = filename, dict(values or {})
        self.outputs = (filename,)

    def path(self, trainer: Any) -> Path:
        return trainer.out / self.filename

    def save(self, trainer: Any) -> None:
        trainer.team.save_checkpoint(self.path(trainer), **trainer.checkpoint_entries(),
                                     **self.values)

    def epoch_end(self, trainer: Any, row: dict[str, Any]) -> None:
        self.save(trainer)

    def interrupted(self, trainer: Any) -> None:
        self.save(trainer)
