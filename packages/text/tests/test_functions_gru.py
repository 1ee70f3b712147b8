"""gru_cell: gradients, double backward, PyTorch's GRUCell, argument errors."""

import numpy as np
import pytest

from zerograd.core.testing import assert_allclose, check_backward, check_double_backward
from zerograd.text.functions import gru_cell


def gru_arrays(rng, batch=2, in_size=3, hidden=2, dtype=np.float64):
    def draw(*shape):
        return rng.standard_normal(shape).astype(dtype)

    return {"x": draw(batch, in_size), "h": draw(batch, hidden), "W_x": draw(in_size, 3 * hidden),
            "W_h": draw(hidden, 3 * hidden), "b_x": draw(3 * hidden), "b_h": draw(3 * hidden)}


def reference_gru(x, h, W_x, W_h, b_x, b_h):
    """PyTorch's GRU equations written out on arrays."""
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    a, u = x @ W_x + b_x, h @ W_h + b_h
    r_pre, z_pre, n_x = np.split(a, 3, axis=1)
    u_r, u_z, n_h = np.split(u, 3, axis=1)
    r, z = sigmoid(r_pre + u_r), sigmoid(z_pre + u_z)
    n = np.tanh(n_x + r * n_h)
    return (1 - z) * n + z * h


def test_gradients_and_double_backward(rng):
    a = gru_arrays(rng)
    args = [a[k] for k in ("x", "h", "W_x", "W_h", "b_x", "b_h")]
    check_backward(gru_cell, *args)
    check_double_backward(gru_cell, *args)


def test_gradients_without_biases(rng):
    a = gru_arrays(rng)
    check_backward(gru_cell, a["x"], a["h"], a["W_x"], a["W_h"])


def test_gradients_of_the_first_step(rng):
    a = gru_arrays(rng)

    def first_step(x, W_x, b_x, b_h):
        return gru_cell(x, None, W_x, None, b_x, b_h)

    def first_step_without_biases(x, W_x):
        return gru_cell(x, None, W_x, None)

    check_backward(first_step, a["x"], a["W_x"], a["b_x"], a["b_h"])
    check_double_backward(first_step, a["x"], a["W_x"], a["b_x"], a["b_h"])
    check_backward(first_step_without_biases, a["x"], a["W_x"])
    check_double_backward(first_step_without_biases, a["x"], a["W_x"])


def test_values_follow_the_equations(rng):
    a = gru_arrays(rng)
    args = [a[k] for k in ("x", "h", "W_x", "W_h", "b_x", "b_h")]
    assert_allclose(gru_cell(*args), reference_gru(*args), rtol=1e-12, atol=1e-12)
    first = gru_cell(a["x"], None, a["W_x"], a["W_h"], a["b_x"], a["b_h"])
    zeros = np.zeros_like(a["h"])
    expected = reference_gru(a["x"], zeros, a["W_x"], a["W_h"], a["b_x"], a["b_h"])
    assert_allclose(first, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("first_step", [False, True])
@pytest.mark.parametrize("biases", [False, True])
def test_second_derivatives_through_the_output_gradient(first_step, biases, rng):
    """A loss that is not linear in h' makes its gradient depend on the inputs: the gradient
    Function's derivative in gy is exercised too."""
    a = gru_arrays(rng)

    def cubed(x, h, W_x, W_h, b_x, b_h):
        y = gru_cell(x, None if first_step else h, W_x, W_h, *((b_x, b_h) if biases else ()))
        return y * y * y

    check_double_backward(cubed, *(a[k] for k in ("x", "h", "W_x", "W_h", "b_x", "b_h")))


@pytest.mark.parametrize("batch,in_size,hidden", [(1, 1, 1), (4, 5, 3), (3, 2, 6)])
@pytest.mark.parametrize("first_step", [False, True])
def test_matches_torch_gru_cell(batch, in_size, hidden, first_step, rng, cell_matches_torch):
    cell_matches_torch("GRUCell", gru_cell, gru_arrays(rng, batch, in_size, hidden, dtype=np.float32),
                       first_step)


@pytest.mark.parametrize("change,message", [
    ({"W_x": np.ones((3, 7))}, r"gru_cell: W_x must have shape \(in_size, 3 \* hidden_size\)"),
    ({"W_h": np.ones((2, 8))}, r"gru_cell: W_h must have shape \(2, 6\)"),
    ({"b_x": np.ones(4)}, r"gru_cell: b_x must have shape \(6,\)"),
    ({"b_h": np.ones(4)}, r"gru_cell: b_h must have shape \(6,\)"),
    ({"h": np.ones((2, 1))}, r"gru_cell: h must have shape \(2, 2\)"),
])
def test_bad_arguments_are_named(change, message, rng):
    a = {**gru_arrays(rng), **change}
    with pytest.raises(ValueError, match=message):
        gru_cell(a["x"], a["h"], a["W_x"], a["W_h"], a["b_x"], a["b_h"])


@pytest.mark.parametrize("arg", ["x", "h", "W_x", "W_h", "b_x", "b_h"])
def test_a_non_floating_argument_is_named(arg, rng):
    a = gru_arrays(rng)
    a[arg] = a[arg] > 0
    with pytest.raises(TypeError, match=f"gru_cell: {arg} must be a floating array, got dtype bool"):
        gru_cell(a["x"], a["h"], a["W_x"], a["W_h"], a["b_x"], a["b_h"])


@pytest.mark.parametrize("first_step", [False, True])
def test_second_derivatives_match_torch(first_step, rng, torch_second_derivatives):
    a = gru_arrays(rng)

    def step(x, h, W_x, W_h, b_x, b_h):
        y = gru_cell(x, None if first_step else h, W_x, W_h, b_x, b_h)
        return y * y

    def torch_step(x, h, W_x, W_h, b_x, b_h):
        u = b_h + (0 if first_step else h @ W_h)
        a_r, a_z, a_n = (x @ W_x + b_x).chunk(3, dim=1)
        u_r, u_z, u_n = u.chunk(3, dim=-1)
        r, z = (a_r + u_r).sigmoid(), (a_z + u_z).sigmoid()
        n = (a_n + r * u_n).tanh()
        y = (1 - z) * n + (0 if first_step else z * h)
        return y * y

    torch_second_derivatives(step, torch_step, [a[k] for k in ("x", "h", "W_x", "W_h", "b_x", "b_h")])
