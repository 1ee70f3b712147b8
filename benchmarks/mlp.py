"""One training step of a 784-1000-1000-10 ReLU MLP (batch 100, float32, softmax cross entropy,
plain SGD), in zerograd and in PyTorch CPU, and the step's eight matrix products alone in NumPy:
the floor of any NumPy framework on these shapes (3 forward products; backward's 5: three weight
gradients and two input gradients, the first layer's input needing none).

    python benchmarks/mlp.py [--rounds 7]        zerograd, PyTorch and the floor, one process each
    python benchmarks/mlp.py --floor-in-process  zerograd against the floor inside one process

Each framework uses its own SGD optimizer (zerograd.nn.optimizers.SGD, torch.optim.SGD); both zero
the gradients by dropping them.
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark, zerograd_training_step

BATCH, SIZES, LR = 100, (784, 1000, 1000, 10), 0.01


def _data(batch: int):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, SIZES[0]), dtype=np.float32)
    t = rng.integers(0, SIZES[-1], batch)
    return x, t


def zerograd_case(batch: int = BATCH):
    import zerograd.nn.functions as F
    from zerograd.nn.models import MLP
    from zerograd.nn.optimizers import SGD

    np.random.seed(0)
    x, t = _data(batch)
    model = MLP(SIZES[1:], activation=F.relu)
    model(x)  # size the lazy layers
    optimizer = SGD(lr=LR).setup(model)
    return zerograd_training_step(model, optimizer, x, t)


def torch_case(batch: int = BATCH):
    import torch

    torch.manual_seed(0)
    x, t = (torch.from_numpy(a) for a in _data(batch))
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def matmul_floor_case(batch: int = BATCH):
    from zerograd.core.allocator import tune_malloc

    tune_malloc()  # the same glibc setting the zerograd process runs under (see allocator.py)
    rng = np.random.default_rng(0)

    def array(*shape):
        return rng.standard_normal(shape, dtype=np.float32)

    x = array(batch, SIZES[0])
    W1, W2, W3 = (array(n_in, n_out) for n_in, n_out in zip(SIZES[:-1], SIZES[1:]))
    h1, h2, g1, g2 = (array(batch, SIZES[1]) for _ in range(4))
    g3 = array(batch, SIZES[3])

    def step():
        # Forward, then backward in the layouts the step uses (transposes are views).
        outputs = (x @ W1, h1 @ W2, h2 @ W3,
                   h2.T @ g3, g3 @ W3.T, h1.T @ g2, g2 @ W2.T, x.T @ g1)
        return outputs

    return step


def floor_in_process(rounds: int = 7, steps: int = 100) -> None:
    """The zerograd step against the bare matmuls in ONE process, alternating, median of the
    rounds' means. A fresh process of bare NumPy is bimodal on this 2-vCPU machine (5.6 to 11 ms
    for identical launches), so the harness's floor column is unreliable; side by side in one
    process both run under the same allocator and thread placement."""
    import statistics
    import time

    contenders = {"zerograd": zerograd_case(), "floor": matmul_floor_case()}
    means: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, step in contenders.items():
            for _ in range(3):
                step()
            start = time.perf_counter()
            for _ in range(steps):
                step()
            means[name].append((time.perf_counter() - start) / steps)
    zerograd, floor = (statistics.median(means[name]) for name in ("zerograd", "floor"))
    print(f"in one process ({rounds} rounds x {steps} steps, median of means): zerograd "
          f"{zerograd * 1e3:.2f} ms, matmul floor {floor * 1e3:.2f} ms, ratio {zerograd / floor:.2f}x")


if __name__ == "__main__":
    run_benchmark(__file__, "MLP 784-1000-1000-10 training step (batch 100, float32, SGD)",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case",
                   "numpy matmul floor": "matmul_floor_case"},
                  modes={"--floor-in-process": floor_in_process})
