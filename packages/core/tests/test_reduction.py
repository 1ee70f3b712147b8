"""sum, mean/average, var, max, min, logsumexp over axes."""

import re

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip

AXES = [None, 0, 1, -1, (0, 2)]


def torch_dims(axis):
    return tuple(range(3)) if axis is None else axis


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_mean_var(axis, keepdims, rng):
    x = rng.standard_normal((2, 3, 4))
    for func in (F.sum, F.mean, F.average, F.var):
        check_backward(lambda v: func(v, axis, keepdims), x)
        check_double_backward(lambda v: func(v, axis, keepdims), x)


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_against_pytorch(axis, keepdims, rng):
    torch = torch_or_skip()
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    dims = torch_dims(axis)
    check_against_torch(lambda v: F.sum(v, axis, keepdims), lambda t: t.sum(dims, keepdim=keepdims), x)
    check_against_torch(lambda v: F.mean(v, axis, keepdims), lambda t: t.mean(dims, keepdim=keepdims), x)
    check_against_torch(lambda v: F.var(v, axis, keepdims, ddof=1),
                        lambda t: t.var(dims, keepdim=keepdims, correction=1), x)
    check_against_torch(lambda v: F.max(v, axis, keepdims), lambda t: t.amax(dims, keepdim=keepdims), x)
    check_against_torch(lambda v: F.min(v, axis, keepdims), lambda t: t.amin(dims, keepdim=keepdims), x)
    check_against_torch(lambda v: F.logsumexp(v, axis, keepdims),
                        lambda t: torch.logsumexp(t, dims, keepdim=keepdims), x)


@pytest.mark.parametrize("axis", AXES)
def test_max_min_logsumexp_gradients(axis, rng):
    x = rng.standard_normal((2, 3, 4))
    for func in (F.max, F.min, F.logsumexp):
        check_backward(lambda v: func(v, axis), x)
    check_double_backward(lambda v: F.logsumexp(v, axis), x)
    check_double_backward(lambda v: F.max(v, axis), x)


def test_max_ties_share_the_gradient():
    x = Variable(np.array([1.0, 3.0, 3.0]))
    F.max(x).backward()
    assert list(x.grad.data) == [0.0, 0.5, 0.5]


@pytest.mark.filterwarnings("ignore:divide by zero encountered in log")
def test_logsumexp_is_stable():
    y = F.logsumexp(np.array([[1e4, 1e4], [-np.inf, -np.inf]]), axis=1)
    assert np.isclose(y.data[0], 1e4 + np.log(2)) and y.data[1] == -np.inf


def test_var_ddof_follows_numpy(rng):
    x = rng.standard_normal((4, 5))
    assert np.allclose(F.var(x, axis=0).data, np.var(x, axis=0))
    assert np.allclose(F.var(x, ddof=1).data, np.var(x, ddof=1))
    with pytest.raises(ValueError, match="var: 4 elements per output with ddof=4"):
        F.var(x, axis=0, ddof=4)


def test_dtype_kept_and_methods():
    x = Variable(np.ones((2, 3), dtype=np.float32))
    assert F.mean(x).dtype == np.float32 and F.var(x).dtype == np.float32
    assert x.sum(axis=1).shape == (2,) and x.sum(keepdims=True).shape == (1, 1)
    assert x.max().shape == () and x.mean(axis=0).shape == (3,)


def test_axis_out_of_range_is_a_clear_error():
    x = Variable(np.ones((2, 3)))
    with pytest.raises(ValueError, match="sum: axis 2 is out of range for an input with 2 dimensions"):
        F.sum(x, axis=2)
    with pytest.raises(ValueError, match=r"max: axis \(1, -1\) names an axis twice"):
        F.max(x, axis=(1, -1))
    with pytest.raises(TypeError, match="mean: axis must be an int, got 1.0"):
        F.mean(x, axis=1.0)


@pytest.mark.parametrize("axis", [0, -1, (0,), [-1], 1, (0, 0)])
@pytest.mark.parametrize("func", [F.sum, F.mean, F.var, F.max, F.min, F.logsumexp, F.average])
def test_a_0d_input_has_no_axis_to_reduce(func, axis):
    """numpy.mean(x0d, axis=0) refuses the axis; sum used to compute (numpy.sum's quirk) and
    back-propagate, so a wrong axis passed silently. Only None and () reduce a 0-d input."""
    name = func.__name__ if func is not F.average else "mean"
    with pytest.raises(ValueError, match=rf"{name}: axis {re.escape(repr(axis))} is out of range "
                                         r"for a 0-d input of shape \(\)"):
        func(Variable(np.array(2.5)), axis)


@pytest.mark.parametrize("func", [F.sum, F.mean, F.max, F.min, F.logsumexp])
@pytest.mark.parametrize("axis", [None, ()])
def test_a_0d_input_reduces_over_no_axis(func, axis):
    x = np.array(2.5)
    assert func(x, axis).data == 2.5
    check_backward(lambda v: func(v, axis), x)
    check_double_backward(lambda v: func(v, axis), x)


def test_a_0d_axis_must_be_an_int():
    with pytest.raises(TypeError, match="sum: axis must be an int, got 0.0"):
        F.sum(np.array(2.0), axis=0.0)


@pytest.mark.parametrize("func", [F.sum, F.mean, F.var, F.max, F.min, F.logsumexp])
def test_numpy_integer_axes_are_accepted(func, rng):
    x = rng.standard_normal((2, 3, 4))
    expected = func(Variable(x), (0, 2)).data
    for axis in (np.int64(1), (np.int32(0), np.int64(-1))):
        y = func(Variable(x), axis)
        y.backward()
        assert y.shape == func(Variable(x), tuple(int(a) for a in np.atleast_1d(axis))).shape
    np.testing.assert_allclose(func(Variable(x), [np.int64(0), np.int64(2)]).data, expected)


def test_mean_of_nothing_is_a_clear_error():
    with pytest.raises(ValueError, match=r"mean: no elements to average over axis None of an input "
                                         r"of shape \(0,\)"):
        F.mean(np.zeros(0))
    with pytest.raises(ValueError, match=r"mean: no elements to average over axis \(0,\)"):
        F.mean(np.zeros((0, 3)), axis=0)
    assert F.mean(np.zeros((0, 3)), axis=1).shape == (0,)  # nothing to average, nothing asked


def test_reductions_of_a_variable_without_data_are_clear_errors():
    for func in (F.sum, F.mean, F.var):
        with pytest.raises(ValueError, match="has no data"):
            func(Variable(None), axis=0)
    with pytest.raises(ValueError, match="mean: x has no data"):
        F.mean(Variable(None))


def test_float16_mean_and_var_do_not_overflow():
    """1,000 values of 100 summed in float16 are inf; their mean is 100."""
    x = Variable(np.full((1000, 2), 100, dtype=np.float16))
    y = F.mean(x)
    assert y.dtype == np.float16 and y.data == 100
    assert (F.mean(x, axis=0).data == 100).all()
    y.backward()
    assert x.grad.dtype == np.float16 and np.allclose(x.grad.data, 1 / 2000)
    alternating = np.resize(np.array([100, -100], dtype=np.float16), 1000)  # squares sum to 1e7
    v = F.var(alternating)
    assert v.dtype == np.float16 and v.data == 10000


def test_integer_mean_is_float64_as_numpy():
    x = np.array([[1, 2], [3, 6]], dtype=np.int8)
    for axis in (None, 0, 1):
        y = F.mean(x, axis)
        assert y.dtype == np.float64
        np.testing.assert_array_equal(y.data, np.mean(x, axis))
    big = np.full(1000, 2**30, dtype=np.int32)  # the sum overflows int32
    assert F.mean(big).data == 2**30 and F.var(big).data == 0
