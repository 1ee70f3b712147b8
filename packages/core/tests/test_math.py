"""sin, cos, tanh, exp, log, sqrt, abs."""

import numpy as np
import pytest

from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, check_double_backward, torch_or_skip

torch_name = {"sin": "sin", "cos": "cos", "tanh": "tanh", "exp": "exp", "log": "log",
              "sqrt": "sqrt", "abs": "abs"}
POSITIVE = {"log", "sqrt"}


@pytest.mark.parametrize("name", sorted(torch_name))
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)])
def test_gradient_and_double_backward(name, shape, rng):
    x = rng.uniform(0.5, 2.0, shape) if name in POSITIVE else rng.standard_normal(shape)
    if name == "abs":
        x = np.where(np.abs(x) < 0.1, 0.5, x)  # away from the kink
    func = getattr(F, name)
    check_backward(func, x)
    check_double_backward(func, x)


@pytest.mark.parametrize("name", sorted(torch_name))
def test_against_pytorch(name, rng):
    torch = torch_or_skip()
    x = rng.uniform(0.5, 2.0, (3, 4)) if name in POSITIVE else rng.standard_normal((3, 4))
    check_against_torch(getattr(F, name), getattr(torch, torch_name[name]), x.astype(np.float32))


def test_float32_is_kept(rng):
    x = rng.uniform(0.5, 2.0, 4).astype(np.float32)
    for name in torch_name:
        assert getattr(F, name)(x).dtype == np.float32


def test_abs_gradient_at_zero_is_zero():
    from zerograd.core import Variable

    x = Variable(np.array([0.0, -2.0, 3.0]))
    F.abs(x).backward()
    assert list(x.grad.data) == [0.0, -1.0, 1.0]
