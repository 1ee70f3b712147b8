"""DataLoader and SeqDataLoader: batches, epochs, shuffling, both gathering paths, exact resume."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerograd.core import cuda
from zerograd.data import DataLoader, Dataset, SeqDataLoader
from zerograd.data.datasets import SinCurve, Spiral
from zerograd.data.transforms import Compose, Flatten, Normalize, ToFloat


class Arrays(Dataset):
    """A data set over given arrays; `per_sample=True` forces the loader's per-sample path."""

    def __init__(self, data, label=None, per_sample=False, **kwargs):
        self._arrays, self._per_sample = (data, label), per_sample
        super().__init__(**kwargs)

    def prepare(self):
        self.data, self.label = self._arrays

    @property
    def batchable(self):
        return not self._per_sample and super().batchable


def numbered(n, per_sample=False, **kwargs):
    """Sample i is [i, i] (float) with label i, so a batch tells which samples it holds."""
    data = np.repeat(np.arange(n, dtype=np.float64)[:, None], 2, axis=1)
    return Arrays(data, np.arange(n), per_sample=per_sample, **kwargs)


def epoch_labels(loader):
    return np.concatenate([t for _, t in loader]).tolist()


def test_batches_cover_every_sample_once():
    loader = DataLoader(numbered(10), batch_size=4, seed=0)
    shapes = [(x.shape, t.shape) for x, t in loader]
    assert shapes == [((4, 2), (4,)), ((4, 2), (4,)), ((2, 2), (2,))]
    assert sorted(epoch_labels(loader)) == list(range(10))
    assert len(loader) == loader.max_iter == 3


def test_drop_last_leaves_out_the_incomplete_batch():
    loader = DataLoader(numbered(10), batch_size=4, drop_last=True, seed=0)
    assert len(loader) == 2
    assert [t.shape for _, t in loader] == [(4,), (4,)]


def test_no_shuffle_keeps_the_order():
    loader = DataLoader(numbered(5), batch_size=2, shuffle=False)
    assert epoch_labels(loader) == [0, 1, 2, 3, 4]
    assert epoch_labels(loader) == [0, 1, 2, 3, 4]


def test_each_for_loop_is_a_new_epoch_with_a_new_order():
    loader = DataLoader(numbered(50), batch_size=7, seed=3)
    first, second = epoch_labels(loader), epoch_labels(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second


def test_a_loop_broken_off_is_not_continued():
    loader = DataLoader(numbered(20), batch_size=3, seed=0)
    for _ in loader:
        break
    assert sorted(epoch_labels(loader)) == list(range(20))


def test_reset_starts_over():
    loader = DataLoader(numbered(6), batch_size=2, shuffle=False)
    assert loader.next()[1].tolist() == [0, 1]
    assert next(loader)[1].tolist() == [2, 3]
    loader.reset()
    assert next(loader)[1].tolist() == [0, 1]


def test_next_raises_stop_iteration_at_the_end_then_starts_a_new_epoch():
    loader = DataLoader(numbered(3), batch_size=2, shuffle=False)
    next(loader), next(loader)
    with pytest.raises(StopIteration):
        next(loader)
    assert next(loader)[1].tolist() == [0, 1]


def test_seed_makes_shuffling_reproducible():
    a = DataLoader(numbered(30), batch_size=8, seed=42)
    b = DataLoader(numbered(30), batch_size=8, seed=42)
    c = DataLoader(numbered(30), batch_size=8, seed=43)
    assert [epoch_labels(a) for _ in range(3)] == [epoch_labels(b) for _ in range(3)]
    assert epoch_labels(DataLoader(numbered(30), 8, seed=42)) != epoch_labels(c)


def test_seed_accepts_a_generator_and_leaves_the_global_one_alone():
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    loader = DataLoader(numbered(30), batch_size=8, seed=np.random.default_rng(1))
    epoch_labels(loader)
    assert np.random.rand() == expected


def test_without_seed_the_global_generator_shuffles_as_in_the_book():
    np.random.seed(7)
    expected = [np.random.permutation(12).tolist() for _ in range(3)]
    np.random.seed(7)
    loader = DataLoader(numbered(12), batch_size=5)  # draws the first order here
    assert loader.index.tolist() == expected[0]
    assert epoch_labels(loader) == expected[0]
    assert loader.index.tolist() == expected[1]  # the next order is drawn as an epoch ends
    assert epoch_labels(loader) == expected[1]


def test_fast_path_runs_the_transform_once_per_batch():
    calls = []

    def double(x):
        calls.append(x.shape)
        return x * 2

    double.batchable = True
    loader = DataLoader(numbered(10, transform=double), batch_size=4, shuffle=False)
    x, _ = next(loader)
    assert calls == [(4, 2)]
    np.testing.assert_array_equal(x, [[0, 0], [2, 2], [4, 4], [6, 6]])


def test_non_batchable_transform_takes_the_per_sample_path():
    calls = []

    def double(x):
        calls.append(x.shape)
        return x * 2

    loader = DataLoader(numbered(10, transform=double), batch_size=4, shuffle=False)
    x, _ = next(loader)
    assert calls == [(2,)] * 4
    np.testing.assert_array_equal(x, [[0, 0], [2, 2], [4, 4], [6, 6]])


@pytest.mark.parametrize("with_label", [True, False])
def test_both_paths_give_the_same_batches(with_label):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, size=(23, 3, 2, 2)).astype(np.uint8)
    label = rng.integers(0, 10, size=23) if with_label else None
    transform = Compose([ToFloat(), Normalize([1.0, 2.0, 3.0], [2.0, 4.0, 8.0]), Flatten()])
    fast = DataLoader(Arrays(data, label, transform=transform), batch_size=5, seed=9)
    slow = DataLoader(Arrays(data, label, per_sample=True, transform=transform), 5, seed=9)
    for _ in range(2):
        for (xf, tf), (xs, ts) in zip(fast, slow, strict=True):
            assert xf.dtype == xs.dtype == np.float32 and xf.shape == xs.shape == (len(xf), 12)
            np.testing.assert_allclose(xf, xs, rtol=1e-6)
            if with_label:
                np.testing.assert_array_equal(tf, ts)
            else:
                assert tf is None and ts is None


def test_any_indexable_data_set_works_per_sample():
    pairs = [(np.full(3, i), i % 2) for i in range(5)]
    loader = DataLoader(pairs, batch_size=2, shuffle=False)
    batches = list(loader)
    assert [x.shape for x, _ in batches] == [(2, 3), (2, 3), (1, 3)]
    assert batches[0][1].tolist() == [0, 1]


def test_spiral_batches_keep_the_books_dtypes():
    x, t = next(iter(DataLoader(Spiral(), batch_size=30, seed=0)))
    assert x.dtype == np.float32 and t.dtype == np.int64 and x.shape == (30, 2)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
def test_batch_shapes(n, batch_size, drop_last):
    loader = DataLoader(numbered(n), batch_size=batch_size, drop_last=drop_last, seed=0)
    sizes = [len(t) for _, t in loader]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert len(loader) == len(sizes)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="DataLoader: batch_size must be a positive int, got 0"):
        DataLoader(numbered(3), batch_size=0)
    with pytest.raises(TypeError, match="DataLoader: batch_size must be a positive int, got 2.0"):
        DataLoader(numbered(3), batch_size=2.0)
    with pytest.raises(TypeError, match="DataLoader: dataset must support len"):
        DataLoader(object(), batch_size=2)
    with pytest.raises(ValueError, match="DataLoader: seed must be None, a non-negative integer"):
        DataLoader(numbered(3), batch_size=2, seed=-1)


@pytest.mark.skipif(cuda.gpu_enable, reason="checks the error raised without a GPU")
def test_gpu_without_cupy_raises_clearly():
    with pytest.raises(RuntimeError, match="DataLoader: gpu=True needs CuPy"):
        DataLoader(numbered(3), batch_size=2, gpu=True)


@pytest.mark.skipif(not cuda.gpu_enable, reason="needs CuPy and a GPU")
def test_gpu_batches_are_cupy_arrays():
    x, t = next(iter(DataLoader(numbered(6, transform=ToFloat()), batch_size=4, gpu=True)))
    assert isinstance(x, cuda.cupy.ndarray) and isinstance(t, cuda.cupy.ndarray)
    assert x.shape == (4, 2) and x.dtype == np.float32


# -- exact resume ------------------------------------------------------------------------------

def run(loader, batches):
    """Labels of the next `batches` batches, across epoch boundaries as a training loop would."""
    out = []
    while len(out) < batches:
        for _, t in loader:
            out.append(t.tolist())
            if len(out) == batches:
                return out
    return out


@pytest.mark.parametrize("stop", [0, 2, 5, 7, 9])
def test_state_dict_resumes_an_own_generator_exactly(stop):
    uninterrupted = run(DataLoader(numbered(17), batch_size=5, seed=11), 16)
    first = DataLoader(numbered(17), batch_size=5, seed=11)
    head = run(first, stop)
    state = first.state_dict()
    resumed = DataLoader(numbered(17), batch_size=5, seed=999)  # another seed: the state wins
    resumed.load_state_dict(state)
    assert head + run(resumed, 16 - stop) == uninterrupted


@pytest.mark.parametrize("stop", [3, 4, 6])
def test_state_dict_resumes_the_global_generator_exactly(stop):
    np.random.seed(123)
    uninterrupted = run(DataLoader(numbered(17), batch_size=5), 12)
    np.random.seed(123)
    first = DataLoader(numbered(17), batch_size=5)
    head = run(first, stop)
    state, global_state = first.state_dict(), np.random.get_state()  # as checkpoints store both
    np.random.seed(0)
    resumed = DataLoader(numbered(17), batch_size=5)
    np.random.set_state(global_state)
    resumed.load_state_dict(state)
    assert head + run(resumed, 12 - stop) == uninterrupted


def test_state_dict_holds_checkpoint_friendly_values():
    loader = DataLoader(numbered(8), batch_size=3, seed=2)
    next(loader)
    state = loader.state_dict()
    assert state["iteration"] == 1 and isinstance(state["iteration"], int)
    assert isinstance(state["index"], np.ndarray) and state["index"].dtype.kind == "i"
    assert json.loads(state["generator"])["bit_generator"] == "PCG64"
    state["index"][:] = 0  # a copy: changing it leaves the loader alone
    assert sorted(loader.index.tolist()) == list(range(8))
    assert "generator" not in DataLoader(numbered(8), batch_size=3).state_dict()


def test_state_dict_with_another_bit_generator():
    loader = DataLoader(numbered(9), batch_size=2, seed=np.random.Generator(np.random.MT19937(4)))
    state = loader.state_dict()
    expected = run(loader, 10)
    resumed = DataLoader(numbered(9), batch_size=2)
    resumed.load_state_dict(state)
    assert run(resumed, 10) == expected


def test_load_state_dict_rejects_a_mismatched_state():
    loader = DataLoader(numbered(8), batch_size=3, seed=0)
    state = loader.state_dict()
    with pytest.raises(ValueError, match="the saved order has shape \\(8,\\).*has 5 samples"):
        DataLoader(numbered(5), batch_size=3).load_state_dict(state)
    with pytest.raises(KeyError, match="state lacks \\['index'\\]"):
        loader.load_state_dict({"iteration": 0})
    with pytest.raises(ValueError, match="iteration 9 is outside 0..3"):
        loader.load_state_dict({**state, "iteration": 9})


def _loader_fields(loader):
    fields = dict(vars(loader))
    fields["index"] = fields["index"].tolist()
    fields["_rng"] = None if loader._rng is None else loader._rng.bit_generator.state
    return fields


@pytest.mark.parametrize("change, error, message", [
    ({"index": np.array([0, 0, 0, 1, 2, 3, 4, 5])}, ValueError,
     r"the saved order lists sample 0 3 times; it must visit every sample once"),
    ({"index": np.array([0, 1, 2, 3, 4, 5, 6, 8])}, ValueError,
     r"the saved order holds 8, outside the data set's positions 0..7"),
    ({"index": np.array([-1, 1, 2, 3, 4, 5, 6, 7])}, ValueError, r"the saved order holds -1"),
    ({"index": np.arange(8.0)}, ValueError, r"the saved order has shape \(8,\) and dtype float64"),
    ({"iteration": 1.5}, TypeError, r"iteration must be an int, got 1.5 \(float\)"),
    ({"iteration": -1}, ValueError, r"iteration -1 is outside 0..3"),
    ({"generator": "not json"}, ValueError, r"the saved generator state is not one state_dict\(\)"),
])
def test_load_state_dict_checks_everything_before_changing_the_loader(change, error, message):
    loader = DataLoader(numbered(8), batch_size=3, seed=0)
    next(loader)
    before = _loader_fields(loader)
    state = {**DataLoader(numbered(8), batch_size=3, seed=5).state_dict(), **change}
    with pytest.raises(error, match=rf"DataLoader.load_state_dict: {message}"):
        loader.load_state_dict(state)
    assert _loader_fields(loader) == before


def test_load_state_dict_refuses_what_is_not_a_state():
    with pytest.raises(TypeError, match=r"DataLoader.load_state_dict: state must be a dict .*list"):
        DataLoader(numbered(4), batch_size=2).load_state_dict([0, 1])


# -- SeqDataLoader ------------------------------------------------------------------------------

def test_seq_loader_streams_run_in_parallel():
    loader = SeqDataLoader(numbered(20), batch_size=3)
    assert len(loader) == 6  # 20 // 3 steps, the streams never wrap into each other
    steps = [t.tolist() for _, t in loader]
    assert steps == [[k, 6 + k, 12 + k] for k in range(6)]


def test_seq_loader_shapes_on_sincurve():
    ds = SinCurve(train=False)
    loader = SeqDataLoader(ds, batch_size=30)
    batches = list(loader)
    assert len(batches) == len(loader) == 999 // 30
    x, t = batches[0]
    assert x.shape == (30, 1) and t.shape == (30, 1) and x.dtype == np.float64
    np.testing.assert_array_equal(batches[1][0], t)  # the next input is this step's target


def test_seq_loader_repeats_each_epoch_and_resumes():
    loader = SeqDataLoader(numbered(10), batch_size=2)
    assert epoch_labels(loader) == epoch_labels(loader)
    next(loader), next(loader)
    state = loader.state_dict()
    resumed = SeqDataLoader(numbered(10), batch_size=2)
    resumed.load_state_dict(state)
    assert next(iter(resumed))[1].tolist() == [2, 7]


def test_seq_loader_rejects_a_batch_larger_than_the_data():
    with pytest.raises(ValueError, match="SeqDataLoader: batch_size 8 exceeds the data set's "
                                         "length 5"):
        SeqDataLoader(numbered(5), batch_size=8)
