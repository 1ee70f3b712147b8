"""Rank 0 writes the checkpoint; every rank resumes from it and continues bitwise as the
uninterrupted run does, dropout (each rank's own random draws) included."""

from __future__ import annotations

import os

import numpy as np
import pytest

from zerograd.data import Dataset
from zerograd.distributed import (
    DistributedDataLoader,
    MultiNodeOptimizer,
    load_checkpoint,
    save_checkpoint,
)
from zerograd.nn import Model, optimizers, schedulers
from zerograd.nn import functions as F
from zerograd.nn.layers import Linear


class Points(Dataset):
    def prepare(self):
        rng = np.random.default_rng(1)
        self.data = rng.standard_normal((60, 4)).astype(np.float32)
        self.label = rng.integers(0, 2, 60)


class DropoutNet(Model):
    def __init__(self):
        super().__init__()
        self.fc1 = Linear(8, in_size=4)
        self.fc2 = Linear(2, in_size=8)

    def forward(self, x):
        return self.fc2(F.dropout(F.relu(self.fc1(x)), 0.5))


def new_run(comm):
    np.random.seed(10 + comm.rank)  # each rank draws its own dropout masks
    model = DropoutNet()
    optimizer = MultiNodeOptimizer(optimizers.Adam(alpha=0.01), comm).setup(model)
    scheduler = schedulers.StepLR(optimizer, step_size=3)
    loader = DistributedDataLoader(Points(), 4, comm, seed=2)
    return model, optimizer, scheduler, loader


def steps(run, count):
    model, optimizer, scheduler, loader = run
    for _ in range(count):
        try:
            x, t = next(loader)
        except StopIteration:
            x, t = next(loader)
        loss = F.softmax_cross_entropy(model(x), t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        scheduler.step()


def test_every_rank_resumes_bitwise_from_rank_0s_file(comm, shared_dir):
    path = os.path.join(shared_dir, "run.ckpt")
    uninterrupted = new_run(comm)
    steps(uninterrupted, 12)

    first = new_run(comm)
    steps(first, 5)
    model, optimizer, scheduler, loader = first
    save_checkpoint(path, comm, model=model, optimizer=optimizer, scheduler=scheduler,
                    loader=loader, step=5)
    assert os.path.exists(path) and not [f for f in os.listdir(shared_dir) if f.endswith(".tmp")]

    resumed = new_run(comm)
    np.random.seed(999)  # whatever the generators hold now, the file's states win
    model, optimizer, scheduler, loader = resumed
    values = load_checkpoint(path, comm, model=model, optimizer=optimizer, scheduler=scheduler,
                             loader=loader)
    assert values == {"step": 5}
    steps(resumed, 7)
    for mine, theirs in zip(resumed[0].params(), uninterrupted[0].params()):
        np.testing.assert_array_equal(mine.data, theirs.data)


def test_the_reserved_entry_name_is_refused(comm, shared_dir):
    with pytest.raises(ValueError, match="save_checkpoint: the entry name "
                                         "'distributed_random_states' is reserved"):
        save_checkpoint(os.path.join(shared_dir, "x.ckpt"), comm,
                        distributed_random_states=1)


def test_a_checkpoint_some_rank_cannot_see_is_named_on_every_rank(comm, shared_dir):
    path = os.path.join(shared_dir, "seen.ckpt")
    save_checkpoint(path, comm, step=1)
    mine = path if comm.rank == 0 else os.path.join(shared_dir, f"node-local-{comm.rank}.ckpt")
    if comm.size == 1:
        assert load_checkpoint(mine, comm) == {"step": 1}
        return
    with pytest.raises(FileNotFoundError, match=f"load_checkpoint: no checkpoint file on rank 1: "
                                                f".*node-local-1.ckpt.* \\(of {comm.size} ranks\\)"):
        load_checkpoint(mine, comm)
