"""An LSTM training step: input 64, hidden 256, 35 time steps, batch 32, a linear head and a mean
squared error at every step (the book's truncated-BPTT loop), then backward and an SGD update;
zerograd's LSTM layer (one fused cell Function per step) against PyTorch CPU's nn.LSTMCell
stepped in a Python loop.

    python benchmarks/lstm.py --rounds 5
"""

from __future__ import annotations

import numpy as np
from _harness import run_benchmark

STEPS, BATCH, IN_SIZE, HIDDEN, OUT_SIZE = 35, 32, 64, 256, 1
LR = 0.01


def _sequence() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((STEPS, BATCH, IN_SIZE)).astype(np.float32)
    ts = rng.standard_normal((STEPS, BATCH, OUT_SIZE)).astype(np.float32)
    return xs, ts


def zerograd_case():
    import zerograd.nn.functional as F
    from zerograd.nn.layers import Linear
    from zerograd.nn.optimizers import SGD
    from zerograd.text.layers import LSTM

    np.random.seed(0)
    xs, ts = _sequence()
    lstm, head = LSTM(HIDDEN, in_size=IN_SIZE), Linear(OUT_SIZE, in_size=HIDDEN)
    optimizer = SGD(lr=LR).setup([*lstm.params(), *head.params()])

    def step():
        lstm.reset_state()
        loss = 0
        for x, t in zip(xs, ts):
            loss = loss + F.mean_squared_error(head(lstm(x)), t)
        lstm.cleargrads()
        head.cleargrads()
        loss.backward()
        optimizer.update()

    return step


def torch_case():
    import torch

    xs, ts = (torch.from_numpy(a) for a in _sequence())
    torch.manual_seed(0)
    cell, head = torch.nn.LSTMCell(IN_SIZE, HIDDEN), torch.nn.Linear(HIDDEN, OUT_SIZE)
    optimizer = torch.optim.SGD([*cell.parameters(), *head.parameters()], lr=LR)
    mse = torch.nn.functional.mse_loss  # the mean over N * OUT_SIZE, the book's sum / N at OUT_SIZE 1

    def step():
        state, loss = None, 0
        for x, t in zip(xs, ts):
            state = cell(x, state)
            loss = loss + mse(head(state[0]), t)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


if __name__ == "__main__":
    run_benchmark(__file__, f"LSTM training step ({STEPS} steps, batch {BATCH}, {IN_SIZE}->{HIDDEN})",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case"})
