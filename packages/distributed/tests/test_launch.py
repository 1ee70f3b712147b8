"""How a job starts and ends: without mpiexec a script is one rank; an exception on one rank
prints its traceback and aborts every rank instead of leaving the others waiting. These tests
launch their own processes, so they run in the one-process suite only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from mpi4py import MPI

pytestmark = pytest.mark.skipif(MPI.COMM_WORLD.Get_size() > 1,
                                reason="launches its own processes; runs in the one-rank suite")

# What mpiexec tells its processes (how to reach it): a process started from one must not think
# it was started by that launcher.
LAUNCHER_VARIABLES = ("PMI_", "PMIX_", "HYDRA_", "MPIR_", "OMPI_", "MPI_LOCAL")
TIMEOUT = 120  # seconds: a hang fails the test instead of stalling the suite


def mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        pytest.fail("no mpiexec: install an MPI (pip install 'zerograd-distributed[mpich]')")
    return found


def child_environment() -> dict[str, str]:
    """This process's environment without its launcher's variables, and its import path."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(LAUNCHER_VARIABLES)}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return env


def run(args, script, tmp_path):
    path = tmp_path / "job.py"
    path.write_text(textwrap.dedent(script))
    return subprocess.run([*args, sys.executable, str(path)], capture_output=True, text=True,
                          timeout=TIMEOUT, env=child_environment())


def test_without_mpiexec_a_script_runs_as_one_rank(tmp_path):
    done = run([], """
        from zerograd.distributed import create_communicator
        comm = create_communicator()
        print("rank", comm.rank, "of", comm.size)
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "rank 0 of 1"


def test_an_exception_on_one_rank_aborts_every_rank_with_its_traceback(tmp_path):
    done = run([mpiexec(), "-n", "2"], """
        from zerograd.distributed import create_communicator
        comm = create_communicator()
        def load_data():
            raise FileNotFoundError("no train.idx on this node")
        if comm.rank == 1:
            load_data()
        comm.barrier()  # rank 0 would wait here forever
        print("rank 0 went on")
    """, tmp_path)
    assert done.returncode != 0
    assert "rank 1 of 2 failed; aborting every rank" in done.stderr
    assert "in load_data" in done.stderr
    assert "FileNotFoundError: no train.idx on this node" in done.stderr
    assert "rank 0 went on" not in done.stdout


def test_the_suite_passes_on_two_ranks(tmp_path):
    """The one-process suite also runs every collective test on two ranks (the nox session
    ``mpi`` runs it on one, two and four)."""
    done = subprocess.run([mpiexec(), "-n", "2", sys.executable, "-m", "pytest", "-q",
                           "-p", "no:cacheprovider", "-x", str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=child_environment(), cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
