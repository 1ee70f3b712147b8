"""Optimizer step cost: one Adam update over the parameters of the MLP benchmark's model
(784-1000-1000-10, float32, about 1.8 million parameters) with random gradients set once,
against torch.optim.Adam.step() on the same shapes (PyTorch's default implementation for CPU
tensors). Only the update is timed: no forward, no backward. zerograd's update gets the same
thread count as PyTorch (--threads), through set_update_threads.

    python benchmarks/optim.py --rounds 5
"""

from __future__ import annotations

import os

import numpy as np
from _harness import run_benchmark

SIZES = (784, 1000, 1000, 10)


def random_gradients(shapes):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(np.float32) * 0.01 for shape in shapes]


def zerograd_case():
    from zerograd.core import Variable
    from zerograd.nn.models import MLP
    from zerograd.nn.optimizers import Adam, set_update_threads

    set_update_threads(int(os.environ["OMP_NUM_THREADS"]))  # the harness's --threads

    np.random.seed(0)
    model = MLP(SIZES[1:])
    model(np.zeros((1, SIZES[0]), dtype=np.float32))  # size the lazy layers
    params = list(model.params())
    for param, grad in zip(params, random_gradients([p.shape for p in params])):
        param.grad = Variable(grad, requires_grad=False)
    optimizer = Adam(alpha=0.001).setup(model)
    return optimizer.update


def torch_case():
    import torch

    torch.manual_seed(0)
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers[:-1])
    params = list(model.parameters())
    for param, grad in zip(params, random_gradients([tuple(p.shape) for p in params])):
        param.grad = torch.from_numpy(grad)
    optimizer = torch.optim.Adam(params, lr=0.001)
    return optimizer.step


if __name__ == "__main__":
    run_benchmark(__file__, "Adam step over the 784-1000-1000-10 MLP's parameters (float32)",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case"})
