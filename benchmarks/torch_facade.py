"""The cost of zerograd.torch: one training step of benchmarks/mlp.py's 784-1000-1000-10 ReLU MLP
(batch 100, float32, softmax cross entropy, plain SGD), written against the native API
(zerograd.nn's MLP, SGD().setup(model), cleargrads/update) and against the PyTorch facade
(nn.Sequential of nn.Linear, optim.SGD, zero_grad/step), in alternating fresh processes.

    python benchmarks/torch_facade.py [--rounds 5]      one fresh process per round (the harness)
    python benchmarks/torch_facade.py --in-process      both in one process, step by step in turn

The facade's Linear keeps PyTorch's (out, in) weight and hands zerograd's linear its transpose
(a view), so the step does the same matrix products; what it adds is Python: one Transpose node per
layer and the Tensor retyping of each result.
"""

from __future__ import annotations

from _harness import run_benchmark
from mlp import BATCH, LR, SIZES, _data
from mlp import zerograd_case as native_case  # the native step: benchmarks/mlp.py's own


def facade_case():
    import zerograd.torch as torch
    from zerograd.torch import nn, optim

    torch.manual_seed(0)
    x, t = (torch.from_numpy(a) for a in _data(BATCH))
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def step():
        loss = nn.functional.cross_entropy(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def in_process(rounds: int = 15, steps: int = 5) -> None:
    """Both steps in ONE process, alternating round by round, median of the rounds' means: on a
    loaded 2-core machine fresh processes drift by more than the 5% being measured."""
    import statistics
    import time

    contenders = {"native": native_case(), "zerograd.torch": facade_case()}
    means: dict[str, list[float]] = {name: [] for name in contenders}
    for step in contenders.values():
        for _ in range(3):
            step()  # warm up: allocator, BLAS threads
    for _ in range(rounds):
        for name, step in contenders.items():
            start = time.perf_counter()
            for _ in range(steps):
                step()
            means[name].append((time.perf_counter() - start) / steps)
    native = statistics.median(means["native"])
    for name, values in means.items():
        median = statistics.median(values)
        print(f"  {name:<16} {median * 1e3:8.3f} ms/step   {median / native:5.3f}x native")


if __name__ == "__main__":
    run_benchmark(__file__, "MLP training step: zerograd.torch against the native API",
                  {"native": "native_case", "zerograd.torch": "facade_case"}, reference="native",
                  modes={"--in-process": in_process})
