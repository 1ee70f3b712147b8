"""What every training command does around its Trainer: check a resumed checkpoint against the
arguments, join the mpiexec team, refuse bad settings with argparse's status 2 on every rank, run,
and end with the right message and status (a stop request: 128 + the signal's number and the
command that resumes; a loss that stops being finite: status 1).

A command builds its parser, its data, model and extensions; ``Job`` does the rest, so the
command's own module holds its models and arguments only.
"""

from __future__ import annotations

import argparse
import importlib
import shlex
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

from zerograd.commands.mpi_team import MpiTeam, mpi_world_size
from zerograd.data import DataLoader
from zerograd.nn.checkpoint import CheckpointError, load_checkpoint
from zerograd.training import FolderInUse, LossNotFinite, SingleProcess, Trainer
from zerograd.training.folder import folder_problem

CHECKPOINT = "checkpoint.npz"


class Job:
    """One run of a command: ``parser`` (its --help and errors), the parsed ``args`` (with
    ``out`` and ``resume``), ``argv`` as typed, and ``settings``, the arguments a resume must
    repeat. ``package`` names the distribution whose extras install optional parts."""

    def __init__(self, parser: argparse.ArgumentParser, args: argparse.Namespace,
                 argv: list[str], settings: dict[str, Any], package: str) -> None:
        self.parser, self.args, self.argv = parser, args, argv
        self.settings, self.package = settings, package
        self.checkpoint = Path(args.out) / CHECKPOINT
        self.team: Any = SingleProcess()

    @property
    def leader(self) -> bool:
        return self.team.rank == 0

    def require(self, module: str, why: str, extra: str) -> Any:
        """Import the package an option needs, or exit with status 2 and the pip line."""
        try:
            return importlib.import_module(module)
        except ImportError as err:
            self.parser.error(f"{why} needs {module} ({err}): pip install "
                              f"'{self.package}[{extra}]'")

    def read_resumed(self) -> dict[str, Any] | None:
        """The plain values of the checkpoint --resume continues (None without --resume), after
        checking that it exists, reads, and was saved by as many processes with the same
        settings."""
        if not self.args.resume:
            return None
        if mpi_world_size() > 1:  # every rank must see the checkpoint (node-local disks do not)
            self.join_team()
            self.refuse_together(self.team.not_seen_by(self.checkpoint))
        error = self.parser.error
        if not self.checkpoint.exists():
            error(f"--resume: no checkpoint at {self.checkpoint}")
        try:
            values = load_checkpoint(self.checkpoint)
        except (CheckpointError, OSError) as err:
            error(f"--resume: {err}")
        ranks = values.get("ranks", 1)
        if ranks != mpi_world_size():
            error(f"--resume: the checkpoint's run used {ranks} process(es), this one "
                  f"{mpi_world_size()}; resume with "
                  + (f"mpiexec -n {ranks}" if ranks > 1 else "one process (without mpiexec)"))
        saved = values.get("settings") or {}
        differ = [name for name in self.settings if saved.get(name) != self.settings[name]]
        if differ:
            error("--resume: the checkpoint's run used " + ", ".join(
                f"--{name.replace('_', '-')} {saved.get(name)} (not {self.settings[name]})"
                for name in differ) + "; resume with the same arguments")
        return values

    def join_team(self) -> None:
        """MpiTeam under an mpiexec of more than one process; zerograd.distributed (and MPI)
        is imported only then. Then rank 0 checks that --out is writable, for every rank."""
        if isinstance(self.team, MpiTeam):
            return  # joined already (to check a resumed checkpoint on every rank)
        if mpi_world_size() > 1:
            self.team = MpiTeam(self.require(
                "zerograd.distributed", f"a run under mpiexec ({mpi_world_size()} processes)",
                "mpi"))
        out = Path(self.args.out)
        problem = folder_problem(out) if self.leader else None  # rank 0 alone writes
        self.refuse_together(None if problem is None else f"--out {problem}")

    def refuse_together(self, problem: str | None) -> None:
        """Exit with status 2 on every rank when rank 0 found ``problem`` (rank 0 says it)."""
        problem = self.team.share(problem)
        if problem is not None:
            if self.leader:
                self.parser.error(problem)
            sys.exit(2)

    def train_loader(self, dataset: Any, batch_size: int, seed: int) -> Any:
        """The whole data set shuffled by its own generator, or this rank's shard of it."""
        if isinstance(self.team, MpiTeam):
            return self.team.train_loader(dataset, batch_size, seed)
        return DataLoader(dataset, batch_size, shuffle=True, seed=seed)

    def distribute(self, optimizer: Any) -> Any:
        return self.team.distribute(optimizer) if isinstance(self.team, MpiTeam) else optimizer

    def run(self, trainer: Trainer, resumed: dict[str, Any] | None, gpu: bool = False) -> Any:
        """Resume (when asked), move to the GPU (when asked), train; exit on a stop."""
        if resumed is not None:
            trainer.resume(self.checkpoint)
            if self.leader:
                print(f"resuming {trainer.position()} from {self.checkpoint}", flush=True)
        if gpu:
            trainer.to_gpu()
        try:
            history = trainer.run()
        except FolderInUse as err:
            self.refuse_together(f"--out {err}; give this one another --out")
        except LossNotFinite as err:
            value, epoch, step = err.args
            sys.exit(f"stopped in epoch {epoch}, step {step}: the training loss is {value}; "
                     f"lower --lr (now {self.args.lr}). The outputs in {self.args.out} are "
                     "from the last completed epoch." if self.leader else 1)
        except KeyboardInterrupt:
            sys.exit(f"stopped at once without saving; {self.checkpoint} holds the last saved "
                     "point, if any" if self.leader else 1)
        if trainer.stop_signal is not None:
            self.report_stop(trainer)
        return history

    def report_stop(self, trainer: Trainer) -> NoReturn:
        """Say where a stopped run stopped and how to resume it; exit 128 + the signal."""
        if self.leader:
            print(f"stopped {trainer.position()}; checkpoint saved. Resume with: "
                  f"{self.command_line('--resume')}", flush=True)
        sys.exit(128 + signal.Signals(trainer.stop_signal))

    def command_line(self, extra: str) -> str:
        """The command the user typed, with ``extra`` appended unless it is already there."""
        words = [*self.argv, extra] if extra not in self.argv else list(self.argv)
        launcher = f"mpiexec -n {self.team.size} " if self.team.size > 1 else ""
        return f"{launcher}{self.parser.prog} {shlex.join(words)}"
