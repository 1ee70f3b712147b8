"""RNN, LSTM and GRU layers: state across calls, lazy sizing, PyTorch's cells, errors."""

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core.testing import assert_allclose
from zerograd.text.layers import GRU, LSTM, RNN

LAYERS = {"RNN": (RNN, 1), "LSTM": (LSTM, 4), "GRU": (GRU, 3)}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_parameters_are_sized_lazily_with_the_gates_side_by_side(name):
    cls, gates = LAYERS[name]
    layer = cls(4)
    assert layer.x2h.W.data is None and layer.h2h.W.shape == (4, gates * 4)
    y = layer(np.ones((2, 3), dtype=np.float32))
    assert y.shape == (2, 4) and y.dtype == np.float32
    assert layer.x2h.W.shape == (3, gates * 4) and layer.x2h.b.shape == (gates * 4,)
    expected = ["x2h.W", "x2h.b", "h2h.W"] + (["h2h.b"] if cls is GRU else [])
    assert [n for n, _ in layer.named_params()] == expected
    assert cls(4, in_size=3).x2h.W.shape == (3, gates * 4)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_state_carries_over_until_reset(name, rng):
    layer = LAYERS[name][0](3, in_size=2)
    xs = rng.standard_normal((3, 4, 2)).astype(np.float32)
    first = [layer(x).data for x in xs]
    assert not np.allclose(first[1], first[0])
    layer.reset_state()
    assert layer.h is None
    again = [layer(x).data for x in xs]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_lstm_keeps_the_cell_state_and_resets_it(rng):
    lstm = LSTM(3, in_size=2)
    lstm(rng.standard_normal((4, 2)).astype(np.float32))
    assert lstm.c.shape == (4, 3)
    lstm.reset_state()
    assert lstm.h is None and lstm.c is None


def _copy_torch_weights(layer, cell, merge_biases):
    layer.x2h.W.data = cell.weight_ih.detach().numpy().T.copy()
    layer.h2h.W.data = cell.weight_hh.detach().numpy().T.copy()
    if merge_biases:
        layer.x2h.b.data = (cell.bias_ih + cell.bias_hh).detach().numpy()
    else:
        layer.x2h.b.data = cell.bias_ih.detach().numpy().copy()
        layer.h2h.b.data = cell.bias_hh.detach().numpy().copy()


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_three_steps_match_torch_cells(name, rng, compare_with_torch):
    import torch

    cls, _ = LAYERS[name]
    torch.manual_seed(0)
    cell = getattr(torch.nn, f"{name}Cell")(3, 5)
    layer = cls(5, in_size=3)
    _copy_torch_weights(layer, cell, merge_biases=cls is not GRU)

    def steps(*xs):
        layer.reset_state()
        return [layer(x) for x in xs]

    def torch_steps(*xs):
        state, hs = None, []
        for x in xs:
            state = cell(x, state)
            hs.append(state[0] if name == "LSTM" else state)
        return hs

    params = {"x2h.W": (layer.x2h.W, lambda: cell.weight_ih.grad.T),
              "h2h.W": (layer.h2h.W, lambda: cell.weight_hh.grad.T),
              "x2h.b": (layer.x2h.b, lambda: cell.bias_ih.grad)}
    if cls is GRU:
        params["h2h.b"] = (layer.h2h.b, lambda: cell.bias_hh.grad)
    xs = [rng.standard_normal((4, 3)).astype(np.float32) for _ in range(3)]
    compare_with_torch(steps, torch_steps, xs, params)


def test_unchain_backward_cuts_the_gradient_at_the_truncation(rng):
    lstm = LSTM(3, in_size=2)
    xs = rng.standard_normal((4, 2, 2)).astype(np.float32)
    loss = lstm(xs[0]).sum() + lstm(xs[1]).sum()
    loss.unchain_backward()
    tail = lstm(xs[2]).sum() + lstm(xs[3]).sum()
    tail.backward()
    truncated = lstm.h2h.W.grad.data.copy()
    lstm.cleargrads()
    lstm.reset_state()
    lstm.h, lstm.c = (Variable(v.data.copy()) for v in _two_steps(lstm, xs))
    (lstm(xs[2]).sum() + lstm(xs[3]).sum()).backward()
    assert_allclose(lstm.h2h.W.grad, truncated, rtol=1e-6, atol=1e-7)


def _two_steps(lstm, xs):
    lstm(xs[0])
    lstm(xs[1])
    return lstm.h, lstm.c


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_weights_round_trip_through_save_and_load(name, tmp_path):
    cls, _ = LAYERS[name]
    layer = cls(3, in_size=2)
    path = layer.save_weights(tmp_path / "w")
    other = cls(3)
    other.load_weights(path)
    x = np.ones((1, 2), dtype=np.float32)
    np.testing.assert_array_equal(other(x).data, layer(x).data)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_bad_sizes_and_inputs_are_named(name):
    cls, _ = LAYERS[name]
    with pytest.raises(ValueError, match=f"{name}: hidden_size must be a positive int, got 0"):
        cls(0)
    with pytest.raises(TypeError, match=f"{name}: in_size must be a positive int, got 2.5"):
        cls(3, in_size=2.5)
    with pytest.raises(TypeError, match=f"{name}: hidden_size must be a positive int, got True"):
        cls(True)
    with pytest.raises(TypeError, match=f"{name}: hidden_size must be a positive int, got '8'"):
        cls("8")
    layer = cls(3)
    with pytest.raises(ValueError, match=rf"{name}: x must be 2-D \(batch, in_size\), got shape \(2,\)"):
        layer(np.ones(2, dtype=np.float32))
    layer(np.ones((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=f"{name}: batch size changed from 2 to 5 .* reset_state"):
        layer(np.ones((5, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"x of shape \(2, 6\) does not match W_x of shape \(4,"):
        layer(np.ones((2, 6), dtype=np.float32))


def test_repr_names_the_sizes():
    assert repr(LSTM(8, in_size=3)).startswith("LSTM(hidden_size=8, in_size=3)")
