"""BatchNorm and LayerNorm layers: lazy sizing, buffers, both mode switches, weights files."""

from __future__ import annotations

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
