"""Initialisers: distributions, fans, dtype kept, use through apply, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zerograd.core import Parameter
from zerograd.nn import init
from zerograd.nn.layers import Linear
from zerograd.nn.models import MLP


def _param(shape=(400, 300)):
    return Parameter(np.zeros(shape, np.float32))


def test_constants():
    p = _param((2, 3))
    assert init.ones(p) is p
    np.testing.assert_array_equal(p.data, 1)
    np.testing.assert_array_equal(init.constant(p, 0.25).data, 0.25)
    np.testing.assert_array_equal(init.zeros(p).data, 0)


@pytest.mark.parametrize("func,std", [
    (init.xavier_normal, math.sqrt(2 / 700)),
    (init.glorot_normal, math.sqrt(2 / 700)),
    (init.he_normal, math.sqrt(2 / 400)),
    (init.kaiming_normal, math.sqrt(2 / 400)),
    (lambda p: init.he_normal(p, mode="fan_out"), math.sqrt(2 / 300)),
    (lambda p: init.normal(p, 1.0, 0.5), 0.5),
])
def test_normal_family(func, std):
    np.random.seed(0)
    p = func(_param())
    assert p.dtype == np.float32
    assert abs(p.data.std() - std) < 0.02 * std


@pytest.mark.parametrize("func,bound", [
    (init.xavier_uniform, math.sqrt(6 / 700)),
    (init.glorot_uniform, math.sqrt(6 / 700)),
    (init.he_uniform, math.sqrt(6 / 400)),
    (init.kaiming_uniform, math.sqrt(6 / 400)),
    (lambda p: init.uniform(p, -0.1, 0.1), 0.1),
])
def test_uniform_family(func, bound):
    np.random.seed(0)
    p = func(_param())
    assert p.data.min() >= -bound and p.data.max() <= bound
    assert p.data.max() > 0.99 * bound


def test_fans():
    assert init.calculate_fans((5,)) == (5, 5)
    assert init.calculate_fans((8, 3, 3, 3)) == (27, 72)
    with pytest.raises(ValueError, match="scalar"):
        init.calculate_fans(())


def test_through_apply_and_on_arrays():
    model = MLP((4, 2))
    model(np.ones((1, 3), np.float32))

    def reset(layer):
        if isinstance(layer, Linear):
            init.xavier_uniform(layer.W)
            init.constant(layer.b, 0.1)

    model.apply(reset)
    np.testing.assert_array_equal(model.l1.b.data, np.full(2, 0.1, np.float32))
    array = np.zeros((3, 3))
    assert init.ones(array) is array and array.sum() == 9


def test_errors():
    with pytest.raises(ValueError, match="not sized yet"):
        init.he_normal(Linear(3).W)
    with pytest.raises(TypeError, match="floating"):
        init.zeros(np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.he_uniform(_param(), mode="fan_avg")
    with pytest.raises(ValueError, match="std must be non-negative"):
        init.normal(_param(), std=-1)
    with pytest.raises(ValueError, match="low 1 is greater than high 0"):
        init.uniform(_param(), 1, 0)
