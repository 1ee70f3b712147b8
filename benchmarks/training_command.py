"""The main job with the compiled kernels on and off (issue 28 point 5): the training command's
time per epoch and its accuracy, each run a fresh process, the settings alternating round by
round; then, with the kernels on, a run interrupted (SIGINT, as Ctrl-C) once its first epoch is
written and resumed, whose weights must be bitwise those of the run that was not interrupted.

    OMP_NUM_THREADS=2 python benchmarks/training_command.py --rounds 3 --epochs 1
    python benchmarks/training_command.py --resume-check --epochs 2

Reads Fashion-MNIST where the command finds it (Debian's dataset-fashion-mnist).
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = [sys.executable, "-m", "zerograd.commands.fashion_mnist", "--no-progress"]


def _env(kernels: bool) -> dict[str, str]:
    return dict(os.environ, ZEROGRAD_KERNELS="1" if kernels else "0")


def _metrics(out: Path) -> list[dict[str, str]]:
    if not (out / "metrics.csv").exists():
        return []
    with open(out / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def train(out: Path, kernels: bool, *arguments: str) -> list[dict[str, str]]:
    """Run the command in a fresh process; the rows of its metrics.csv."""
    subprocess.run([*COMMAND, "--out", str(out), *arguments], env=_env(kernels), check=True,
                   stdout=subprocess.DEVNULL)
    return _metrics(out)


def interrupt_after_first_epoch(out: Path, *arguments: str) -> None:
    """Start a run with the kernels on and send it SIGINT once epoch 1's metrics are written."""
    process = subprocess.Popen([*COMMAND, "--out", str(out), *arguments], env=_env(True),
                               stdout=subprocess.DEVNULL)
    while not _metrics(out) and process.poll() is None:
        time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    if process.wait() == 0:
        sys.exit("the run finished before it could be interrupted: use more --epochs")


def epoch_times(rounds: int, model: str, epochs: int) -> None:
    seconds: dict[bool, list[float]] = {False: [], True: []}
    accuracy: dict[bool, list[str]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as folder:
        for r in range(rounds):
            for kernels in (False, True):
                out = Path(folder) / f"{r}-{int(kernels)}"
                rows = train(out, kernels, "--model", model, "--epochs", str(epochs))
                seconds[kernels] += [float(row["seconds"]) for row in rows]
                accuracy[kernels].append(rows[-1]["test_acc"])
    off, on = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"{model}, {epochs} epoch(s) x {rounds} rounds: seconds per epoch, median: "
          f"NumPy {off:.1f} s, kernels {on:.1f} s ({on / off:.2f}x)")
    print(f"final test accuracy: NumPy {accuracy[False]}, kernels {accuracy[True]}")


def resume_check(model: str, epochs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        whole, stopped = Path(folder) / "whole", Path(folder) / "stopped"
        arguments = ("--model", model, "--epochs", str(epochs))
        train(whole, True, *arguments)
        interrupt_after_first_epoch(stopped, *arguments)
        train(stopped, True, *arguments, "--resume")
        same = (whole / "model.npz").read_bytes() == (stopped / "model.npz").read_bytes()
    print(f"{model}: {epochs} epochs straight vs interrupted in epoch 2 and resumed, kernels on: "
          "weights "
          f"{'bitwise identical' if same else 'DIFFERENT'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--model", default="cnn", choices=["cnn", "mlp"])
    parser.add_argument("--resume-check", action="store_true")
    args = parser.parse_args()
    if args.resume_check:
        resume_check(args.model, args.epochs)
    else:
        epoch_times(args.rounds, args.model, args.epochs)
