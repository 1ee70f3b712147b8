"""A GRU training step, the LSTM benchmark's workload (input 64, hidden 256, 35 time steps,
batch 32, a linear head, mean squared error over every step, backward, SGD): zerograd's
``SequenceGRU`` against ``torch.nn.GRU`` over the whole sequence, and zerograd's step-by-step
``GRU`` layer against ``torch.nn.GRUCell`` in a Python loop. Every ratio is to ``pytorch``.

    python benchmarks/gru.py --rounds 5
"""

from __future__ import annotations

from _harness import run_benchmark
from lstm import (
    BATCH,
    HIDDEN,
    IN_SIZE,
    STEPS,
    torch_cell_training,
    torch_sequence_training,
    zerograd_cell_training,
    zerograd_sequence_training,
)


def zerograd_case():
    from zerograd.text.sequence_layers import SequenceGRU

    return zerograd_sequence_training(SequenceGRU)


def torch_case():
    import torch

    return torch_sequence_training(torch.nn.GRU)


def zerograd_cell_case():
    from zerograd.text.layers import GRU

    return zerograd_cell_training(GRU)


def torch_cell_case():
    import torch

    return torch_cell_training(torch.nn.GRUCell)


if __name__ == "__main__":
    run_benchmark(__file__, f"GRU training step ({STEPS} steps, batch {BATCH}, {IN_SIZE}->{HIDDEN})",
                  {"zerograd": "zerograd_case", "pytorch": "torch_case",
                   "zerograd GRU cells": "zerograd_cell_case",
                   "pytorch GRUCell loop": "torch_cell_case"})
