"""torch.nn's attention and Transformer modules and F.scaled_dot_product_attention in the facade,
against PyTorch's with the same weights: outputs and gradients (train with dropout 0, and eval),
the facade's own module and Parameter types, and an optimiser step."""

from __future__ import annotations

import numpy as np
import pytest

import zerograd.torch as ztorch
from zerograd.core.testing import assert_allclose, torch_or_skip

rng = np.random.default_rng(0)


def _x(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _same(ours, theirs, inputs, masks, train):
    torch = torch_or_skip()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.train(train)
    theirs.train(train)
    xs = [ztorch.tensor(a, requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    y = ours(*xs, **{k: ztorch.tensor(m) for k, m in masks.items()})
    t_y = theirs(*ts, **{k: torch.tensor(m) for k, m in masks.items()})
    y, t_y = (y[0], t_y[0]) if isinstance(y, tuple) else (y, t_y)
    assert isinstance(y, ztorch.Tensor)
    assert_allclose(y, t_y, rtol=1e-4, atol=2e-5, what="output")
    gy = _x(*y.shape)
    (y * ztorch.tensor(gy)).sum().backward()
    (t_y * torch.tensor(gy)).sum().backward()
    for x, t in zip(xs, ts):
        assert_allclose(x.grad, t.grad, rtol=1e-4, atol=2e-5, what="input gradient")
    ours_params = dict(ours.named_parameters())
    for name, t in theirs.named_parameters():
        assert isinstance(ours_params[name], ztorch.nn.Parameter)
        assert_allclose(ours_params[name].grad, t.grad, rtol=1e-4, atol=2e-5, what=name)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("train", [True, False])
def test_transformer(train):
    torch = torch_or_skip()
    args = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16,
                dropout=0.0, batch_first=True, norm_first=True, activation="gelu")
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4).numpy()
    _same(ztorch.nn.Transformer(**args), torch.nn.Transformer(**args), [_x(2, 5, 8), _x(2, 4, 8)],
          {"tgt_mask": mask}, train)


def test_encoder_of_layers():
    torch = torch_or_skip()

    def build(nn):
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
        return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8), enable_nested_tensor=False)

    _same(build(ztorch.nn), build(torch.nn), [_x(5, 3, 8)], {}, True)


def test_multihead_attention_weights():
    torch = torch_or_skip()
    q, kv = _x(3, 4, 8), _x(3, 6, 8)
    ours, theirs = ztorch.nn.MultiheadAttention(8, 4, batch_first=True), torch.nn.MultiheadAttention(
        8, 4, batch_first=True)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    out, weights = ours(ztorch.tensor(q), ztorch.tensor(kv), ztorch.tensor(kv))
    t_out, t_weights = theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv))
    assert isinstance(weights, ztorch.Tensor)
    assert_allclose(out, t_out, what="output")
    assert_allclose(weights, t_weights, what="weights")


def test_modules_are_the_facades_and_train():
    model = ztorch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    assert isinstance(model.self_attn, ztorch.nn.MultiheadAttention)
    assert isinstance(model.linear1, ztorch.nn.Linear)
    assert isinstance(model.norm1, ztorch.nn.LayerNorm)
    optimizer = ztorch.optim.SGD(model.parameters(), lr=0.1)
    before = model.self_attn.in_proj_weight.detach().numpy().copy()
    model(ztorch.tensor(_x(2, 3, 8))).pow(2).sum().backward()
    optimizer.step()
    assert not np.allclose(model.self_attn.in_proj_weight.detach().numpy(), before)


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.5}])
def test_functional_scaled_dot_product_attention(kwargs):
    torch = torch_or_skip()
    q, k, v = _x(2, 3, 4, 8), _x(2, 3, 5, 8), _x(2, 3, 5, 6)
    ours = ztorch.nn.functional.scaled_dot_product_attention(
        ztorch.tensor(q), ztorch.tensor(k), ztorch.tensor(v), **kwargs)
    theirs = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), **kwargs)
    assert isinstance(ours, ztorch.Tensor)
    assert_allclose(ours, theirs)


def test_functional_dropout_acts_in_eval_mode_too_as_in_pytorch():
    x = ztorch.tensor(_x(1, 1, 6, 4))
    dropped = ztorch.nn.functional.scaled_dot_product_attention(x, x, x, dropout_p=0.9)
    plain = ztorch.nn.functional.scaled_dot_product_attention(x, x, x)
    assert not np.allclose(dropped.detach().numpy(), plain.detach().numpy())
