"""rnn_cell: gradients, double backward, PyTorch's RNNCell, argument errors."""

import numpy as np
import pytest

from zerograd.core.testing import assert_allclose, check_backward, check_double_backward
from zerograd.text.functions import rnn_cell


def rnn_arrays(rng, batch=2, in_size=3, hidden=2, dtype=np.float64):
    def draw(*shape):
        return rng.standard_normal(shape).astype(dtype)

    return {"x": draw(batch, in_size), "h": draw(batch, hidden), "W_x": draw(in_size, hidden),
            "W_h": draw(hidden, hidden), "b": draw(hidden)}


def test_gradients_and_double_backward(rng):
    a = rnn_arrays(rng)
    check_backward(rnn_cell, a["x"], a["h"], a["W_x"], a["W_h"], a["b"])
    check_double_backward(rnn_cell, a["x"], a["h"], a["W_x"], a["W_h"], a["b"])


def test_gradients_of_the_first_step(rng):
    a = rnn_arrays(rng)

    def first_step(x, W_x, b):
        return rnn_cell(x, None, W_x, None, b)

    check_backward(first_step, a["x"], a["W_x"], a["b"])
    check_double_backward(first_step, a["x"], a["W_x"], a["b"])


def test_value_is_tanh_of_the_affine_sum(rng):
    a = rnn_arrays(rng)
    y = rnn_cell(a["x"], a["h"], a["W_x"], a["W_h"], a["b"])
    expected = np.tanh(a["x"] @ a["W_x"] + a["h"] @ a["W_h"] + a["b"])
    assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


def test_second_derivatives_through_the_output_gradient(rng):
    """A loss that is not linear in h' makes the output gradient depend on the inputs: the
    gradient Function's derivative in gy is exercised too."""
    a = rnn_arrays(rng)

    def cubed(x, h, W_x, W_h, b):
        y = rnn_cell(x, h, W_x, W_h, b)
        return y * y * y

    check_double_backward(cubed, a["x"], a["h"], a["W_x"], a["W_h"], a["b"])


@pytest.mark.parametrize("batch,in_size,hidden", [(1, 1, 1), (4, 5, 3), (3, 2, 6)])
@pytest.mark.parametrize("first_step", [False, True])
def test_matches_torch_rnn_cell(batch, in_size, hidden, first_step, rng, cell_matches_torch):
    cell_matches_torch("RNNCell", rnn_cell, rnn_arrays(rng, batch, in_size, hidden, dtype=np.float32),
                       first_step)


@pytest.mark.parametrize("change,message", [
    ({"x": np.ones((2, 3, 1))}, r"rnn_cell: x must be 2-D"),
    ({"W_x": np.ones((5, 2))}, r"rnn_cell: x of shape \(2, 3\) does not match W_x of shape \(5, 2\)"),
    ({"W_h": np.ones((2, 3))}, r"rnn_cell: W_h must have shape \(2, 2\)"),
    ({"b": np.ones((1, 2))}, r"rnn_cell: b must have shape \(2,\)"),
])
def test_bad_arguments_are_named(change, message, rng):
    a = {**rnn_arrays(rng), **change}
    with pytest.raises(ValueError, match=message):
        rnn_cell(a["x"], a["h"], a["W_x"], a["W_h"], a["b"])


@pytest.mark.parametrize("arg", ["x", "h", "W_x", "W_h", "b"])
def test_a_non_floating_argument_is_named(arg, rng):
    a = rnn_arrays(rng)
    a[arg] = a[arg].astype(np.int64)
    with pytest.raises(TypeError, match=f"rnn_cell: {arg} must be a floating array, got dtype int64"):
        rnn_cell(a["x"], a["h"], a["W_x"], a["W_h"], a["b"])


def test_second_derivatives_match_torch(rng, torch_second_derivatives):
    a = rnn_arrays(rng)

    def step(x, h, W_x, W_h, b):
        y = rnn_cell(x, h, W_x, W_h, b)
        return y * y

    def torch_step(x, h, W_x, W_h, b):
        y = (x @ W_x + h @ W_h + b).tanh()
        return y * y

    torch_second_derivatives(step, torch_step, [a[k] for k in ("x", "h", "W_x", "W_h", "b")])
