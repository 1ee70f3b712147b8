"""The team a Trainer trains with: one process, or the ranks of a data-parallel job.

The Trainer asks its team every question whose answer must be the same on every process: the
step's loss and metrics (averaged over the ranks), whether to stop, what rank 0 evaluated, and how
to save and load a checkpoint. ``SingleProcess`` answers for a plain run. A data-parallel team
(``zerograd.commands.mpi_team.MpiTeam`` over ``zerograd.distributed``) has the same methods and is
handed to ``Trainer(team=...)``: the trainer itself never imports MPI.
"""

from __future__ import annotations

import os
from typing import Any

from zerograd.nn.checkpoint import load_checkpoint, save_checkpoint


class SingleProcess:
    """The plain run: one process trains on the whole data set and writes everything."""

    rank, size = 0, 1

    def agree(self, values: list[float], stop: Any) -> tuple[list[float], bool]:
        """The step's loss and metrics over every rank, and whether every rank stops after it
        (``stop`` is the run's StopRequest)."""
        return values, False

    def stops_now(self, stop: Any, agreed: bool) -> bool:
        """Whether to stop after this step: a signal may arrive until the step's very end."""
        return stop.signal is not None

    def any_rank(self, flag: bool) -> bool:
        """Whether ``flag`` holds on some rank (every rank gets the same answer)."""
        return flag

    def share(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank."""
        return value

    def save_checkpoint(self, path: str | os.PathLike, **entries: Any) -> None:
        save_checkpoint(path, **entries)

    def load_checkpoint(self, path: str | os.PathLike, **objects: Any) -> dict[str, Any]:
        return load_checkpoint(path, **objects)
