"""SequenceLSTM and SequenceGRU: parameters, lazy sizing, PyTorch's nn.LSTM/nn.GRU with copied
weights, states across calls, errors."""

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.text import SequenceGRU, SequenceLSTM

LAYERS = {"lstm": SequenceLSTM, "gru": SequenceGRU}


def test_parameters_are_named_as_pytorch_and_sized_lazily():
    lstm = SequenceLSTM(3, num_layers=2, bidirectional=True)
    assert lstm.W_x_l0.data is None and lstm.W_x_l1.shape == (6, 12)
    y, (h, c) = lstm(np.ones((5, 2, 4), dtype=np.float32))
    assert y.shape == (5, 2, 6) and h.shape == c.shape == (4, 2, 3)
    assert lstm.W_x_l0.shape == lstm.W_x_l0_reverse.shape == (4, 12) and lstm.in_size == 4
    names = [n for n, _ in lstm.named_params()]
    assert sorted(names) == sorted(f"{p}_l{k}{r}" for p in ("W_x", "W_h", "b") for k in (0, 1)
                                   for r in ("", "_reverse"))
    gru = SequenceGRU(3, in_size=4)
    assert [n for n, _ in gru.named_params()] == ["W_x_l0", "W_h_l0", "b_x_l0", "b_h_l0"]
    assert gru.W_x_l0.shape == (4, 9) and gru.W_x_l0.dtype == np.float32


def test_initialisation_is_pytorch_uniform_and_repeatable():
    np.random.seed(0)
    first = SequenceGRU(16, in_size=5)
    np.random.seed(0)
    again = SequenceGRU(16, in_size=5)
    for (_, p), (_, q) in zip(first.named_params(), again.named_params()):
        np.testing.assert_array_equal(p.data, q.data)
        assert np.abs(p.data).max() <= 0.25 and np.abs(p.data).max() > 0.2


def copy_from_torch(layer, module, kind):
    for name, param in layer.named_params():
        prefix, suffix = name.split("_l")
        get = lambda n: getattr(module, f"{n}_l{suffix}").detach().numpy()  # noqa: E731
        if prefix in ("W_x", "W_h"):
            param.data = get("weight_ih" if prefix == "W_x" else "weight_hh").T.copy()
        elif kind == "lstm":
            param.data = get("bias_ih") + get("bias_hh")
        else:
            param.data = get("bias_ih" if prefix == "b_x" else "bias_hh").copy()


def torch_gradient(module, name, kind):
    prefix, suffix = name.split("_l")
    get = lambda n: getattr(module, f"{n}_l{suffix}").grad.numpy()  # noqa: E731
    if prefix in ("W_x", "W_h"):
        return get("weight_ih" if prefix == "W_x" else "weight_hh").T
    if kind == "lstm":
        return get("bias_ih")
    return get("bias_ih" if prefix == "b_x" else "bias_hh")


@pytest.mark.parametrize("kind", sorted(LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_matches_torch_module_over_two_calls(kind, bidirectional, rng):
    """Weights copied from PyTorch's module; the final states of one call start the next."""
    torch = torch_or_skip()
    torch.manual_seed(0)
    options = {"num_layers": 2, "bidirectional": bidirectional, "batch_first": True}
    module = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(4, 5, **options)
    layer = LAYERS[kind](5, in_size=4, **options)
    copy_from_torch(layer, module, kind)
    xs = rng.standard_normal((2, 3, 6, 4)).astype(np.float32)
    state, t_state, loss, t_loss = None, None, 0, 0
    for x in xs:
        y, state = layer(x, state)
        t_y, t_state = module(torch.tensor(x), t_state)
        assert_allclose(y, t_y, what="output")
        loss = loss + (y * y).sum()
        t_loss = t_loss + (t_y * t_y).sum()
    loss.backward()
    t_loss.backward()
    for name, param in layer.named_params():
        assert_allclose(param.grad, torch_gradient(module, name, kind), rtol=1e-4, atol=1e-4,
                        what=name)


def test_states_go_in_and_come_out(rng):
    lstm = SequenceLSTM(3, in_size=2)
    x = rng.standard_normal((4, 2, 2)).astype(np.float32)
    y, (h, c) = lstm(x)
    np.testing.assert_array_equal(h.data[0], y.data[-1])
    again, _ = lstm(x, (h, c))
    assert not np.allclose(again.data, y.data)
    zeros = np.zeros((1, 2, 3), dtype=np.float32)
    np.testing.assert_array_equal(lstm(x, (zeros, zeros))[0].data, y.data)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_bad_arguments_are_named(kind):
    cls = LAYERS[kind]
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: hidden_size must be"):
        cls(0)
    with pytest.raises(ValueError, match=f"{name}: num_layers must be"):
        cls(3, num_layers=0)
    with pytest.raises(TypeError, match=f"{name}: bidirectional must be True or False"):
        cls(3, bidirectional=2)
    with pytest.raises(ValueError, match=rf"{name}: x must be 3-D, got shape \(2, 3\)"):
        cls(3)(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"_sequence: weights\[0\] W_x must have shape \(2, "):
        cls(3, in_size=3)(Variable(np.ones((4, 2, 2), dtype=np.float32)))


def test_repr_names_the_options():
    assert "num_layers=2, bidirectional=True, batch_first=False" in repr(
        SequenceLSTM(3, num_layers=2, bidirectional=True))


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_dropout_applies_between_layers_in_training_only(kind):
    layer = LAYERS[kind](4, in_size=3, num_layers=2, dropout=0.5)
    x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32)
    np.random.seed(0)
    trained_a = layer(x)[0].data
    np.random.seed(1)
    trained_b = layer(x)[0].data
    assert not np.allclose(trained_a, trained_b)  # each call draws its own mask
    plain = LAYERS[kind](4, in_size=3, num_layers=2)
    plain.load_state_dict(layer.state_dict())
    layer.eval()
    np.testing.assert_array_equal(layer(x)[0].data, plain(x)[0].data)
    with pytest.raises(ValueError, match=f"{LAYERS[kind].__name__}: dropout must"):
        LAYERS[kind](3, dropout=1.5)
