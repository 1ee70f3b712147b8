"""The toy data sets: shapes, dtypes and the book's values."""

import numpy as np

from zerograd.data.datasets import SinCurve, Spiral, get_spiral


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
