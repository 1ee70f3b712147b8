"""+ - * / ** and unary minus: gradients, broadcasting, constants on either side, dtypes."""

import operator

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward

BINARY = [operator.add, operator.sub, operator.mul, operator.truediv]
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3))]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary_gradients_with_broadcasting(op, shapes, rng):
    a = rng.standard_normal(shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])
    check_backward(op, a, b)
    check_double_backward(op, a, b)


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS)
def test_binary_against_pytorch(op, shapes, rng):
    a = rng.standard_normal(shapes[0]).astype(np.float32)
    b = rng.uniform(0.5, 2.0, shapes[1]).astype(np.float32)
    check_against_torch(op, op, a, b)


@pytest.mark.parametrize("op", BINARY + [operator.pow])
@pytest.mark.parametrize("constant", [2.0, 3, np.float64(1.5), np.array([1.5, 2.0, 2.5])])
def test_constant_on_either_side(op, constant, rng):
    a = rng.uniform(0.5, 2.0, (2, 3))
    check_backward(lambda x: op(x, constant), a)
    check_backward(lambda x: op(constant, x), a)
    check_double_backward(lambda x: op(x, constant), a)


@pytest.mark.parametrize("op", BINARY + [operator.pow])
def test_constants_against_pytorch(op, rng):
    a = rng.uniform(0.5, 2.0, (2, 3)).astype(np.float32)
    check_against_torch(lambda x: op(x, 1.5), lambda x: op(x, 1.5), a)
    check_against_torch(lambda x: op(1.5, x), lambda x: op(1.5, x), a)


def test_power_with_variable_exponent(rng):
    base = rng.uniform(0.5, 2.0, (3,))
    exponent = rng.standard_normal((3,))
    check_backward(operator.pow, base, exponent)
    check_double_backward(operator.pow, base, exponent)
    check_against_torch(operator.pow, operator.pow, base.astype(np.float32), exponent.astype(np.float32))


@pytest.mark.filterwarnings("ignore:divide by zero")  # 0 ** -1 is inf, as in PyTorch
def test_power_at_a_zero_base_has_pytorch_gradients():
    """0 ** e: the exponent's gradient y * log(0) was 0 * -inf = NaN; PyTorch (and the limit) give 0.
    0 ** 0 had a NaN base gradient (0 * 0 ** -1) as well."""
    base = np.array([[0.0, 0.0, 0.0, 0.0], [2.0, 0.5, 0.0, 1.5]], dtype=np.float32)
    exponent = np.array([2.0, 0.0, 0.5, -1.0], dtype=np.float32)
    check_against_torch(operator.pow, operator.pow, base, exponent)
    x, e = Variable(base[:, :3].copy()), Variable(exponent[:3].copy())
    (x**e).backward()
    assert not np.isnan(x.grad.data).any() and np.isfinite(e.grad.data).all()


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_power_of_a_zero_constant_or_to_a_zero_constant_against_pytorch():
    values = np.array([0.0, 1.0, 2.0, -1.0], dtype=np.float32)
    check_against_torch(lambda e: 0.0**e, lambda e: 0.0**e, values)
    check_against_torch(lambda x: x**0, lambda x: x**0, values)
    check_against_torch(lambda x: x**0.0, lambda x: x**0.0, values)
    exponents = np.array([0.0, 0.0, 2.0, 3.0], dtype=np.float32)
    check_against_torch(lambda x: x**exponents, lambda x: x ** torch_tensor(exponents),
                        values[[0, 1, 0, 3]].copy())


def torch_tensor(array):
    from zerograd.core.testing import torch_or_skip

    return torch_or_skip().tensor(array)


def test_constant_base_keeps_float32_in_the_gradient():
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    (2.0**x).backward()
    assert x.grad.dtype == np.float32


def test_negation(rng):
    a = rng.standard_normal((2, 3))
    check_backward(operator.neg, a)
    check_against_torch(operator.neg, operator.neg, a.astype(np.float32))


def test_constants_get_no_gradient_computed():
    x = Variable(np.array([1.0, 2.0]))
    y = x * np.array([3.0, 4.0])
    assert type(y.creator).__name__ == "MulConstant" and len(y.creator.inputs) == 1


def test_ndarray_on_the_left_gives_a_variable():
    x = Variable(np.array([1.0, 2.0]))
    for result in (np.ones(2) + x, np.ones(2) * x, np.ones(2) - x, np.ones(2) / x,
                   np.float64(2.0) * x, 2.0**x):
        assert isinstance(result, Variable)


@pytest.mark.parametrize("op", BINARY + [operator.pow])
@pytest.mark.parametrize("scalar", [2, 0.5, True])
def test_python_scalars_never_widen_float32(op, scalar):
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    assert op(x, scalar).dtype == np.float32
    assert op(scalar, x).dtype == np.float32
    y = op(x, scalar).sum() * 3.0  # 0-d float32 times a Python float stays float32 on NumPy 1.26
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_float16_and_float64_keep_their_dtype():
    for dtype in (np.float16, np.float64):
        x = Variable(np.ones(2, dtype=dtype))
        assert (x * 2.5 + 1).dtype == dtype


def test_integer_arrays_follow_numpy():
    x = Variable(np.array([1, 2], dtype=np.int32))
    assert (x * 2).dtype == np.int32
    assert (x * 1.5).dtype == (np.array([1, 2], dtype=np.int32) * 1.5).dtype
    assert (x / 2).dtype == np.float64


def test_numpy_scalars_follow_numpy_promotion():
    data = np.ones(2, dtype=np.float32)
    x = Variable(data)
    assert (x * np.float64(2.0)).dtype == (data * np.float64(2.0)).dtype


def test_unsupported_operand_is_a_clear_error():
    x = Variable(np.ones(2))
    with pytest.raises(TypeError, match="mul: cannot combine a Variable with str"):
        x * "a"
    with pytest.raises(TypeError, match="add: cannot combine a Variable with list"):
        x + [1, 2]


def test_incompatible_shapes_name_the_operation_and_both_shapes():
    x = Variable(np.ones((2, 3)))
    y = Variable(np.ones(4))
    with pytest.raises(ValueError, match=r"Add on inputs of shape \(2, 3\) and \(4,\)"):
        x + y
    with pytest.raises(ValueError, match=r"Mul on inputs of shape \(2, 3\) and \(4,\)"):
        x * y


def test_functional_forms_match_operators():
    x = Variable(np.array(3.0))
    assert F.add(x, 1).data == 4 and F.sub(x, 1).data == 2 and F.rsub(x, 1).data == -2
    assert F.mul(x, 2).data == 6 and F.div(x, 2).data == 1.5 and F.rdiv(x, 3).data == 1
    assert F.neg(x).data == -3 and F.pow(x, 2).data == 9 and F.rpow(x, 2).data == 8
    assert F.add(np.array(1.0), np.array(2.0)).data == 3
