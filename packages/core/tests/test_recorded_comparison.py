"""comparison.recorded: a comparison kept in the graph (no gradient through it), and where()
keeping such a condition as an input while its gradients stay those of the plain where."""

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.functions import comparison
from zerograd.core.testing import check_backward


def test_a_recorded_comparison_is_a_bool_variable_with_its_creator(rng):
    x = Variable(rng.standard_normal((3, 4)))
    for name, expected in (("gt", x.data > 0), ("le", x.data <= 0), ("logical_not", ~(x.data > 0)),
                           ("isnan", np.isnan(x.data))):
        operands = (x.data > 0,) if name == "logical_not" else (x,) if name == "isnan" else (x, 0.0)
        y = comparison.recorded(name, *operands)
        np.testing.assert_array_equal(y.data, expected)
        assert y.dtype == bool
    y = comparison.recorded("gt", x, 0.0)
    assert isinstance(y.creator, comparison.Recorded) and y.creator.inputs[0] is x


def test_where_keeps_a_recorded_condition_as_its_third_input(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = Variable(a)
    condition = comparison.recorded("gt", x, 0.0)
    y = F.where(condition, x, b)
    assert y.creator.inputs[2] is condition
    np.testing.assert_array_equal(y.data, np.where(a > 0, a, b))
    F.sum(y * y).backward()
    np.testing.assert_allclose(x.grad.data, np.where(a > 0, 2 * a, 0.0))
    check_backward(lambda v, w: F.where(comparison.recorded("gt", Variable(a), 0.0), v, w), a, b)
