"""Operators and methods attached to Variable by setup_variable."""

import numpy as np
import pytest

from zerograd.core import Variable, no_grad, setup_variable


def test_comparisons_return_boolean_arrays_without_a_graph():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = Variable(np.array([2.0, 2.0, 2.0]))
    for result, expected in [(x < y, [True, False, False]), (x <= y, [True, True, False]),
                             (x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x == y, [False, True, False]), (x != 2.0, [True, False, True])]:
        assert isinstance(result, np.ndarray) and result.dtype == bool
        assert result.tolist() == expected


def test_variables_stay_hashable_by_identity():
    x, y = Variable(np.ones(1)), Variable(np.ones(1))
    assert len({x, y, x}) == 2


def test_setup_variable_is_idempotent():
    setup_variable()
    x = Variable(np.array(2.0))
    assert (x * 3 + 1).data == 7


def test_operator_chain_gradient():
    x = Variable(np.array(2.0))
    y = -(x**3) / 4 + 2 * x - 1 / x
    y.backward()
    assert np.isclose(x.grad.data, -3 * 4 / 4 + 2 + 1 / 4)


def test_in_place_operators_under_no_grad_update_the_data_and_keep_the_variable():
    """PyTorch's parameter update: ``p -= lr * p.grad`` trains the parameter the model holds."""
    p = Variable(np.array([3.0, -2.0], dtype=np.float32))
    params = [p]
    for _ in range(50):
        loss = (p * p).sum()
        p.cleargrad()
        loss.backward()
        with no_grad():
            for param in params:
                param -= 0.1 * param.grad
    assert params[0] is p and p.dtype == np.float32
    assert np.allclose(p.data, 0.0, atol=1e-4)
    data, p_before = p.data, p.data.copy()
    with no_grad():
        p += 1
        p *= np.float32(4)
        p /= Variable(np.array(2.0, dtype=np.float32))
        p -= np.array([1.0, 1.0])
    assert p.data is data and np.allclose(p.data, 1 + 2 * p_before) and p.dtype == np.float32


def test_in_place_operators_while_recording_keep_the_books_out_of_place_meaning():
    """The book accumulates a loss with ``loss += ...`` and differentiates it."""
    x = Variable(np.array(2.0))
    loss = x * 1
    start = loss
    loss += x * x
    loss *= 3
    assert loss is not start and start.data == 2.0
    loss.backward()
    assert x.grad.data == 3 * (1 + 2 * 2.0)


def test_an_array_updated_in_place_with_a_variable_takes_its_data():
    """The book's ``p.data -= lr * p.grad``: the gradient is a Variable, the data stays an array."""
    p = Variable(np.array([1.0, 2.0], dtype=np.float32))
    (p * p).sum().backward()
    data = p.data
    p.data -= p.grad * 0.5
    assert p.data is data and type(p.data) is np.ndarray and p.data.tolist() == [0.0, 0.0]


def test_an_array_on_the_left_of_an_operator_still_records_the_graph():
    x = Variable(np.array([1.0, 2.0]))
    y = np.array([3.0, 4.0]) * x - np.ones(2) / x
    assert isinstance(y, Variable) and y.creator is not None
    y.sum().backward()
    assert np.allclose(x.grad.data, [3.0 + 1.0, 4.0 + 0.25])
    assert (np.ones(2) < x).tolist() == [False, True]
    with pytest.raises(TypeError):
        np.sin(x)  # NumPy's functions do not differentiate: zerograd.core.functions does


def test_in_place_errors_name_the_operator_and_the_shapes():
    p = Variable(np.ones(3), name="p")
    counts = Variable(np.ones(3, dtype=np.int64), name="counts")
    with no_grad():
        shapes = r"__isub__: cannot update Variable 'p' of shape \(3,\) .*shape \(2, 3\)"
        with pytest.raises(ValueError, match=shapes):
            p -= np.ones((2, 3))
        with pytest.raises(TypeError, match=r"__iadd__: cannot update Variable 'counts' .*int64.*float"):
            counts += 0.5
        with pytest.raises(ValueError, match="__imul__: Variable 'lazy' has no data"):
            lazy = Variable(None, name="lazy")
            lazy *= 2
