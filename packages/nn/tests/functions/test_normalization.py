"""batch_norm and layer_norm: gradients in both backward forms, running statistics, PyTorch."""

from __future__ import annotations

import re

import numpy as np
import pytest

import zerograd.nn.functions as F
from zerograd.core import Variable, using_config
from zerograd.core.testing import check_backward, check_double_backward

SHAPES = [(5, 3), (3, 2, 3, 2)]


def _batch(rng, shape, dtype=np.float64):
    c = shape[1]
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.uniform(0.5, 1.5, c), rng.standard_normal(c)
    return x.astype(dtype), gamma.astype(dtype), beta.astype(dtype)


def _stats(c, dtype=np.float64):
    return np.zeros(c, dtype), np.ones(c, dtype)


# --- batch norm --------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_gradient(shape, train, rng):
    mean, var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])

    def func(x, gamma, beta):
        return F.batch_norm(x, gamma, beta, mean.copy(), var.copy(), train=train)

    check_backward(func, *_batch(rng, shape))
    check_double_backward(func, *_batch(rng, shape))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_double_backward_against_pytorch(shape, train, rng, torch_double_check):
    import torch

    mean, var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])
    torch_double_check(
        lambda x, g, b: F.batch_norm(x, g, b, mean.copy(), var.copy(), train=train),
        lambda x, g, b: torch.nn.functional.batch_norm(x, torch.tensor(mean), torch.tensor(var),
                                                       g, b, training=train, eps=2e-5),
        _batch(rng, shape))


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_against_pytorch(shape, rng, torch_check):
    import torch

    x, gamma, beta = (a.astype(np.float32) for a in _batch(rng, shape))
    mean, var = _stats(shape[1], np.float32)
    t_mean, t_var = torch.zeros(shape[1]), torch.ones(shape[1])
    torch_check(lambda *a: F.batch_norm(*a, mean, var, decay=0.8),
                lambda *a: torch.nn.functional.batch_norm(a[0], t_mean, t_var, a[1], a[2],
                                                          training=True, momentum=0.2, eps=2e-5),
                [x, gamma, beta])
    # Running statistics: decay 0.8 is PyTorch's momentum 0.2, both with the unbiased variance.
    np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, t_var.numpy(), rtol=1e-5, atol=1e-6)
    with using_config("train", False):
        torch_check(lambda *a: F.batch_norm(*a, mean, var),
                    lambda *a: torch.nn.functional.batch_norm(a[0], t_mean, t_var, a[1], a[2],
                                                              training=False, eps=2e-5),
                    [x, gamma, beta])


def test_batch_norm_running_statistics_are_the_books(rng):
    x, gamma, beta = _batch(rng, (6, 2))
    mean, var = np.full(2, 0.5), np.full(2, 2.0)
    F.batch_norm(x, gamma, beta, mean, var, decay=0.9)
    np.testing.assert_allclose(mean, 0.9 * 0.5 + 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(var, 0.9 * 2.0 + 0.1 * x.var(axis=0, ddof=1))


def test_batch_norm_test_mode_uses_running_statistics(rng):
    x, gamma, beta = _batch(rng, (4, 3))
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    before = mean.copy(), var.copy()
    with using_config("train", False):
        y = F.batch_norm(x, gamma, beta, mean, var)
    np.testing.assert_allclose(y.data, gamma * (x - mean) / np.sqrt(var + 2e-5) + beta)
    np.testing.assert_array_equal(mean, before[0])
    np.testing.assert_array_equal(var, before[1])
    y_flag = F.batch_norm(x, gamma, beta, mean, var, train=False)  # the flag overrides Config
    np.testing.assert_allclose(y_flag.data, y.data)


def test_batch_norm_float32(rng):
    x, gamma, beta = (a.astype(np.float32) for a in _batch(rng, (4, 3, 2, 2)))
    mean, var = _stats(3, np.float32)
    y = F.batch_norm(Variable(x), gamma, beta, mean, var)
    y.backward()
    assert y.dtype == np.float32 and mean.dtype == np.float32


def test_batch_norm_bad_input():
    x = np.ones((4, 3))
    ok = (np.ones(3), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\), got \(4, 3, 2\)"):
        F.batch_norm(np.ones((4, 3, 2)), *ok)
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        F.batch_norm(x, np.ones(2), *ok[1:])
    with pytest.raises(ValueError, match=r"mean must be an array of shape \(3,\)"):
        F.batch_norm(x, *ok[:2], np.zeros(4), ok[3])
    with pytest.raises(TypeError, match="var must be a floating array"):
        F.batch_norm(x, *ok[:3], np.ones(3, dtype=int))
    with pytest.raises(ValueError, match="decay must lie"):
        F.batch_norm(x, *ok, decay=1.5)


def dezero_batch_norm(x, gamma, beta, mean, var, decay, eps):
    """DeZero's train-mode batch_norm written out on arrays: (y, new mean, new var). Its
    variance correction is m / s with s = m - 1 when m - 1 > 1, else 1."""
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    view = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    m = x.size // gamma.size
    adjust = m / (m - 1.0 if m - 1.0 > 1.0 else 1.0)
    batch_mean, batch_var = x.mean(axis=axes), x.var(axis=axes)
    xhat = (x - batch_mean.reshape(view)) / np.sqrt(batch_var.reshape(view) + eps)
    y = gamma.reshape(view) * xhat + beta.reshape(view)
    return (y, decay * mean + (1 - decay) * batch_mean,
            decay * var + (1 - decay) * adjust * batch_var)


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1), (2, 3), (3, 3), (1, 3, 1, 2), (4, 3, 2, 2)])
def test_batch_norm_trains_as_dezero_down_to_one_value_per_channel(shape, rng):
    # The book's GAN sizes its generator with one sample in train mode: DeZero gives beta.
    x, gamma, beta = _batch(rng, shape)
    mean, var = np.full(3, 0.5), np.full(3, 2.0)
    expected_y, expected_mean, expected_var = dezero_batch_norm(x, gamma, beta, mean, var, 0.9, 2e-5)
    xv = Variable(x)
    y = F.batch_norm(xv, gamma, beta, mean, var)
    np.testing.assert_allclose(y.data, expected_y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(var, expected_var, rtol=1e-12)
    y.backward()
    assert np.isfinite(xv.grad.data).all()
    if x.size == 3:  # one value per channel: the output is beta, x gets no gradient
        np.testing.assert_allclose(y.data.reshape(-1), beta)
        np.testing.assert_array_equal(xv.grad.data, 0)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 2, 2), (2, 0), (2, 3, 0, 2)])
@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_refuses_an_empty_batch_in_both_modes(shape, train):
    c = shape[1]
    mean, var = np.full(c, 0.5), np.full(c, 2.0)
    with using_config("train", train), pytest.raises(
            ValueError, match=r"batch_norm: x of shape " + re.escape(str(shape)) + " is empty"):
        F.batch_norm(np.ones(shape), np.ones(c), np.zeros(c), mean, var)
    np.testing.assert_array_equal(mean, 0.5)  # the running statistics are untouched
    np.testing.assert_array_equal(var, 2.0)


# --- layer norm --------------------------------------------------------------------------------
LN_SHAPES = [((4, 5), (5,)), ((2, 3, 4), (4,)), ((2, 3, 4), (3, 4))]


def _layer_batch(rng, shape, param_shape):
    x = rng.standard_normal(shape) * 2 + 1
    return x, rng.uniform(0.5, 1.5, param_shape), rng.standard_normal(param_shape)


@pytest.mark.parametrize("shape,param_shape", LN_SHAPES)
def test_layer_norm_gradient(shape, param_shape, rng):
    check_backward(F.layer_norm, *_layer_batch(rng, shape, param_shape))
    check_double_backward(F.layer_norm, *_layer_batch(rng, shape, param_shape))


@pytest.mark.parametrize("shape,param_shape", LN_SHAPES)
def test_layer_norm_double_backward_against_pytorch(shape, param_shape, rng, torch_double_check):
    import torch

    torch_double_check(
        F.layer_norm,
        lambda x, g, b: torch.nn.functional.layer_norm(x, g.shape, g, b, eps=1e-5),
        _layer_batch(rng, shape, param_shape))


@pytest.mark.parametrize("shape,param_shape", LN_SHAPES)
def test_layer_norm_against_pytorch(shape, param_shape, rng, torch_check):
    import torch

    arrays = [a.astype(np.float32) for a in _layer_batch(rng, shape, param_shape)]
    torch_check(F.layer_norm,
                lambda x, g, b: torch.nn.functional.layer_norm(x, param_shape, g, b, eps=1e-5),
                arrays)


def test_layer_norm_bad_input():
    with pytest.raises(ValueError, match=r"layer_norm: x of shape \(\) has no axis to normalise "
                                         r"\(gamma has shape \(1,\)\)"):
        F.layer_norm(np.array(1.0), np.ones(1), np.zeros(1))
    with pytest.raises(ValueError, match=r"gamma of shape \(3,\) does not match the trailing axes"):
        F.layer_norm(np.ones((2, 4)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="differ"):
        F.layer_norm(np.ones((2, 3, 4)), np.ones((3, 4)), np.zeros(4))
    with pytest.raises(TypeError, match="floating"):
        F.layer_norm(np.ones((2, 4), dtype=int), np.ones(4), np.zeros(4))
