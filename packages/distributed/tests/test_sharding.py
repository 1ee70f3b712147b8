"""scatter_index and DistributedDataLoader: each rank gets its own disjoint shard of a data set,
every sample once per epoch."""

from __future__ import annotations

import pickle
from types import SimpleNamespace

import numpy as np
import pytest

from zerograd.data import DataLoader, Dataset
from zerograd.distributed import DistributedDataLoader, scatter_index


def agreeing(rank, size):
    """A stand-in communicator whose ranks all hold what this one holds."""
    return SimpleNamespace(rank=rank, size=size, allgather_object=lambda obj: [obj] * size)


def ranks(size):
    return [agreeing(r, size) for r in range(size)]


class ArrayDataset(Dataset):
    """Samples 0..n-1 whose data is their index; refuses to be pickled."""

    def __init__(self, n):
        self.n = n
        super().__init__()

    def prepare(self):
        self.data = np.arange(self.n, dtype=np.float32)[:, None]
        self.label = np.arange(self.n)

    def __reduce__(self):
        raise AssertionError("a data set was pickled")


@pytest.mark.parametrize("n,size", [(12, 4), (10, 4), (7, 2), (3, 4)])
def test_shards_deal_out_one_order_padded_to_equal_length(n, size):
    order = np.random.default_rng([5, 2]).permutation(n)
    shards = [scatter_index(n, r, size, seed=5, epoch=2) for r in range(size)]
    assert {len(s) for s in shards} == {-(-n // size)}
    dealt = np.stack(shards, axis=1).ravel()  # step by step, rank by rank
    np.testing.assert_array_equal(dealt[:n], order)
    np.testing.assert_array_equal(dealt[n:], np.resize(order, len(dealt))[n:])


def test_every_epoch_has_a_new_order_and_the_same_one_for_the_same_seed():
    first = scatter_index(100, 0, 2, seed=1, epoch=0)
    assert not np.array_equal(first, scatter_index(100, 0, 2, seed=1, epoch=1))
    np.testing.assert_array_equal(first, scatter_index(100, 0, 2, seed=1, epoch=0))
    np.testing.assert_array_equal(scatter_index(9, 1, 2, seed=1, shuffle=False), [1, 3, 5, 7, 0])


@pytest.mark.parametrize("kwargs,message", [
    ({"n": 0}, "n must be a positive integer, got 0"),
    ({"rank": 2}, "rank must be in 0..1, got 2"),
    ({"size": 0}, "size"),
    ({"seed": None}, "seed must be a non-negative integer"),
    ({"epoch": -1}, "epoch must be a non-negative integer, got -1"),
])
def test_bad_arguments_are_named(kwargs, message):
    args = {"n": 4, "rank": 0, "size": 2, "seed": 0, "epoch": 0, **kwargs}
    with pytest.raises(ValueError, match=f"scatter_index: .*{message}"):
        scatter_index(**args)


def batches(loader):
    return [x[:, 0].astype(int).tolist() for x, _ in loader]


def test_step_k_of_n_ranks_covers_step_k_of_one_process_with_n_times_the_batch():
    dataset, size, batch = ArrayDataset(48), 4, 3
    whole = DistributedDataLoader(dataset, size * batch, agreeing(0, 1), seed=9)
    loaders = [DistributedDataLoader(dataset, batch, r, seed=9) for r in ranks(size)]
    for _ in range(3):  # epochs, each reshuffled
        expected = batches(whole)
        per_rank = [batches(loader) for loader in loaders]
        assert len(expected) == 4 and all(len(b) == 4 for b in per_rank)
        for step, global_batch in enumerate(expected):
            assert sorted(sum((b[step] for b in per_rank), [])) == sorted(global_batch)


def test_the_data_set_is_never_pickled_and_batches_are_gathered_whole():
    dataset = ArrayDataset(10)
    with pytest.raises(AssertionError):
        pickle.dumps(dataset)
    loader = DistributedDataLoader(dataset, 2, agreeing(1, 2), seed=0)
    assert loader.dataset.batchable
    assert sum(len(x) for x, _ in loader) == 5


def test_resume_mid_epoch_is_exact_and_later_epochs_match():
    dataset, comm = ArrayDataset(30), agreeing(1, 3)
    reference = DistributedDataLoader(dataset, 2, comm, seed=4)
    run = iter(reference)
    next(run), next(run)
    saved = reference.state_dict()
    rest = [x[:, 0].tolist() for x, _ in run] + batches(reference)

    resumed = DistributedDataLoader(dataset, 2, comm, seed=0)
    resumed.load_state_dict(saved)
    assert [x[:, 0].tolist() for x, _ in resumed] + batches(resumed) == rest


def test_a_state_without_the_epoch_is_refused_and_changes_nothing():
    loader = DistributedDataLoader(ArrayDataset(8), 2, agreeing(0, 2), seed=1)
    before = loader.dataset.indices.copy()
    with pytest.raises(KeyError, match="DistributedDataLoader.load_state_dict: .*'epoch'"):
        loader.load_state_dict({"iteration": 0, "index": np.arange(4)})
    bad = {**loader.state_dict(), "epoch": 3, "iteration": 99}
    with pytest.raises(ValueError, match="iteration 99"):
        loader.load_state_dict(bad)
    np.testing.assert_array_equal(loader.dataset.indices, before)
    assert loader.epoch == 0


def test_a_plain_data_loader_over_a_shard_is_still_a_data_loader():
    loader = DistributedDataLoader(ArrayDataset(8), 2, agreeing(0, 2), seed=1)
    assert isinstance(loader, DataLoader) and len(loader) == 2
    with pytest.raises(TypeError, match="DistributedDataLoader: dataset must support len"):
        DistributedDataLoader(object(), 2, agreeing(0, 1))


class Disagreeing:
    """A stand-in communicator of three ranks where rank 1 holds ``changes``."""

    rank, size = 0, 3

    def __init__(self, **changes):
        self.changes = changes

    def allgather_object(self, obj):
        return [obj, {**obj, **self.changes}, obj]


@pytest.mark.parametrize("changes,message", [
    ({"seed": 5}, "seed is 0 on ranks 0, 2 but 5 on rank 1"),
    ({"len(dataset)": 22}, r"len\(dataset\) is 30 on ranks 0, 2 but 22 on rank 1"),
    ({"number of ranks": 4}, "number of ranks is 3 on ranks 0, 2 but 4 on rank 1"),
])
def test_ranks_that_disagree_on_the_order_are_stopped_before_the_first_step(changes, message):
    with pytest.raises(ValueError, match="DistributedDataLoader: the ranks disagree: " + message):
        DistributedDataLoader(ArrayDataset(30), 2, Disagreeing(**changes), seed=0)


def test_the_real_ranks_agree_or_every_rank_raises(comm):
    DistributedDataLoader(ArrayDataset(16), 2, comm, seed=3)
    if comm.size > 1:
        with pytest.raises(ValueError, match="seed is 0 on rank 0 but 1 on rank(s)? 1"):
            DistributedDataLoader(ArrayDataset(16), 2, comm, seed=min(comm.rank, 1))


def test_a_state_written_by_another_number_of_ranks_is_refused():
    saved = DistributedDataLoader(ArrayDataset(30), 2, agreeing(0, 3), seed=1).state_dict()
    assert saved["ranks"] == 3
    loader = DistributedDataLoader(ArrayDataset(30), 2, agreeing(1, 4), seed=1)
    with pytest.raises(ValueError, match="written by 3 rank\\(s\\) and this job has 4 "
                                         "\\(rank 1 here\\).*mpiexec -n 3"):
        loader.load_state_dict(saved)
