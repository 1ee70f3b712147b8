"""sum, mean/average, var, max, min, logsumexp over axes."""

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
    with pytest.raises(ValueError, match=r"Sum on inputs of shape \(2, 3\): axis 2 is out of bounds"):
        F.sum(x, axis=2)
