"""Predict a sine wave one step ahead with an LSTM: the book's step 60 (SinCurve, SeqDataLoader,
truncated backpropagation through time with unchain_backward), then let the model predict the
cosine curve of the test set.

    python examples/sine_lstm.py                     # the book's run: 100 epochs, hidden 100
    python examples/sine_lstm.py --epochs 1 --max-steps 5 --out /tmp/lstm   # a smoke run

Writes sine_lstm.png (loss curve and prediction) into --out (default runs/sine_lstm) when
matplotlib is installed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _plotting import plot_loss, pyplot_or_none, save_figure
from _training import train_then_plot, training_parser

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
import zerograd.dezero.layers as L
from zerograd.dezero import Model, SeqDataLoader
from zerograd.dezero.datasets import SinCurve
from zerograd.dezero.optimizers import Adam


class BetterRNN(Model):
    """One LSTM layer and a Linear read-out, one time step per call."""

    def __init__(self, hidden_size: int, out_size: int) -> None:
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self) -> None:
        self.rnn.reset_state()

    def forward(self, x):
        h = self.rnn(x)
        return self.fc(h)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.split("\n\n")[0], epochs=100, batch_size=30, lr=0.001,
                             out="runs/sine_lstm", picture="sine_lstm.png",
                             max_steps_help="stop after this many time steps")
    parser.add_argument("--hidden-size", type=int, default=100)
    parser.add_argument("--bptt-length", type=int, default=30)
    return parser.parse_args(argv)


def train(args: argparse.Namespace) -> tuple[BetterRNN, list[float]]:
    train_set = SinCurve(train=True)
    dataloader = SeqDataLoader(train_set, batch_size=args.batch_size)
    seqlen = len(train_set)

    model = BetterRNN(args.hidden_size, 1)
    optimizer = Adam(args.lr).setup(model)

    history, steps = [], 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.reset_state()
        loss, count, sum_loss = 0, 0, 0.0
        for x, t in dataloader:
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            steps += 1
            stop = args.max_steps is not None and steps >= args.max_steps
            if count % args.bptt_length == 0 or count == len(dataloader) or stop:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()  # truncated BPTT: forget the graph before this point
                optimizer.update()
                sum_loss += float(loss.data)
                loss = 0
            if stop:
                break
        history.append(sum_loss / count)
        print(f"epoch {epoch + 1:3d}  loss {sum_loss / count:.6f}  ({seqlen} points, "
              f"{time.perf_counter() - start:.2f} s)", flush=True)
        if args.max_steps is not None and steps >= args.max_steps:
            break
    return model, history


def predict_cosine(model: BetterRNN) -> tuple[np.ndarray, np.ndarray]:
    """Feed the test curve (cos) one point at a time; the model's guess for each next point."""
    xs = SinCurve(train=False).data.astype(np.float32)
    model.reset_state()
    predicted = []
    with dezero.no_grad():
        for x in xs:
            y = model(x.reshape(1, 1))
            predicted.append(float(y.data[0, 0]))
    return xs[:, 0], np.array(predicted)


def plot(model: BetterRNN, history: list[float], path: str) -> None:
    plt = pyplot_or_none("the plot")
    if plt is None:
        return

    truth, predicted = predict_cosine(model)
    fig, (ax_loss, ax_curve) = plt.subplots(1, 2, figsize=(10, 4))
    plot_loss(ax_loss, history)
    ax_curve.plot(np.arange(len(truth)), truth, label="y = cos(x)")
    ax_curve.plot(np.arange(len(predicted)), predicted, label="predicted")
    ax_curve.set_xlabel("x")
    ax_curve.legend()
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> None:
    train_then_plot(argv, parse_args, train, plot, "sine_lstm.png")


if __name__ == "__main__":
    main()
