"""The 30 most common ops issue 22 added, forward and backward, at sizes a model would use, against
PyTorch CPU eager: one ratio per op.

The same code runs both contenders: each op is written once against a ``torch`` module, which is
real PyTorch in one process and ``zerograd.torch`` in the other (only the import differs, as for a
user). Each process times every op (forward, ``sum()``, backward, gradients cleared); the two
alternate round by round with the same thread count, and the median of the rounds is reported.

    python benchmarks/common_ops.py [--rounds 5] [--threads 2] [--seconds 0.3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np
from _harness import THREAD_VARIABLES, time_step

RNG = np.random.default_rng(0)


def _floats(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _ints(high, *shape):
    return RNG.integers(0, high, shape).astype(np.int64)


def op_table(torch):
    """{name: (function of the inputs, inputs as arrays, indices of inputs that need grad)}."""
    F = torch.nn.functional
    scores = _floats(32, 4, 64, 64)
    causal = np.triu(np.ones((64, 64), dtype=bool), 1)
    return {
        "gather": (lambda x, i: torch.gather(x, 1, i), [_floats(256, 1000), _ints(1000, 256, 1)], [0]),
        "scatter_add": (lambda x, i, s: x.scatter_add(1, i, s),
                        [_floats(256, 100), _ints(100, 256, 50), _floats(256, 50)], [0, 2]),
        "index_select": (lambda w, i: torch.index_select(w, 0, i),
                        [_floats(10000, 128), _ints(10000, 512)], [0]),
        "masked_fill": (lambda s, m: s.masked_fill(m, float("-inf")).softmax(-1), [scores, causal], [0]),
        "where": (lambda c, a, b: torch.where(c, a, b),
                        [_floats(512, 512) > 0, _floats(512, 512), _floats(512, 512)], [1, 2]),
        "tril": (lambda x: torch.tril(x), [_floats(512, 512)], [0]),
        "cumsum": (lambda x: torch.cumsum(x, 1), [_floats(256, 1024)], [0]),
        "logsumexp": (lambda x: torch.logsumexp(x, 1), [_floats(256, 1000)], [0]),
        "std": (lambda x: x.std(1), [_floats(256, 1024)], [0]),
        "var(correction=0)": (lambda x: torch.var(x, 1, correction=0), [_floats(256, 1024)], [0]),
        "topk": (lambda x: torch.topk(x, 5, dim=1).values, [_floats(256, 1000)], [0]),
        "sort": (lambda x: torch.sort(x, dim=1).values, [_floats(256, 1000)], [0]),
        "argsort": (lambda x: torch.argsort(x, dim=1), [_floats(256, 1000)], []),
        "einsum": (lambda a, b: torch.einsum("bij,bjk->bik", a, b),
                        [_floats(32, 64, 64), _floats(32, 64, 64)], [0, 1]),
        "bmm": (lambda a, b: torch.bmm(a, b), [_floats(32, 128, 64), _floats(32, 64, 128)], [0, 1]),
        "baddbmm": (lambda c, a, b: torch.baddbmm(c, a, b),
                        [_floats(32, 128, 128), _floats(32, 128, 64), _floats(32, 64, 128)], [0, 1, 2]),
        "addmm": (lambda c, a, b: torch.addmm(c, a, b),
                        [_floats(512), _floats(256, 512), _floats(512, 512)], [0, 1, 2]),
        "split": (lambda x: torch.split(x, 512, dim=1)[1], [_floats(256, 1536)], [0]),
        "chunk": (lambda x: x.chunk(3, dim=-1)[2], [_floats(256, 1536)], [0]),
        "roll": (lambda x: torch.roll(x, 3, 1), [_floats(256, 1024)], [0]),
        "flip": (lambda x: torch.flip(x, [1]), [_floats(256, 1024)], [0]),
        "repeat": (lambda x: x.repeat(2, 3), [_floats(128, 256)], [0]),
        "repeat_interleave": (lambda x: torch.repeat_interleave(x, 2, dim=0), [_floats(128, 256)], [0]),
        "permute+contiguous": (lambda x: x.permute(0, 2, 1, 3).contiguous(), [_floats(32, 128, 4, 32)], [0]),
        "pad(reflect)": (lambda x: F.pad(x, (2, 2, 2, 2), mode="reflect"), [_floats(32, 3, 64, 64)], [0]),
        "interpolate(bilinear)": (lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"),
                        [_floats(16, 3, 64, 64)], [0]),
        "one_hot": (lambda t: F.one_hot(t, 100), [_ints(100, 4096)], []),
        "normalize": (lambda x: F.normalize(x, dim=1), [_floats(256, 512)], [0]),
        "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b),
                        [_floats(256, 512), _floats(256, 512)], [0, 1]),
        "cross_entropy(smoothing)": (lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
                        [_floats(256, 1000), _ints(1000, 256)], [0]),
    }


def step_for(torch, function, arrays, grad_at):
    tensors = [torch.tensor(a, requires_grad=i in grad_at) for i, a in enumerate(arrays)]

    def step():
        out = function(*tensors)
        if grad_at:
            out.sum().backward()
            for i in grad_at:
                tensors[i].grad = None

    return step


def worker(contender: str, seconds: float) -> None:
    if contender == "zerograd":
        import zerograd.torch as torch
    else:
        import torch
    times = {name: time_step(step_for(torch, *case), seconds, warmup=2)
             for name, case in op_table(torch).items()}
    print(json.dumps(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=0.3)
    args = parser.parse_args()
    env = dict(os.environ, **{name: str(args.threads) for name in THREAD_VARIABLES})
    runs: dict[str, list[dict[str, float]]] = {"zerograd": [], "pytorch": []}
    for _ in range(args.rounds):
        for contender in runs:
            out = subprocess.run([sys.executable, __file__, "--worker", contender, str(args.seconds)],
                                 env=env, check=True, capture_output=True, text=True).stdout
            runs[contender].append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'op':<26}{'zerograd ms':>12}{'pytorch ms':>12}{'ratio':>8}   "
          f"({args.rounds} rounds, {args.threads} threads, forward + backward)")
    ratios = []
    for name in runs["zerograd"][0]:
        ours = statistics.median(run[name] for run in runs["zerograd"]) * 1e3
        theirs = statistics.median(run[name] for run in runs["pytorch"]) * 1e3
        ratios.append(ours / theirs)
        print(f"{name:<26}{ours:>12.3f}{theirs:>12.3f}{ours / theirs:>8.2f}")
    print(f"{'geometric mean':<50}{float(np.exp(np.mean(np.log(ratios)))):>8.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], float(sys.argv[3]))
    else:
        main()
