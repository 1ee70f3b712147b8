"""The book's teaching variants (zerograd.dezero._teaching): the values and gradients of the fused
functions they spell out, checked numerically, against PyTorch, and twice differentiated."""

from __future__ import annotations

import warnings

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


@pytest.mark.slow  # seconds: trains or runs the book's programs (the 3.11 cell only)
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


def _rosenbrock_gradient(x0, x1):
    """d/dx0 and d/dx1 of 100 (x1 - x0^2)^2 + (1 - x0)^2, written out by hand."""
    return -400 * x0 * (x1 - x0 ** 2) - 2 * (1 - x0), 200 * (x1 - x0 ** 2)


def test_the_books_step_28_rosenbrock_by_gradient_descent_through_core_simple():
    """Step 28 verbatim (only the import changed): the gradients are arrays, so ``-=`` on data works."""
    from zerograd.dezero.core_simple import Variable

    def rosenbrock(x0, x1):
        y = 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2
        return y

    x0 = Variable(np.array(0.0))
    x1 = Variable(np.array(2.0))
    lr = 0.001
    iters = 1000

    for i in range(iters):  # noqa: B007 - the book's loop
        y = rosenbrock(x0, x1)

        x0.cleargrad()
        x1.cleargrad()
        y.backward()

        x0.data -= lr * x0.grad
        x1.data -= lr * x1.grad

    assert type(x0.grad) is np.ndarray and type(x0.data) is np.ndarray
    a0, a1 = 0.0, 2.0  # the same descent on plain floats
    for _ in range(iters):
        g0, g1 = _rosenbrock_gradient(a0, a1)
        a0, a1 = a0 - lr * g0, a1 - lr * g1
    assert np.allclose([x0.data, x1.data], [a0, a1], rtol=1e-10)
    assert np.allclose([x0.data, x1.data], [0.6837, 0.4659], atol=1e-4)  # the book's figure


def test_the_books_step_29_newton_method_through_core_simple():
    from zerograd.dezero.core_simple import Variable

    def f(x):
        return x ** 4 - 2 * x ** 2

    def gx2(x):
        return 12 * x ** 2 - 4

    x = Variable(np.array(2.0))
    for _ in range(10):
        y = f(x)
        x.cleargrad()
        y.backward()
        x.data -= x.grad / gx2(x.data)
    assert np.isclose(x.data, 1.0)


def test_core_simple_gradients_accumulate_as_arrays():
    from zerograd.dezero.core_simple import Variable

    x = Variable(np.array(3.0))
    y = x * x + x  # x reaches the output through two Functions
    y.backward()
    y.backward()
    assert type(x.grad) is np.ndarray and x.grad == 2 * 7.0


def test_float_of_an_lstm_output_needs_item_on_recent_numpy():
    """Steps 59-60 do ``float(y.data)`` on an LSTM's (1, 1) output: NumPy 1.25+ deprecates it and
    NumPy 2.4 refuses it (the README says so); ``.item()`` works everywhere."""
    from zerograd.dezero.layers import LSTM

    y = LSTM(4)(np.zeros((1, 1), dtype=np.float32))[:, :1]
    assert y.shape == (1, 1)
    assert isinstance(y.data.item(), float)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        if np.lib.NumpyVersion(np.__version__) >= "1.25.0":
            with pytest.raises((TypeError, DeprecationWarning)):
                float(y.data)
