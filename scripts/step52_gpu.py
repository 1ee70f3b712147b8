"""The book's step 52 (an MLP on MNIST with `to_gpu()`), on Fashion-MNIST for one epoch.

    python scripts/step52_gpu.py [--root DIR] [--epochs 1] [--limit N]

Runs on CuPy when a GPU is usable, on the stand-in with ZEROGRAD_DEVICE=standin, else on NumPy.
`--root` names the folder holding the four *-ubyte.gz files (default: zerograd's search order).
"""

import argparse
import time

import zerograd.dezero as dezero
import zerograd.dezero.functions as F
from zerograd.core import cuda
from zerograd.dezero import DataLoader, optimizers
from zerograd.dezero.models import MLP
from zerograd.vision.datasets import FashionMNIST

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--root")
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--limit", type=int, help="train on the first N batches only (a dry run)")
args = parser.parse_args()

train_set = FashionMNIST(train=True, root=args.root)
train_loader = DataLoader(train_set, batch_size=100)
model = MLP((1000, 10))
optimizer = optimizers.SGD().setup(model)

if dezero.cuda.gpu_enable:  # the book's lines
    train_loader.to_gpu()
    model.to_gpu()
print("device:", cuda.gpu_status())

for epoch in range(args.epochs):
    start, sum_loss, seen = time.time(), 0.0, 0
    for i, (x, t) in enumerate(train_loader):
        if args.limit is not None and i >= args.limit:
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
