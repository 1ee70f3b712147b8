"""The layers whose arguments or state the facade adapts, against PyTorch's: outputs, input and
parameter gradients and running statistics, from PyTorch's weights; and their bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import assert_allclose, torch_or_skip

rng = np.random.default_rng(0)


def _sequence(batch_first=False):
    return rng.standard_normal((3, 5, 4) if batch_first else (5, 3, 4)).astype(np.float32)


CASES = {
    "linear": (lambda nn: nn.Linear(4, 3), lambda: rng.standard_normal((5, 4)).astype(np.float32)),
    "conv2d-stride-padding": (lambda nn: nn.Conv2d(2, 3, 3, stride=2, padding=1),
                              lambda: rng.standard_normal((2, 2, 7, 7)).astype(np.float32)),
    "batchnorm1d-train": (lambda nn: nn.BatchNorm1d(4, momentum=0.2),
                          lambda: rng.standard_normal((6, 4)).astype(np.float32)),
    "batchnorm2d-train": (lambda nn: nn.BatchNorm2d(2),
                          lambda: rng.standard_normal((3, 2, 4, 4)).astype(np.float32)),
    "layernorm": (lambda nn: nn.LayerNorm((3, 4)),
                  lambda: rng.standard_normal((2, 3, 4)).astype(np.float32)),
    "lstm-two-layers": (lambda nn: nn.LSTM(4, 6, num_layers=2), _sequence),
    "lstm-batch-first": (lambda nn: nn.LSTM(4, 6, batch_first=True), lambda: _sequence(True)),
    "gru-two-layers-batch-first": (lambda nn: nn.GRU(4, 5, num_layers=2, batch_first=True),
                                   lambda: _sequence(True)),
}


def _first(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("name", list(CASES))
def test_layer_against_pytorch(name):
    torch = torch_or_skip()
    build, make_input = CASES[name]
    theirs, ours = build(torch.nn), build(ztorch.nn)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = make_input()
    x_theirs = torch.tensor(x, requires_grad=True)
    x_ours = ztorch.tensor(x, requires_grad=True)
    y_theirs, y_ours = _first(theirs(x_theirs)), _first(ours(x_ours))
    assert_allclose(y_ours, y_theirs, what="output")
    gy = rng.standard_normal(tuple(y_theirs.shape)).astype(np.float32)
    (y_theirs * torch.tensor(gy)).sum().backward()
    (y_ours * ztorch.tensor(gy)).sum().backward()
    assert_allclose(x_ours.grad, x_theirs.grad, what="input gradient")
    for (key, p_theirs), (_, p_ours) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert_allclose(p_ours.grad, p_theirs.grad, what=f"gradient of {key}")
    for key, value in theirs.state_dict().items():  # running statistics after one step
        assert_allclose(ours.state_dict()[key], value, what=key)


def test_lstm_states_in_and_out_match_pytorch():
    torch = torch_or_skip()
    theirs, ours = torch.nn.LSTM(4, 6, num_layers=2), ztorch.nn.LSTM(4, 6, num_layers=2)
    ours.load_state_dict(theirs.state_dict())
    x = _sequence()
    h0, c0 = (rng.standard_normal((2, 3, 6)).astype(np.float32) for _ in range(2))
    out_t, (h_t, c_t) = theirs(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    out_o, (h_o, c_o) = ours(ztorch.tensor(x), (ztorch.tensor(h0), ztorch.tensor(c0)))
    for got, expected in ((out_o, out_t), (h_o, h_t), (c_o, c_t)):
        assert_allclose(got, expected)


def test_batchnorm_eval_uses_running_statistics():
    torch = torch_or_skip()
    theirs, ours = torch.nn.BatchNorm1d(3), ztorch.nn.BatchNorm1d(3)
    x = rng.standard_normal((8, 3)).astype(np.float32)
    theirs(torch.tensor(x))
    ours(ztorch.tensor(x))
    theirs.eval()
    ours.eval()
    assert_allclose(ours(ztorch.tensor(x)), theirs(torch.tensor(x)))
    assert ours.num_batches_tracked.numpy() == 1


def test_embedding_looks_up_rows():
    layer = ztorch.nn.Embedding(5, 3)
    out = layer(ztorch.tensor([[0, 4], [2, 2]]))
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[1, 0].detach().numpy(), layer.weight.data[2])


@pytest.mark.parametrize("build, message", [
    (lambda nn: nn.Linear(0, 3), "Linear: in_features"),
    (lambda nn: nn.LSTM(4, 0), "LSTM: hidden_size"),
    (lambda nn: nn.Dropout(1.5), "Dropout: p"),
])
def test_bad_sizes_are_named(build, message):
    with pytest.raises(ValueError, match=message):
        build(ztorch.nn)


def test_wrong_input_ranks_are_named():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-D input, got shape \(2, 3\)"):
        ztorch.nn.BatchNorm2d(3)(ztorch.ones(2, 3))
    with pytest.raises(ValueError, match=r"LSTM: input must be 2-D .* or 3-D .* got shape \(2, 3, 4, 3\)"):
        ztorch.nn.LSTM(3, 2)(ztorch.ones(2, 3, 4, 3))
