"""MultiheadAttention and the Transformer layers against PyTorch's, weights copied through
load_state_dict: outputs, input gradients and parameter gradients, in train (dropout 0) and eval
mode; positional encodings; bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from zerograd.core import Variable
from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.nn import layers as L


def _as_output(y):
    return y[0] if isinstance(y, tuple) else y


def matches_torch(layer, torch_layer, inputs, masks=None, train=True, rtol=1e-4, atol=2e-5,
                  outputs=1):
    """Copy torch_layer's weights into layer, run both on ``inputs`` (float arrays, compared by
    gradient) and ``masks`` (keyword arrays), and compare outputs and every gradient."""
    torch = torch_or_skip()
    masks = masks or {}
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})
    layer.train(train)
    torch_layer.train(train)
    xs = [Variable(a.copy()) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    ys = layer(*xs, **masks)
    t_ys = torch_layer(*ts, **{k: None if m is None else torch.tensor(m) for k, m in masks.items()})
    ys = ys if isinstance(ys, tuple) else (ys,)
    t_ys = t_ys if isinstance(t_ys, tuple) else (t_ys,)
    rng = np.random.default_rng(0)
    total, t_total = 0, 0
    for i in range(outputs):
        assert_allclose(ys[i], t_ys[i], rtol, atol, what=f"output {i}")
        gy = rng.standard_normal(ys[i].shape).astype(np.float32)
        total = total + (ys[i] * gy).sum()
        t_total = t_total + (t_ys[i] * torch.tensor(gy)).sum()
    total.backward()
    t_total.backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert_allclose(x.grad, t.grad, rtol, atol, what=f"gradient of input {i}")
    params = dict(layer.named_params())
    for name, t in torch_layer.named_parameters():
        assert_allclose(params[name].grad, t.grad, rtol, atol, what=f"gradient of {name}")


def _x(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_multihead_self_attention(batch_first, train, rng):
    torch = torch_or_skip()
    x = _x(rng, 2, 5, 8) if batch_first else _x(rng, 5, 2, 8)
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    mask = np.triu(np.ones((5, 5), bool), 1)
    args = dict(embed_dim=8, num_heads=2, batch_first=batch_first)
    layer, torch_layer = L.MultiheadAttention(**args), torch.nn.MultiheadAttention(**args)

    def both(func):  # self-attention: one input used as query, key and value
        return lambda x, **kw: func(x, x, x, **kw)

    matches_torch(_Wrapped(layer, both), _TorchWrapped(torch_layer, both), [x],
                  {"key_padding_mask": padding, "attn_mask": mask}, train=train, outputs=2)


@pytest.mark.parametrize("options", [
    {},
    {"average_attn_weights": False},
    {"need_weights": False},
    {"float_mask": True},
])
def test_multihead_cross_attention(options, rng):
    torch = torch_or_skip()
    q, k, v = _x(rng, 3, 4, 6), _x(rng, 3, 7, 6), _x(rng, 3, 7, 6)
    masks = {key: value for key, value in options.items() if key != "float_mask"}
    if options.get("float_mask"):
        masks["attn_mask"] = _x(rng, 3 * 3, 4, 7)  # (N * num_heads, L, S)
    args = dict(embed_dim=6, num_heads=3, batch_first=True)
    matches_torch(L.MultiheadAttention(**args), torch.nn.MultiheadAttention(**args), [q, k, v],
                  masks, outputs=1 if options.get("need_weights") is False else 2)


def test_multihead_attention_kdim_vdim_and_unbatched(rng):
    torch = torch_or_skip()
    args = dict(embed_dim=8, num_heads=4, kdim=5, vdim=3)
    matches_torch(L.MultiheadAttention(**args), torch.nn.MultiheadAttention(**args),
                  [_x(rng, 4, 8), _x(rng, 6, 5), _x(rng, 6, 3)], outputs=2)


class _Wrapped(L.Layer):
    def __init__(self, layer, adapt):
        super().__init__()
        self.inner = layer
        self.call = adapt(layer)

    def forward(self, *xs, **kw):
        return self.call(*xs, **kw)

    def named_params(self, prefix=""):
        return self.inner.named_params(prefix)

    def load_state_dict(self, state, strict=True):
        return self.inner.load_state_dict(state, strict)


class _TorchWrapped:
    def __init__(self, layer, adapt):
        self.inner, self.call = layer, adapt(layer)

    def __call__(self, *xs, **kw):
        return self.call(*xs, **kw)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("train", [True, False])
def test_encoder_layer(norm_first, activation, train, rng):
    torch = torch_or_skip()
    args = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation=activation,
                batch_first=True, norm_first=norm_first)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    matches_torch(L.TransformerEncoderLayer(**args), torch.nn.TransformerEncoderLayer(**args),
                  [_x(rng, 2, 5, 8)], {"src_mask": mask}, train=train)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first, rng):
    torch = torch_or_skip()
    args = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, norm_first=norm_first)
    matches_torch(L.TransformerDecoderLayer(**args), torch.nn.TransformerDecoderLayer(**args),
                  [_x(rng, 4, 2, 8), _x(rng, 6, 2, 8)],
                  {"tgt_mask": L.Transformer.generate_square_subsequent_mask(4)})


@pytest.mark.parametrize("train", [True, False])
def test_transformer(train, rng):
    torch = torch_or_skip()
    args = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16,
                dropout=0.0, batch_first=True)
    padding = np.zeros((2, 6), bool)
    padding[0, 4:] = True
    matches_torch(L.Transformer(**args), torch.nn.Transformer(**args),
                  [_x(rng, 2, 6, 8), _x(rng, 2, 4, 8)],
                  {"tgt_mask": L.Transformer.generate_square_subsequent_mask(4),
                   "src_key_padding_mask": padding, "memory_key_padding_mask": padding},
                  train=train)


def test_transformer_state_dict_keys_are_pytorchs():
    torch = torch_or_skip()
    args = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16,
                batch_first=True)
    theirs = {k: tuple(v.shape) for k, v in torch.nn.Transformer(**args).state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in L.Transformer(**args).state_dict().items()}
    assert ours == theirs


def test_square_subsequent_mask_is_pytorchs():
    torch = torch_or_skip()
    np.testing.assert_array_equal(L.Transformer.generate_square_subsequent_mask(4),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())


def test_causal_hint_without_mask_is_the_causal_mask(rng):
    layer = L.MultiheadAttention(8, 2, batch_first=True)
    x = _x(rng, 2, 5, 8)
    causal = layer(x, x, x, is_causal=True, need_weights=False)[0]
    masked = layer(x, x, x, attn_mask=np.triu(np.ones((5, 5), bool), 1), need_weights=False)[0]
    np.testing.assert_allclose(causal.data, masked.data, rtol=1e-6)


def test_positional_encodings(rng):
    x = _x(rng, 2, 5, 6)
    sinus = L.SinusoidalPositionalEncoding(6, max_len=16)
    y = sinus(x).data - x
    np.testing.assert_allclose(y[0, 3, 0], np.sin(3), rtol=1e-5)
    np.testing.assert_allclose(y[1, 3, 5], np.cos(3 / 10000 ** (4 / 6)), rtol=1e-5)
    assert sinus.state_dict() == {}
    learned = L.LearnedPositionalEncoding(6, max_len=16)
    out = learned(Variable(x))
    out.sum().backward()
    np.testing.assert_allclose(learned.weight.grad.data[:5], 2.0)
    np.testing.assert_allclose(learned.weight.grad.data[5:], 0.0)
    time_major = L.LearnedPositionalEncoding(6, max_len=16, batch_first=False)
    assert time_major(x.transpose(1, 0, 2)).shape == (5, 2, 6)
    with pytest.raises(ValueError, match=r"input of shape \(2, 5, 6\) needs at most 4 positions"):
        L.LearnedPositionalEncoding(6, max_len=4)(x)


def test_bad_arguments(rng):
    with pytest.raises(ValueError, match="embed_dim 10 must be divisible by num_heads 3"):
        L.MultiheadAttention(10, 3)
    layer = L.MultiheadAttention(8, 2, batch_first=True)
    x = _x(rng, 2, 5, 8)
    with pytest.raises(ValueError, match=r"query of shape \(2, 5, 7\) must end in 8 features"):
        layer(x[..., :7], x, x)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 5\) must be \(L, S\) = \(5, 5\)"):
        layer(x, x, x, attn_mask=np.zeros((4, 5), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(5,\) must be \(2, 5\)"):
        layer(x, x, x, key_padding_mask=np.zeros(5, bool))
    with pytest.raises(ValueError, match="different batch sizes"):
        layer(x, x[:1], x[:1])
    with pytest.raises(ValueError, match="activation must be 'relu', 'gelu' or a callable"):
        L.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        L.MultiheadAttention(8, 2, add_bias_kv=True)


def test_callable_activation_and_dropout_modes(rng):
    np.random.seed(0)
    calls = []

    def activation(x):
        calls.append(x.shape)
        return x * 0.5

    layer = L.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5, batch_first=True,
                                      activation=activation)
    x = _x(rng, 2, 5, 8)
    assert not np.allclose(layer(x).data, layer(x).data)  # dropout draws afresh in train mode
    layer.eval()
    np.testing.assert_array_equal(layer(x).data, layer(x).data)
    assert calls[-1] == (2, 5, 16)
