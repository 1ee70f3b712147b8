"""Dataset: the book's semantics and one-index batch gathering."""

import numpy as np
import pytest

from zerograd.data import Dataset
from zerograd.data.transforms import Compose, Flatten, Normalize, ToFloat


class Arrays(Dataset):
    """A data set over given arrays (label may be None)."""

    def __init__(self, data, label=None, **kwargs):
        self._arrays = (data, label)
        super().__init__(**kwargs)

    def prepare(self):
        self.data, self.label = self._arrays


def make(label=True, **kwargs):
    data = np.arange(24, dtype=np.uint8).reshape(6, 2, 2)
    return Arrays(data, np.arange(6) * 10 if label else None, **kwargs)


def test_getitem_returns_sample_and_label():
    ds = make()
    x, t = ds[2]
    np.testing.assert_array_equal(x, np.arange(8, 12).reshape(2, 2))
    assert t == 20 and len(ds) == 6


def test_getitem_accepts_numpy_and_negative_indices():
    ds = make()
    assert ds[np.int64(1)][1] == 10 and ds[-1][1] == 50


def test_transforms_are_applied():
    ds = make(transform=Flatten(), target_transform=lambda t: t + 1)
    x, t = ds[1]
    assert x.shape == (4,) and t == 11


def test_label_none_gives_t_none():
    ds = make(label=False, transform=ToFloat())
    x, t = ds[0]
    assert t is None and x.dtype == np.float32


def test_prepare_is_called_and_train_flag_kept():
    class Split(Dataset):
        def prepare(self):
            self.data = np.zeros(3 if self.train else 2)

    assert len(Split()) == 3 and len(Split(train=False)) == 2


def test_bad_index_and_missing_data_raise_clear_errors():
    with pytest.raises(TypeError, match=r"Arrays\[index\]: index must be an integer, got slice"):
        make()[1:3]
    with pytest.raises(TypeError, match="Dataset: prepare\\(\\) left self.data as None"):
        len(Dataset())
    with pytest.raises(TypeError, match="Arrays: transform must be callable"):
        make(transform=3)


def test_batchable_needs_arrays_batchable_transforms_and_base_getitem():
    assert make().batchable
    assert make(label=False).batchable
    assert make(transform=Compose([ToFloat(), Flatten()])).batchable
    assert not make(transform=lambda x: x).batchable
    assert not make(target_transform=lambda t: t).batchable
    assert make(label=False, target_transform=lambda t: t).batchable  # no labels to transform
    assert not Arrays([1, 2, 3]).batchable  # a list, not an array

    class Overridden(Arrays):
        def __getitem__(self, index):
            return super().__getitem__(index)

    assert not Overridden(np.zeros(3)).batchable


@pytest.mark.parametrize("label", [True, False])
def test_get_batch_equals_stacked_samples(label):
    ds = make(label=label, transform=Compose([ToFloat(), Normalize(3.0, 2.0), Flatten()]))
    indices = np.array([4, 0, 5, 0])
    x, t = ds.get_batch(indices)
    np.testing.assert_allclose(x, np.stack([ds[i][0] for i in indices]), rtol=1e-6)
    if label:
        np.testing.assert_array_equal(t, [ds[i][1] for i in indices])
    else:
        assert t is None


def test_get_batch_does_not_share_memory_with_the_data():
    ds = make()
    x, t = ds.get_batch(np.array([0, 1]))
    x[...] = 99
    assert ds.data[0, 0, 0] == 0
