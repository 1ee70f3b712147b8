"""A GRU training step, the LSTM benchmark's workload (input 64, hidden 256, 35 time steps,
batch 32, a linear head, mean squared error over every step, backward, SGD): zerograd's
``SequenceGRU`` against ``torch.nn.GRU`` over the whole sequence, and zerograd's step-by-step
``GRU`` layer against ``torch.nn.GRUCell`` in a Python loop. Every ratio is to ``pytorch``.

    python benchmarks/gru.py --rounds 5
"""

from __future__ import annotations

from lstm import recurrent_cases, run_recurrent_benchmark

zerograd_case, torch_case, zerograd_cell_case, torch_cell_case = recurrent_cases("GRU")

if __name__ == "__main__":
    run_recurrent_benchmark("GRU", __file__)
