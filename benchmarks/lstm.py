"""An LSTM training step: input 64, hidden 256, 35 time steps, batch 32, a linear head and a mean
squared error over every step, then backward and an SGD update.

Two pairs of rows: what a PyTorch user runs, ``torch.nn.LSTM`` over the whole sequence, against
zerograd's ``SequenceLSTM`` (one Function for the sequence); and the step-by-step loop (the book's
truncated-BPTT style), ``torch.nn.LSTMCell`` in a Python loop against zerograd's ``LSTM`` layer
(one fused cell Function per step). Every ratio is to ``pytorch`` (``nn.LSTM``).

    python benchmarks/lstm.py --rounds 5
    python benchmarks/lstm.py --in-process   # cell loop, SequenceLSTM, nn.LSTM in one process
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _harness import run_benchmark, time_step

STEPS, BATCH, IN_SIZE, HIDDEN, OUT_SIZE = 35, 32, 64, 256, 1
LR = 0.01


def _sequence() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((STEPS, BATCH, IN_SIZE)).astype(np.float32)
    ts = rng.standard_normal((STEPS, BATCH, OUT_SIZE)).astype(np.float32)
    return xs, ts


def _zerograd_training(layers, loss_of):
    """step(): the loss, backward and an SGD update of every parameter of ``layers``."""
    from zerograd.nn.optimizers import SGD

    optimizer = SGD(lr=LR).setup([p for layer in layers for p in layer.params()])

    def step():
        loss = loss_of()
        for layer in layers:
            layer.cleargrads()
        loss.backward()
        optimizer.update()

    return step


def _torch_training(modules, loss_of):
    import torch

    optimizer = torch.optim.SGD([p for module in modules for p in module.parameters()], lr=LR)

    def step():
        loss = loss_of()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    return step


def zerograd_sequence_training(layer_class):
    """step() of a zerograd sequence layer (SequenceLSTM, SequenceGRU) with the linear head."""
    import zerograd.nn.functions as F
    from zerograd.nn.layers import Linear

    np.random.seed(0)
    xs, ts = _sequence()
    targets = ts.reshape(STEPS * BATCH, OUT_SIZE)
    layer, head = layer_class(HIDDEN, in_size=IN_SIZE), Linear(OUT_SIZE, in_size=HIDDEN)

    def loss_of():
        y, _ = layer(xs)
        return F.mean_squared_error(head(y.reshape(STEPS * BATCH, HIDDEN)), targets)

    return _zerograd_training([layer, head], loss_of)


def torch_sequence_training(module_class):
    import torch

    xs, ts = (torch.from_numpy(a) for a in _sequence())
    torch.manual_seed(0)
    module, head = module_class(IN_SIZE, HIDDEN), torch.nn.Linear(HIDDEN, OUT_SIZE)
    mse = torch.nn.functional.mse_loss  # the mean over T * N * OUT_SIZE, zerograd's sum / (T N)
    return _torch_training([module, head], lambda: mse(head(module(xs)[0]), ts))


def zerograd_cell_training(layer_class):
    """step() of a book-style layer (LSTM, GRU) called once per time step, a loss per step."""
    import zerograd.nn.functions as F
    from zerograd.nn.layers import Linear

    np.random.seed(0)
    xs, ts = _sequence()
    layer, head = layer_class(HIDDEN, in_size=IN_SIZE), Linear(OUT_SIZE, in_size=HIDDEN)

    def loss_of():
        layer.reset_state()
        loss = 0
        for x, t in zip(xs, ts):
            loss = loss + F.mean_squared_error(head(layer(x)), t)
        return loss

    return _zerograd_training([layer, head], loss_of)


def torch_cell_training(cell_class):
    import torch

    xs, ts = (torch.from_numpy(a) for a in _sequence())
    torch.manual_seed(0)
    cell, head = cell_class(IN_SIZE, HIDDEN), torch.nn.Linear(HIDDEN, OUT_SIZE)
    mse = torch.nn.functional.mse_loss  # the mean over N * OUT_SIZE, the book's sum / N at OUT_SIZE 1

    def loss_of():
        state, loss = None, 0
        for x, t in zip(xs, ts):
            state = cell(x, state)
            hidden = state[0] if isinstance(state, tuple) else state  # LSTMCell gives (h, c)
            loss = loss + mse(head(hidden), t)
        return loss

    return _torch_training([cell, head], loss_of)


def recurrent_cases(kind: str) -> tuple[Callable[[], Callable[[], None]], ...]:
    """The four contenders for the recurrent layer ``kind`` ("LSTM", "GRU"), in the order
    (zerograd_case, torch_case, zerograd_cell_case, torch_cell_case): zerograd's
    ``Sequence<kind>`` and ``torch.nn.<kind>`` over the whole sequence, zerograd's ``<kind>``
    layer and ``torch.nn.<kind>Cell`` step by step. A benchmark script binds them to those names,
    which the harness looks up in it."""

    def zerograd_case():
        from zerograd.text import sequence_layers

        return zerograd_sequence_training(getattr(sequence_layers, f"Sequence{kind}"))

    def torch_case():
        import torch

        return torch_sequence_training(getattr(torch.nn, kind))

    def zerograd_cell_case():
        from zerograd.text import layers

        return zerograd_cell_training(getattr(layers, kind))

    def torch_cell_case():
        import torch

        return torch_cell_training(getattr(torch.nn, f"{kind}Cell"))

    return zerograd_case, torch_case, zerograd_cell_case, torch_cell_case


zerograd_case, torch_case, zerograd_cell_case, torch_cell_case = recurrent_cases("LSTM")


def run_recurrent_benchmark(kind: str, path: str,
                            modes: dict[str, Callable[[], object]] | None = None) -> None:
    """The command line of the script at ``path``, which binds ``recurrent_cases(kind)``."""
    run_benchmark(path, f"{kind} training step ({STEPS} steps, batch {BATCH}, {IN_SIZE}->{HIDDEN})",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case",
                   f"zerograd {kind} cells": "zerograd_cell_case",
                   f"pytorch {kind}Cell loop": "torch_cell_case"}, modes=modes)


def compare_in_process(seconds: float = 2.0, rounds: int = 5) -> None:
    """zerograd's cell loop against its sequence LSTM (and PyTorch's nn.LSTM, threads as BLAS's)
    in one process, alternating, median of rounds: on a loaded machine the ratios are steadier
    than across processes."""
    import os
    import statistics

    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    cases = {"zerograd cell loop (LSTM)": zerograd_cell_case(),
             "zerograd SequenceLSTM": zerograd_case(), "pytorch nn.LSTM": torch_case()}
    samples = {label: [] for label in cases}
    for _ in range(rounds):
        for label, step in cases.items():
            samples[label].append(time_step(step, seconds))
    medians = {label: statistics.median(times) for label, times in samples.items()}
    old, new, reference = medians.values()
    for label, median in medians.items():
        print(f"  {label:<26} {median * 1e3:10.3f} ms/step   {median / reference:6.2f}x nn.LSTM")
    print(f"  speed-up of SequenceLSTM over the cell loop: {old / new:.2f}x")


if __name__ == "__main__":
    run_recurrent_benchmark("LSTM", __file__, modes={"--in-process": compare_in_process})
