"""lstm_sequence and gru_sequence: gradients, PyTorch's nn.LSTM/nn.GRU, the cell loop, truncated
BPTT, the double-backward limitation and argument errors."""

import numpy as np
import pytest

from zerograd.core import Parameter, Variable, no_grad
from zerograd.core.testing import assert_allclose, check_against_torch, check_backward
from zerograd.text.functions import gru_cell, gru_sequence, lstm_cell, lstm_sequence

GATES = {"lstm": 4, "gru": 3}
BIASES = {"lstm": 1, "gru": 2}
CASES = [(1, False), (1, True), (2, False), (2, True)]  # (num_layers, bidirectional)


def sequence_arrays(rng, kind, layers=1, bidirectional=False, length=3, batch=2, in_size=3,
                    hidden=2, dtype=np.float64):
    """x (T, N, I), h0 and c0 (L D, N, H) and the flat list of every layer's weights."""
    def draw(*shape):
        return rng.standard_normal(shape).astype(dtype)

    directions = 2 if bidirectional else 1
    width = GATES[kind] * hidden
    weights = []
    for layer in range(layers):
        rows = in_size if layer == 0 else directions * hidden
        for _ in range(directions):
            weights += [draw(rows, width), draw(hidden, width)]
            weights += [draw(width) for _ in range(BIASES[kind])]
    states = layers * directions, batch, hidden
    return draw(length, batch, in_size), draw(*states), draw(*states), weights


def grouped(kind, flat):
    """The flat weight list as one tuple per layer and direction."""
    width = 2 + BIASES[kind]
    return [tuple(flat[k:k + width]) for k in range(0, len(flat), width)]


def run(kind, x, h0, c0, flat, **options):
    if kind == "lstm":
        return lstm_sequence(x, grouped(kind, flat), h0, c0, **options)
    return gru_sequence(x, grouped(kind, flat), h0, **options)


@pytest.mark.parametrize("kind", sorted(GATES))
@pytest.mark.parametrize("layers,bidirectional", CASES)
def test_gradients(kind, layers, bidirectional, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind, layers, bidirectional)

    def func(x, h0, c0, *flat):
        return run(kind, x, h0, c0, flat, bidirectional=bidirectional)

    check_backward(func, x, h0, c0, *flat)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_gradients_without_states_or_biases(kind, rng):
    x, _, _, flat = sequence_arrays(rng, kind, 1, True)
    nobias = [w if w.ndim == 2 else None for w in flat]
    arrays = [w for w in nobias if w is not None]

    def func(x, *weights):
        it = iter(weights)
        return run(kind, x, None, None, [None if w is None else next(it) for w in nobias],
                   bidirectional=True)

    check_backward(func, x, *arrays)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_gradients_of_one_output_only(kind, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind, 2, False)
    check_backward(lambda x, h0, c0, *flat: run(kind, x, h0, c0, flat)[1], x, h0, c0, *flat)
    check_backward(lambda x, h0, c0, *flat: run(kind, x, h0, c0, flat)[0], x, h0, c0, *flat)


def torch_weights(kind, flat, layers, bidirectional, torch):
    """PyTorch's parameter dict for functional_call, built from zerograd's weights with torch
    ops (so PyTorch's gradients flow back to zerograd's layout)."""
    params = {}
    suffixes = [f"_l{layer}{'_reverse' if d else ''}" for layer in range(layers)
                for d in range(2 if bidirectional else 1)]
    for suffix, group in zip(suffixes, grouped(kind, flat)):
        params["weight_ih" + suffix] = group[0].T
        params["weight_hh" + suffix] = group[1].T
        params["bias_ih" + suffix] = group[2]
        params["bias_hh" + suffix] = group[3] if kind == "gru" else torch.zeros_like(group[2])
    return params


@pytest.mark.parametrize("kind", sorted(GATES))
@pytest.mark.parametrize("layers,bidirectional", CASES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_matches_torch(kind, layers, bidirectional, batch_first, rng):
    torch = pytest.importorskip("torch", reason="PyTorch oracle: torch is not installed here")
    x, h0, c0, flat = sequence_arrays(rng, kind, layers, bidirectional, length=5, batch=3,
                                      in_size=4, hidden=6, dtype=np.float32)
    if batch_first:
        x = np.ascontiguousarray(x.transpose(1, 0, 2))
    module = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(
        4, 6, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    options = {"bidirectional": bidirectional, "batch_first": batch_first}

    def torch_run(x, h0, c0, *flat):
        params = torch_weights(kind, flat, layers, bidirectional, torch)
        state = (h0, c0) if kind == "lstm" else h0
        y, final = torch.func.functional_call(module, params, (x, state))
        return (y, *final) if kind == "lstm" else (y, final)

    check_against_torch(lambda x, h0, c0, *flat: run(kind, x, h0, c0, flat, **options),
                        torch_run, x, h0, c0, *flat)


def test_lstm_equals_the_cell_loop_in_both_directions(rng):
    x, h0, c0, (W_x, W_h, b, W_xr, W_hr, b_r) = sequence_arrays(rng, "lstm", 1, True, length=4)
    y, h_n, c_n = lstm_sequence(x, [(W_x, W_h, b), (W_xr, W_hr, b_r)], h0, c0, bidirectional=True)
    h, c = h0[0], c0[0]
    for t in range(4):
        h, c = lstm_cell(x[t], h, c, W_x, W_h, b)
        assert_allclose(y.data[t, :, :2], h, rtol=1e-12, atol=1e-12)
    h, c = h0[1], c0[1]
    for t in reversed(range(4)):
        h, c = lstm_cell(x[t], h, c, W_xr, W_hr, b_r)
        assert_allclose(y.data[t, :, 2:], h, rtol=1e-12, atol=1e-12)
    assert_allclose(h_n.data[1], h, rtol=1e-12, atol=1e-12)
    assert_allclose(c_n.data[1], c, rtol=1e-12, atol=1e-12)


def test_gru_equals_the_cell_loop_and_absent_state_is_zeros(rng):
    x, h0, _, (W_x, W_h, b_x, b_h) = sequence_arrays(rng, "gru", 1, False, length=4)
    y, h_n = gru_sequence(x, [(W_x, W_h, b_x, b_h)])
    zeros_y, _ = gru_sequence(x, [(W_x, W_h, b_x, b_h)], np.zeros_like(h0))
    h = None
    for t in range(4):
        h = gru_cell(x[t], h, W_x, W_h, b_x, b_h)
        assert_allclose(y.data[t], h, rtol=1e-12, atol=1e-12)
    assert_allclose(h_n.data[0], h, rtol=1e-12, atol=1e-12)
    assert_allclose(zeros_y, y, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_truncated_bptt_cuts_between_calls(kind, rng):
    """The second chunk's gradients with the first chunk cut off equal those of a fresh call
    whose initial states are constants; without the cut, the first chunk's x gets a gradient."""
    x, _, _, flat = sequence_arrays(rng, kind, 2, True, length=6)
    params = [Parameter(w) for w in flat]
    first, second = Variable(x[:3]), Variable(x[3:])

    def chunk(xs, states):
        y, *finals = run(kind, xs, *states, params, bidirectional=True)
        return (y * y).sum(), finals

    loss, states = chunk(first, (None, None))
    loss.backward()
    loss.unchain_backward()
    for state in states:
        state.unchain_backward()
    for p in params:
        p.cleargrad()
    first.cleargrad()
    loss, _ = chunk(second, (*states, None) if kind == "gru" else states)
    loss.backward()
    assert first.grad is None
    cut = [p.grad.data.copy() for p in params]
    for p in params:
        p.cleargrad()
    constants = [Variable(s.data.copy(), requires_grad=False) for s in states]
    loss, _ = chunk(second, (*constants, None) if kind == "gru" else constants)
    loss.backward()
    for got, expected in zip(cut, params):
        assert_allclose(got, expected.grad, rtol=1e-12, atol=1e-12)

    loss, states = chunk(first, (None, None))
    loss, _ = chunk(second, (*states, None) if kind == "gru" else states)
    loss.backward()
    assert first.grad is not None and np.abs(first.grad.data).sum() > 0


@pytest.mark.parametrize("kind", sorted(GATES))
def test_double_backward_is_refused_with_a_clear_error(kind, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind)
    y = run(kind, Variable(x), h0, c0, flat)[0]
    name = "LSTMSequence" if kind == "lstm" else "GRUSequence"
    with pytest.raises(NotImplementedError, match=f"{name}: double backward .* not supported"):
        (y * y).sum().backward(create_graph=True)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_backward_twice_gives_the_same_gradients(kind, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind, 1, True)
    params = [Parameter(w) for w in flat]
    y = run(kind, x, h0, c0, params, bidirectional=True)[0]
    loss = (y * y).sum()
    loss.backward()
    first = [p.grad.data.copy() for p in params]
    for p in params:
        p.cleargrad()
    loss.backward()
    for p, expected in zip(params, first):
        assert_allclose(p.grad, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_float32_stays_float32(kind, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind, 2, True, dtype=np.float32)
    params = [Parameter(w) for w in flat]
    outputs = run(kind, Variable(x), h0, c0, params, bidirectional=True)
    assert all(y.dtype == np.float32 for y in outputs)
    sum((y * y).sum() for y in outputs).backward()
    assert all(p.grad.dtype == np.float32 for p in params)


@pytest.mark.parametrize("kind", sorted(GATES))
def test_no_graph_is_recorded_under_no_grad(kind, rng):
    x, h0, c0, flat = sequence_arrays(rng, kind)
    with no_grad():
        outputs = run(kind, Variable(x), h0, c0, [Parameter(w) for w in flat])
    assert all(y.creator is None for y in outputs)


def lstm_arguments(rng):
    x, h0, c0, flat = sequence_arrays(rng, "lstm", 2, False)
    return {"x": x, "weights": grouped("lstm", flat), "h0": h0, "c0": c0}


@pytest.mark.parametrize("change,error,message", [
    ({"x": np.ones((2, 3))}, ValueError,
     r"lstm_sequence: x must be 3-D \(time, batch, in_size\), got shape \(2, 3\)"),
    ({"x": np.ones((3, 2, 3), dtype=np.int64)}, TypeError,
     "lstm_sequence: x must be a floating array, got dtype int64"),
    ({"weights": []}, ValueError, "lstm_sequence: weights must be a non-empty list"),
    ({"weights": [(np.ones((3, 8)),)]}, ValueError,
     r"lstm_sequence: weights\[0\] must be a tuple \(W_x, W_h, b\)"),
    ({"weights": [(np.ones((4, 8)), np.ones((2, 8)), None)]}, ValueError,
     r"lstm_sequence: weights\[0\] W_x must have shape \(3, 8\) .* got \(4, 8\)"),
    ({"weights": [(np.ones((3, 8)), np.ones((2, 8)), np.ones(4))]}, ValueError,
     r"lstm_sequence: weights\[0\] b must have shape \(8,\) .* got \(4,\)"),
    ({"weights": [(np.ones((3, 8)), np.ones((2, 8)), None), (np.ones((3, 8)), np.ones((2, 8)),
                                                             None)]}, ValueError,
     r"lstm_sequence: weights\[1\] W_x must have shape \(2, 8\)"),
    ({"h0": np.ones((1, 2, 2))}, ValueError,
     r"lstm_sequence: h0 must have shape \(2, 2, 2\) \(num_layers \* directions.*got \(1, 2, 2\)"),
    ({"c0": np.ones((2, 3, 2))}, ValueError, r"lstm_sequence: c0 must have shape \(2, 2, 2\)"),
    ({"bidirectional": 1}, TypeError, "lstm_sequence: bidirectional must be True or False"),
    ({"bidirectional": True, "weights": [(np.ones((3, 8)), np.ones((2, 8)), None)]}, ValueError,
     "lstm_sequence: weights must be .* a multiple of 2"),
    ({"batch_first": "yes"}, TypeError, "lstm_sequence: batch_first must be True or False"),
    ({"x": np.ones((0, 2, 3))}, ValueError,
     r"lstm_sequence: x must hold at least one time step, got shape \(0, 2, 3\)"),
    ({"x": [[[1.0]]]}, TypeError, "lstm_sequence: x must be a Variable or an array, got list"),
])
def test_bad_arguments_are_named(change, error, message, rng):
    arguments = {**lstm_arguments(rng), **change}
    x, weights = arguments.pop("x"), arguments.pop("weights")
    with pytest.raises(error, match=message):
        lstm_sequence(x, weights, **arguments)


def test_gru_names_its_biases_and_state(rng):
    x, h0, _, (W_x, W_h, b_x, _) = sequence_arrays(rng, "gru")
    with pytest.raises(ValueError, match=r"gru_sequence: weights\[0\] b_h must have shape \(6,\)"):
        gru_sequence(x, [(W_x, W_h, b_x, np.ones(5))])
    with pytest.raises(ValueError, match=r"gru_sequence: h0 must have shape \(1, 2, 2\)"):
        gru_sequence(x, [(W_x, W_h, b_x, None)], h0[:, :1])
