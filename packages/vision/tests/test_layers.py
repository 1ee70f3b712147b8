"""Conv2d and Deconv2d layers: lazy sizing, the book's initialisation, parameters, errors."""

import math

import numpy as np
import pytest

from zerograd.core.testing import assert_allclose
from zerograd.vision import functions as VF
from zerograd.vision.layers import Conv2d, Deconv2d


def test_conv2d_sizes_itself_at_the_first_call():
    np.random.seed(0)
    layer = Conv2d(6, kernel_size=(3, 2), stride=2, pad=1)
    assert layer.W.data is None
    x = np.random.rand(2, 4, 7, 6).astype(np.float32)
    y = layer(x)
    assert layer.in_channels == 4 and layer.W.shape == (6, 4, 3, 2)
    assert y.shape == (2, 6, 4, 4) and y.dtype == np.float32
    assert layer.W.dtype == layer.b.dtype == np.float32
    assert_allclose(y, VF.conv2d(x, layer.W.data, layer.b.data, 2, 1), rtol=1e-6)
    assert [name for name, _ in layer.named_params()] == ["W", "b"]


def test_book_initialisation_from_the_global_generator():
    np.random.seed(3)
    layer = Conv2d(5, 3, in_channels=2)
    np.random.seed(3)
    expected = np.random.randn(5, 2, 3, 3).astype(np.float32) * math.sqrt(1 / 18)
    assert_allclose(layer.W, expected, rtol=1e-6, atol=0)
    assert layer.W.dtype == np.float32
    np.testing.assert_array_equal(layer.b.data, np.zeros(5, np.float32))


def test_nobias_dtype_groups_dilation():
    layer = Conv2d(4, 3, pad=2, nobias=True, dtype=np.float64, dilation=2, groups=2)
    y = layer(np.ones((1, 6, 5, 5)))
    assert layer.b is None and layer.W.shape == (4, 3, 3, 3) and layer.W.dtype == np.float64
    assert y.shape == (1, 4, 5, 5)
    assert [name for name, _ in layer.named_params()] == ["W"]
    assert "groups=2" in repr(layer) and "dilation=(2, 2)" in repr(layer)


def test_gradients_reach_the_parameters():
    layer = Conv2d(3, 3, pad=1)
    y = layer(np.random.rand(2, 2, 4, 4).astype(np.float32))
    (y * y).sum().backward()
    assert layer.W.grad.shape == layer.W.shape and layer.b.grad.shape == (3,)


def test_deconv2d_layer():
    x = np.random.default_rng(0).random((2, 5, 4, 4), dtype=np.float32)
    np.random.seed(1)
    layer = Deconv2d(3, kernel_size=4, stride=2, pad=1)
    y = layer(x)  # W is drawn here, at the first call
    assert layer.W.shape == (5, 3, 4, 4) and y.shape == (2, 3, 8, 8)
    assert_allclose(y, VF.deconv2d(x, layer.W.data, layer.b.data, 2, 1), rtol=1e-6)
    assert layer(x, outsize=(9, 9)).shape == (2, 3, 9, 9)
    np.random.seed(1)
    expected = np.random.randn(5, 3, 4, 4).astype(np.float32) * math.sqrt(1 / (5 * 16))
    assert_allclose(layer.W, expected, rtol=1e-6, atol=0)


def test_weights_round_trip(tmp_path):
    layer = Conv2d(3, 3, in_channels=2)
    path = tmp_path / "conv.npz"
    layer.save_weights(path)
    other = Conv2d(3, 3)  # lazy: takes the loaded arrays as they are
    other.load_weights(path)
    np.testing.assert_array_equal(other.W.data, layer.W.data)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="Conv2d: out_channels must be a positive int, got 0"):
        Conv2d(0, 3)
    with pytest.raises(ValueError, match="Conv2d: stride must be at least 1"):
        Conv2d(4, 3, stride=0)
    with pytest.raises(ValueError, match="Conv2d: out_channels=3 is not divisible by groups=2"):
        Conv2d(3, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d: x must be 4-D \(N, C, H, W\), got shape \(3, 5, 5\)"):
        Conv2d(4, 3)(np.ones((3, 5, 5), dtype=np.float32))
    layer = Conv2d(4, 3, in_channels=2)
    with pytest.raises(ValueError, match=r"conv2d: x of shape \(1, 3, 5, 5\) has 3 channels but W "
                                         r"of shape \(4, 2, 3, 3\) expects 2"):
        layer(np.ones((1, 3, 5, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="Deconv2d: x of shape .* not divisible by groups=2"):
        Deconv2d(4, 3, groups=2)(np.ones((1, 3, 5, 5), dtype=np.float32))


@pytest.mark.parametrize("cls", [Conv2d, Deconv2d])
def test_pytorchs_argument_order_is_refused_with_the_books_form(cls):
    name = cls.__name__
    with pytest.raises(TypeError, match=rf"{name}\(1, 16, 3, 2, \.\.\.\) looks like PyTorch's "
                                        rf"\(in_channels, out_channels, kernel_size, stride, padding\)"
                                        rf" order.*use {name}\(16, 3, stride=2, pad=1, in_channels=1\)"):
        cls(1, 16, 3, 2, 1)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"kernel_size": 3.0}, TypeError, r"kernel_size must be an int or a pair of ints, got 3.0 \(float\)"),
    ({"kernel_size": (3, 3, 3)}, TypeError, "kernel_size must be an int or a pair of ints"),
    ({"kernel_size": 3, "pad": -1}, ValueError, "pad must be at least 0, got -1"),
    ({"kernel_size": 3, "stride": (1, "2")}, TypeError, "stride must be an int or a pair of ints"),
    ({"kernel_size": 3, "nobias": None}, TypeError, "nobias must be True or False, got None"),
    ({"kernel_size": 3, "in_channels": 2.0}, TypeError, "in_channels must be a positive int"),
    ({"kernel_size": 3, "groups": True}, TypeError, "groups must be a positive int, got True"),
])
@pytest.mark.parametrize("cls", [Conv2d, Deconv2d])
def test_bad_construction_arguments_are_named(cls, kwargs, error, match):
    with pytest.raises(error, match=f"{cls.__name__}: {match}"):
        cls(8, **kwargs)


@pytest.mark.parametrize("cls", [Conv2d, Deconv2d])
def test_a_dtype_that_is_not_floating_is_refused(cls):
    with pytest.raises(TypeError, match=f"{cls.__name__}: dtype must be a floating-point type"):
        cls(8, 3, dtype=np.uint8)
