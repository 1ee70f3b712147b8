"""Checkpoints of a data-parallel run: rank 0 writes one file (atomically, through
``zerograd.nn``'s checkpoint functions); every rank reads it and continues bitwise as an
uninterrupted run would.

The ranks share their models, optimizers and data loader positions (they are kept equal), but
not their random generators: dropout draws differently on every rank (``randomness``). So
``save_checkpoint``
gathers every rank's generator states into rank 0's file, and ``load_checkpoint`` gives each rank
its own back. A run resumed on another number of ranks cannot repeat the saved one; it gets
rank 0's generator states on every rank, each moved on by its rank so that dropout masks differ.
"""

from __future__ import annotations

import os
import random as python_random
from typing import Any

import numpy as np

from zerograd.distributed.randomness import mark_restored
from zerograd.nn.checkpoint import load_checkpoint as load_one
from zerograd.nn.checkpoint import save_checkpoint as save_one

__all__ = ["load_checkpoint", "save_checkpoint"]

RANK_STATES = "distributed_random_states"  # the entry holding every rank's generator states


def _random_states() -> dict[str, Any]:
    return {"numpy": np.random.get_state(), "python": python_random.getstate()}


def save_checkpoint(path: str | os.PathLike, comm: Any, **entries: Any) -> None:
    """Every rank calls it; rank 0 writes ``entries`` (as ``zerograd.nn.save_checkpoint`` does)
    and every rank's random states; all ranks return once the file is complete."""
    if RANK_STATES in entries:
        raise ValueError(f"save_checkpoint: the entry name {RANK_STATES!r} is reserved")
    states = comm.allgather_object(_random_states())
    if comm.rank == 0:
        save_one(path, **entries, **{RANK_STATES: states})
    comm.barrier()  # no rank reads the file, or moves on, before it is complete


def load_checkpoint(path: str | os.PathLike, comm: Any, **objects: Any) -> dict[str, Any]:
    """Every rank calls it: load the objects' states and this rank's random states from rank 0's
    file; returns the plain values (as ``zerograd.nn.load_checkpoint`` does)."""
    seen = comm.allgather_object((os.fspath(path), os.path.exists(path)))
    missing = [f"rank {rank}: {where}" for rank, (where, there) in enumerate(seen) if not there]
    if missing:  # on every rank alike: none is left waiting for the others in a collective
        raise FileNotFoundError(f"load_checkpoint: no checkpoint file on {'; '.join(missing)} "
                                f"(of {comm.size} ranks); every rank must see rank 0's file "
                                f"(a shared file system)")
    values = load_one(path, **objects)
    mark_restored()
    states = values.pop(RANK_STATES, None)
    if states is not None and len(states) == comm.size:
        np.random.set_state(states[comm.rank]["numpy"])
        python_random.setstate(states[comm.rank]["python"])
    elif comm.rank > 0:
        np.random.seed(np.random.randint(2**31) + comm.rank)
        python_random.seed(python_random.getrandbits(31) + comm.rank)
    return values
