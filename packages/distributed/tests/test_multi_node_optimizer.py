"""N ranks with batch B train as one process with batch N·B (same initial weights, same samples
in the same order), within float32 tolerance over 20 steps: the MLP, a CNN and an LSTM."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from mpi4py import MPI

from zerograd.core import Parameter
from zerograd.core.functions import sum as zsum
from zerograd.data import Dataset
from zerograd.distributed import DistributedDataLoader, MultiNodeOptimizer, broadcast_buffers
from zerograd.distributed.synchronization import check_same_on_every_rank
from zerograd.nn import Model, optimizers, schedulers
from zerograd.nn import functions as F
from zerograd.nn.layers import BatchNorm, Linear
from zerograd.nn.models import MLP
from zerograd.text.layers import LSTM
from zerograd.vision.functions import pooling
from zerograd.vision.layers import Conv2d

STEPS, BATCH = 20, 4
needs_ranks = pytest.mark.skipif(MPI.COMM_WORLD.Get_size() == 1,
                                 reason="one rank averages nothing; runs under mpiexec -n 2, 4")


class Samples(Dataset):
    def __init__(self, x, t):
        self.x, self.t = x, t
        super().__init__()

    def prepare(self):
        self.data, self.label = self.x, self.t


class SmallCNN(Model):
    def __init__(self):
        super().__init__()
        self.conv = Conv2d(4, kernel_size=3, pad=1)
        self.fc = Linear(3)

    def forward(self, x):
        x = pooling(F.relu(self.conv(x)), 2, 2)
        return self.fc(x.reshape(x.shape[0], -1))


class SequenceClassifier(Model):
    def __init__(self):
        super().__init__()
        self.lstm = LSTM(6)
        self.fc = Linear(3)

    def forward(self, x):
        self.lstm.reset_state()
        for step in range(x.shape[1]):
            h = self.lstm(x[:, step])
        return self.fc(h)


def mlp():
    return MLP((16, 3), activation=F.relu)


CASES = {  # model, input shape of one sample, optimizer, whether a scheduler and a hook join
    "mlp": (mlp, (5,), lambda: optimizers.MomentumSGD(lr=0.1), True),
    "cnn": (SmallCNN, (1, 6, 6), lambda: optimizers.Adam(alpha=1e-2), False),
    "lstm": (SequenceClassifier, (5, 3), lambda: optimizers.SGD(lr=0.5), True),
}


def assert_same_parameters_on_every_rank(comm, model):
    everyone = comm.allgather_object([p.data for p in model.params()])
    for theirs in everyone[1:]:
        for mine, rank_0s in zip(theirs, everyone[0]):
            np.testing.assert_array_equal(mine, rank_0s)


def make_data(comm, sample_shape):
    n = comm.size * BATCH * 5  # five steps an epoch: 20 steps cross four reshuffles
    rng = np.random.default_rng(0)
    return Samples(rng.standard_normal((n, *sample_shape)).astype(np.float32),
                   rng.integers(0, 3, n))


def train(model, optimizer, loader, scheduler=None):
    losses = []
    batches = iter(loader)
    for _ in range(STEPS):
        try:
            x, t = next(batches)
        except StopIteration:
            batches = iter(loader)
            x, t = next(batches)
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        if scheduler is not None:
            scheduler.step()
        losses.append(float(loss.data))
    return losses


def setup(optimizer, model, with_extras):
    optimizer.setup(model)
    if with_extras:
        optimizer.add_hook(optimizers.WeightDecay(1e-3))
        return schedulers.StepLR(optimizer, step_size=5, gamma=0.5)
    return None


@pytest.mark.parametrize("overlap", [True, False], ids=["overlap", "after-backward"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_n_ranks_train_as_one_process_with_n_times_the_batch(comm, self_comm, case, overlap):
    build, sample_shape, make_optimizer, with_extras = CASES[case]
    data = make_data(comm, sample_shape)
    np.random.seed(comm.rank)  # different initial weights: rank 0's must win
    model = build()
    model(data.data[:1])  # size the lazy layers
    reference = copy.deepcopy(model)
    reference.load_state_dict(comm.broadcast_object(model.state_dict()))

    single = make_optimizer()
    scheduler = setup(single, reference, with_extras)
    train(reference, single, DistributedDataLoader(data, comm.size * BATCH, self_comm, seed=7),
          scheduler)

    distributed = MultiNodeOptimizer(make_optimizer(), comm, overlap=overlap, bucket_bytes=256)
    scheduler = setup(distributed, model, with_extras)
    train(model, distributed, DistributedDataLoader(data, BATCH, comm, seed=7), scheduler)
    assert distributed.overlapping == (overlap and comm.size > 1)

    for (name, mine), (_, theirs) in zip(model.named_params(), reference.named_params()):
        np.testing.assert_allclose(mine.data, theirs.data, rtol=2e-4, atol=2e-5, err_msg=name)
    assert_same_parameters_on_every_rank(comm, model)


def test_lazily_sized_layers_are_broadcast_from_rank_0(comm):
    np.random.seed(100 + comm.rank)
    model = MLP((8, 2))
    x = np.ones((2, 3), dtype=np.float32)
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), comm).setup(model)
    assert any(p.data is None for p in model.params())  # W waits for the first input
    model.cleargrads()
    zsum(model(x)).backward()
    optimizer.update()
    assert_same_parameters_on_every_rank(comm, model)


class TwoHeads(Model):
    def __init__(self):
        super().__init__()
        self.w = Parameter(np.ones(3, dtype=np.float32), name="w")
        self.only_rank_0 = Parameter(np.ones(2, dtype=np.float32), name="only_rank_0")
        self.unused = Parameter(np.ones(2, dtype=np.float32), name="unused")


def test_a_gradient_missing_on_some_ranks_counts_as_zeros_and_one_missing_everywhere_stays_none(
        comm):
    model = TwoHeads()
    optimizer = MultiNodeOptimizer(optimizers.MomentumSGD(lr=1.0), comm).setup(model)
    for _ in range(2):  # the second step goes through the buckets built by the first
        model.cleargrads()
        loss = zsum(model.w * (comm.rank + 1))
        if comm.rank == 0:
            loss = loss + zsum(model.only_rank_0)
        loss.backward()
        optimizer.update()
        np.testing.assert_allclose(model.w.grad.data, (comm.size + 1) / 2)
        np.testing.assert_allclose(model.only_rank_0.grad.data, 1 / comm.size)
        assert model.unused.grad is None
    np.testing.assert_array_equal(model.unused.data, 1)  # skipped, as in one process


class Odd(Model):
    def __init__(self, rank):
        super().__init__()
        self.a = Parameter(np.zeros(2, dtype=np.float32))
        if rank == 1:
            self.b = Parameter(np.zeros((2, 2), dtype=np.float32))
        else:
            self.b = Parameter(np.zeros((2, 3), dtype=np.float32))


def test_a_mismatch_is_reported_on_every_rank_before_any_allreduce(comm):
    model = Odd(comm.rank)
    if comm.size == 1:
        MultiNodeOptimizer(optimizers.SGD(), comm).setup(model)
        return
    with pytest.raises(ValueError, match=r"parameters number 1 is 'b' \(2, 2\) <f4 on rank 1 "
                                         r"but 'b' \(2, 3\) <f4 on rank 0"):
        MultiNodeOptimizer(optimizers.SGD(), comm).setup(model)


def test_the_wrapper_is_the_optimizer_for_schedulers_hooks_and_state(comm):
    model = MLP((3,))
    actual = optimizers.Adam(alpha=0.1)
    optimizer = MultiNodeOptimizer(actual, comm).setup(model)
    assert type(optimizer) is optimizer.__class__ is MultiNodeOptimizer  # no disguise
    scheduler = schedulers.StepLR(optimizer, step_size=1, gamma=0.5)  # they look for param_groups
    scheduler.step()
    assert actual.lr == pytest.approx(0.05)
    optimizer.lr = 0.5
    assert actual.lr == 0.5 and optimizer.param_groups is actual.param_groups
    assert optimizer.state_dict()["type"] == "Adam"
    with pytest.raises(TypeError, match="MultiNodeOptimizer: optimizer must be a zerograd "
                                        "optimizer, got int"):
        MultiNodeOptimizer(3, comm)
    with pytest.raises(ValueError, match="bucket_bytes must be a positive integer, got 0"):
        MultiNodeOptimizer(actual, comm, bucket_bytes=0)


@needs_ranks
def test_small_buckets_average_as_one_large_bucket(comm):
    grads = {}
    for bucket_bytes in (16, 1 << 20):
        np.random.seed(0)
        model = MLP((7, 5, 2))
        model(np.ones((1, 3), dtype=np.float32))
        optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), comm,
                                       bucket_bytes=bucket_bytes).setup(model)
        model.cleargrads()
        zsum(model(np.full((2, 3), comm.rank, dtype=np.float32)) ** 2).backward()
        optimizer.update()
        assert (len(optimizer._buckets.buckets) > 1) == (bucket_bytes == 16)
        grads[bucket_bytes] = [p.grad.data.copy() for p in model.params()]
    for small, large in zip(grads[16], grads[1 << 20]):
        np.testing.assert_array_equal(small, large)


def backward_of_a_small_mlp(model, comm):
    model.cleargrads()
    zsum(model(np.full((2, 3), comm.rank, dtype=np.float32)) ** 2).backward()


@needs_ranks
def test_with_overlap_every_bucket_starts_during_backward(comm):
    model = MLP((7, 5, 2))
    model(np.ones((1, 3), dtype=np.float32))
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), comm, bucket_bytes=64).setup(model)
    buckets = optimizer._buckets.buckets
    assert len(buckets) > 2 and optimizer.overlapping
    backward_of_a_small_mlp(model, comm)
    assert optimizer._buckets.started == len(buckets)  # before update() was called
    assert all(bucket.request is not None for bucket in buckets)
    optimizer.update()
    assert optimizer._buckets.started == 0


@needs_ranks
def test_a_second_backward_without_update_names_no_sync_and_skip_step(comm):
    model = MLP((4, 2))
    model(np.ones((1, 3), dtype=np.float32))
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), comm).setup(model)
    backward_of_a_small_mlp(model, comm)
    with pytest.raises(RuntimeError, match="optimizer.no_sync.*skip_step"):
        zsum(model(np.ones((2, 3), dtype=np.float32))).backward()
    optimizer.skip_step()  # finish the collectives the first backward started


def test_one_rank_leaves_the_gradients_as_backward_left_them(self_comm):
    model = MLP((4, 2))
    model(np.ones((1, 3), dtype=np.float32))
    optimizer = MultiNodeOptimizer(optimizers.SGD(lr=0.0), self_comm).setup(model)
    backward_of_a_small_mlp(model, self_comm)
    grads = [p.grad for p in model.params()]
    optimizer.update()
    assert all(p.grad is g for p, g in zip(model.params(), grads)) and not optimizer.overlapping


def test_an_optimizer_set_up_before_wrapping_starts_from_rank_0s_weights(comm):
    np.random.seed(comm.rank)
    model = MLP((3,))
    model(np.ones((1, 2), dtype=np.float32))
    MultiNodeOptimizer(optimizers.SGD().setup(model), comm)
    assert_same_parameters_on_every_rank(comm, model)


class Normalized(Model):
    def __init__(self):
        super().__init__()
        self.fc = Linear(3, in_size=2)
        self.norm = BatchNorm()

    def forward(self, x):
        return self.norm(self.fc(x))


def test_batchnorm_statistics_start_from_rank_0_and_broadcast_buffers_realigns_them(comm):
    model = Normalized()
    model(np.full((4, 2), comm.rank, dtype=np.float32) + np.arange(8).reshape(4, 2))
    MultiNodeOptimizer(optimizers.SGD(), comm).setup(model)
    rank_0 = comm.broadcast_object({k: v.copy() for k, v in model.named_buffers()})
    for name, value in model.named_buffers():
        np.testing.assert_array_equal(value, rank_0[name])
    model(np.full((4, 2), 10 * comm.rank, dtype=np.float32))  # each rank's own statistics
    broadcast_buffers(model, comm)
    rank_0 = comm.broadcast_object({k: v.copy() for k, v in model.named_buffers()})
    for name, value in model.named_buffers():
        np.testing.assert_array_equal(value, rank_0[name])


class GatheredDescriptions:
    """A stand-in communicator whose ranks described the given parameter lists."""

    def __init__(self, *descriptions):
        self.descriptions = list(descriptions)

    def allgather_object(self, obj):
        return self.descriptions


@pytest.mark.parametrize("theirs,message", [
    ([("w", (2,), "<f4")], "parameters number 1 is nothing on rank 1 but 'b' \\(3,\\) <f4 on "
                           "rank 0 \\(rank 0 has 2 parameters, rank 1 has 1\\)"),
    ([("w", (2,), "<f4"), ("b", None, None)], "'b' \\(not sized yet\\) on rank 1"),
    ([("w", (2,), "<f8"), ("b", (3,), "<f4")], "number 0 is 'w' \\(2,\\) <f8 on rank 1"),
])
def test_the_first_difference_between_ranks_is_named(theirs, message):
    mine = [("w", (2,), "<f4"), ("b", (3,), "<f4")]
    with pytest.raises(ValueError, match=message):
        check_same_on_every_rank(GatheredDescriptions(mine, theirs), mine)
    check_same_on_every_rank(GatheredDescriptions(mine, list(mine)), mine)
