"""A GPT training step (n_layer 4, n_head 4, n_embd 128, block 128, batch 32, vocabulary 65):
zerograd.text's GPT against nanoGPT's model in PyTorch eager (F.scaled_dot_product_attention),
both with Adam; and generation tokens/s, zerograd's key/value cache against nanoGPT's
``generate`` (no cache, the whole window re-run per token) and against PyTorch with a cache.

    python benchmarks/gpt.py --rounds 5              # the training step
    python benchmarks/gpt.py --generate --rounds 5   # 100 new tokens after a 1-token prompt
    python benchmarks/gpt.py --profile               # cProfile of zerograd's step
    python benchmarks/gpt.py --in-process            # both steps in one process, alternating
"""

from __future__ import annotations

import math

import numpy as np
from _harness import run_benchmark

N_LAYER, N_HEAD, N_EMBD, BLOCK, BATCH, VOCAB = 4, 4, 128, 128, 32, 65
NEW_TOKENS = 100
LR = 1e-3


def _batch() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    data = rng.integers(0, VOCAB, (BATCH, BLOCK + 1))
    return np.ascontiguousarray(data[:, :-1]), np.ascontiguousarray(data[:, 1:])


def _zerograd_model():
    from zerograd.text import GPT, GPTConfig

    np.random.seed(0)
    return GPT(GPTConfig(block_size=BLOCK, vocab_size=VOCAB, n_layer=N_LAYER, n_head=N_HEAD,
                         n_embd=N_EMBD, dropout=0.0))


def zerograd_case():
    from zerograd.nn.optimizers import Adam

    model = _zerograd_model()
    optimizer = Adam(alpha=LR).setup(model)
    idx, targets = _batch()

    def step():
        _, loss = model(idx, targets)
        model.cleargrads()
        loss.backward()
        optimizer.update()

    return step


def _torch_model(cache: bool = False):
    """nanoGPT's model.py (flash attention path), with an optional key/value cache for
    generation: forward(idx, targets=None, past=None) -> (logits, loss, present)."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
            self.c_proj = nn.Linear(N_EMBD, N_EMBD)

        def forward(self, x, past=None):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(N_EMBD, dim=2)
            q, k, v = (t.view(B, T, N_HEAD, C // N_HEAD).transpose(1, 2) for t in (q, k, v))
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=past is None)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C)), (k, v)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(N_EMBD), nn.LayerNorm(N_EMBD)
            self.attn = SelfAttention()
            self.mlp = nn.Sequential(nn.Linear(N_EMBD, 4 * N_EMBD), nn.GELU(),
                                     nn.Linear(4 * N_EMBD, N_EMBD))

        def forward(self, x, past=None):
            y, present = self.attn(self.ln_1(x), past)
            x = x + y
            return x + self.mlp(self.ln_2(x)), present

    class NanoGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(VOCAB, N_EMBD), nn.Embedding(BLOCK, N_EMBD)
            self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
            self.ln_f = nn.LayerNorm(N_EMBD)
            self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)
            self.wte.weight = self.lm_head.weight
            for name, p in self.named_parameters():
                std = 0.02 / math.sqrt(2 * N_LAYER) if name.endswith("c_proj.weight") else 0.02
                nn.init.normal_(p, std=std) if p.dim() > 1 else None

        def forward(self, idx, targets=None, past=None):
            start = 0 if past is None else past[0][0].size(2)
            x = self.wte(idx) + self.wpe(torch.arange(start, start + idx.size(1)))
            present = []
            for i, block in enumerate(self.h):
                x, kv = block(x, None if past is None else past[i])
                present.append(kv)
            x = self.ln_f(x)
            if targets is None:
                return self.lm_head(x[:, [-1], :]), None, present
            logits = self.lm_head(x)
            return logits, F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1)), present

    torch.manual_seed(0)
    return NanoGPT()


def torch_case():
    import torch

    model = _torch_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    idx, targets = (torch.from_numpy(a) for a in _batch())

    def step():
        _, loss, _ = model(idx, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


# --- generation ----------------------------------------------------------------------------
def zerograd_generate_case():
    model = _zerograd_model().eval()
    prompt = np.zeros((1, 1), dtype=np.int64)
    return lambda: model.generate(prompt, NEW_TOKENS, top_k=10)


def _torch_sample(torch, logits, top_k=10):
    v, _ = torch.topk(logits, top_k)
    logits[logits < v[:, [-1]]] = -float("inf")
    return torch.multinomial(torch.softmax(logits, dim=-1), num_samples=1)


def torch_generate_case():
    """nanoGPT's generate: the whole (cropped) sequence through the model for every token."""
    import torch

    model = _torch_model().eval()

    @torch.no_grad()
    def generate():
        idx = torch.zeros((1, 1), dtype=torch.long)
        for _ in range(NEW_TOKENS):
            logits, _, _ = model(idx[:, -BLOCK:])
            idx = torch.cat((idx, _torch_sample(torch, logits[:, -1, :])), dim=1)
        return idx

    return generate


def torch_cached_generate_case():
    """The same with a key/value cache: one position through the model per new token."""
    import torch

    model = _torch_model().eval()

    @torch.no_grad()
    def generate():
        idx = torch.zeros((1, 1), dtype=torch.long)
        logits, _, past = model(idx)
        for _ in range(NEW_TOKENS):
            next_id = _torch_sample(torch, logits[:, -1, :])
            idx = torch.cat((idx, next_id), dim=1)
            logits, _, past = model(next_id, past=past)
        return idx

    return generate


def generation() -> None:
    run_benchmark(__file__, f"GPT generation, {NEW_TOKENS} tokens, batch 1 (time per call)",
                  {"zerograd, cache": "zerograd_generate_case",
                   "pytorch, no cache": "torch_generate_case",
                   "pytorch, cache": "torch_cached_generate_case"}, reference="pytorch, no cache")


def compare_in_process(seconds: float = 2.0, rounds: int = 3) -> None:
    """zerograd's and PyTorch's steps alternating in one process (threads: OMP_NUM_THREADS, as
    BLAS's), median of rounds: on a loaded machine steadier than fresh processes."""
    import os
    import statistics

    import torch
    from _harness import time_step

    from zerograd.core.allocator import tune_malloc

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    tune_malloc()
    cases = {"zerograd": zerograd_case(), "pytorch": torch_case()}
    samples = {label: [] for label in cases}
    for _ in range(rounds):
        for label, step in cases.items():
            samples[label].append(time_step(step, seconds))
    medians = {label: statistics.median(times) for label, times in samples.items()}
    for label, median in medians.items():
        print(f"  {label:<10} {median * 1e3:10.1f} ms/step   {median / medians['pytorch']:6.2f}x pytorch")


def profile() -> None:
    import cProfile
    import pstats

    step = zerograd_case()
    step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(3):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    run_benchmark(__file__, f"GPT training step (n_layer {N_LAYER}, n_embd {N_EMBD}, block {BLOCK}, "
                            f"batch {BATCH})", {"zerograd": "zerograd_case", "pytorch": "torch_case"},
                  modes={"--generate": generation, "--profile": profile,
                         "--in-process": compare_in_process})
