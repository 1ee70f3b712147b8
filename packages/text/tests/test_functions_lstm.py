"""lstm_cell: gradients, double backward, PyTorch's LSTMCell, argument errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerograd.core import Parameter, Variable, no_grad
from zerograd.core.testing import assert_allclose, check_backward, check_double_backward
from zerograd.text.functions import lstm_cell


def lstm_arrays(rng, batch=2, in_size=3, hidden=2, dtype=np.float64):
    def draw(*shape):
        return rng.standard_normal(shape).astype(dtype)

    return {"x": draw(batch, in_size), "h": draw(batch, hidden), "c": draw(batch, hidden),
            "W_x": draw(in_size, 4 * hidden), "W_h": draw(hidden, 4 * hidden),
            "b": draw(4 * hidden)}


def test_gradients_of_both_outputs(rng):
    a = lstm_arrays(rng)
    check_backward(lstm_cell, a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])
    check_double_backward(lstm_cell, a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])


@pytest.mark.parametrize("output", [0, 1])
def test_gradients_when_one_output_gets_none(output, rng):
    a = lstm_arrays(rng)

    def one_output(x, h, c, W_x, W_h, b):
        return lstm_cell(x, h, c, W_x, W_h, b)[output]

    check_backward(one_output, a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])
    check_double_backward(one_output, a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])


def test_gradients_of_the_first_step_without_state_or_bias(rng):
    a = lstm_arrays(rng)

    def first_step(x, W_x):
        return lstm_cell(x, None, None, W_x, None)

    check_backward(first_step, a["x"], a["W_x"])
    check_double_backward(first_step, a["x"], a["W_x"])


def test_gradients_without_cell_state(rng):
    a = lstm_arrays(rng)

    def no_cell_state(x, h, W_x, W_h):
        return lstm_cell(x, h, None, W_x, W_h)

    check_backward(no_cell_state, a["x"], a["h"], a["W_x"], a["W_h"])


def test_absent_state_equals_zeros(rng):
    a = lstm_arrays(rng)
    zeros = np.zeros_like(a["h"])
    got = lstm_cell(a["x"], None, None, a["W_x"], a["W_h"], a["b"])
    expected = lstm_cell(a["x"], zeros, zeros, a["W_x"], a["W_h"], a["b"])
    for y, e in zip(got, expected):
        assert_allclose(y, e, rtol=1e-12, atol=0)


@pytest.mark.parametrize("first_step", [False, True])
def test_second_derivatives_through_the_output_gradients(first_step, rng):
    """A loss that is not linear in h' and c' makes their gradients depend on the inputs: the
    gradient Function's derivatives in gh and gc are exercised too."""
    a = lstm_arrays(rng)

    def loss(x, h, c, W_x, W_h, b):
        h_new, c_new = lstm_cell(x, None if first_step else h, None if first_step else c,
                                 W_x, W_h, b)
        return h_new * c_new * c_new + h_new * h_new

    check_double_backward(loss, a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])


def test_backward_twice_gives_the_same_gradients(rng):
    a = lstm_arrays(rng)
    W_h = Variable(a["W_h"])
    h, c = lstm_cell(a["x"], a["h"], a["c"], a["W_x"], W_h, a["b"])
    loss = (h * c).sum()
    loss.backward()
    first = W_h.grad.data.copy()
    W_h.cleargrad()
    loss.backward()
    assert_allclose(W_h.grad, first, rtol=1e-12, atol=0)


def test_float32_stays_float32_and_constants_get_no_gradient(rng):
    a = lstm_arrays(rng, dtype=np.float32)
    W_x, W_h, b = Parameter(a["W_x"]), Parameter(a["W_h"]), Parameter(a["b"])
    h, c = lstm_cell(a["x"], a["h"], a["c"], W_x, W_h, b)
    assert h.dtype == c.dtype == np.float32
    (h + c).sum().backward()
    assert W_x.grad.dtype == W_h.grad.dtype == b.grad.dtype == np.float32


def test_w_h_gets_no_gradient_on_the_first_step(rng):
    a = lstm_arrays(rng)
    W_h = Parameter(a["W_h"])
    h, _ = lstm_cell(a["x"], None, None, a["W_x"], W_h)
    h.sum().backward()
    assert W_h.grad is None


def test_float64_input_with_float32_weights_promotes_as_numpy(rng):
    a = lstm_arrays(rng, dtype=np.float32)
    x = a["x"].astype(np.float64)
    h, c = lstm_cell(x, None, None, a["W_x"], a["W_h"], a["b"])
    h, c = lstm_cell(x, h, c, a["W_x"], a["W_h"], a["b"])
    assert h.dtype == c.dtype == np.float64


@pytest.mark.parametrize("batch,in_size,hidden", [(1, 1, 1), (4, 5, 3), (3, 2, 6)])
@pytest.mark.parametrize("first_step", [False, True])
def test_matches_torch_lstm_cell(batch, in_size, hidden, first_step, rng, cell_matches_torch):
    cell_matches_torch("LSTMCell", lstm_cell, lstm_arrays(rng, batch, in_size, hidden, dtype=np.float32),
                       first_step)


@pytest.mark.parametrize("change,message", [
    ({"x": np.ones(3)}, r"lstm_cell: x must be 2-D \(batch, in_size\), got shape \(3,\)"),
    ({"W_x": np.ones((3, 7))}, r"lstm_cell: W_x must have shape \(in_size, 4 \* hidden_size\)"),
    ({"W_x": np.ones((4, 8))}, r"x of shape \(2, 3\) does not match W_x of shape \(4, 8\)"),
    ({"W_h": np.ones((2, 4))}, r"lstm_cell: W_h must have shape \(2, 8\) .* got \(2, 4\)"),
    ({"h": np.ones((3, 2))}, r"lstm_cell: h must have shape \(2, 2\) .* got \(3, 2\)"),
    ({"c": np.ones((2, 3))}, r"lstm_cell: c must have shape \(2, 2\) .* got \(2, 3\)"),
    ({"b": np.ones(4)}, r"lstm_cell: b must have shape \(8,\) .* got \(4,\)"),
    ({"W_h": None}, r"lstm_cell: W_h is required when h is given"),
    ({"W_x": Parameter(None)}, r"lstm_cell: W_x has no data"),
])
def test_bad_arguments_are_named(change, message, rng):
    a = {**lstm_arrays(rng), **change}
    with pytest.raises(ValueError, match=message):
        lstm_cell(a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])


@pytest.mark.parametrize("arg", ["x", "h", "c", "W_x", "W_h", "b"])
def test_a_non_floating_argument_is_named(arg, rng):
    a = lstm_arrays(rng)
    a[arg] = a[arg].astype(np.int32)
    with pytest.raises(TypeError, match=f"lstm_cell: {arg} must be a floating array, got dtype int32"):
        lstm_cell(a["x"], a["h"], a["c"], a["W_x"], a["W_h"], a["b"])


def test_a_list_is_not_an_array(rng):
    a = lstm_arrays(rng)
    with pytest.raises(TypeError, match="lstm_cell: x must be a Variable or an array, got list"):
        lstm_cell([[1.0, 2.0, 3.0]], None, None, a["W_x"], a["W_h"])


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_shapes_of_outputs_and_gradients(batch, in_size, hidden, first_step):
    a = lstm_arrays(np.random.default_rng(batch), batch, in_size, hidden, dtype=np.float32)
    inputs = {k: Variable(v) for k, v in a.items()}
    if first_step:
        inputs["h"] = inputs["c"] = None
    h, c = lstm_cell(**inputs)
    assert h.shape == c.shape == (batch, hidden)
    (h * c).sum().backward()
    for name, v in inputs.items():
        if v is not None and not (first_step and name == "W_h"):
            assert v.grad.shape == v.shape, name


def test_no_graph_is_recorded_under_no_grad(rng):
    a = lstm_arrays(rng)
    with no_grad():
        h, c = lstm_cell(Variable(a["x"]), a["h"], a["c"], Parameter(a["W_x"]), a["W_h"])
    assert h.creator is None and c.creator is None


@pytest.mark.parametrize("first_step", [False, True])
def test_second_derivatives_match_torch(first_step, rng, torch_second_derivatives):
    a = lstm_arrays(rng)

    def step(x, h, c, W_x, W_h, b):
        h_new, c_new = lstm_cell(x, None if first_step else h, None if first_step else c,
                                 W_x, W_h, b)
        return h_new * c_new + h_new  # both outputs, one not linearly

    def torch_step(x, h, c, W_x, W_h, b):
        z = x @ W_x + b + (0 if first_step else h @ W_h)
        i, f, g, o = z.chunk(4, dim=1)
        c_new = i.sigmoid() * g.tanh() + (0 if first_step else f.sigmoid() * c)
        h_new = o.sigmoid() * c_new.tanh()
        return h_new * c_new + h_new

    torch_second_derivatives(step, torch_step, [a[k] for k in ("x", "h", "c", "W_x", "W_h", "b")])
