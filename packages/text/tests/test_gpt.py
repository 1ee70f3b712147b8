"""The GPT: nanoGPT's weights load and give its logits, loss and gradients; cached generation
samples the same tokens as the uncached loop for O(n) work; nanoGPT's init; bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zerograd.core.testing import assert_allclose, torch_or_skip
from zerograd.nn.optimizers import Adam
from zerograd.text import GPT, GPTConfig

SMALL = dict(block_size=8, vocab_size=13, n_layer=2, n_head=2, n_embd=16, dropout=0.0)


def nano_gpt(torch, config):
    """nanoGPT's model.py (Karpathy), condensed: the reference this GPT must agree with."""
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(config.n_embd, dim=2)
            q, k, v = (t.view(B, T, config.n_head, C // config.n_head).transpose(1, 2)
                       for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
            self.mlp = nn.ModuleDict(dict(c_fc=nn.Linear(config.n_embd, 4 * config.n_embd),
                                          c_proj=nn.Linear(4 * config.n_embd, config.n_embd)))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))

    class NanoGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                h=nn.ModuleList([Block() for _ in range(config.n_layer)]),
                ln_f=nn.LayerNorm(config.n_embd, bias=config.bias)))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight
            for p in self.parameters():  # random biases and norms too: every key matters
                nn.init.normal_(p, std=0.3)

        def forward(self, idx, targets=None):
            pos = torch.arange(idx.size(1))
            x = self.transformer.wte(idx) + self.transformer.wpe(pos)
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is None:
                return self.lm_head(x[:, [-1], :]), None
            logits = self.lm_head(x)
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return NanoGPT()


def _pair(seed=0):
    torch = torch_or_skip()
    torch.manual_seed(seed)
    config = GPTConfig(**SMALL)
    reference = nano_gpt(torch, config)
    model = GPT(config)
    model.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    return torch, reference, model


def test_nanogpt_weights_give_the_same_logits_loss_and_gradients():
    torch, reference, model = _pair()
    rng = np.random.default_rng(0)
    idx, targets = rng.integers(0, 13, (3, 8)), rng.integers(0, 13, (3, 8))
    logits, loss = model(idx, targets)
    t_logits, t_loss = reference(torch.tensor(idx), torch.tensor(targets))
    assert_allclose(logits, t_logits, what="logits")
    assert_allclose(loss, t_loss, what="loss")
    loss.backward()
    t_loss.backward()
    params = dict(model.named_params())
    for name, t in reference.named_parameters():
        assert_allclose(params[name].grad, t.grad, rtol=1e-4, atol=1e-5, what=f"gradient of {name}")
    last, none = model(idx[:, :5])
    assert none is None
    assert_allclose(last, reference(torch.tensor(idx[:, :5]))[0], what="last-position logits")


def test_nanogpt_weights_load_from_safetensors(tmp_path):
    torch, reference, _ = _pair(1)  # skips without torch, which safetensors.torch needs
    pytest.importorskip("safetensors", reason="the optional safetensors extra")
    import safetensors.numpy
    import safetensors.torch

    path = str(tmp_path / "nanogpt.safetensors")
    safetensors.torch.save_model(reference, path)  # writes the tied matrix once, as lm_head.weight
    model = GPT(GPTConfig(**SMALL))
    model.load_state_dict(safetensors.numpy.load_file(path))
    idx = np.arange(16).reshape(2, 8) % 13
    assert_allclose(model(idx, idx)[0], reference(torch.tensor(idx), torch.tensor(idx))[0])


def _counting_positions(model):
    """Wrap the first block's c_attn so that the number of positions it projects is counted."""
    layer = model.transformer.h[0].attn.c_attn
    counted = [0]
    forward = layer.forward

    def counting(x):
        counted[0] += x.shape[0] * x.shape[1]
        return forward(x)

    layer.forward = counting
    return counted


@pytest.mark.parametrize("top_k", [None, 3])
def test_cached_generation_samples_the_same_tokens_for_linear_work(top_k):
    np.random.seed(0)
    model = GPT(GPTConfig(**{**SMALL, "block_size": 16})).eval()
    prompt = np.array([[1, 2, 3], [4, 5, 6]])
    counted = _counting_positions(model)
    np.random.seed(1)
    plain = model.generate(prompt, 12, temperature=0.8, top_k=top_k, use_cache=False)
    uncached_work, counted[0] = counted[0], 0
    np.random.seed(1)
    cached = model.generate(prompt, 12, temperature=0.8, top_k=top_k)
    np.testing.assert_array_equal(cached, plain)
    assert cached.shape == (2, 15)
    assert counted[0] == 2 * (3 + 11)  # the prompt once, then one position per new token
    assert uncached_work == 2 * sum(range(3, 15))


def test_cached_generation_past_block_size_matches():
    np.random.seed(0)
    model = GPT(GPTConfig(**SMALL)).eval()  # block_size 8
    np.random.seed(2)
    plain = model.generate(np.array([[1, 2, 3]]), 10, use_cache=False)
    np.random.seed(2)
    np.testing.assert_array_equal(model.generate(np.array([[1, 2, 3]]), 10), plain)


def test_top_k_one_is_greedy():
    np.random.seed(0)
    model = GPT(GPTConfig(**SMALL)).eval()
    idx = model.generate(np.array([[3]]), 1, top_k=1)
    logits, _ = model(np.array([[3]]))
    assert idx[0, 1] == int(np.argmax(logits.data[0, -1]))


def test_nanogpt_init_and_tied_head():
    np.random.seed(0)
    config = GPTConfig(block_size=64, vocab_size=100, n_layer=4, n_head=4, n_embd=64)
    model = GPT(config)
    assert model.lm_head.weight is model.transformer.wte.weight
    attn = model.transformer.h[0].attn
    assert abs(attn.c_attn.weight.data.std() - 0.02) < 0.002
    assert abs(attn.c_proj.weight.data.std() - 0.02 / math.sqrt(8)) < 0.001
    assert not attn.c_attn.bias.data.any()
    assert np.all(model.transformer.ln_f.weight.data == 1)
    assert "lm_head.weight" not in model.state_dict()  # the tied matrix is saved once
    assert model.get_num_params() == sum(p.size for p in model.params()) - 64 * 64


def test_a_few_steps_learn_a_sequence():
    np.random.seed(0)
    model = GPT(GPTConfig(**SMALL))
    optimizer = Adam(alpha=1e-2).setup(model)
    idx = np.array([[0, 1, 2, 3, 4, 5, 6, 7]])
    losses = []
    for _ in range(20):
        _, loss = model(idx, (idx + 1) % 13)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0]


def test_dropout_acts_in_train_mode_only():
    np.random.seed(0)
    model = GPT(GPTConfig(**{**SMALL, "dropout": 0.5}))
    idx = np.array([[1, 2, 3, 4]])
    assert not np.allclose(model(idx, idx)[0].data, model(idx, idx)[0].data)
    model.eval()
    np.testing.assert_array_equal(model(idx, idx)[0].data, model(idx, idx)[0].data)


def test_bad_input():
    model = GPT(GPTConfig(**SMALL))
    with pytest.raises(ValueError, match=r"length 9 \(idx of shape \(1, 9\)\); block_size is only 8"):
        model(np.zeros((1, 9), int))
    with pytest.raises(TypeError, match="integer array of shape"):
        model(np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"targets of shape \(1, 3\) must match idx of shape \(1, 4\)"):
        model(np.zeros((1, 4), int), np.zeros((1, 3), int))
    with pytest.raises(ValueError, match="n_embd 10 must be divisible by n_head 3"):
        GPT(GPTConfig(**{**SMALL, "n_embd": 10, "n_head": 3}))
    with pytest.raises(ValueError, match="temperature must be positive"):
        model.generate(np.zeros((1, 2), int), 1, temperature=0)
