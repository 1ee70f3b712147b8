"""Train a classifier on Fashion-MNIST: the main job.

    python -m zerograd.vision.train [--model cnn|mlp] [--epochs N] [--batch-size B] [--lr LR]
                                    [--optimizer sgd|momentum|adam] [--gpu] [--out DIR] [--resume]
                                    [--export-onnx]
    mpiexec -n 2 python -m zerograd.vision.train [the same arguments]

(``./run.sh train`` and ``nox -s train --`` run the same command.) Per epoch it shows a progress
bar (loss, accuracy, samples/s), evaluates on the test set and writes into --out DIR (default
./runs/fashion_mnist-<model>):

    metrics.csv     epoch, train_loss, train_acc, test_loss, test_acc, seconds
    curves.png      loss and accuracy, train and test
    model.npz       the weights (Layer.load_weights reads them)
    checkpoint.npz  model, optimizer, scheduler, data loader, epoch, history and random states
    model.onnx      with --export-onnx: the weights of model.npz as an ONNX model, rewritten with
                    it every epoch (input ``input`` (batch, 784) float32, output ``output`` logits)

``--resume`` continues from checkpoint.npz and reproduces the uninterrupted run's metrics exactly
(all columns but seconds). Ctrl-C or SIGTERM stops the run after the current step, saves a
checkpoint of that exact point (mid-epoch) and prints the command that resumes it. Every argument,
--out's writability and a resumed checkpoint's settings are checked before the first step (errors
exit with status 2, as argparse's do); a loss that stops being finite ends the run with status 1.
Every file is written to a temporary name and renamed into place, so a crash never leaves a
half-written checkpoint. tqdm and matplotlib come with the `train` extra
(pip install 'zerograd-vision[train]'); --export-onnx needs the `onnx` extra.

Under ``mpiexec -n N`` (detected from MPICH's PMI_SIZE or Open MPI's OMPI_COMM_WORLD_SIZE) the N
processes train one model data-parallel with zerograd.distributed (the `mpi` extra): each rank
reads its shard of every epoch's order, gradients are averaged over the ranks, and rank 0 alone
shows the progress bar, evaluates, prints and writes the outputs. --batch-size stays the global
batch (each rank takes B/N samples a step, so B must divide by N) and the learning rate keeps its
meaning. Ctrl-C or SIGTERM to mpiexec (which forwards it to every rank) stops every rank after
the same step; --resume continues under the same number of ranks. The single-process run is the
same as it was before this existed: the same loader, the same order, the same bits.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import io
import math
import os
import re
import shlex
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

import zerograd.core
from zerograd.core import cuda, no_grad
from zerograd.core.allocator import tune_malloc
from zerograd.core.files import atomic_write
from zerograd.data import DataLoader
from zerograd.nn import Model, optimizers, schedulers, test_mode
from zerograd.nn import functions as F
from zerograd.nn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from zerograd.nn.layers import Dropout, Linear
from zerograd.vision.datasets import FashionMNIST
from zerograd.vision.functions import pooling
from zerograd.vision.layers import Conv2d

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so no clearing of temporaries either
    fcntl = None

CHECKPOINT = "checkpoint.npz"
OUTPUTS = ("metrics.csv", "curves.png", "model.npz", "model.onnx", CHECKPOINT)
# The arguments that shape a run: --resume refuses to continue a checkpoint under other values
# (a longer --epochs, say, would stretch a learning-rate schedule that is half over).
SETTINGS = ("model", "epochs", "batch_size", "lr", "optimizer", "seed")
METRICS = ("epoch", "train_loss", "train_acc", "test_loss", "test_acc", "seconds")
DEFAULTS = {  # per model: epochs, lr (the optimizer default is adam)
    "cnn": {"epochs": 8, "lr": 1e-3},
    "mlp": {"epochs": 15, "lr": 1e-3},
}
MAX_SEED = 2**32 - 1  # NumPy's global generator takes seeds up to here
# How the user started this command: ./run.sh train sets it, so --help and the resume hint show
# the command the user typed rather than the python -m line nox runs underneath.
PROG_VARIABLE = "ZEROGRAD_TRAIN_PROG"
# How mpiexec tells each process the size of the job: MPICH's Hydra, Open MPI.
MPI_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")


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
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=os.environ.get(PROG_VARIABLE) or "python -m zerograd.vision.train",
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
    return parser


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


def mpi_world_size() -> int:
    """The number of processes of the mpiexec job this process belongs to (1 when not
    started by mpiexec), read from the launcher's environment without importing MPI."""
    for name in MPI_SIZE_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def settings(args: argparse.Namespace) -> dict[str, Any]:
    return {name: getattr(args, name) for name in SETTINGS}


def out_problem(out: Path) -> str | None:
    """Create --out and write (then remove) a file in it, so a read-only place fails now, not
    after the first epoch; what is wrong with it, or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        return f"--out {out} is not a writable directory ({err.strerror or err})"
    return None


def read_resumed_run(args: argparse.Namespace) -> dict[str, Any] | None:
    """The plain values of the checkpoint --resume continues (None without --resume), after
    checking that it exists, reads and was saved with the same settings."""
    if not args.resume:
        return None
    checkpoint = args.out / CHECKPOINT
    error = build_parser().error
    if not checkpoint.exists():
        error(f"--resume: no checkpoint at {checkpoint}")
    try:
        values = load_checkpoint(checkpoint)
    except (CheckpointError, OSError) as err:
        error(f"--resume: {err}")
    ranks = values.get("ranks", 1)
    if ranks != mpi_world_size():
        error(f"--resume: the checkpoint's run used {ranks} process(es), this one "
              f"{mpi_world_size()}; resume with "
              + (f"mpiexec -n {ranks}" if ranks > 1 else "one process (without mpiexec)"))
    saved, given = values.get("settings") or {}, settings(args)
    differ = [name for name in SETTINGS if saved.get(name) != given[name]]
    if differ:
        error("--resume: the checkpoint's run used " + ", ".join(
            f"--{name.replace('_', '-')} {saved.get(name)} (not {given[name]})" for name in differ)
            + "; resume with the same arguments")
    return values


def finished(values: dict[str, Any], args: argparse.Namespace) -> bool:
    return values["epoch"] >= args.epochs and values.get("epoch_sums") is None


def command_line(argv: list[str], extra: str, ranks: int = 1) -> str:
    """The command the user typed, with ``extra`` appended unless it is already there."""
    words = [*argv, extra] if extra not in argv else list(argv)
    launcher = f"mpiexec -n {ranks} " if ranks > 1 else ""
    return f"{launcher}{build_parser().prog} {shlex.join(words)}"


def require(module: str) -> Any:
    """Import an optional dependency of the `train` extra, or stop with the command to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        sys.exit(f"zerograd.vision.train needs {module}: pip install 'zerograd-vision[train]' "
                 f"(or pip install {module})")


def require_for_option(module: str, why: str, extra: str) -> Any:
    """Import the package an option needs, or exit with status 2 and the pip line."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        build_parser().error(f"{why} needs {module} ({err}): pip install "
                             f"'zerograd-vision[{extra}]'")


# --- Ctrl-C, SIGTERM and a diverging loss --------------------------------------------------------
class StopRequest:
    """A signal handler that asks the training loop to stop at the end of the current step (so
    the checkpoint it saves is a consistent state); a second signal stops at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, quiet: bool = False) -> None:
        self.signal: int | None = None
        self.quiet = quiet  # the ranks of an mpiexec job but rank 0

    def __call__(self, signum: int, frame: Any) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = signum
        if not self.quiet:
                print(f"\n{signal.Signals(signum).name}: stopping after this step to save a "
                  "checkpoint (press Ctrl-C again to stop at once, without saving)",
                  file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def installed(self) -> Any:
        """Handle the signals while the block runs; one ignored from the start stays ignored
        (a job started with nohup or in the background of a script is not meant to stop)."""
        previous = {signum: signal.signal(signum, self) for signum in self.SIGNALS
                    if signal.getsignal(signum) is not signal.SIG_IGN}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


class LossNotFinite(Exception):
    pass


@contextlib.contextmanager
def exclusive_use(out: Path, team: Any) -> Any:
    """Hold an advisory lock on --out for the whole run, so two runs never write into one folder
    (their checkpoints would replace each other) and every temporary found there is a leftover
    of a dead run of this command. Rank 0 holds it for the whole mpiexec job."""
    if fcntl is None or team.rank != 0:
        refuse_together(team, None)  # rank 0 says whether --out is free
        yield
        return
    handle = os.open(out, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            refuse_together(team, f"--out {out} is in use by another training run; give this "
                                  "one another --out")
        refuse_together(team, None)
        remove_own_temporaries(out)
        yield
    finally:
        os.close(handle)


def remove_own_temporaries(out: Path) -> None:
    """Delete the temporary files a killed run of this command left (atomic_write names them
    ``.<output>.<8 letters or digits>.tmp``); anything else in --out is the user's and stays."""
    pattern = re.compile("|".join(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}\.tmp" for name in OUTPUTS))
    for path in out.iterdir():
        if pattern.fullmatch(path.name) and path.is_file():
            path.unlink()


# --- one process, or the ranks of an mpiexec job ----------------------------------------------
class SingleProcess:
    """The plain run: one process trains on the whole data set and writes everything."""

    rank, size = 0, 1

    def train_loader(self, dataset: Any, args: argparse.Namespace) -> DataLoader:
        return DataLoader(dataset, args.batch_size, shuffle=True, seed=args.seed)

    def distribute(self, optimizer: Any) -> Any:
        return optimizer

    def agree(self, loss: float, accuracy: float, stop: StopRequest) -> tuple[float, float, bool]:
        """The step's loss and accuracy over every rank, and whether every rank stops after it."""
        return loss, accuracy, False

    def stops_now(self, stop: StopRequest, agreed: bool) -> bool:
        return stop.signal is not None

    def any_rank(self, flag: bool) -> bool:
        """Whether ``flag`` holds on some rank (every rank gets the same answer)."""
        return flag

    def share(self, value: Any) -> Any:
        """Rank 0's ``value`` on every rank."""
        return value

    def save_checkpoint(self, path: Path, **entries: Any) -> None:
        save_checkpoint(path, **entries)

    def load_checkpoint(self, path: Path, **objects: Any) -> dict[str, Any]:
        return load_checkpoint(path, **objects)


class MpiRanks(SingleProcess):
    """The ranks of an mpiexec job training one model (zerograd.distributed): each rank its shard
    of the global batch, gradients averaged, every per-step decision taken together."""

    def __init__(self, distributed: Any) -> None:
        self.distributed = distributed
        self.comm = distributed.create_communicator("mpi")
        self.rank, self.size = self.comm.rank, self.comm.size

    def train_loader(self, dataset: Any, args: argparse.Namespace) -> DataLoader:
        return self.distributed.DistributedDataLoader(dataset, args.batch_size // self.size,
                                                      self.comm, seed=args.seed)

    def distribute(self, optimizer: Any) -> Any:
        return self.distributed.MultiNodeOptimizer(optimizer, self.comm)

    def agree(self, loss: float, accuracy: float, stop: StopRequest) -> tuple[float, float, bool]:
        # One small allreduce before backward: a non-finite loss or a signal on any rank then
        # ends every rank at the same step, so none is left waiting in a collective.
        total = self.comm.allreduce(np.array([loss, accuracy, float(stop.signal is not None)]),
                                    "sum")
        return float(total[0]) / self.size, float(total[1]) / self.size, bool(total[2] > 0)

    def stops_now(self, stop: StopRequest, agreed: bool) -> bool:
        return agreed

    def any_rank(self, flag: bool) -> bool:
        return bool(self.comm.allreduce(float(flag), "sum") > 0)

    def share(self, value: Any) -> Any:
        return self.comm.broadcast_object(value)

    def save_checkpoint(self, path: Path, **entries: Any) -> None:
        self.distributed.save_checkpoint(path, self.comm, **entries)

    def load_checkpoint(self, path: Path, **objects: Any) -> dict[str, Any]:
        return self.distributed.load_checkpoint(path, self.comm, **objects)


def refuse_together(team: SingleProcess, problem: str | None) -> None:
    """Exit with status 2 on every rank when rank 0 found ``problem`` (rank 0 says what it is)."""
    problem = team.share(problem)
    if problem is not None:
        if team.rank == 0:
            build_parser().error(problem)
        sys.exit(2)


def join_team() -> SingleProcess:
    """MpiRanks under an mpiexec of more than one process, else SingleProcess; zerograd.distributed
    (and MPI) is imported only in the first case."""
    if mpi_world_size() == 1:
        return SingleProcess()
    distributed = require_for_option("zerograd.distributed",
                                     f"a run under mpiexec ({mpi_world_size()} processes)", "mpi")
    return MpiRanks(distributed)


# --- one epoch ----------------------------------------------------------------------------------
@dataclass
class EpochMetrics:
    epoch: int
    train_loss: float
    train_acc: float
    test_loss: float
    test_acc: float
    seconds: float


@dataclass
class EpochSums:
    """Sums over the training batches of the current epoch so far; saved when a run is stopped
    mid-epoch, so the resumed epoch reports the same means."""

    loss: float = 0.0
    correct: float = 0.0
    seen: int = 0
    seconds: float = 0.0

    def add(self, loss: float, accuracy: float, n: int) -> None:
        self.loss += loss * n
        self.correct += accuracy * n
        self.seen += n

    def means(self) -> tuple[float, float]:
        return self.loss / self.seen, self.correct / self.seen


def train_one_epoch(model: Model, progress: Any, optimizer: Any, sums: EpochSums,
                    stop: StopRequest, team: SingleProcess) -> bool:
    """Train on the batches of ``progress`` (a tqdm bar over the loader), adding every rank's
    samples to ``sums``; False when a stop was requested before the epoch's end."""
    start, seen_before = time.perf_counter(), sums.seen
    for x, t in progress:
        y = model(x)
        loss = F.softmax_cross_entropy(y, t)
        loss_value, accuracy, stop_agreed = team.agree(
            float(loss.data), float(F.accuracy(y, t).data), stop)
        if not math.isfinite(loss_value):
            raise LossNotFinite(loss_value)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        sums.add(loss_value, accuracy, len(t) * team.size)  # every rank's batch has len(t)
        loss_mean, acc_mean = sums.means()
        progress.set_postfix(loss=f"{loss_mean:.4f}", acc=f"{acc_mean:.4f}", samples_per_s=(
            f"{(sums.seen - seen_before) / (time.perf_counter() - start):.0f}"), refresh=False)
        if team.stops_now(stop, stop_agreed):
            return False
    return True


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


# --- the job ------------------------------------------------------------------------------------
@dataclass
class Run:
    """Everything one training run works with."""

    args: argparse.Namespace
    model: Model
    optimizer: Any
    scheduler: Any
    train_loader: DataLoader
    test_loader: DataLoader
    history: list[EpochMetrics]
    sums: EpochSums  # of the epoch in progress, over every rank
    team: SingleProcess

    def save_checkpoint(self, epochs_done: int, mid_epoch: bool) -> None:
        self.team.save_checkpoint(
            self.args.out / CHECKPOINT, model=self.model, optimizer=self.optimizer,
            scheduler=self.scheduler, loader=self.train_loader, epoch=epochs_done,
            history=[asdict(r) for r in self.history], settings=settings(self.args),
            epoch_sums=asdict(self.sums) if mid_epoch else None, ranks=self.team.size)


def build_run(args: argparse.Namespace, resumed: dict[str, Any] | None,
              team: SingleProcess) -> Run:
    zerograd.core.seed(args.seed)  # alike on every rank: the same initial weights
    train_set = FashionMNIST(train=True, root=args.data_root)
    test_set = FashionMNIST(train=False, root=args.data_root)
    train_loader = team.train_loader(train_set, args)
    test_loader = DataLoader(test_set, args.batch_size, shuffle=False)
    model = MODELS[args.model]()
    optimizer = team.distribute(OPTIMIZERS[args.optimizer](args.lr)).setup(model)
    scheduler = schedulers.CosineAnnealingLR(optimizer, T_max=args.epochs)
    run = Run(args, model, optimizer, scheduler, train_loader, test_loader, [], EpochSums(), team)
    if resumed is not None:
        team.load_checkpoint(args.out / CHECKPOINT, model=model, optimizer=optimizer,
                             scheduler=scheduler, loader=train_loader)
        run.history = [EpochMetrics(**row) for row in resumed["history"]]
        run.sums = EpochSums(**(resumed.get("epoch_sums") or {}))
        step = f", step {train_loader.iteration}" if resumed.get("epoch_sums") else ""
        if team.rank == 0:
            print(f"resuming after epoch {resumed['epoch']}{step} from {args.out / CHECKPOINT}")
    if args.gpu:
        move_to_gpu(run)
    return run


def move_to_gpu(run: Run) -> None:
    """Parameters, optimizer slots and both loaders onto the device. Done after a resume's load:
    a layer not sized yet takes the checkpoint's arrays on the host, so they move only now, and
    reloading the optimizer's own state puts its slots on their parameters' device."""
    run.model.to_gpu()
    run.optimizer.load_state_dict(run.optimizer.state_dict())
    run.train_loader.to_gpu()
    run.test_loader.to_gpu()


def train_epoch(run: Run, epoch: int, stop: StopRequest, tqdm: Any,
                export_onnx: Any = None) -> bool:
    """Train and evaluate one epoch and write every output (rank 0 alone evaluates and writes);
    False when stopped mid-epoch (the checkpoint then holds the exact point reached)."""
    args, start, leader = run.args, time.perf_counter(), run.team.rank == 0
    progress = tqdm(run.train_loader, total=len(run.train_loader), unit="batch",
                    initial=run.train_loader.iteration, dynamic_ncols=True,
                    desc=f"epoch {epoch}/{args.epochs}", mininterval=0.5, disable=not leader)
    try:
        completed = train_one_epoch(run.model, progress, run.optimizer, run.sums, stop, run.team)
    finally:
        progress.close()
    run.sums.seconds += time.perf_counter() - start
    if not completed:
        run.save_checkpoint(epoch - 1, mid_epoch=True)
        return False
    train_loss, train_acc = run.sums.means()
    test_loss, test_acc = run.team.share(evaluate(run.model, run.test_loader) if leader else None)
    run.scheduler.step()
    run.history.append(EpochMetrics(epoch, train_loss, train_acc, test_loss, test_acc,
                                    run.team.share(run.sums.seconds + time.perf_counter() - start)))
    run.sums = EpochSums()
    if leader:
        write_epoch_outputs(run, export_onnx)
    run.save_checkpoint(epoch, mid_epoch=False)
    return True


def write_epoch_outputs(run: Run, export_onnx: Any) -> None:
    """Print the epoch's line and write metrics.csv, curves.png, model.npz (and model.onnx)."""
    args, last = run.args, run.history[-1]
    print(f"epoch {last.epoch}: train loss {last.train_loss:.4f} acc {last.train_acc:.4f} | "
          f"test loss {last.test_loss:.4f} acc {last.test_acc:.4f} | {last.seconds:.1f} s",
          flush=True)
    write_metrics(args.out / "metrics.csv", run.history)
    plot_curves(args.out / "curves.png", run.history,
                f"Fashion-MNIST, {args.model}, {args.optimizer} (lr {args.lr})")
    run.model.save_weights(str(args.out / "model.npz"))
    if export_onnx is not None:
        export_onnx(run.model, args.out / "model.onnx")


def main(argv: list[str] | None = None) -> list[EpochMetrics]:
    argv = sys.argv[1:] if argv is None else list(argv)
    tune_malloc()  # keeps a step's temporaries in the heap: no page faults per step
    # Every check before the first step gives the same answer on every rank (rank 0's lock is
    # shared), so an mpiexec job never has one rank exit while the others wait for it.
    args = parse_args(argv)
    tqdm = require("tqdm").tqdm
    require("matplotlib")
    export_onnx = None
    if args.export_onnx:
        export_onnx = require_for_option("zerograd.onnx", "--export-onnx",
                                         "onnx").export_for_training_command
    resumed = read_resumed_run(args)
    team = join_team()
    leader = team.rank == 0
    refuse_together(team, out_problem(args.out) if leader else None)  # rank 0 alone writes
    if resumed is not None and finished(resumed, args):
        if leader:
            print(f"nothing left to train: the run in {args.out} finished all {args.epochs} "
                  "epochs")
        return [EpochMetrics(**row) for row in resumed["history"]]
    stop = StopRequest(quiet=not leader)
    with exclusive_use(args.out, team), stop.installed():
        try:
            run = build_run(args, resumed, team)
            stopped = False
            for epoch in range(len(run.history) + 1, args.epochs + 1):
                stopped = (not train_epoch(run, epoch, stop, tqdm, export_onnx)
                           or team.any_rank(stop.signal is not None))
                if stopped:
                    break
        except LossNotFinite as err:
            sys.exit(f"stopped in epoch {len(run.history) + 1}, step "
                     f"{run.train_loader.iteration}: the training loss is {err.args[0]}; "
                     f"lower --lr (now {args.lr}). The outputs in {args.out} are from the last "
                     "completed epoch." if leader else 1)
        except KeyboardInterrupt:
            sys.exit(f"stopped at once without saving; {args.out / CHECKPOINT} holds the last "
                     "saved point, if any" if leader else 1)
    if stopped:  # a rank that saw no signal itself exits as if it got SIGTERM
        report_stop(run, argv, stop.signal or signal.SIGTERM)
    return run.history


def report_stop(run: Run, argv: list[str], signum: int) -> None:
    """Say where a stopped run stopped and how to resume it; exit 128 + the signal's number."""
    if run.team.rank == 0:
        where = (f"after epoch {len(run.history)}" if run.sums.seen == 0 else
                 f"in epoch {len(run.history) + 1}, step {run.train_loader.iteration}")
        print(f"stopped {where}; checkpoint saved. Resume with: "
              f"{command_line(argv, '--resume', run.team.size)}", flush=True)
    sys.exit(128 + signum)


if __name__ == "__main__":
    main()
