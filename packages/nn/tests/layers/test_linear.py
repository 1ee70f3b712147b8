"""Linear layer: the book's initialisation, lazy sizing, nobias, dtype, GPU-free paths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.nn.layers import Linear


def test_initialisation_is_the_books():
    np.random.seed(0)
    layer = Linear(5, in_size=3)
    np.random.seed(0)
    expected = np.random.randn(3, 5).astype(np.float32) * math.sqrt(1 / 3)
    np.testing.assert_array_equal(layer.W.data, expected)
    np.testing.assert_array_equal(layer.b.data, np.zeros(5))
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    assert layer.W.data.flags.c_contiguous  # (in, out) row-major: x @ W without copies
    assert layer.W.name == "W" and layer.b.name == "b"


def test_lazy_sizing_at_first_call():
    np.random.seed(1)
    layer = Linear(4)
    assert layer.W.data is None
    y = layer(np.ones((2, 6), np.float32))
    assert y.shape == (2, 4) and layer.W.shape == (6, 4) and layer.in_size == 6
    np.random.seed(1)
    np.testing.assert_array_equal(layer.W.data, Linear(4, in_size=6).W.data)


def test_nobias_and_dtype():
    layer = Linear(2, nobias=True, dtype=np.float64, in_size=3)
    assert layer.b is None and [n for n, _ in layer.named_params()] == ["W"]
    assert layer(np.ones((1, 3))).dtype == np.float64


def test_gradients_reach_the_parameters():
    layer = Linear(2, in_size=3)
    x = Variable(np.ones((4, 3), np.float32))
    layer(x).backward()
    np.testing.assert_allclose(layer.b.grad.data, [4, 4])
    np.testing.assert_allclose(x.grad.data, np.tile(layer.W.data.sum(axis=1), (4, 1)), rtol=1e-6)


def test_bad_sizes():
    with pytest.raises(ValueError, match="out_size must be a positive int, got 0"):
        Linear(0)
    with pytest.raises(TypeError, match=r"Linear: in_size must be a positive int, got 2.5 \(float\)"):
        Linear(3, in_size=2.5)
    with pytest.raises(ValueError, match="do not align"):
        Linear(3, in_size=2)(np.ones((1, 4), np.float32))


def test_pytorchs_argument_order_is_refused_with_the_books_form():
    with pytest.raises(TypeError, match=r"Linear\(784, 10\) looks like PyTorch's \(in, out\) order.*"
                                        r"use Linear\(10, in_size=784\)"):
        Linear(784, 10)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"out_size": 3.0}, TypeError, r"Linear: out_size must be a positive int, got 3.0 \(float\)"),
    ({"out_size": True}, TypeError, r"Linear: out_size must be a positive int, got True"),
    ({"out_size": -2}, ValueError, "Linear: out_size must be a positive int, got -2"),
    ({"out_size": 3, "nobias": "yes"}, TypeError, "Linear: nobias must be True or False, got 'yes'"),
    ({"out_size": 3, "in_size": 0}, ValueError, "Linear: in_size must be a positive int, got 0"),
])
def test_bad_construction_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        Linear(**kwargs)


@pytest.mark.parametrize("layer", [Linear(3), Linear(3, in_size=2)], ids=["lazy", "sized"])
def test_a_list_input_is_a_clear_error(layer):
    with pytest.raises(TypeError, match="Linear: x must be an array or a Variable, got a list"):
        layer([[1.0, 2.0]])
    assert layer.W.data is None or layer.W.shape == (2, 3)


@pytest.mark.parametrize("x", [np.float32(1.0), np.array(1.0, np.float32),
                               np.ones((2, 0), np.float32)], ids=["scalar", "0-d", "no features"])
def test_an_input_without_features_cannot_size_the_layer(x):
    layer = Linear(3)
    with pytest.raises((TypeError, ValueError), match="Linear: x must"):
        layer(x)
    assert layer.W.data is None


@pytest.mark.parametrize("dtype", [784, np.int32, None, "floaty"])
def test_a_dtype_that_is_not_floating_is_refused(dtype):
    with pytest.raises(TypeError, match="Linear: dtype must be a floating-point type such as "
                                        "np.float32, got"):
        Linear(10, False, dtype)
