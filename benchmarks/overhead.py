"""Per-op overhead of the engine: 2,000 tiny elementwise ops (y = y * 1.0001 + 0.1 on a 16-element
float32 vector, so 4,000 ops), forward and backward, against PyTorch CPU eager.

    python benchmarks/overhead.py            # µs per op is the ms/step figure / 4
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark

STEPS = 2000
OPS = 2 * STEPS


def zerograd_case():
    from zerograd.core import Variable

    x = Variable(np.ones(16, dtype=np.float32))

    def step():
        y = x
        for _ in range(STEPS):
            y = y * 1.0001 + 0.1
        y.backward()
        x.cleargrad()

    return step


def torch_case():
    import torch

    x = torch.ones(16, dtype=torch.float32, requires_grad=True)
    ones = torch.ones(16, dtype=torch.float32)

    def step():
        y = x
        for _ in range(STEPS):
            y = y * 1.0001 + 0.1
        y.backward(ones)
        x.grad = None

    return step


if __name__ == "__main__":
    result = run_benchmark(__file__, f"Overhead: {OPS} tiny ops, forward + backward",
                           {"zerograd": "zerograd_case", "pytorch": "torch_case"})
    for label, seconds in result["median_seconds"].items():
        print(f"  {label:<24} {seconds / OPS * 1e6:10.2f} µs/op")
