"""A small GPT that reads like nanoGPT's model.py: token and position embeddings, blocks of
pre-norm causal self-attention and MLP, a final layer norm and a language-model head tied to the
token embedding; ``generate`` samples with a key/value cache.

Parameter names and layouts are nanoGPT's (``transformer.h.0.attn.c_attn.weight`` is (3C, C)),
so a nanoGPT state dict loads with ``load_state_dict`` and its logits come out the same.

>>> import numpy as np
>>> model = GPT(GPTConfig(block_size=8, vocab_size=11, n_layer=1, n_head=2, n_embd=8))
>>> logits, loss = model(np.array([[1, 2, 3]]), np.array([[2, 3, 4]]))
>>> logits.shape, loss.shape
((1, 3, 11), ())
>>> model.generate(np.array([[1]]), max_new_tokens=4).shape
(1, 5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from zerograd.core import Variable, no_grad
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.nn import functions as F
from zerograd.nn.layers import Dropout, Embedding, FeatureNorm, Layer, LayerList, Projection


@dataclass
class GPTConfig:
    """nanoGPT's configuration: GPT-2's sizes by default."""

    block_size: int = 1024
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True


class KVCache:
    """The keys and values of the positions seen so far, per layer, in arrays preallocated for
    ``block_size`` positions: a step writes its own position and reads a view of the prefix."""

    def __init__(self, config: GPTConfig, batch: int, xp: Any = np, dtype: Any = np.float32) -> None:
        head_size = config.n_embd // config.n_head
        shape = (batch, config.n_head, config.block_size, head_size)
        self.keys = [xp.empty(shape, dtype) for _ in range(config.n_layer)]
        self.values = [xp.empty(shape, dtype) for _ in range(config.n_layer)]
        self.length = 0  # positions stored
        self.block_size = config.block_size

    def extend(self, layer: int, k: Variable, v: Variable) -> tuple[Any, Any]:
        """Store this step's keys and values (B, nh, T, hs) after the prefix; return all of them."""
        start, stop = self.length, self.length + k.shape[2]
        self.keys[layer][:, :, start:stop] = k.data
        self.values[layer][:, :, start:stop] = v.data
        return self.keys[layer][:, :, :stop], self.values[layer][:, :, :stop]


class CausalSelfAttention(Layer):
    """Multi-head masked self-attention: one projection c_attn to queries, keys and values, the
    fused attention Function, and the output projection c_proj."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"CausalSelfAttention: n_embd {config.n_embd} must be divisible by "
                             f"n_head {config.n_head}")
        self.c_attn = Projection(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = Projection(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout

    def forward(self, x: Any, cache: KVCache | None = None, layer: int = 0) -> Variable:
        B, T, C = x.shape
        q, k, v = CF.split(self.c_attn(x), 3, axis=2)
        q, k, v = (CF.transpose(CF.reshape(t, (B, T, self.n_head, C // self.n_head)), (0, 2, 1, 3))
                   for t in (q, k, v))
        past = 0 if cache is None else cache.length
        if cache is not None:
            k, v = cache.extend(layer, k, v)
        dropout_p = self.dropout if self.is_training() else 0.0
        if past == 0:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p, is_causal=True, train=True)
        else:  # new queries see the cached prefix and each other causally
            keep = get_array_module(k).tri(T, past + T, past, dtype=bool)
            y = F.scaled_dot_product_attention(q, k, v, keep, dropout_p=dropout_p, train=True)
        y = CF.reshape(CF.transpose(y, (0, 2, 1, 3)), (B, T, C))
        return self.resid_dropout(self.c_proj(y))


class MLP(Layer):
    """c_fc to 4 n_embd, GELU, c_proj back, dropout."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = Projection(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = Projection(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = Dropout(config.dropout)

    def forward(self, x: Any) -> Variable:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(Layer):
    """x + attn(ln_1(x)), then x + mlp(ln_2(x)): the pre-norm Transformer block."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = FeatureNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = FeatureNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: Any, cache: KVCache | None = None, layer: int = 0) -> Variable:
        x = x + self.attn(self.ln_1(x), cache, layer)
        return x + self.mlp(self.ln_2(x))


class GPT(Layer):
    """The language model: forward(idx, targets=None) -> (logits, loss) as nanoGPT's.

    idx: integer token ids (B, T) with T <= block_size. With targets (B, T) the logits of every
    position come back with the mean cross entropy; without, only the last position's logits
    (B, 1, vocab_size), and loss None (what sampling needs, nanoGPT's inference shortcut).
    """

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.vocab_size < 1 or config.block_size < 1 or config.n_layer < 1:
            raise ValueError(f"GPT: vocab_size, block_size and n_layer must be positive, got {config}")
        self.config = config
        self.transformer = Layer()
        self.transformer.wte = Embedding(config.vocab_size, config.n_embd)
        self.transformer.wpe = Embedding(config.block_size, config.n_embd)
        self.transformer.drop = Dropout(config.dropout)
        self.transformer.h = LayerList([Block(config) for _ in range(config.n_layer)])
        self.transformer.ln_f = FeatureNorm(config.n_embd, bias=config.bias)
        self.lm_head = Projection(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight  # weight tying: one (vocab, C) matrix
        self._init_weights()

    def _init_weights(self) -> None:
        """nanoGPT's init: N(0, 0.02) for matrices and tables, zero biases, and the residual
        projections (c_proj) scaled by 1 / sqrt(2 n_layer)."""
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, param in self.named_params():
            if param.ndim == 1:
                if name.endswith("bias"):
                    param.data = np.zeros_like(param.data)
                continue  # layer-norm weights stay ones
            std = residual_std if name.endswith("c_proj.weight") else 0.02
            param.data = (np.random.randn(*param.shape) * std).astype(param.dtype)

    def load_state_dict(self, state: Any, strict: bool = True) -> Any:
        """Layer.load_state_dict, also taking nanoGPT's state dicts, which list the tied matrix
        twice (``transformer.wte.weight`` and ``lm_head.weight``)."""
        if isinstance(state, dict) and "lm_head.weight" in state:
            state = dict(state)
            head = state.pop("lm_head.weight")
            state.setdefault("transformer.wte.weight", head)
        return super().load_state_dict(state, strict)

    def get_num_params(self, non_embedding: bool = True) -> int:
        """Parameters counted once (the tied head is the token table); without the position
        table when ``non_embedding``, as nanoGPT reports."""
        n = sum(p.size for p in self.params())
        return n - self.transformer.wpe.weight.size if non_embedding else n

    def forward(self, idx: Any, targets: Any = None, cache: KVCache | None = None
                ) -> tuple[Variable, Variable | None]:
        idx = _token_ids("GPT", idx, self.config)
        B, T = idx.shape
        x = self._features(idx, cache)
        if targets is None:
            return self.lm_head(x[:, -1:, :] if T > 1 else x), None
        logits = self.lm_head(x)
        targets = targets.data if isinstance(targets, Variable) else targets
        if getattr(targets, "shape", None) != idx.shape:
            raise ValueError(f"GPT: targets of shape {getattr(targets, 'shape', None)} must match "
                             f"idx of shape {idx.shape}")
        loss = F.softmax_cross_entropy(CF.reshape(logits, (B * T, -1)), targets.reshape(B * T))
        return logits, loss

    def logits(self, idx: Any) -> Variable:
        """The logits of every position, (B, T, vocab_size): what a loss over next-token targets
        reads when it is computed outside the model (a trainer's ``loss(y, t)``)."""
        return self.lm_head(self._features(_token_ids("GPT.logits", idx, self.config), None))

    def _features(self, idx: Any, cache: KVCache | None) -> Variable:
        """The final layer norm's output (B, T, n_embd) for token ids idx (B, T)."""
        B, T = idx.shape
        past = 0 if cache is None else cache.length
        if past + T > self.config.block_size:
            raise ValueError(f"GPT: cannot forward a sequence of length {past + T} (idx of shape "
                             f"{idx.shape} after {past} cached positions); block_size is only "
                             f"{self.config.block_size}")
        pos = get_array_module(idx).arange(past, past + T)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for layer, block in enumerate(self.transformer.h):
            x = block(x, cache, layer)
        if cache is not None:
            cache.length += T
        return self.transformer.ln_f(x)

    def generate(self, idx: Any, max_new_tokens: int, temperature: float = 1.0,
                 top_k: int | None = None, use_cache: bool = True) -> Any:
        """Append ``max_new_tokens`` sampled tokens to idx (B, T) and return the (B, T + n) ids.

        Each step samples from softmax(logits / temperature), limited to the ``top_k`` likeliest
        tokens when given, with NumPy's global generator (CuPy's on a GPU). With the cache each
        new token costs one position's forward while the sequence fits in block_size; past it
        the last block_size tokens are re-encoded at each step (their positions shift), as the
        uncached loop does, so both give the same tokens. Call ``eval()`` first to turn dropout
        off, as with nanoGPT.
        """
        idx = _token_ids("GPT.generate", idx, self.config, check_length=False)
        if temperature <= 0:
            raise ValueError(f"GPT.generate: temperature must be positive, got {temperature}")
        block = self.config.block_size
        cache = None
        with no_grad():
            for _ in range(max_new_tokens):
                window = idx if idx.shape[1] <= block else idx[:, -block:]
                if not use_cache:
                    logits, _ = self(window)
                elif cache is None or cache.length + 1 > block:  # (re-)encode the window
                    cache = KVCache(self.config, idx.shape[0], get_array_module(idx),
                                    self.transformer.wte.weight.dtype)
                    logits, _ = self(window, cache=cache)
                else:
                    logits, _ = self(idx[:, -1:], cache=cache)
                next_ids = _sample(logits.data[:, -1, :] / temperature, top_k)
                idx = get_array_module(idx).concatenate([idx, next_ids], axis=1)
        return idx


def _sample(logits: Any, top_k: int | None) -> Any:
    """One id per row of logits (B, V), drawn from softmax(logits) (top_k: only the k largest)."""
    xp = get_array_module(logits)
    if top_k is not None:
        k = min(int(top_k), logits.shape[-1])
        kth = xp.partition(logits, -k, axis=-1)[:, -k:].min(axis=-1, keepdims=True)
        logits = xp.where(logits < kth, -np.inf, logits)
    probs = xp.exp(logits - logits.max(axis=-1, keepdims=True))
    cumulative = xp.cumsum(probs, axis=-1)
    u = xp.random.rand(logits.shape[0], 1) * cumulative[:, -1:]
    ids = (cumulative <= u).sum(axis=-1, keepdims=True)  # the first id whose cumsum passes u
    return xp.minimum(ids, logits.shape[-1] - 1).astype(np.int64)


def _token_ids(op: str, idx: Any, config: GPTConfig, check_length: bool = True) -> Any:
    idx = idx.data if isinstance(idx, Variable) else idx
    dtype = getattr(idx, "dtype", None)
    if dtype is None or dtype.kind not in "iu" or idx.ndim != 2:
        found = "" if dtype is None else f" of {dtype} with shape {idx.shape}"
        raise TypeError(f"{op}: idx must be an integer array of shape (batch, length), got "
                        f"{type(idx).__name__}{found}")
    if check_length and idx.shape[1] > config.block_size:
        raise ValueError(f"{op}: cannot forward a sequence of length {idx.shape[1]} (idx of shape "
                         f"{idx.shape}); block_size is only {config.block_size}")
    return idx
