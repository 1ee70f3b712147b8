"""The book's teaching variants (zerograd.dezero._teaching): the values and gradients of the fused
functions they spell out, checked numerically, against PyTorch, and twice differentiated."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.dezero.functions as F
from zerograd.core.testing import (
    assert_allclose,
    check_against_torch,
    check_backward,
    check_double_backward,
    torch_or_skip,
)
from zerograd.dezero import Variable


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_linear_simple_is_matmul_plus_bias(rng):
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)
    assert_allclose(F.linear_simple(x, W, b), F.linear(x, W, b), rtol=1e-12)
    assert_allclose(F.linear_simple(x, W), x @ W, rtol=1e-12)
    check_backward(F.linear_simple, x, W, b)
    check_double_backward(F.linear_simple, x, W, b)


def test_linear_simple_against_torch(rng):
    x, W, b = (rng.standard_normal(s).astype(np.float32) for s in ((6, 4), (4, 3), (3,)))
    check_against_torch(F.linear_simple, lambda x, W, b: x @ W + b, x, W, b)


def test_sigmoid_simple(rng):
    x = rng.standard_normal((3, 4))
    assert_allclose(F.sigmoid_simple(x), F.sigmoid(x), rtol=1e-12)
    check_backward(F.sigmoid_simple, x)
    check_double_backward(F.sigmoid_simple, x)
    torch = torch_or_skip()
    check_against_torch(F.sigmoid_simple, torch.sigmoid, x.astype(np.float32))


@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_simple(rng, axis):
    x = rng.standard_normal((3, 4))
    assert_allclose(F.softmax_simple(x, axis), F.softmax(x, axis), rtol=1e-12)
    check_backward(lambda v: F.softmax_simple(v, axis), x)
    check_double_backward(lambda v: F.softmax_simple(v, axis), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: F.softmax_simple(v, axis), lambda v: torch.softmax(v, axis),
                        x.astype(np.float32))


def test_softmax_simple_overflows_like_the_book():
    with np.errstate(over="ignore", invalid="ignore"):
        y = F.softmax_simple(np.array([[1000.0, 0.0]]))
    assert np.isnan(y.data).any()  # the fused softmax subtracts the maximum; the book's does not
    assert_allclose(F.softmax(np.array([[1000.0, 0.0]])), [[1.0, 0.0]])


def test_mean_squared_error_simple(rng):
    x0, x1 = rng.standard_normal((5, 2)), rng.standard_normal((5, 2))
    assert_allclose(F.mean_squared_error_simple(x0, x1), F.mean_squared_error(x0, x1), rtol=1e-12)
    assert_allclose(F.mean_squared_error_simple(x0, x1), ((x0 - x1) ** 2).sum() / 5, rtol=1e-12)
    check_backward(F.mean_squared_error_simple, x0, x1)
    check_double_backward(F.mean_squared_error_simple, x0, x1)


def test_softmax_cross_entropy_simple(rng):
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    assert_allclose(F.softmax_cross_entropy_simple(x, t), F.softmax_cross_entropy(x, t),
                    rtol=1e-12)
    check_backward(lambda v: F.softmax_cross_entropy_simple(v, t), x)
    check_double_backward(lambda v: F.softmax_cross_entropy_simple(v, t), x)
    torch = torch_or_skip()
    check_against_torch(lambda v: F.softmax_cross_entropy_simple(v, t),
                        lambda v: torch.nn.functional.cross_entropy(v, torch.tensor(t)),
                        x.astype(np.float32))


def test_float32_stays_float32(rng):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    W = rng.standard_normal((3, 2)).astype(np.float32)
    t = np.array([0, 1, 1, 0])
    for y in (F.linear_simple(x, W), F.sigmoid_simple(x), F.softmax_simple(x),
              F.mean_squared_error_simple(x, x * 0.5), F.softmax_cross_entropy_simple(x, t)):
        assert y.dtype == np.float32


def test_gradients_reach_variables_only():
    x = Variable(np.ones((2, 3)))
    W = np.ones((3, 2))
    F.linear_simple(x, W).backward()  # W is a constant array: no gradient to compute
    assert x.grad.shape == (2, 3)


def test_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):
        F.linear_simple(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"Sub on inputs of shape \(2, 3\) and \(3, 3\)"):
        F.mean_squared_error_simple(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        F.softmax_cross_entropy_simple(np.ones((2, 3)), np.array([0, 5]))
