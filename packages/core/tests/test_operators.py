"""Operators and methods attached to Variable by setup_variable."""

import numpy as np

from zerograd.core import Variable, setup_variable


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
