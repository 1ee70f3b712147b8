"""Classify the three-arm spiral with a two-layer MLP: the book's steps 48-50 (softmax cross
entropy, DataLoader, SGD, accuracy on a test set), then draw the decision boundary.

    python examples/spiral.py                       # the book's run: 300 epochs, lr 1.0
    python examples/spiral.py --epochs 1 --max-steps 5 --out /tmp/spiral   # a smoke run

Writes spiral.png (loss curve and decision boundary) into --out (default runs/spiral) when
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
from zerograd.dezero import optimizers
from zerograd.dezero.dataloaders import DataLoader
from zerograd.dezero.datasets import Spiral
from zerograd.dezero.models import MLP


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = training_parser(__doc__.split("\n\n")[0], epochs=300, batch_size=30, lr=1.0,
                             out="runs/spiral", picture="spiral.png")
    parser.add_argument("--hidden-size", type=int, default=10)
    return parser.parse_args(argv)


def evaluate(model: MLP, loader: DataLoader) -> tuple[float, float]:
    """Mean loss and accuracy over one pass of ``loader``, without recording a graph."""
    sum_loss = sum_acc = 0.0
    with dezero.no_grad():
        for x, t in loader:
            y = model(x)
            sum_loss += float(F.softmax_cross_entropy(y, t).data) * len(t)
            sum_acc += float(F.accuracy(y, t).data) * len(t)
    return sum_loss / len(loader.dataset), sum_acc / len(loader.dataset)


def train(args: argparse.Namespace) -> tuple[MLP, list[float]]:
    train_set, test_set = Spiral(train=True), Spiral(train=False)
    train_loader = DataLoader(train_set, args.batch_size)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False)

    model = MLP((args.hidden_size, 3))
    optimizer = optimizers.SGD(args.lr).setup(model)

    history, steps = [], 0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        sum_loss = sum_acc = seen = 0.0
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            sum_acc += float(acc.data) * len(t)
            seen += len(t)
            steps += 1
            if args.max_steps is not None and steps >= args.max_steps:
                break
        history.append(sum_loss / seen)
        test_loss, test_acc = evaluate(model, test_loader)
        print(f"epoch {epoch + 1:3d}  train loss {sum_loss / seen:.4f}  acc {sum_acc / seen:.4f}  "
              f"test loss {test_loss:.4f}  acc {test_acc:.4f}  ({time.perf_counter() - start:.3f} s)",
              flush=True)
        if args.max_steps is not None and steps >= args.max_steps:
            break
    return model, history


def plot(model: MLP, history: list[float], path: str) -> None:
    """Loss per epoch and the decision boundary over the training points, written to ``path``."""
    plt = pyplot_or_none("the plot")
    if plt is None:
        return

    x, t = dezero.datasets.get_spiral(train=True)
    h = 0.01
    xx, yy = np.meshgrid(np.arange(-1.1, 1.1, h), np.arange(-1.1, 1.1, h))
    grid = np.c_[xx.ravel(), yy.ravel()].astype(np.float32)
    with dezero.no_grad():
        predicted = np.argmax(model(grid).data, axis=1).reshape(xx.shape)

    fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(10, 4.5))
    plot_loss(ax_loss, history)
    ax_map.contourf(xx, yy, predicted, alpha=0.3, levels=[-0.5, 0.5, 1.5, 2.5])
    for label, marker in zip(range(3), "ox^"):
        ax_map.scatter(*x[t == label].T, marker=marker, s=20)
    ax_map.set_title("decision boundary")
    save_figure(fig, path)


def main(argv: list[str] | None = None) -> None:
    train_then_plot(argv, parse_args, train, plot, "spiral.png")


if __name__ == "__main__":
    main()
