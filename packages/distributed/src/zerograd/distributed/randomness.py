"""Random draws per rank: the weights start alike, every later draw differs.

Under data parallelism every rank must start from the same weights (MultiNodeOptimizer
broadcasts rank 0's), but dropout and every other random draw inside the model must differ
across ranks: N ranks drawing the same dropout masks are not one process with N times the batch.
So when MultiNodeOptimizer first synchronises the ranks (at ``setup``, or at the first
``update`` for lazily sized layers), ``split_random_states`` re-seeds every generator zerograd
draws from (``zerograd.core.seed``: NumPy's global one, Python's ``random``, CuPy's) on each
rank from rank 0's next draw and the rank. This is deterministic: seeding every rank alike (or
only rank 0) repeats the run.

Which draws are shared and which are not:

- shared: the initial weights (rank 0's), the data order (DistributedDataLoader's own seed);
- per rank: everything drawn from the global generators after the split (dropout, random
  augmentation, noise). A model sized lazily by its first forward draws that first step's
  dropout masks before the split: give the sizes when that step matters.

A checkpoint restores each rank's own states (``load_checkpoint``); a restore after an
optimizer was made counts as its split, so an exact resume stays bitwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import seed

__all__ = ["mark_restored", "restores", "split_random_states"]

_restores = [0]  # how many times a checkpoint restored the generators in this process


def mark_restored() -> None:
    _restores[0] += 1


def restores() -> int:
    return _restores[0]


def split_random_states(comm: Any) -> int:
    """Re-seed every generator from rank 0's next draw and this rank (a collective); returns
    this rank's seed."""
    base = comm.broadcast_object(int(np.random.randint(2**31)) if comm.rank == 0 else None)
    rank_seed = int(np.random.SeedSequence([base, comm.rank]).generate_state(1)[0])
    seed(rank_seed)
    return rank_seed
