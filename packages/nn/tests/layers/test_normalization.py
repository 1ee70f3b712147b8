"""BatchNorm and LayerNorm layers: lazy sizing, buffers, both mode switches, weights files."""

from __future__ import annotations

import re

import numpy as np
import pytest

from zerograd.core import Config
from zerograd.nn import test_mode
from zerograd.nn.layers import BatchNorm, LayerNorm


def _x(rng, shape=(8, 3)):
    return (rng.standard_normal(shape) * 2 + 1).astype(np.float32)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 2, 2)])
def test_batch_norm_sizes_itself_and_updates_statistics(shape, rng):
    bn = BatchNorm()
    x = _x(rng, shape)
    y = bn(x)
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    assert bn.gamma.shape == (3,) and bn.avg_mean.dtype == np.float32
    np.testing.assert_allclose(y.data.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(bn.avg_mean, 0.1 * x.mean(axis=axes), rtol=1e-5)
    assert [n for n, _ in bn.named_params()] == ["gamma", "beta"]
    assert [n for n, _ in bn.named_buffers()] == ["avg_mean", "avg_var"]


@pytest.mark.parametrize("switch", ["eval", "test_mode"])
def test_batch_norm_uses_running_statistics_when_either_switch_is_off(switch, rng):
    bn = BatchNorm()
    bn(_x(rng))
    mean, var = bn.avg_mean.copy(), bn.avg_var.copy()
    x = _x(rng)
    if switch == "eval":
        y = bn.eval()(x)
    else:
        with test_mode():
            y = bn(x)
    np.testing.assert_allclose(y.data, (x - mean) / np.sqrt(var + 2e-5), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.avg_mean, mean)  # untouched


def test_batch_norm_weights_round_trip(tmp_path, rng):
    bn = BatchNorm()
    bn(_x(rng))
    path = bn.save_weights(tmp_path / "bn.npz")
    fresh = BatchNorm()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.avg_var, bn.avg_var)
    x = _x(rng)
    np.testing.assert_allclose(fresh.eval()(x).data, bn.eval()(x).data)


def test_batch_norm_bad_input():
    with pytest.raises(ValueError, match=r"BatchNorm: decay must be a finite number in \[0, 1\]"):
        BatchNorm(decay=1.5)
    with pytest.raises(ValueError, match=r"\(N, C\) or \(N, C, H, W\)"):
        BatchNorm()(np.ones(3, np.float32))


def test_layer_norm(rng):
    layer = LayerNorm()
    x = _x(rng, (2, 5, 4))
    y = layer(x)
    assert layer.gamma.shape == (4,) and y.dtype == np.float32
    np.testing.assert_allclose(y.data.mean(axis=-1), 0, atol=1e-5)
    np.testing.assert_allclose(y.data.std(axis=-1), 1, atol=1e-3)
    assert LayerNorm((5, 4))(x).shape == x.shape
    assert LayerNorm(4).gamma.shape == (4,)
    assert "normalized_shape=(4,)" in repr(layer)
    assert Config.train


@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1)])
def test_batch_norm_trains_on_one_value_per_channel_as_dezero(shape, rng):
    # The book's GAN sizes its layers with one sample in train mode: DeZero's batch_norm gives
    # beta (the variance correction is 1 for m = 1) and decays the running variance.
    bn = BatchNorm()
    x = _x(rng, shape)
    y = bn(x)
    assert np.isfinite(y.data).all()
    np.testing.assert_array_equal(y.data, np.zeros(shape, np.float32))  # beta
    np.testing.assert_allclose(bn.avg_mean, 0.1 * x.reshape(3), rtol=1e-6)
    np.testing.assert_allclose(bn.avg_var, np.full(3, 0.9, np.float32))
    y.sum().backward()
    np.testing.assert_array_equal(bn.beta.grad.data, 1)
    np.testing.assert_array_equal(bn.gamma.grad.data, 0)


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 2, 2), (2, 3, 0, 2)])
def test_batch_norm_refuses_an_empty_batch_and_keeps_its_statistics(shape, rng):
    bn = BatchNorm()
    bn(_x(rng, (8, 3)))
    before = [a.copy() for a in (bn.avg_mean, bn.avg_var, bn.gamma.data, bn.beta.data)]
    for mode in (bn.train, bn.eval):
        mode()
        with pytest.raises(ValueError, match=r"BatchNorm: x of shape \(" + str(shape[0]) + ".* is empty"):
            bn(np.ones(shape, np.float32))
    for array, saved in zip((bn.avg_mean, bn.avg_var, bn.gamma.data, bn.beta.data), before):
        np.testing.assert_array_equal(array, saved)


def test_an_unsized_batch_norm_stays_unsized_after_a_refused_batch():
    bn = BatchNorm()
    with pytest.raises(ValueError, match="is empty"):
        bn(np.ones((0, 4), np.float32))
    assert bn.avg_mean is None and bn.gamma.data is None


@pytest.mark.parametrize("normalized_shape, x_shape", [(None, ()), (3, ()), ((2, 3), (3,)),
                                                       ((2, 3), (4, 3)), (3, (3, 2))])
def test_layer_norm_on_an_input_without_the_normalised_axes_names_the_shapes(normalized_shape,
                                                                              x_shape):
    # LayerNorm()(np.array(1.)) used to raise a bare IndexError
    layer = LayerNorm(normalized_shape)
    with pytest.raises(ValueError, match=r"(LayerNorm: x|layer_norm: .*x) of shape "
                                         + re.escape(str(x_shape))):
        layer(np.ones(x_shape, np.float32))
    if normalized_shape is None:
        assert layer.gamma.data is None  # not sized by the refused input


@pytest.mark.parametrize("make, error, match", [
    (lambda: BatchNorm(16), ValueError, r"BatchNorm\(16\) looks like PyTorch's BatchNorm2d"),
    (lambda: BatchNorm(decay="0.9"), TypeError, "BatchNorm: decay must be a finite number"),
    (lambda: BatchNorm(eps=0.0), ValueError, "BatchNorm: eps must be a finite number > 0, got 0.0"),
    (lambda: LayerNorm(0), ValueError, "LayerNorm: normalized_shape must be a positive int"),
    (lambda: LayerNorm((4, 2.0)), TypeError, r"LayerNorm: normalized_shape\[1\] must be a "),
    (lambda: LayerNorm("4"), TypeError, "LayerNorm: normalized_shape must be None, a positive int"),
    (lambda: LayerNorm(eps=-1e-5), ValueError, "LayerNorm: eps must be a finite number > 0"),
    (lambda: LayerNorm(dtype=int), TypeError, "LayerNorm: dtype must be a floating-point type"),
])
def test_bad_construction_arguments_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()
