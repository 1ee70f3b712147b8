"""astype: a differentiable cast."""

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_backward, check_double_backward


def test_astype_casts_forward_and_back():
    x = Variable(np.array([1.5, 2.5], dtype=np.float32))
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32 and np.allclose(x.grad.data, [3.0, 5.0])
    assert F.astype(x, np.float32) is x


def test_astype_gradients(rng):
    x = rng.standard_normal((2, 3))
    check_backward(lambda v: F.astype(v, np.float32).astype(np.float64) * 2, x, eps=1e-3, rtol=1e-3,
                   atol=1e-3)
    check_double_backward(lambda v: v.astype(np.float64) ** 2, x)
