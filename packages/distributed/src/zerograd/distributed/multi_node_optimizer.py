"""MultiNodeOptimizer: any zerograd optimizer, trained data-parallel over a communicator.

    comm = create_communicator()
    optimizer = MultiNodeOptimizer(Adam(alpha=1e-3), comm).setup(model)
    ...
    loss.backward()
    optimizer.update()       # average the gradients over the ranks, then Adam's step

When it is set up (or at its first update, for a model whose layers are sized lazily by the first
forward) it checks that every rank holds the same parameter and buffer names,
shapes and dtypes (the first mismatch is reported on every rank, never a deadlock), then copies
rank 0's parameters and buffers to every rank, so that layers sized lazily by the first forward
start equal too. Each update averages the gradients (see ``buckets``) and runs the wrapped
optimizer, so its hooks (WeightDecay, ClipGrad) see the averaged gradient, as in one process.

Layers sized lazily get their values from rank 0 at the first update, after the first gradients
were computed; seed every rank alike (``zerograd.core.seed``), or give the sizes, and that first
step is exactly the single-process one too.

Buffers (BatchNorm's running statistics) follow rank 0: broadcast at the first update, then each
rank keeps its own, and rank 0's are the ones saved; ``broadcast_buffers`` copies rank 0's to
every rank again (before evaluating, say).

The first synchronisation also splits the random generators per rank (see ``randomness``):
dropout masks differ across ranks, the weights start alike.

Skipping and accumulating, on every rank alike:

    if optimizer.all_finite(loss):      # one small allreduce: the same answer on every rank
        optimizer.update()
    else:
        optimizer.skip_step()           # finish the step's collectives, drop its gradients
    with optimizer.no_sync():           # k - 1 backward passes without communication ...
        for x, t in first_batches: loss_of(x, t).backward()
    loss_of(x_last, t_last).backward()  # ... and the k-th averages the accumulated sums
    optimizer.update()

Everything else (``param_groups``, ``hooks``, ``add_hook``, ``lr``, ``state_dict``, schedulers)
is the wrapped optimizer's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from zerograd.distributed.buckets import BUCKET_BYTES, FIRST_BUCKET_BYTES, GradientBuckets
from zerograd.distributed.communicators import create_communicator
from zerograd.distributed.randomness import restores, split_random_states
from zerograd.distributed.synchronization import (
    broadcast_arrays,
    check_same_on_every_rank,
    describe,
)

__all__ = ["MultiNodeOptimizer", "broadcast_buffers"]


def _named_params(optimizer: Any) -> list[tuple[str, Any]]:
    """Every parameter of the wrapped optimizer with a name: dotted names when it was set up
    with a Layer, else its place in the parameter groups."""
    names = {}
    target = optimizer.target
    if callable(getattr(target, "named_params", None)):
        names = {id(p): name for name, p in target.named_params()}
    return [(names.get(id(p), f"param_groups[{g}]['params'][{i}]"), p)
            for g, group in enumerate(optimizer.param_groups)
            for i, p in enumerate(group["params"])]


def _named_buffers(target: Any) -> list[tuple[str, Any]]:
    if callable(getattr(target, "named_buffers", None)):
        return list(target.named_buffers())
    return []


def broadcast_buffers(model: Any, comm: Any) -> None:
    """Copy rank 0's buffers (running statistics) to every rank, in place."""
    named = _named_buffers(model)
    check_same_on_every_rank(comm, describe(named), "buffers")
    broadcast_arrays(comm, [array for _, array in named])


class MultiNodeOptimizer:
    """Wrap ``optimizer`` so that ``update()`` averages the gradients over ``comm``'s ranks.

    Args:
        optimizer: any zerograd optimizer, set up already (then the ranks are synchronised
            here) or not (call ``setup`` on the wrapper).
        comm: a communicator (default: ``create_communicator()``).
        overlap: start each bucket's allreduce during backward, when the core engine reports final
            gradients (gradient accumulation: ``no_sync()``).
        bucket_bytes: the size of one bucket.
        check: compare parameter names, shapes and dtypes across ranks before the first update.
        first_bucket_bytes: the size of the first bucket (the last layers'), small so that the
            first reduction starts early in backward.
        per_rank_random: split the random generators per rank at the first synchronisation.
    """

    def __init__(self, optimizer: Any, comm: Any = None, overlap: bool = True,
                 bucket_bytes: int = BUCKET_BYTES, check: bool = True,
                 first_bucket_bytes: int = FIRST_BUCKET_BYTES,
                 per_rank_random: bool = True) -> None:
        if not callable(getattr(optimizer, "update", None)) or not hasattr(optimizer,
                                                                           "param_groups"):
            raise TypeError(f"MultiNodeOptimizer: optimizer must be a zerograd optimizer, got "
                            f"{type(optimizer).__name__}")
        for name, value in (("bucket_bytes", bucket_bytes),
                            ("first_bucket_bytes", first_bucket_bytes)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"MultiNodeOptimizer: {name} must be a positive integer, got "
                                 f"{value!r}")
        object.__setattr__(self, "actual_optimizer", optimizer)
        self.comm = create_communicator() if comm is None else comm
        self.overlap = bool(overlap)
        self.bucket_bytes = bucket_bytes
        self.check = bool(check)
        self.first_bucket_bytes = first_bucket_bytes
        # Split the generators once, unless a checkpoint restored them since (exact resume).
        self._split_random = bool(per_rank_random)
        self._restores = restores()
        self._buckets: GradientBuckets | None = None
        self._synced: list[Any] = []  # the parameters the buckets were built for
        if optimizer.param_groups:  # set up already
            self._synchronize_if_sized()

    def __getattr__(self, name: str) -> Any:
        if name == "actual_optimizer":  # asked for before __init__ set it (copy, pickle)
            raise AttributeError(name)
        return getattr(self.actual_optimizer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).__dict__ or name in self.__dict__ or name.startswith("_") or \
                not hasattr(self.actual_optimizer, name):
            object.__setattr__(self, name, value)
        else:
            setattr(self.actual_optimizer, name, value)  # lr, say: the wrapped optimizer's

    def setup(self, target: Any) -> MultiNodeOptimizer:
        """Set up the wrapped optimizer and, when every parameter is sized, give every rank
        rank 0's parameters and buffers now (a collective: every rank calls setup); a model with
        lazily sized layers is synchronised at the first update."""
        self.actual_optimizer.setup(target)
        self._forget_buckets()
        self._synchronize_if_sized()
        return self

    def _synchronize_if_sized(self) -> None:
        if all(p.data is not None for _, p in _named_params(self.actual_optimizer)):
            self.synchronize()

    def _forget_buckets(self) -> None:
        if self._buckets is not None:
            self._buckets.remove()
        self._buckets, self._synced = None, []

    def _sized_params(self) -> list[Any]:
        return [p for _, p in _named_params(self.actual_optimizer) if p.data is not None]

    def synchronize(self) -> None:
        """Check that every rank holds the same parameters and buffers, copy rank 0's to every
        rank and build the buckets. update() calls it first, and again when a lazily sized
        layer got its parameters since."""
        named = _named_params(self.actual_optimizer)
        buffers = _named_buffers(self.actual_optimizer.target)
        if self.check:
            check_same_on_every_rank(self.comm, describe([(n, p.data) for n, p in named]))
            check_same_on_every_rank(self.comm, describe(buffers), "buffers")
        broadcast_arrays(self.comm, [p.data for _, p in named] + [a for _, a in buffers])
        self._forget_buckets()
        self._synced = [p for _, p in named if p.data is not None]
        self._buckets = GradientBuckets(self._synced, self.comm, self.bucket_bytes,
                                        self.overlap, self.first_bucket_bytes)
        if self._split_random and self.comm.size > 1 and restores() == self._restores:
            split_random_states(self.comm)
        self._split_random = False

    def _needs_sync(self) -> bool:
        if self._buckets is None:
            return True
        if len(self._synced) == sum(len(g["params"]) for g in self.actual_optimizer.param_groups):
            return False
        return len(self._sized_params()) != len(self._synced)

    def update(self) -> None:
        """Average every gradient over the ranks, then update as the wrapped optimizer does."""
        if self._needs_sync():
            self.synchronize()
        self._buckets.average()
        self.actual_optimizer.update()

    def skip_step(self) -> None:
        """Drop this step's gradients on every rank (every rank calls it instead of update(),
        after the same backward passes): the reductions already started are finished, the
        others run too (MPI needs every rank to issue the same ones), no parameter changes and
        every gradient is cleared."""
        if self._buckets is not None:
            self._buckets.discard()
        for _, param in _named_params(self.actual_optimizer):
            param.grad = None

    def all_finite(self, *values: Any) -> bool:
        """Whether every value (the loss, say) is finite on every rank: the same answer on
        every rank, to choose between update() and skip_step() together."""
        return self.comm.all_finite(*values)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes inside accumulate gradients on each rank without communicating;
        the next backward outside (or update()) averages the accumulated sums once."""
        buckets = self._buckets
        if buckets is None or buckets.paused:
            yield
            return
        buckets.paused = True
        try:
            yield
        finally:
            buckets.paused = False

    @property
    def overlapping(self) -> bool:
        """Whether gradients are being averaged during backward (needs the core engine's hook)."""
        return self._buckets is not None and self._buckets.overlap

    def state_dict(self) -> dict[str, Any]:
        return self.actual_optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.actual_optimizer.load_state_dict(state_dict)

    def __repr__(self) -> str:
        return f"MultiNodeOptimizer({self.actual_optimizer!r}, {self.comm!r})"
