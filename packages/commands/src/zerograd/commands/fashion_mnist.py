"""Train a classifier on Fashion-MNIST: the main job.

    python -m zerograd.commands.fashion_mnist [--model cnn|mlp] [--epochs N] [--batch-size B]
                  [--lr LR] [--optimizer sgd|momentum|adam] [--gpu] [--out DIR] [--resume]
                  [--export-onnx] [--no-progress]
    mpiexec -n 2 python -m zerograd.commands.fashion_mnist [the same arguments]

(``./run.sh train`` and ``nox -s train --`` run the same command.) Per epoch it shows a progress
bar (loss, accuracy, samples/s, ETA; quiet when stderr is not a terminal, or with --no-progress),
evaluates on the test set and writes into --out DIR (default ./runs/fashion_mnist-<model>):

    metrics.csv     epoch, train_loss, train_acc, test_loss, test_acc, seconds
    curves.png      loss and accuracy, train and test
    model.npz       the weights (Layer.load_weights reads them)
    checkpoint.npz  model, optimizer, scheduler, data loader, epoch, history and random states
    model.onnx      with --export-onnx: the weights of model.npz as an ONNX model, rewritten with
                    it every epoch (input ``input`` (batch, 784) float32, output ``output`` logits)

``--resume`` continues from checkpoint.npz and reproduces the uninterrupted run's metrics exactly
(all columns but seconds). Ctrl-C or SIGTERM stops the run after the current step, saves a
checkpoint of that exact point and prints the command that resumes it. Every argument, --out's
writability and a resumed checkpoint's settings are checked before the first step (errors exit
with status 2, as argparse's do); a loss that stops being finite ends the run with status 1.

Under ``mpiexec -n N`` the N processes train one model data-parallel (zerograd.distributed, the
`mpi` extra): --batch-size stays the global batch (it must divide by N), rank 0 alone
evaluates, prints and writes (the bar stays off: mpiexec hands the ranks a pipe for stderr), and
--resume continues under the same number of ranks. The loop, the outputs and the resume are
zerograd.training's, the models zerograd.vision's (FashionCNN, FashionMLP); this module holds
the arguments.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

import zerograd.core
from zerograd.commands.job import Job
from zerograd.commands.mpi_team import mpi_world_size, quiet_unless_rank_0
from zerograd.core import cuda
from zerograd.core.allocator import tune_malloc
from zerograd.data import DataLoader
from zerograd.nn import functions as F
from zerograd.nn import optimizers, schedulers
from zerograd.training import (
    Checkpoint,
    Evaluator,
    Export,
    LogReport,
    PlotReport,
    PrintReport,
    ProgressBar,
    SaveWeights,
    Trainer,
)
from zerograd.vision.datasets import FashionMNIST
from zerograd.vision.models import FashionCNN, FashionMLP

MODELS = {"cnn": FashionCNN, "mlp": FashionMLP}
OPTIMIZERS = {
    "sgd": lambda lr: optimizers.SGD(lr=lr),
    "momentum": lambda lr: optimizers.MomentumSGD(lr=lr),
    "adam": lambda lr: optimizers.Adam(alpha=lr),
}
DEFAULTS = {"cnn": {"epochs": 8, "lr": 1e-3}, "mlp": {"epochs": 15, "lr": 1e-3}}
# The arguments that shape a run: --resume refuses to continue a checkpoint under other values
# (a longer --epochs, say, would stretch a learning-rate schedule that is half over).
SETTINGS = ("model", "epochs", "batch_size", "lr", "optimizer", "seed")
MAX_SEED = 2**32 - 1  # NumPy's global generator takes seeds up to here
# How the user started this command: ./run.sh train sets it, so --help and the resume hint show
# the command the user typed rather than the python -m line nox runs underneath.
PROG_VARIABLE = "ZEROGRAD_TRAIN_PROG"


# --- command line -------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=os.environ.get(PROG_VARIABLE) or "python -m zerograd.commands.fashion_mnist",
        description="Train a classifier on Fashion-MNIST; Ctrl-C saves a checkpoint that "
                    "--resume continues.")
    parser.add_argument("--model", choices=sorted(MODELS), default="cnn",
                        help="the network (default: cnn)")
    parser.add_argument("--epochs", type=int, help="passes over the training set "
                        "(default: 8 for cnn, 15 for mlp)")
    parser.add_argument("--batch-size", type=int, default=100, metavar="B",
                        help="samples per step (default: 100)")
    parser.add_argument("--lr", type=float, help="learning rate (default: 1e-3)")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                        help="the update rule (default: adam)")
    parser.add_argument("--gpu", action="store_true", help="train on the GPU (needs CuPy)")
    parser.add_argument("--out", metavar="DIR",
                        help="where the outputs go (default: ./runs/fashion_mnist-<model>)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run saved in --out DIR (its checkpoint.npz)")
    parser.add_argument("--seed", type=int, default=0,
                        help=f"seed of every generator, 0..{MAX_SEED} (default: 0)")
    parser.add_argument("--data-root", metavar="DIR",
                        help="directory holding the Fashion-MNIST IDX files "
                             "(default: the data directory, Debian's, else download)")
    parser.add_argument("--export-onnx", action="store_true",
                        help="also write model.onnx beside model.npz every epoch "
                             "(needs zerograd-onnx)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (it is also off when stderr is not a terminal)")
    return quiet_unless_rank_0(parser)  # under mpiexec: one usage text and error, from rank 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The arguments with the per-model defaults filled in; a bad value exits with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    defaults = DEFAULTS[args.model]
    args.epochs = defaults["epochs"] if args.epochs is None else args.epochs
    args.lr = defaults["lr"] if args.lr is None else args.lr
    args.out = Path(args.out or f"runs/fashion_mnist-{args.model}")
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if not (math.isfinite(args.lr) and args.lr > 0):
        parser.error(f"--lr must be a finite positive number, got {args.lr}")
    if not 0 <= args.seed <= MAX_SEED:
        parser.error(f"--seed must lie in 0..{MAX_SEED}, got {args.seed}")
    if args.gpu and not cuda.gpu_enable:
        parser.error("--gpu needs CuPy with a usable CUDA device "
                     "(pip install 'zerograd-core[cuda13]'), which this Python does not have")
    ranks = mpi_world_size()
    if ranks > 1 and args.batch_size % ranks:
        parser.error(f"--batch-size is the global batch and must divide by the {ranks} processes "
                     f"mpiexec started, got {args.batch_size}")
    if ranks > 1 and args.gpu:
        parser.error("--gpu under mpiexec is not supported yet; train on the CPUs or in one process")
    return args


# --- the job ------------------------------------------------------------------------------------
def build_trainer(job: Job, export: Any) -> Trainer:
    """Data, model, optimizer, schedule and extensions, in the order that fixes every random draw."""
    args = job.args
    zerograd.core.seed(args.seed)  # alike on every rank: the same initial weights
    train_set = FashionMNIST(train=True, root=args.data_root)
    test_set = FashionMNIST(train=False, root=args.data_root)
    train_loader = job.train_loader(train_set, args.batch_size, args.seed)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False)
    model = MODELS[args.model]()
    optimizer = job.distribute(OPTIMIZERS[args.optimizer](args.lr)).setup(model)
    extensions = [Evaluator(test_loader), PrintReport(), LogReport(json=None),
                  PlotReport(title=f"Fashion-MNIST, {args.model}, {args.optimizer} "
                                   f"(lr {args.lr})"),
                  SaveWeights(), Checkpoint(values={"settings": job.settings})]
    if not args.no_progress:
        extensions.append(ProgressBar())
    if export is not None:
        extensions.append(Export("model.onnx", export))
    return Trainer(model, F.softmax_cross_entropy, optimizer, train_loader, epochs=args.epochs,
                   metrics={"acc": F.accuracy}, out=args.out, extensions=extensions,
                   scheduler=schedulers.CosineAnnealingLR(optimizer, T_max=args.epochs),
                   team=job.team)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    argv = sys.argv[1:] if argv is None else list(argv)
    tune_malloc()  # keeps a step's temporaries in the heap: no page faults per step
    # Every check before the first step gives the same answer on every rank, so an mpiexec job
    # never has one rank exit while the others wait for it.
    args = parse_args(argv)
    job = Job(build_parser(), args, argv, {name: getattr(args, name) for name in SETTINGS},
              package="zerograd-commands")
    export = job.require("zerograd.onnx", "--export-onnx", "onnx").export if args.export_onnx else None
    resumed = job.read_resumed()
    job.join_team()
    if resumed is not None and resumed["epoch"] >= args.epochs and not resumed.get("epoch_sums"):
        if job.leader:
            print(f"nothing left to train: the run in {args.out} finished all {args.epochs} "
                  "epochs")
        return list(resumed["history"])
    return job.run(build_trainer(job, export), resumed, gpu=args.gpu)


if __name__ == "__main__":
    main()
