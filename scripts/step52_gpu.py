"""The book's step 52 (an MLP on MNIST with `to_gpu()`), on Fashion-MNIST for one epoch.

    python scripts/step52_gpu.py [--root DIR] [--epochs 1] [--limit N]

Runs on CuPy when a GPU is usable, on the stand-in with ZEROGRAD_DEVICE=standin, else on NumPy.
`--root` names the folder holding the four *-ubyte.gz files (default: zerograd's search order).
dezero's tests run `prepare` and `train` on the stand-in (packages/dezero/tests/test_device.py).
"""

import argparse
import time

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
from zerograd.core import cuda
from zerograd.dezero import DataLoader, optimizers
from zerograd.dezero.models import MLP
from zerograd.vision.datasets import FashionMNIST


def prepare(root=None):
    """The book's model, optimizer and loader over Fashion-MNIST, on the GPU when there is one."""
    train_set = FashionMNIST(train=True, root=root)
    train_loader = DataLoader(train_set, batch_size=100)
    model = MLP((1000, 10))
    optimizer = optimizers.SGD().setup(model)

    if dezero.cuda.gpu_enable:  # the book's lines
        train_loader.to_gpu()
        model.to_gpu()
    return model, optimizer, train_loader


def train(model, optimizer, train_loader, epochs=1, limit=None):
    """The book's training loop, each epoch's mean loss and time printed (only the first ``limit``
    batches of an epoch when that is set); returns the last epoch's mean loss."""
    for epoch in range(epochs):
        start, sum_loss, seen = time.time(), 0.0, 0
        for i, (x, t) in enumerate(train_loader):
            if limit is not None and i >= limit:
                break
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(t)
            seen += len(t)
        elapsed = time.time() - start
        print(f"epoch: {epoch + 1}, loss: {sum_loss / seen:.4f}, time: {elapsed:.4f}[sec]")
    return sum_loss / seen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--limit", type=int, help="train on the first N batches only (a dry run)")
    args = parser.parse_args(argv)
    model, optimizer, train_loader = prepare(args.root)
    print("device:", cuda.gpu_status())
    train(model, optimizer, train_loader, args.epochs, args.limit)


if __name__ == "__main__":
    main()
