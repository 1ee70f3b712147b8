"""zerograd.data.datasets: the Dataset base class (the book's semantics, one-index batch
gathering) and the toy data sets (shapes, dtypes and the book's values)."""

import numpy as np
import pytest

import zerograd.data
import zerograd.data.dataset
from zerograd.data.datasets import Dataset, SinCurve, Spiral, get_spiral
from zerograd.data.transforms import Compose, Flatten, Normalize, ToFloat


def test_dataset_is_the_same_class_under_every_import_path():
    assert zerograd.data.Dataset is Dataset and zerograd.data.dataset.Dataset is Dataset


# -- Dataset -------------------------------------------------------------------------------------

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


# -- toy data sets -------------------------------------------------------------------------------

def test_get_spiral_shapes_dtypes_and_the_books_first_point():
    x, t = get_spiral(train=True)
    assert x.shape == (300, 2) and x.dtype == np.float32
    assert t.shape == (300,) and t.dtype == np.int64
    np.testing.assert_allclose(x[0], [-0.13981389, -0.00721657], rtol=1e-6)  # printed in the book
    assert t[0] == 1
    assert np.bincount(t).tolist() == [100, 100, 100]


def test_get_spiral_is_repeatable_and_splits_differ():
    x1, t1 = get_spiral(train=True)
    x2, t2 = get_spiral(train=True)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(t1, t2)
    x3, _ = get_spiral(train=False)
    assert not np.allclose(x1, x3)


def test_get_spiral_points_lie_on_their_arm():
    x, t = get_spiral()
    radius = np.hypot(x[:, 0], x[:, 1])
    assert radius.max() <= 0.99 + 1e-6 and radius.min() >= 0
    angle = np.arctan2(x[:, 0], x[:, 1])  # x = r sin(a), y = r cos(a)
    expected = 4.0 * t + 4.0 * radius
    wrapped = np.angle(np.exp(1j * (angle - expected)))
    assert np.abs(wrapped).max() < 1.5  # within about 7 sigma of the 0.2 noise


def test_get_spiral_seeds_the_global_generator_like_the_book():
    get_spiral(train=True)
    after = np.random.rand()
    get_spiral(train=True)
    assert np.random.rand() == after


def test_spiral_wraps_get_spiral():
    ds = Spiral(train=False)
    x, t = get_spiral(train=False)
    np.testing.assert_array_equal(ds.data, x)
    np.testing.assert_array_equal(ds.label, t)
    sample, label = ds[0]
    assert sample.shape == (2,) and sample.dtype == np.float32 and label == t[0]
    assert len(ds) == 300


def test_sincurve_train_is_noisy_sine():
    np.random.seed(0)
    ds = SinCurve(train=True)
    assert ds.data.shape == (999, 1) and ds.label.shape == (999, 1)
    assert ds.data.dtype == np.float64 and ds.label.dtype == np.float64
    np.testing.assert_array_equal(ds.data[1:], ds.label[:-1])
    grid = np.linspace(0, 2 * np.pi, 1000)
    noise = ds.data[:, 0] - np.sin(grid[:-1])
    assert np.abs(noise).max() <= 0.05 and np.abs(noise).max() > 0.01


def test_sincurve_test_is_clean_cosine():
    ds = SinCurve(train=False)
    grid = np.linspace(0, 2 * np.pi, 1000)
    np.testing.assert_allclose(ds.data[:, 0], np.cos(grid[:-1]))
    np.testing.assert_allclose(ds.label[:, 0], np.cos(grid[1:]))
    x, t = ds[5]
    assert x.shape == (1,) and t.shape == (1,)
