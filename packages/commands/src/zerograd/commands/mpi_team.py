"""The team of an mpiexec job for zerograd.training's Trainer, over zerograd.distributed.

Each rank reads its shard of every epoch's order (DistributedDataLoader), gradients are averaged
over the ranks (MultiNodeOptimizer), and every per-step decision is taken together: one small
allreduce per step carries the loss, the metrics and whether a rank got a signal, so a non-finite
loss or a Ctrl-C on any rank ends every rank after the same step and none waits in a collective.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import numpy as np

from zerograd.training import SingleProcess

# How mpiexec tells each process the size of the job and its rank: MPICH's Hydra, Open MPI.
MPI_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")
MPI_RANK_VARIABLES = ("PMI_RANK", "OMPI_COMM_WORLD_RANK")


def mpi_world_size() -> int:
    """The number of processes of the mpiexec job this process belongs to (1 when not
    started by mpiexec), read from the launcher's environment without importing MPI."""
    for name in MPI_SIZE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def mpi_world_rank() -> int:
    """This process's rank in its mpiexec job (0 when not started by mpiexec), without MPI."""
    for name in MPI_RANK_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 0


def quiet_unless_rank_0(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser``'s errors print on rank 0 alone (every rank exits with status 2), so an
    mpiexec job shows one usage text and one error, not one per rank."""
    if mpi_world_rank() > 0:
        parser.error = lambda message: sys.exit(2)  # type: ignore[method-assign]
    return parser


class MpiTeam(SingleProcess):
    """The ranks of an mpiexec job training one model; ``distributed`` is zerograd.distributed."""

    def __init__(self, distributed: Any) -> None:
        self.distributed = distributed
        self.comm = distributed.create_communicator("mpi")
        self.rank, self.size = self.comm.rank, self.comm.size

    def train_loader(self, dataset: Any, batch_size: int, seed: int) -> Any:
        """This rank's loader: ``batch_size`` is the global batch (it divides by the ranks)."""
        return self.distributed.DistributedDataLoader(dataset, batch_size // self.size,
                                                      self.comm, seed=seed)

    def distribute(self, optimizer: Any) -> Any:
        return self.distributed.MultiNodeOptimizer(optimizer, self.comm)

    def agree(self, values: list[float], stop: Any) -> tuple[list[float], bool]:
        total = self.comm.allreduce(np.array([*values, float(stop.signal is not None)]), "sum")
        return [float(value) / self.size for value in total[:-1]], bool(total[-1] > 0)

    def stops_now(self, stop: Any, agreed: bool) -> bool:
        return agreed

    def any_rank(self, flag: bool) -> bool:
        return bool(self.comm.allreduce(float(flag), "sum") > 0)

    def not_seen_by(self, path: Any) -> str | None:
        """None when every rank sees ``path`` (or none does: the usual checks say so), else
        the problem, naming the path and the ranks that cannot see it."""
        seen = self.comm.allgather_object(os.path.exists(path))
        missing = [rank for rank, there in enumerate(seen) if not there]
        if not missing or len(missing) == self.size:
            return None
        return (f"--resume: rank(s) {', '.join(map(str, missing))} of {self.size} cannot see "
                f"{path}; --out must be a folder every rank sees (a shared file system)")

    def share(self, value: Any) -> Any:
        return self.comm.broadcast_object(value)

    def save_checkpoint(self, path: Any, **entries: Any) -> None:
        self.distributed.save_checkpoint(path, self.comm, **entries)

    def load_checkpoint(self, path: Any, **objects: Any) -> dict[str, Any]:
        return self.distributed.load_checkpoint(path, self.comm, **objects)
