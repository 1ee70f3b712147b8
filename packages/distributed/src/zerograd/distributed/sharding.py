"""Data by index, not by copy: each rank reads its own shard of a data set that every rank opens
itself (from its files); only indices are ever computed, and nothing is sent between ranks.

``scatter_index(n, rank, size, seed, epoch)`` is rank ``rank``'s share of one epoch's order: a
permutation of ``range(n)`` drawn from ``(seed, epoch)`` (the same on every rank, with no
communication), padded by wrapping around to a multiple of ``size`` so that every rank takes the
same number of steps, then dealt out like cards: rank r gets positions r, r + size, ... Step k of
N ranks with batch B therefore covers exactly the samples of step k of one process with batch
N·B over the same order.

``DistributedDataLoader`` is a DataLoader over that shard that moves to the next epoch's order
whenever the DataLoader starts a new epoch; its state_dict() adds the epoch, so the DataLoader's
exact resume stays exact. Everything depends on every rank drawing the same order, so its
constructor compares (one small allgather) the seed, the data set's length, the number of ranks,
the batch size and the flags of every rank, and raises on every rank, naming the ranks and their
values, when they differ; its state_dict() records the number of ranks, and load_state_dict()
refuses a state written by another number.

>>> scatter_index(10, rank=1, size=4, seed=0, shuffle=False)
array([1, 5, 9])
>>> scatter_index(10, rank=3, size=4, seed=0, shuffle=False)   # padded by wrapping around
array([3, 7, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.checks import check_positive_int, is_int
from zerograd.data import DataLoader
from zerograd.distributed.synchronization import check_ranks_agree

__all__ = ["DistributedDataLoader", "ShardedDataset", "scatter_index"]


def _check_index_args(n: int, rank: int, size: int, seed: Any, epoch: int) -> None:
    check_positive_int("scatter_index", "size", size)
    if not is_int(n) or n < 1:
        raise ValueError(f"scatter_index: n must be a positive integer, got {n!r}")
    if not is_int(rank) or not 0 <= rank < size:
        raise ValueError(f"scatter_index: rank must be in 0..{size - 1}, got {rank!r}")
    if not is_int(seed) or seed < 0:
        raise ValueError(f"scatter_index: seed must be a non-negative integer (the same on every "
                         f"rank), got {seed!r}")
    if not is_int(epoch) or epoch < 0:
        raise ValueError(f"scatter_index: epoch must be a non-negative integer, got {epoch!r}")


def scatter_index(n: int, rank: int, size: int, seed: int, epoch: int = 0,
                  shuffle: bool = True) -> np.ndarray:
    """Rank ``rank`` of ``size``'s indices into a data set of ``n`` samples for ``epoch``:
    ``ceil(n / size)`` of them, from one order that every rank draws alike from (seed, epoch)."""
    _check_index_args(n, rank, size, seed, epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n) if shuffle else np.arange(n)
    per_rank = -(-n // size)
    padded = np.resize(order, per_rank * size)  # wraps around: every rank gets per_rank
    return padded[rank::size]


class ShardedDataset:
    """A view of ``dataset`` holding one rank's indices (``indices``); a batch of a data set that
    gathers whole batches is still one gather."""

    def __init__(self, dataset: Any, indices: np.ndarray) -> None:
        self.dataset = dataset
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[int(self.indices[i])]

    @property
    def batchable(self) -> bool:
        return bool(getattr(self.dataset, "batchable", False)) and hasattr(self.dataset,
                                                                           "get_batch")

    def get_batch(self, positions: np.ndarray) -> Any:
        return self.dataset.get_batch(self.indices[positions])


class DistributedDataLoader(DataLoader):
    """A DataLoader over this rank's shard of ``dataset``, reshuffled every epoch alike on every
    rank from ``seed``.

    Args:
        dataset: the whole data set, opened by every rank itself (never sent).
        batch_size: samples per rank and step (the global batch is ``size`` times larger).
        comm: a communicator (its ``rank`` and ``size``).
        seed: the seed of every epoch's order; must be the same on every rank.
        shuffle: a new order every epoch (else the data set's order, dealt out).
        drop_last, gpu: as for DataLoader.
    """

    def __init__(self, dataset: Any, batch_size: int, comm: Any, seed: int = 0,
                 shuffle: bool = True, drop_last: bool = False, gpu: bool = False) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DistributedDataLoader: dataset must support len() and indexing, "
                            f"got {type(dataset).__name__}")
        self.rank, self.size = comm.rank, comm.size
        self.seed, self.shuffle_epochs = seed, bool(shuffle)
        self.epoch = -1  # reset(), called by DataLoader's constructor, makes it 0
        self.whole = dataset
        _check_index_args(len(dataset), self.rank, self.size, seed, 0)
        super().__init__(ShardedDataset(dataset, self._indices(0)), batch_size, shuffle=False,
                         gpu=gpu, drop_last=drop_last)
        check_ranks_agree(comm, "DistributedDataLoader", {
            "seed": seed, "len(dataset)": len(dataset), "number of ranks": self.size,
            "batch_size": batch_size, "shuffle": self.shuffle_epochs, "drop_last": drop_last})

    def _indices(self, epoch: int) -> np.ndarray:
        return scatter_index(len(self.whole), self.rank, self.size, self.seed, epoch,
                             self.shuffle_epochs)

    def reset(self) -> None:
        """Start the next epoch: this rank's share of a new order."""
        self.epoch += 1
        self.dataset.indices = self._indices(self.epoch)
        super().reset()

    def state_dict(self) -> dict[str, Any]:
        """DataLoader's state (position in the epoch) and the epoch (which fixes the order)."""
        return {**super().state_dict(), "epoch": self.epoch, "seed": self.seed,
                "ranks": self.size}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume the saved epoch at the saved position (under the saved number of ranks)."""
        for key in ("epoch", "seed"):
            if key not in state:
                raise KeyError(f"DistributedDataLoader.load_state_dict: state lacks {key!r}")
        ranks = state.get("ranks")
        if ranks is not None and int(ranks) != self.size:
            raise ValueError(
                f"DistributedDataLoader.load_state_dict: the state was written by {int(ranks)} "
                f"rank(s) and this job has {self.size} (rank {self.rank} here); each rank's "
                f"shard and position depend on the number of ranks: resume under mpiexec -n "
                f"{int(ranks)}, or start the epoch afresh")
        epoch, seed = int(state["epoch"]), int(state["seed"])
        before = self.epoch, self.seed, self.dataset.indices
        self.epoch, self.seed = epoch, seed
        self.dataset.indices = self._indices(epoch)
        try:
            super().load_state_dict(state)
        except Exception:
            self.epoch, self.seed, self.dataset.indices = before
            raise
