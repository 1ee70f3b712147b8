"""Train a classifier on Fashion-MNIST: the main job.

    python -m zerograd.vision.train [--model cnn|mlp] [--epochs N] [--batch-size B] [--lr LR]
                                    [--optimizer sgd|momentum|adam] [--gpu] [--out DIR] [--resume]

Per epoch it shows a progress bar (loss, accuracy, samples/s), evaluates on the test set and
writes into DIR (default ./runs/fashion_mnist-<model>):

    metrics.csv     epoch, train_loss, train_acc, test_loss, test_acc, seconds
    curves.png      loss and accuracy, train and test
    model.npz       the weights (Layer.load_weights reads them)
    checkpoint.npz  model, optimizer, scheduler, data loader, epoch, history and random states

``--resume`` continues from checkpoint.npz and reproduces the uninterrupted run's metrics exactly
(all columns but seconds). Every file is written to a temporary name and renamed into place, so a
crash never leaves a half-written checkpoint. tqdm and matplotlib come with the `train` extra
(pip install 'zerograd-vision[train]').
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import zerograd.core
from zerograd.core import no_grad
from zerograd.core.files import atomic_write
from zerograd.data import DataLoader
from zerograd.nn import Model, optimizers, schedulers, test_mode
from zerograd.nn import functional as F
from zerograd.nn.checkpoint import load_checkpoint, save_checkpoint
from zerograd.nn.layers import Dropout, Linear
from zerograd.vision.datasets import FashionMNIST
from zerograd.vision.functions import pooling
from zerograd.vision.layers import Conv2d

CHECKPOINT = "checkpoint.npz"
# The arguments that shape a run: --resume refuses to continue a checkpoint under other values
# (a longer --epochs, say, would stretch a learning-rate schedule that is half over).
SETTINGS = ("model", "epochs", "batch_size", "lr", "optimizer", "seed")
METRICS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
DEFAULTS = {  # per model: epochs, lr (the optimizer default is adam)
    "cnn": {"epochs": 8, "lr": 1e-3},
    "mlp": {"epochs": 15, "lr": 1e-3},
}


# --- models -------------------------------------------------------------------------------------
class FashionCNN(Model):
    """conv(32, 3x3) - relu - maxpool 2 - conv(64, 3x3) - relu - maxpool 2 - fc 128 - relu -
    dropout - fc 10, on the loader's flattened 784-pixel images. The dropout is a child layer, so
    ``eval()`` and ``test_mode()`` both switch it off (it holds no weights: checkpoints of the
    earlier functional dropout still load)."""

    def __init__(self, dropout_ratio: float = 0.3) -> None:
        super().__init__()
        self.conv1 = Conv2d(32, kernel_size=3, pad=1)
        self.conv2 = Conv2d(64, kernel_size=3, pad=1)
        self.fc1 = Linear(128)
        self.dropout = Dropout(dropout_ratio)
        self.fc2 = Linear(10)

    def forward(self, x: Any) -> Any:
        x = x.reshape(-1, 1, 28, 28)
        x = pooling(F.relu(self.conv1(x)), 2, 2)
        x = pooling(F.relu(self.conv2(x)), 2, 2)
        x = F.relu(self.fc1(x.reshape(x.shape[0], -1)))
        return self.fc2(self.dropout(x))


class FashionMLP(Model):
    """784 - 1000 - relu - 1000 - relu - 10."""

    def __init__(self, hidden_size: int = 1000) -> None:
        super().__init__()
        self.fc1 = Linear(hidden_size)
        self.fc2 = Linear(hidden_size)
        self.fc3 = Linear(10)

    def forward(self, x: Any) -> Any:
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


MODELS = {"cnn": FashionCNN, "mlp": FashionMLP}
OPTIMIZERS = {
    "sgd": lambda lr: optimizers.SGD(lr=lr),
    "momentum": lambda lr: optimizers.MomentumSGD(lr=lr),
    "adam": lambda lr: optimizers.Adam(alpha=lr),
}


# --- command line -------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m zerograd.vision.train",
                                     description="Train a classifier on Fashion-MNIST.")
    parser.add_argument("--model", choices=sorted(MODELS), default="cnn")
    parser.add_argument("--epochs", type=int, help="default: 8 for cnn, 15 for mlp")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, help="learning rate (default 1e-3)")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam")
    parser.add_argument("--gpu", action="store_true", help="train on the GPU (needs CuPy)")
    parser.add_argument("--out", help="output directory (default ./runs/fashion_mnist-<model>)")
    parser.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint.npz")
    parser.add_argument("--seed", type=int, default=0, help="seed of every generator (default 0)")
    parser.add_argument("--data-root", help="directory holding the Fashion-MNIST IDX files "
                        "(default: the data directory, Debian's, else download)")
    args = parser.parse_args(argv)
    defaults = DEFAULTS[args.model]
    args.epochs = defaults["epochs"] if args.epochs is None else args.epochs
    args.lr = defaults["lr"] if args.lr is None else args.lr
    args.out = Path(args.out or f"runs/fashion_mnist-{args.model}")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.lr <= 0:
        parser.error("--lr must be positive")
    return args


def settings(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in SETTINGS}


def check_same_settings(saved: dict[str, Any], given: dict[str, Any]) -> None:
    differ = [name for name in SETTINGS if saved.get(name) != given[name]]
    if differ:
        sys.exit("--resume: the checkpoint's run used " + ", ".join(
            f"--{name.replace('_', '-')} {saved.get(name)} (not {given[name]})" for name in differ)
            + "; resume with the same arguments")


def require(module: str) -> Any:
    """Import an optional dependency of the `train` extra, or stop with the command to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        sys.exit(f"zerograd.vision.train needs {module}: pip install 'zerograd-vision[train]' "
                 f"(or pip install {module})")


# --- one epoch ----------------------------------------------------------------------------------
@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float


def train_one_epoch(model: Model, progress: Any, optimizer: Any) -> tuple[float, float]:
    """One pass over the training set (``progress``: a tqdm bar over the loader); returns the
    sample-weighted mean loss and accuracy."""
    loss_sum = correct = seen = 0.0
    start = time.perf_counter()
    for x, t in progress:
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        n = len(t)
        loss_sum += float(loss.data) * n
        correct += float(F.accuracy(y, t).data) * n
        seen += n
        progress.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{correct / seen:.4f}",
                             samples_per_s=f"{seen / (time.perf_counter() - start):.0f}",
                             refresh=False)
    return loss_sum / seen, correct / seen


def evaluate(model: Model, loader: DataLoader) -> tuple[float, float]:
    """Mean loss and accuracy over a data set, in test mode and without a graph."""
    loss_sum = correct = seen = 0.0
    with test_mode(), no_grad():
        for x, t in loader:
            y = model(x)
            n = len(t)
            loss_sum += float(F.softmax_cross_entropy(y, t).data) * n
            correct += float(F.accuracy(y, t).data) * n
            seen += n
    return loss_sum / seen, correct / seen


# --- outputs, each written to a temporary file and renamed into place ---------------------------
def write_atomically(path: Path, data: bytes) -> None:
    with atomic_write(path) as file:
        file.write(data)


def write_metrics(path: Path, history: list[EpochMetrics]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=METRICS, lineterminator="\n")
    writer.writeheader()
    for row in history:
        writer.writerow({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in asdict(row).items()})
    write_atomically(path, text.getvalue().encode())


def plot_curves(path: Path, history: list[EpochMetrics], title: str) -> None:
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row.epoch for row in history]
    figure, (loss_axes, acc_axes) = plt.subplots(1, 2, figsize=(10, 4))
    for axes, metric in ((loss_axes, "loss"), (acc_axes, "acc")):
        axes.plot(epochs, [getattr(r, f"train_{metric}") for r in history], "o-", label="train")
        axes.plot(epochs, [getattr(r, f"test_{metric}") for r in history], "s-", label="test")
        axes.set_xlabel("epoch")
        axes.set_ylabel("loss" if metric == "loss" else "accuracy")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(title)
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format="png", dpi=100)
    plt.close(figure)
    write_atomically(path, image.getvalue())


def remove_stale_temporaries(out: Path) -> None:
    """A run killed while writing leaves its temporary file behind; the finished files are intact."""
    for stale in out.glob(".*.tmp"):
        stale.unlink()


# --- the job ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> list[EpochMetrics]:
    args = parse_args(argv)
    tqdm = require("tqdm").tqdm
    require("matplotlib")
    args.out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(args.out)
    zerograd.core.seed(args.seed)

    train_set = FashionMNIST(train=True, root=args.data_root)
    test_set = FashionMNIST(train=False, root=args.data_root)
    train_loader = DataLoader(train_set, args.batch_size, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False)
    model = MODELS[args.model]()
    optimizer = OPTIMIZERS[args.optimizer](args.lr).setup(model)
    scheduler = schedulers.CosineAnnealingLR(optimizer, T_max=args.epochs)
    if args.gpu:
        model.to_gpu()
        train_loader.to_gpu()
        test_loader.to_gpu()

    history: list[EpochMetrics] = []
    checkpoint = args.out / CHECKPOINT
    if args.resume:
        if not checkpoint.exists():
            sys.exit(f"--resume: no checkpoint at {checkpoint}")
        values = load_checkpoint(checkpoint, model=model, optimizer=optimizer,
                                 scheduler=scheduler, loader=train_loader)
        check_same_settings(values["settings"], settings(args))
        history = [EpochMetrics(**row) for row in values["history"]]
        print(f"resuming after epoch {values['epoch']} from {checkpoint}")

    title = f"Fashion-MNIST, {args.model}, {args.optimizer} (lr {args.lr})"
    for epoch in range(len(history) + 1, args.epochs + 1):
        start = time.perf_counter()
        progress = tqdm(train_loader, total=len(train_loader), unit="batch", dynamic_ncols=True,
                        desc=f"epoch {epoch}/{args.epochs}", mininterval=0.5)
        train_loss, train_acc = train_one_epoch(model, progress, optimizer)
        progress.close()
        test_loss, test_acc = evaluate(model, test_loader)
        scheduler.step()
        history.append(EpochMetrics(epoch, train_loss, train_acc, test_loss, test_acc,
                                    time.perf_counter() - start))
        print(f"epoch {epoch}: train loss {train_loss:.4f} acc {train_acc:.4f} | "
              f"test loss {test_loss:.4f} acc {test_acc:.4f} | {history[-1].seconds:.1f} s",
              flush=True)
        write_metrics(args.out / "metrics.csv", history)
        plot_curves(args.out / "curves.png", history, title)
        model.save_weights(str(args.out / "model.npz"))
        save_checkpoint(checkpoint, model=model, optimizer=optimizer, scheduler=scheduler,
                        loader=train_loader, epoch=epoch, history=[asdict(r) for r in history],
                        settings=settings(args))
    return history


if __name__ == "__main__":
    main()
