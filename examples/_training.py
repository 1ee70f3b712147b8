"""What the training examples share: their common command-line options, a Fashion-MNIST
(sub)set read as those options say, and the main of an example that trains and then plots."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from typing import Any

from zerograd.dezero.datasets import FashionMNIST


def training_parser(description: str, *, epochs: int, batch_size: int, lr: float, out: str,
                    picture: str, max_steps_help: str = "stop after this many updates",
                    ) -> argparse.ArgumentParser:
    """A parser with the options every example takes; the example adds its own to it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr)
    parser.add_argument("--max-steps", type=int, default=None, help=max_steps_help)
    parser.add_argument("--out", default=out, help=f"folder for {picture}")
    parser.add_argument("--no-plot", action="store_true", help="skip the plot")
    return parser


def add_fashion_mnist_options(parser: argparse.ArgumentParser, subset_help: str) -> None:
    """The options of the examples that train on Fashion-MNIST (on the CPU or the GPU)."""
    parser.add_argument("--subset", type=int, default=None, help=subset_help)
    parser.add_argument("--root", default=None, help="folder holding the Fashion-MNIST IDX files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gpu", action="store_true", help="train on the GPU (needs CuPy)")


def load_fashion_mnist(args: argparse.Namespace, train: bool = True, **options) -> FashionMNIST:
    """Fashion-MNIST from ``args.root``, cut to its first ``args.subset`` samples when that is set;
    ``options`` go to FashionMNIST (``transform=`` replaces the book's (784,) floats in [0, 1])."""
    dataset = FashionMNIST(train=train, root=args.root, **options)
    if args.subset is not None:
        dataset.data, dataset.label = dataset.data[:args.subset], dataset.label[:args.subset]
    return dataset


def train_then_plot(argv: Sequence[str] | None,
                    parse_args: Callable[[Sequence[str] | None], argparse.Namespace],
                    train: Callable[[argparse.Namespace], tuple[Any, list[float]]],
                    plot: Callable[[Any, list[float], str], None], picture: str) -> None:
    """An example's main: its options from ``argv``, ``train(args)`` giving (model, loss per
    epoch), then, unless --no-plot, ``plot(model, history, path)`` with ``picture`` in --out."""
    args = parse_args(argv)
    model, history = train(args)
    if not args.no_plot:
        plot(model, history, os.path.join(args.out, picture))
