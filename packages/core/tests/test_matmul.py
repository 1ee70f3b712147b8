"""matmul: 2-D, batched with broadcasting, and 1-D operands as numpy.matmul."""

import operator

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward

SHAPES = [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3)),
          ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("shapes", SHAPES)
def test_gradients(shapes, rng):
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    check_backward(F.matmul, a, b)
    check_double_backward(F.matmul, a, b)


@pytest.mark.parametrize("shapes", SHAPES)
def test_against_pytorch(shapes, rng):
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = rng.standard_normal(shapes[1]).astype(np.float32)
    check_against_torch(F.matmul, operator.matmul, a, b)


def test_operator_and_methods(rng):
    a = Variable(rng.standard_normal((2, 3)))
    b = rng.standard_normal((3, 4))
    assert (a @ b).shape == (2, 4) and (b.T @ a.T).shape == (4, 2) and a.dot(b).shape == (2, 4)


def test_misaligned_shapes_are_named():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) do not align \(3 != 4\)"):
        F.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="matmul: operands must have at least one dimension"):
        F.matmul(np.ones(()), np.ones(3))


def test_a_variable_without_data_is_named():
    """It used to be AttributeError: 'NoneType' object has no attribute 'ndim'."""
    with pytest.raises(ValueError, match=r"matmul: a has no data \(a Variable created with None\)"):
        F.matmul(Variable(None), np.ones((2, 2)))
    with pytest.raises(ValueError, match="matmul: b has no data"):
        F.matmul(np.ones((2, 2)), Variable(None))


def test_constant_operand_gets_no_gradient(rng):
    w = Variable(rng.standard_normal((3, 2)))
    x = rng.standard_normal((4, 3))
    y = F.matmul(x, w)
    y.backward()
    assert w.grad.shape == (3, 2)
