"""nn.LSTM and nn.GRU against PyTorch's from the same weights: outputs, final states and every
gradient over layers, directions, layouts, initial states and biases; dropout between layers;
unbatched input; bad shapes named."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import assert_allclose, torch_or_skip

T, N, IN, H = 5, 3, 4, 6
TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}


def _pair(kind, **options):
    """PyTorch's module and ours with PyTorch's weights copied across (same state_dict keys)."""
    torch = torch_or_skip()
    theirs = getattr(torch.nn, kind)(IN, H, **options)
    ours = getattr(ztorch.nn, kind)(IN, H, **options)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return torch, theirs, ours


def _states(kind, rows, rng, batched=True):
    shape = (rows, N, H) if batched else (rows, H)
    return [rng.standard_normal(shape).astype(np.float32) for _ in range(2 if kind == "LSTM" else 1)]


def _pack(kind, states):
    """hx as the module takes it: (h_0, c_0) for the LSTM, h_0 for the GRU."""
    return tuple(states) if kind == "LSTM" else states[0]


def _unpack(kind, finals):
    return list(finals) if kind == "LSTM" else [finals]


def _compare(kind, torch, theirs, ours, x, states, seed):
    """Run both on x (and initial states, if any), compare outputs and final states, then backward
    from random gradients of all of them and compare every gradient."""
    x_t, x_o = torch.tensor(x, requires_grad=True), ztorch.tensor(x, requires_grad=True)
    s_t = [torch.tensor(s, requires_grad=True) for s in states]
    s_o = [ztorch.tensor(s, requires_grad=True) for s in states]
    y_t, finals_t = theirs(x_t, _pack(kind, s_t) if states else None)
    y_o, finals_o = ours(x_o, _pack(kind, s_o) if states else None)
    outs_t, outs_o = [y_t, *_unpack(kind, finals_t)], [y_o, *_unpack(kind, finals_o)]
    rng = np.random.default_rng(seed)
    loss_t = loss_o = 0
    for i, (out_t, out_o) in enumerate(zip(outs_t, outs_o)):
        assert tuple(out_o.shape) == tuple(out_t.shape), f"shape of result {i}"
        assert_allclose(out_o, out_t, what=f"result {i}", **TOLERANCE)
        g = rng.standard_normal(tuple(out_t.shape)).astype(np.float32)
        loss_t = loss_t + (out_t * torch.tensor(g)).sum()
        loss_o = loss_o + (out_o * ztorch.tensor(g)).sum()
    loss_t.backward()
    loss_o.backward()
    assert_allclose(x_o.grad, x_t.grad, what="input gradient", **TOLERANCE)
    for i, (state_o, state_t) in enumerate(zip(s_o, s_t)):
        assert_allclose(state_o.grad, state_t.grad, what=f"gradient of initial state {i}",
                        **TOLERANCE)
    named_t, named_o = list(theirs.named_parameters()), list(ours.named_parameters())
    assert [k for k, _ in named_o] == [k for k, _ in named_t]
    for (key, p_t), (_, p_o) in zip(named_t, named_o):
        assert_allclose(p_o.grad, p_t.grad, what=f"gradient of {key}", **TOLERANCE)
    return y_o


GRID = list(itertools.product(["LSTM", "GRU"], [1, 2], [False, True], [False, True], [False, True],
                              [True, False]))


@pytest.mark.parametrize("kind, num_layers, bidirectional, batch_first, with_hx, bias", GRID,
                         ids=["-".join(str(v) for v in case) for case in GRID])
def test_same_results_and_gradients_as_pytorch(kind, num_layers, bidirectional, batch_first,
                                               with_hx, bias):
    torch, theirs, ours = _pair(kind, num_layers=num_layers, bidirectional=bidirectional,
                                batch_first=batch_first, bias=bias)
    rng = np.random.default_rng(num_layers * 16 + bidirectional * 8 + batch_first * 4 + with_hx * 2
                                + bias)
    x = rng.standard_normal((N, T, IN) if batch_first else (T, N, IN)).astype(np.float32)
    rows = num_layers * (2 if bidirectional else 1)
    states = _states(kind, rows, rng) if with_hx else []
    y = _compare(kind, torch, theirs, ours, x, states, seed=1)
    assert type(y) is ztorch.Tensor


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_parameters_in_pytorchs_order_and_shapes(kind):
    torch = torch_or_skip()
    theirs = getattr(torch.nn, kind)(IN, H, num_layers=3, bidirectional=True)
    ours = getattr(ztorch.nn, kind)(IN, H, num_layers=3, bidirectional=True)
    expected = [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == expected
    assert [tuple(p.shape) for p in ours.parameters()] == [shape for _, shape in expected]
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == expected
    bound = 1 / np.sqrt(H)
    assert all(np.abs(p.detach().numpy()).max() <= bound for p in ours.parameters())
    assert repr(ours).split("  #")[0] == repr(theirs)  # ours adds the parameter count


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_unbatched_input_as_pytorch(kind, bidirectional):
    torch, theirs, ours = _pair(kind, num_layers=2, bidirectional=bidirectional, batch_first=True)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((T, IN)).astype(np.float32)  # batch_first does not apply
    rows = 2 * (2 if bidirectional else 1)
    _compare(kind, torch, theirs, ours, x, [], seed=2)
    _compare(kind, torch, theirs, ours, x, _states(kind, rows, rng, batched=False), seed=3)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_dropout_between_layers(kind, bidirectional):
    torch, theirs, ours = _pair(kind, num_layers=3, dropout=0.5, bidirectional=bidirectional)
    rng = np.random.default_rng(6)
    x = rng.standard_normal((T, N, IN)).astype(np.float32)
    states = _states(kind, 3 * (2 if bidirectional else 1), rng)
    theirs.eval()
    ours.eval()
    _compare(kind, torch, theirs, ours, x, states, seed=4)  # eval: no dropout, PyTorch's numbers
    ours.train()
    first, second = (ours(ztorch.tensor(x), _pack(kind, states))[0] for _ in range(2))
    assert not np.allclose(first.detach().numpy(), second.detach().numpy()), \
        "dropout is not active in training"
    x_o = ztorch.tensor(x, requires_grad=True)
    y, finals = ours(x_o, _pack(kind, [ztorch.tensor(s, requires_grad=True) for s in states]))
    (y.pow(2).mean() + sum(f.sum() for f in _unpack(kind, finals))).backward()
    assert np.isfinite(x_o.grad.detach().numpy()).all() and np.abs(x_o.grad.detach().numpy()).sum() > 0
    for key, param in ours.named_parameters():
        assert param.grad is not None and np.abs(param.grad.detach().numpy()).sum() > 0, key


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_layer_by_layer_path_gives_pytorchs_numbers(kind):
    """Training with dropout runs one call per layer; with a dropout that drops nothing its
    numbers (outputs, final states joined from the layers, gradients) are PyTorch's."""
    torch, theirs, ours = _pair(kind, num_layers=3, bidirectional=True)
    ours.dropout = 1e-30
    np.random.seed(0)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((T, N, IN)).astype(np.float32)
    _compare(kind, torch, theirs, ours, x, _states(kind, 6, rng), seed=5)


def test_dropout_argument_checked_as_pytorch():
    with pytest.raises(ValueError, match=r"LSTM: dropout must be a finite number in \[0, 1\], "
                                         r"got 1.5"):
        ztorch.nn.LSTM(4, 6, num_layers=2, dropout=1.5)
    with pytest.raises(TypeError, match="GRU: dropout must be a finite number"):
        ztorch.nn.GRU(4, 6, num_layers=2, dropout=True)
    with pytest.warns(UserWarning, match="does nothing with num_layers=1"):
        ztorch.nn.LSTM(4, 6, dropout=0.2)


def test_double_backward_is_refused():
    lstm = ztorch.nn.LSTM(IN, H, bidirectional=True)
    y, _ = lstm(ztorch.randn(T, N, IN))
    with pytest.raises(NotImplementedError, match="double backward"):
        y.pow(2).sum().backward(create_graph=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m(ztorch.ones(T, N, IN, 1)), ValueError,
     r"LSTM: input must be 2-D \(seq, input_size\) unbatched or 3-D .* got shape \(5, 3, 4, 1\)"),
    (lambda m: m(ztorch.ones(T, N, 3)), ValueError,
     r"LSTM: input.size\(-1\) must be input_size 4, got shape \(5, 3, 3\)"),
    (lambda m: m(ztorch.ones(T, N, IN), (ztorch.zeros(2, N, H), ztorch.zeros(4, N, H))), ValueError,
     r"LSTM: h_0 must have shape \(4, 3, 6\) \(num_layers \* num_directions, batch, hidden_size\) "
     r"for input of shape \(5, 3, 4\), got \(2, 3, 6\)"),
    (lambda m: m(ztorch.ones(T, N, IN), (ztorch.zeros(4, N, H), ztorch.zeros(4, 2, H))), ValueError,
     r"LSTM: c_0 must have shape \(4, 3, 6\) .* got \(4, 2, 6\)"),
    (lambda m: m(ztorch.ones(T, IN), (ztorch.zeros(4, 1, H), ztorch.zeros(4, 1, H))), ValueError,
     r"LSTM: h_0 must have shape \(4, 6\) \(num_layers \* num_directions, hidden_size\) for input "
     r"of shape \(5, 4\), got \(4, 1, 6\)"),
    (lambda m: m(ztorch.ones(T, N, IN), ztorch.zeros(4, N, H)), TypeError,
     r"LSTM: hx must be a tuple \(h_0, c_0\) or None, got Tensor"),
])
def test_bad_shapes_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call(ztorch.nn.LSTM(IN, H, num_layers=2, bidirectional=True))


def test_bad_gru_state_is_named():
    gru = ztorch.nn.GRU(IN, H, batch_first=True)
    with pytest.raises(ValueError, match=r"GRU: h_0 must have shape \(1, 2, 6\) .* got \(1, 5, 6\)"):
        gru(ztorch.ones(2, T, IN), ztorch.zeros(1, T, H))
    with pytest.raises(TypeError, match="GRU: hx must be one tensor h_0 or None, got tuple"):
        gru(ztorch.ones(2, T, IN), (ztorch.zeros(1, 2, H),))
