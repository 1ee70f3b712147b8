"""Skipping a step and accumulating over several backward passes, on every rank alike; the
small first bucket; random draws that differ across ranks while the weights start alike."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core.functions import sum as zsum
from zerograd.distributed import MultiNodeOptimizer
from zerograd.nn import functions as F
from zerograd.nn import optimizers
from zerograd.nn.models import MLP


def sized_mlp(sizes=(4, 2)):
    np.random.seed(0)
    model = MLP(sizes)
    model(np.ones((1, 3), dtype=np.float32))
    return model


def backward(model, comm, scale=1.0):
    zsum(model(np.full((2, 3), comm.rank + scale, dtype=np.float32)) ** 2).backward()


def test_skip_step_drops_the_gradients_on_every_rank_and_the_next_step_runs(comm):
    model = sized_mlp()
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.1), comm).setup(model)
    before = [p.data.copy() for p in model.params()]
    model.cleargrads()
    backward(model, comm)
    loss = Variable(np.array(np.nan if comm.rank == comm.size - 1 else 1.0))
    assert optimizer.all_finite(loss) is False  # the same answer on every rank
    optimizer.skip_step()
    assert all(p.grad is None for p in model.params())
    for param, old in zip(model.params(), before):
        np.testing.assert_array_equal(param.data, old)
    backward(model, comm)  # no complaint about a second backward
    assert optimizer.all_finite(Variable(np.ones(2)), 3.0)
    optimizer.update()
    assert any(not np.array_equal(p.data, old) for p, old in zip(model.params(), before))


@pytest.mark.parametrize("overlap", [True, False])
def test_no_sync_accumulates_k_passes_and_averages_once(comm, overlap):
    model = sized_mlp()
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), comm, overlap=overlap).setup(model)
    model.cleargrads()
    single = []
    for k in range(3):
        with optimizer.no_sync():  # each pass's own gradients, for reference
            backward(model, comm, scale=k)
        single.append([p.grad.data.copy() for p in model.params()])
        model.cleargrads()
    sums = comm._sums if comm.size > 1 else 0
    model.cleargrads()
    with optimizer.no_sync():
        backward(model, comm, scale=0)
        backward(model, comm, scale=1)
    assert (comm._sums if comm.size > 1 else 0) == sums  # nothing communicated yet
    backward(model, comm, scale=2)
    optimizer.update()
    for i, param in enumerate(model.params()):
        expected = comm.allreduce(sum(grads[i] for grads in single), "mean")
        np.testing.assert_allclose(param.grad.data, expected, rtol=1e-5)


def test_the_first_bucket_is_small_and_the_rest_large(comm):
    model = sized_mlp((64, 32, 2))
    optimizer = MultiNodeOptimizer(optimizers.SGD(), comm, bucket_bytes=1 << 20,
                                   first_bucket_bytes=300).setup(model)
    if comm.size == 1:
        assert optimizer._buckets.buckets == []
        return
    sizes = [b.buffer.nbytes for b in optimizer._buckets.buckets]
    assert len(sizes) == 2 and sizes[0] < sizes[1]  # fc-out's bias + weight first, then the rest
    with pytest.raises(ValueError, match="first_bucket_bytes must be a positive integer"):
        MultiNodeOptimizer(optimizers.SGD(), comm, first_bucket_bytes=0)


def test_weights_start_alike_and_dropout_differs_across_ranks(comm):
    np.random.seed(5)  # every rank alike, as a script seeds
    model = sized_mlp((8, 2))
    MultiNodeOptimizer(optimizers.SGD(), comm).setup(model)
    weights = comm.allgather_object([p.data for p in model.params()])
    masks = comm.allgather_object(F.dropout(np.ones((4, 8), dtype=np.float32), 0.5).data)
    for theirs in weights[1:]:
        for a, b in zip(theirs, weights[0]):
            np.testing.assert_array_equal(a, b)
    assert len({mask.tobytes() for mask in masks}) == comm.size
    np.random.seed(5)  # the split is deterministic: a second run draws the same
    MultiNodeOptimizer(optimizers.SGD(), comm).setup(sized_mlp((8, 2)))
    again = F.dropout(np.ones((4, 8), dtype=np.float32), 0.5).data
    np.testing.assert_array_equal(again, masks[comm.rank])
