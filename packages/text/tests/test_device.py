"""Recurrent layers with truncated BPTT on the GPU stand-in: the state and every gradient stay
on the device and a training step moves no data between host and device."""

import numpy as np
import pytest

from zerograd.core import fakecupy
from zerograd.nn import Model, optimizers
from zerograd.nn import functions as F
from zerograd.nn import layers as L
from zerograd.text import GRU, LSTM, RNN


class Recurrent(Model):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell
        self.fc = L.Linear(1)

    def forward(self, x):
        return self.fc(self.cell(x))


def train_segments(model, optimizer, xs, bptt_length=4):
    loss, count = 0, 0
    for x in xs:
        loss = loss + F.mean_squared_error(model(x), x[:, :1])
        count += 1
        if count % bptt_length == 0:
            model.cleargrads()
            loss.backward()
            loss.unchain_backward()
            optimizer.update()
            loss = 0


@pytest.mark.parametrize("make_cell", [lambda: RNN(8), lambda: LSTM(8), lambda: GRU(8)])
def test_truncated_bptt_moves_nothing_across(device, make_cell):
    rng = np.random.default_rng(0)
    xs = device.asarray(rng.standard_normal((12, 3, 2)).astype(np.float32))
    model = Recurrent(make_cell())
    model.to_gpu()
    optimizer = optimizers.Adam().setup(model)
    optimizer.add_hook(optimizers.ClipGrad(1.0))
    train_segments(model, optimizer, xs[:4])  # warm-up: the LSTM's gate constants are cached
    with fakecupy.counting_transfers() as moved:
        train_segments(model, optimizer, xs[4:])
    assert moved.total == 0, moved
    assert isinstance(model.cell.h.data, device.ndarray)
    assert all(isinstance(p.data, device.ndarray) for p in model.params())
