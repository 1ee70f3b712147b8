"""Truncated BPTT as in the book: an LSTM learns SinCurve through SeqDataLoader and unchain_backward."""

import numpy as np

import zerograd.nn.functions as F
from zerograd.data import SeqDataLoader
from zerograd.data.datasets import SinCurve
from zerograd.nn import Model
from zerograd.nn.layers import Linear
from zerograd.nn.optimizers import Adam
from zerograd.text.layers import LSTM


class BetterRNN(Model):
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = LSTM(hidden_size)
        self.fc = Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def train_epochs(max_epoch, hidden_size=100, batch_size=30, bptt_length=30):
    """The book's training loop; returns the average loss of each epoch."""
    np.random.seed(0)
    train_set = SinCurve(train=True)
    loader = SeqDataLoader(train_set, batch_size=batch_size)
    model = BetterRNN(hidden_size, 1)
    optimizer = Adam().setup(model)
    history = []
    for _ in range(max_epoch):
        model.reset_state()
        loss, count = 0, 0
        for x, t in loader:
            loss += F.mean_squared_error(model(x), t)
            count += 1
            if count % bptt_length == 0 or count == len(loader):
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
        history.append(float(loss.data) / count)
    return history


def test_lstm_learns_the_sine_curve_with_truncated_bptt():
    history = train_epochs(max_epoch=20)
    assert history[-1] < 0.1 * history[0], history
