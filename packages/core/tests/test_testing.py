"""The shared test helpers: numerical gradients and the PyTorch oracle must catch wrong gradients."""

import numpy as np
import pytest

from zerograd.core import Function
from zerograd.core import functions as F
from zerograd.core.testing import check_against_torch, check_backward, numerical_grads, torch_or_skip


class SquareWithWrongGradient(Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        return gy * 3.0


def test_check_backward_catches_a_wrong_gradient():
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_backward(lambda x: SquareWithWrongGradient()(x), np.array([1.0, 2.0]))


def test_numerical_grads_projects_on_the_output_gradient():
    x = np.array([1.0, 2.0, 3.0])
    gy = np.array([1.0, -2.0, 0.5])
    (grad,) = numerical_grads(lambda v: v * v, [x], [gy])
    np.testing.assert_allclose(grad, 2 * x * gy, rtol=1e-6)


def test_check_against_torch_catches_a_wrong_gradient():
    torch_or_skip()
    x = np.array([1.0, 2.0], dtype=np.float32)
    with pytest.raises(AssertionError, match="gradient of input 0"):
        check_against_torch(lambda v: SquareWithWrongGradient()(v), lambda t: t * t, x)


def test_check_against_torch_passes_integer_inputs_as_plain_arrays():
    """As nn's tests need for labels and indices: only floating inputs become Variables."""
    torch = torch_or_skip()
    seen = []

    def pick(x, t):
        seen.append(type(t))
        return F.get_item(x, (np.arange(len(t)), t))

    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    t = np.array([0, 3, 1])
    check_against_torch(pick, lambda a, b: a[torch.arange(3), b], x, t)
    assert seen == [np.ndarray]


def test_check_against_torch_compares_every_output():
    torch = torch_or_skip()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    check_against_torch(lambda v: F.split(v, 3, axis=1), lambda t: torch.split(t, 1, dim=1), x)
    with pytest.raises(AssertionError, match="3 outputs, PyTorch gives 2"):
        check_against_torch(lambda v: F.split(v, 3, axis=1), lambda t: torch.split(t, 2, dim=1), x)

