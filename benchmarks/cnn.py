"""A small CNN's training step, zerograd against PyTorch CPU: conv(1->32, 3x3, pad 1) - relu -
maxpool(2) - conv(32->64, 3x3, pad 1) - relu - maxpool(2) - linear(3136->10), softmax cross entropy
and an SGD update, on a batch of 100 28x28 images (float32). The book's framework takes 9.6x
PyTorch here; the target is 1.5x.

    python benchmarks/cnn.py [--rounds 7] [--batch 100]
    python benchmarks/cnn.py --profile     # where zerograd's step spends its time (cProfile)

Set OMP_NUM_THREADS/OPENBLAS_NUM_THREADS before --profile to profile with the benchmark's threads.
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark

BATCH, CLASSES, LR = 100, 10, 0.01


def _data(batch: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.random((batch, 1, 28, 28), dtype=np.float32)
    t = rng.integers(0, CLASSES, batch)
    return x, t


def zerograd_case(batch: int = BATCH):
    import zerograd.nn.functions as F
    from zerograd.core import Parameter
    from zerograd.core import functions as CF
    from zerograd.vision import functions as VF

    def param(*shape: int, fan_in: int = 0) -> Parameter:
        scale = np.sqrt(1.0 / fan_in) if fan_in else 0.0
        return Parameter((np.random.randn(*shape) * scale).astype(np.float32))

    np.random.seed(0)
    W1, b1 = param(32, 1, 3, 3, fan_in=9), param(32)
    W2, b2 = param(64, 32, 3, 3, fan_in=288), param(64)
    W3, b3 = param(3136, CLASSES, fan_in=3136), param(CLASSES)
    params = [W1, b1, W2, b2, W3, b3]
    x, t = _data(batch)

    def step():
        h = VF.pooling(F.relu(VF.conv2d(x, W1, b1, pad=1)), 2, 2)
        h = VF.pooling(F.relu(VF.conv2d(h, W2, b2, pad=1)), 2, 2)
        loss = F.softmax_cross_entropy(F.linear(CF.flatten(h), W3, b3), t)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= LR * p.grad.data

    return step


def torch_case(batch: int = BATCH):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, CLASSES),
    )
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    x, t = (torch.from_numpy(a) for a in _data(batch))

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), t).backward()
        optimizer.step()

    return step


def profile(steps: int = 30) -> None:
    """Print the top entries of a cProfile of zerograd's step (NumPy's matrix products and
    elementwise loops count in the Python function that calls them), and the page faults per
    step: glibc's heap growing and shrinking around the large temporaries costs real time."""
    import cProfile
    import pstats
    import resource

    from zerograd.core.allocator import tune_malloc

    tune_malloc()  # as the benchmark's zerograd process runs (_harness.py)
    step = zerograd_case()
    for _ in range(3):
        step()
    before = resource.getrusage(resource.RUSAGE_SELF)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    after = resource.getrusage(resource.RUSAGE_SELF)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    print(f"page faults per step: {(after.ru_minflt - before.ru_minflt) / steps:.0f}, system "
          f"time per step: {(after.ru_stime - before.ru_stime) / steps * 1e3:.1f} ms")


if __name__ == "__main__":
    run_benchmark(__file__, "CNN training step (batch 100, 28x28, conv-pool x2 + linear)",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case"}, modes={"--profile": profile})
