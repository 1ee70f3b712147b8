"""The book's stage 3 and the tensor steps, through the facade only: higher-order derivatives
(steps 33-36), then Variables holding tensors (steps 37-41)."""

from __future__ import annotations

import numpy as np

import zerograd.dezero.functions as F
from zerograd.dezero import Variable
from zerograd.dezero.utils import get_dot_graph


def f(x):
    return x ** 4 - 2 * x ** 2


def test_step33_newtons_method_with_second_derivatives():
    x = Variable(np.array(2.0))
    history = []
    for _ in range(10):
        history.append(float(x.data))
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)

        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad

        x.data -= gx.data / gx2.data

    expected, value = [], 2.0
    for _ in range(10):  # the same iteration with f' = 4x^3 - 4x and f'' = 12x^2 - 4 by hand
        expected.append(value)
        value -= (4 * value ** 3 - 4 * value) / (12 * value ** 2 - 4)
    np.testing.assert_allclose(history, expected, rtol=1e-14)
    assert history[1] == 2 - 24 / 44  # 1.4545...
    assert history[-1] == 1.0  # the book reaches the minimum at x = 1 after 7 updates


def test_step34_derivatives_of_sin_up_to_the_fourth():
    x = Variable(np.linspace(-7, 7, 200))
    y = F.sin(x)
    y.backward(create_graph=True)
    logs = [y.data]
    for _ in range(3):
        logs.append(x.grad.data)
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
    logs.append(x.grad.data)
    expected = [np.sin(x.data), np.cos(x.data), -np.sin(x.data), -np.cos(x.data), np.sin(x.data)]
    for order, (got, want) in enumerate(zip(logs, expected)):
        np.testing.assert_allclose(got, want, atol=1e-12, err_msg=f"derivative {order}")


def test_step35_higher_derivatives_of_tanh_and_their_graph():
    x = Variable(np.array(1.0))
    x.name = "x"
    y = F.tanh(x)
    y.name = "y"
    y.backward(create_graph=True)
    grads = [x.grad]
    for _ in range(3):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        grads.append(x.grad)
    gx = grads[-1]
    gx.name = "gx4"

    t = np.tanh(1.0)
    s = 1 - t ** 2  # tanh' = 1 - tanh^2, each further derivative by the chain rule
    expected = [s, -2 * t * s, -2 * s * (1 - 3 * t ** 2), 8 * t * s * (2 - 3 * t ** 2)]
    np.testing.assert_allclose([float(g.data) for g in grads], expected, rtol=1e-12)

    dot = get_dot_graph(gx, verbose=False)
    assert dot.startswith("digraph g {") and 'label="gx4"' in dot and 'label="x"' in dot
    assert dot.count("->") > 50  # the graph of the 4th derivative is large, as the book shows


def test_step36_double_backprop_uses():
    x = Variable(np.array(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()

    z = gx ** 3 + y
    z.backward()
    assert float(x.grad.data) == 100.0  # dz/dx = 24 x^2 + 2x at x = 2


def test_steps37_to_41_tensors():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.sin(x)
    assert y.shape == (2, 3)

    c = Variable(np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]))
    t = x + c
    y = F.sum(t)
    y.backward(retain_grad=True)
    assert (y.grad.data == 1).all() and (t.grad.data == 1).all()
    assert (x.grad.data == 1).all() and (c.grad.data == 1).all()

    x.cleargrad()
    y = x.reshape(6)
    y = x.reshape((3, 2))
    y = F.transpose(x)
    y.backward()
    assert x.grad.shape == (2, 3)
    assert x.T.shape == (3, 2) and x.transpose(1, 0).shape == (3, 2)

    x.cleargrad()
    y = x.sum(axis=0, keepdims=True)
    assert y.shape == (1, 3)
    y.backward()
    assert x.grad.shape == (2, 3)

    x0 = Variable(np.array([1.0, 2.0, 3.0]))
    x1 = Variable(np.array([10.0]))
    y = x0 + x1  # broadcasting forward, sum_to backward
    y.backward()
    np.testing.assert_array_equal(y.data, [11.0, 12.0, 13.0])
    np.testing.assert_array_equal(x1.grad.data, [3.0])

    a = Variable(np.random.randn(2, 3))
    W = Variable(np.random.randn(3, 4))
    y = F.matmul(a, W)
    y.backward()
    assert a.grad.shape == (2, 3) and W.grad.shape == (3, 4)
