"""clip, maximum, minimum, where."""

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip


def test_clip(rng):
    x = rng.standard_normal((3, 4))
    x = np.where(np.abs(np.abs(x) - 0.5) < 0.05, 0.1, x)  # away from the edges
    check_backward(lambda v: F.clip(v, -0.5, 0.5), x)
    check_double_backward(lambda v: F.clip(v, -0.5, 0.5), x)
    check_against_torch(lambda v: F.clip(v, -0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), x.astype(np.float32))
    assert F.clip(x, None, 0.0).data.max() <= 0.0
    assert F.clip(x.astype(np.float32), 0, 1).dtype == np.float32
    with pytest.raises(ValueError, match="clip: x_min 1 is greater than x_max 0"):
        F.clip(x, 1, 0)


@pytest.mark.parametrize("func,torch_name", [(F.maximum, "maximum"), (F.minimum, "minimum")])
def test_maximum_minimum(func, torch_name, rng):
    torch = torch_or_skip()
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    check_backward(func, a, b)
    check_double_backward(func, a, b)
    check_against_torch(func, getattr(torch, torch_name), a.astype(np.float32), b.astype(np.float32))
    tie = np.array([1.0, 2.0])
    check_against_torch(func, getattr(torch, torch_name), tie, tie.copy())  # ties share evenly


def test_maximum_with_a_constant_keeps_float32():
    x = Variable(np.array([-1.0, 2.0], dtype=np.float32))
    y = F.maximum(x, 0.0)
    assert y.dtype == np.float32 and list(y.data) == [0.0, 2.0]


def test_where(rng):
    torch = torch_or_skip()
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    cond = a > 0
    check_backward(lambda x, y: F.where(cond, x, y), a, b)
    check_double_backward(lambda x, y: F.where(cond, x, y), a, b)
    check_against_torch(lambda x, y: F.where(cond, x, y),
                        lambda x, y: torch.where(torch.tensor(cond), x, y),
                        a.astype(np.float32), b.astype(np.float32))
    with pytest.raises(TypeError, match="where: condition must be a boolean array, got ndarray of float64"):
        F.where(a, a, b)


def test_where_and_minimum_with_python_constants_keep_float32():
    x = Variable(np.array([-1.0, 2.0], dtype=np.float32))
    assert F.where(x.data > 0, x, 0.0).dtype == np.float32
    assert F.where(x.data > 0, 1, x).dtype == np.float32
    assert F.minimum(2.0, x).dtype == np.float32
