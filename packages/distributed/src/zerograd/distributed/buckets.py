"""Gradient averaging in buckets: the gradients are packed into a few large contiguous arrays,
each summed over the ranks by one non-blocking allreduce.

Every rank builds the same buckets from the same parameter list (names, shapes and dtypes were
compared first), in reverse registration order, because backward makes the last layers'
gradients final first. A bucket holds parameters of one dtype and array module, up to
``bucket_bytes``, followed by one presence flag per parameter, so that

- the mean is taken in the packing pass: each gradient is packed already divided by the number
  of ranks, and the sum of those is the mean;
- a parameter without a gradient on a rank is packed as zeros with flag 0, never left out (a
  left-out parameter would shift every later offset, or deadlock); after the sum it gets a
  gradient when any rank had one, and stays without one (skipped by the optimizer, as in a single
  process) when none had.

With the core engine's post-accumulate-gradient hook, a gradient is packed as soon as backward
makes it final, and a bucket's allreduce starts when all its gradients are packed, while backward
still runs (overlap). Buckets start strictly in order: MPI needs every rank to issue its
collectives in one order, so a bucket waits for the ones before it.
"""

from __future__ import annotations

import weakref
from typing import Any

from zerograd.core import Variable
from zerograd.core.cuda import get_array_module

__all__ = ["BUCKET_BYTES", "FIRST_BUCKET_BYTES", "GradientBuckets"]

BUCKET_BYTES = 25 * 2**20  # PyTorch DDP's default: large enough to be bandwidth-bound
# The first bucket (the last layers' gradients, final first) is small, as DDP's is, so that a
# reduction starts early in backward instead of after it.
FIRST_BUCKET_BYTES = 2**20


class Bucket:
    """Parameters of one dtype packed into one flat array: gradients, then a flag each."""

    def __init__(self, params: list[Any]) -> None:
        self.params = params
        self.offsets = []
        total = 0
        for param in params:
            self.offsets.append(total)
            total += param.data.size
        self.total = total
        xp = get_array_module(params[0].data)
        self.buffer = xp.empty(total + len(params), dtype=params[0].data.dtype)
        self.packed = [False] * len(params)
        self.remaining = len(params)
        self.request: Any = None

    def pack(self, index: int, scale: float) -> None:
        param, start = self.params[index], self.offsets[index]
        view = self.buffer[start:start + param.data.size].reshape(param.data.shape)
        flag = self.total + index
        if param.grad is None:
            view[...] = 0
            self.buffer[flag] = 0
        else:
            get_array_module(view).multiply(param.grad.data, scale, out=view)
            self.buffer[flag] = 1
        self.packed[index] = True
        self.remaining -= 1

    def pack_rest(self, scale: float) -> None:
        for index, done in enumerate(self.packed):
            if not done:
                self.pack(index, scale)

    def unpack(self) -> None:
        """Give each parameter its averaged gradient: a view into the bucket (no copy)."""
        for index, param in enumerate(self.params):
            if self.buffer[self.total + index] > 0:
                start = self.offsets[index]
                view = self.buffer[start:start + param.data.size].reshape(param.data.shape)
                param.grad = Variable(view, requires_grad=False)
            else:
                param.grad = None

    def reset(self) -> None:
        self.packed = [False] * len(self.params)
        self.remaining = len(self.params)
        self.request = None


def _split(params: list[Any], bucket_bytes: int, first_bytes: int) -> list[list[Any]]:
    """Consecutive runs of one dtype and array module, each up to ``bucket_bytes`` (the first
    up to ``first_bytes``)."""
    groups: list[list[Any]] = []
    size = 0
    for param in params:
        kind = (param.data.dtype, type(param.data))
        last = groups[-1] if groups else None
        limit = min(first_bytes, bucket_bytes) if len(groups) == 1 else bucket_bytes
        if (last is None or (last[0].data.dtype, type(last[0].data)) != kind
                or size + param.data.nbytes > limit):
            groups.append([])
            size = 0
        groups[-1].append(param)
        size += param.data.nbytes
    return groups


class GradientBuckets:
    """Averages the gradients of ``params`` over ``comm``'s ranks; ``overlap`` starts each
    bucket during backward when the engine offers the post-accumulate-gradient hook."""

    def __init__(self, params: list[Any], comm: Any, bucket_bytes: int = BUCKET_BYTES,
                 overlap: bool = True, first_bucket_bytes: int = FIRST_BUCKET_BYTES) -> None:
        self.comm = comm
        self.paused = False  # no_sync(): gradients accumulate locally, nothing is packed
        self.scale = 1.0 / comm.size
        # One rank has nothing to average: no buckets, every gradient stays as backward left it.
        self.active = comm.size > 1
        groups = (_split(list(reversed(params)), bucket_bytes, first_bucket_bytes)
                  if self.active else [])
        self.buckets = [Bucket(group) for group in groups]
        self.place = {id(p): (b, i) for b, bucket in enumerate(self.buckets)
                      for i, p in enumerate(bucket.params)}
        self.started = 0  # buckets whose allreduce is in flight, all before any that is not
        self.handles: list[Any] = []
        self.overlap = self.active and overlap and supports_overlap(params)
        if self.overlap:
            # The hooks hold these buckets weakly, and are removed when the buckets die: an
            # optimizer thrown away must not go on packing gradients of a model trained on.
            this = weakref.ref(self)

            def gradient_final(param: Any) -> None:
                buckets = this()
                if buckets is not None:
                    buckets._gradient_final(param)
            self.handles = [p.register_post_accumulate_grad_hook(gradient_final) for p in params]
            weakref.finalize(self, _remove_all, self.handles)

    def _gradient_final(self, param: Any) -> None:
        if self.paused:
            return
        b, i = self.place[id(param)]
        bucket = self.buckets[b]
        if bucket.packed[i]:
            raise RuntimeError(
                "MultiNodeOptimizer: a second backward pass before update() or skip_step(); "
                "to accumulate gradients over several passes run all but the last inside "
                "`with optimizer.no_sync():` (or create the optimizer with overlap=False); to "
                "discard a step's gradients call optimizer.skip_step() on every rank")
        bucket.pack(i, self.scale)
        while self.started < len(self.buckets) and self.buckets[self.started].remaining == 0:
            self._start(self.started)

    def _start(self, b: int) -> None:
        bucket = self.buckets[b]
        bucket.pack_rest(self.scale)
        bucket.request = self.comm.start_allreduce(bucket.buffer)
        self.started = b + 1

    def average(self) -> None:
        """Finish the step: start the buckets backward did not, wait for all, hand out the means."""
        for b in range(self.started, len(self.buckets)):
            self._start(b)
        for bucket in self.buckets:
            bucket.request.wait()
            bucket.unpack()
            bucket.reset()
        self.started = 0

    def discard(self) -> None:
        """Finish every bucket's allreduce (each rank must issue all of them, whatever its
        backward started) and hand out nothing: the step's gradients are dropped."""
        for b in range(self.started, len(self.buckets)):
            self._start(b)
        for bucket in self.buckets:
            bucket.request.wait()
            bucket.reset()
        self.started = 0

    def remove(self) -> None:
        """Unregister the hooks (the buckets of a parameter list that changed)."""
        _remove_all(self.handles)


def _remove_all(handles: list[Any]) -> None:
    for handle in handles:
        handle.remove()
    handles.clear()


def supports_overlap(params: list[Any]) -> bool:
    """Whether the core engine reports final gradients (Variable's post-accumulate hook)."""
    return all(hasattr(p, "register_post_accumulate_grad_hook") for p in params)
