"""Gradients of gradients: the book's closed-form checks and PyTorch's autograd.grad."""

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as F
from zerograd.core.testing import assert_allclose, torch_or_skip


def test_fourth_derivative_of_sin():
    x = Variable(np.linspace(-3, 3, 7))
    y = F.sin(x)
    expected = [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v), np.sin]
    for derivative in expected:
        x.cleargrad()
        y.backward(create_graph=True)
        y = x.grad
        assert_allclose(y, derivative(x.data), 1e-10, 1e-12)


def test_newton_method_with_second_derivatives():
    # the book's step 33: f(x) = x^4 - 2x^2 from x = 2.0 converges to 1.0
    def f(x):
        return x**4 - 2 * x**2

    x = Variable(np.array(2.0))
    history = []
    for _ in range(10):
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        x.data = x.data - gx.data / gx2.data
        history.append(float(x.data))
    assert np.isclose(history[0], 1.4545454545454546)
    assert abs(history[-1] - 1.0) < 1e-12


def test_double_backprop_through_tanh_matches_closed_form():
    x = Variable(np.array(0.5))
    y = F.tanh(x)
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.backward(create_graph=True)
    t = np.tanh(0.5)
    assert np.isclose(x.grad.data, -2 * t * (1 - t * t))
    gx2 = x.grad
    x.cleargrad()
    gx2.backward()
    assert np.isclose(x.grad.data, -2 * (1 - t * t) * (1 - 3 * t * t))


def test_double_backprop_penalty_matches_pytorch():
    # gradient penalty: z = (dy/dx)^3 + y, differentiated again
    torch = torch_or_skip()
    data = np.array([0.3, -1.2, 2.0])
    x = Variable(data.copy())
    y = (F.tanh(x) * x**2).sum()
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = (gx**3).sum() + y
    z.backward()

    tx = torch.tensor(data, requires_grad=True)
    ty = (torch.tanh(tx) * tx**2).sum()
    (tgx,) = torch.autograd.grad(ty, tx, create_graph=True)
    ((tgx**3).sum() + ty).backward()
    assert_allclose(x.grad, tx.grad, 1e-10, 1e-12)


def test_create_graph_false_records_nothing():
    x = Variable(np.array(1.0))
    F.sin(x).backward()
    assert x.grad.creator is None
