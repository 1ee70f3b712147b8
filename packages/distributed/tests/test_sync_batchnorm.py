"""SyncBatchNorm on N ranks with batch B is BatchNorm in one process on the N·B samples:
outputs, input gradients, gamma/beta gradients (summed over ranks) and running statistics."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core.functions import sum as zsum
from zerograd.distributed import (
    MultiNodeBatchNormalization,
    MultiNodeOptimizer,
    SyncBatchNorm,
    convert_sync_batchnorm,
)
from zerograd.nn import Model, optimizers
from zerograd.nn import functions as F
from zerograd.nn.layers import BatchNorm, Linear, Sequential


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2, 2)], ids=["2d", "4d"])
def test_n_ranks_normalise_as_one_process_on_the_global_batch(comm, shape):
    rng = np.random.default_rng(0)
    n = shape[0]
    x_all = rng.standard_normal((comm.size * n, *shape[1:])) * 3 + 1
    w_all = rng.standard_normal(x_all.shape)
    mine = slice(comm.rank * n, (comm.rank + 1) * n)

    reference = BatchNorm()
    x_ref = Variable(x_all)
    y_ref = reference(x_ref)
    reference.cleargrads()
    zsum(y_ref * w_all).backward()

    layer = SyncBatchNorm(comm)
    x = Variable(x_all[mine].copy())
    y = layer(x)
    layer.cleargrads()
    zsum(y * w_all[mine]).backward()  # the ranks' losses add up to the reference's

    np.testing.assert_allclose(y.data, y_ref.data[mine], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(x.grad.data, x_ref.grad.data[mine], rtol=1e-8, atol=1e-10)
    for name in ("gamma", "beta"):
        total = comm.allreduce(getattr(layer, name).grad.data, "sum")
        np.testing.assert_allclose(total, getattr(reference, name).grad.data, rtol=1e-8)
    np.testing.assert_allclose(layer.avg_mean, reference.avg_mean, rtol=1e-10)
    np.testing.assert_allclose(layer.avg_var, reference.avg_var, rtol=1e-10)
    layer.eval()
    reference.eval()  # then both use the running statistics, with no collective
    np.testing.assert_allclose(layer(x_all[mine]).data, reference(x_all[mine]).data, rtol=1e-10)


class Net(Model):
    def __init__(self):
        super().__init__()
        self.fc = Linear(3, in_size=2)
        self.norm = BatchNorm()
        self.steps = Sequential(Linear(3, in_size=3), BatchNorm())


def test_convert_replaces_every_batchnorm_and_keeps_its_state(comm):
    model = Net()
    old = model.norm
    model.norm(np.ones((2, 3)))
    model.norm.avg_mean[...] = 7.0
    converted = convert_sync_batchnorm(model, comm)
    assert converted is model and MultiNodeBatchNormalization is SyncBatchNorm
    assert isinstance(model.norm, SyncBatchNorm) and model.norm.gamma is old.gamma
    np.testing.assert_array_equal(model.norm.avg_mean, 7.0)
    assert all(isinstance(layer, SyncBatchNorm) for layer in model.steps.layers
               if isinstance(layer, BatchNorm))
    assert sum(isinstance(m, SyncBatchNorm) for _, m in model.named_modules()) == 2
    assert isinstance(convert_sync_batchnorm(BatchNorm(), comm), SyncBatchNorm)


def test_double_backward_through_it_is_refused(comm):
    x = Variable(np.arange(6.0).reshape(3, 2) + comm.rank)
    y = SyncBatchNorm(comm)(x)
    zsum(y * y).backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="SyncBatchNorm: double backward"):
        zsum(x.grad).backward()


class NormNet(Model):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(8, in_size=5)
        self.norm = BatchNorm()
        self.fc2 = Linear(3, in_size=8)

    def forward(self, x):
        return self.fc2(F.relu(self.norm(self.fc1(x))))


def test_with_sync_batchnorm_n_ranks_train_as_one_process_on_the_global_batch(comm):
    batch, steps = 4, 4
    rng = np.random.default_rng(0)
    x_all = rng.standard_normal((steps * comm.size * batch, 5)).astype(np.float32) * 2 + 1
    t_all = rng.integers(0, 3, len(x_all))
    np.random.seed(0)
    model = NormNet()
    reference = copy.deepcopy(model)
    convert_sync_batchnorm(model, comm)
    optimizer = MultiNodeOptimizer(optimizers.MomentumSGD(lr=0.1), comm).setup(model)
    single = optimizers.MomentumSGD(lr=0.1).setup(reference)
    for step in range(steps):
        start = step * comm.size * batch
        xs, ts = x_all[start:start + comm.size * batch], t_all[start:start + comm.size * batch]
        mine = slice(comm.rank * batch, (comm.rank + 1) * batch)
        for net, opt, x, t in ((model, optimizer, xs[mine], ts[mine]),
                               (reference, single, xs, ts)):
            loss = F.softmax_cross_entropy(net(x), t)
            net.cleargrads()
            loss.backward()
            opt.update()
    for (name, mine), (_, theirs) in zip(model.named_params(), reference.named_params()):
        np.testing.assert_allclose(mine.data, theirs.data, rtol=1e-4, atol=1e-6, err_msg=name)
    for (name, mine), (_, theirs) in zip(model.named_buffers(), reference.named_buffers()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6, err_msg=name)
