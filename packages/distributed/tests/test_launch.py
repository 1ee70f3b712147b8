"""How a job starts and ends: without mpiexec a script is one rank; an exception on one rank
prints its traceback and aborts every rank instead of leaving the others waiting. These tests
launch their own processes, so they run in the one-process suite only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from mpi4py import MPI

pytestmark = pytest.mark.skipif(MPI.COMM_WORLD.Get_size() > 1,
                                reason="launches its own processes; runs in the one-rank suite")

# The fault tests launch several jobs each: they run once in CI, in the mpi session's
# `mpiexec -n 1` launch, not again in every interpreter's plain session.
in_mpi_session = pytest.mark.skipif(
    (os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE")) != "1",
    reason="launches jobs of its own; runs under `mpiexec -n 1 python -m pytest` (nox -s mpi)")
outside_mpi_session = pytest.mark.skipif(
    (os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE")) == "1",
    reason="the mpi session runs the whole suite under mpiexec -n 2 and 4 itself")

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


def test_an_exception_on_one_rank_aborts_every_rank_with_its_traceback_once(tmp_path):
    done = run([mpiexec(), "-n", "2"], """
        import os
        import zerograd.distributed
        def load_data():
            raise FileNotFoundError("no train.idx on this node")
        if os.environ["PMI_RANK"] == "1":  # before any communicator exists
            print("rank 1 says this before failing")  # held in stdout's buffer (a pipe)
            load_data()
        zerograd.distributed.create_communicator().barrier()  # rank 0 would wait here forever
        print("rank 0 went on")
    """, tmp_path)
    assert done.returncode == 1
    assert "rank 1 of 2 failed; aborting every rank" in done.stderr
    assert "[rank 1]   File" in done.stderr and "in load_data" in done.stderr
    assert done.stderr.count("FileNotFoundError: no train.idx on this node") == 1
    assert "rank 1 says this before failing" in done.stdout  # flushed before the abort
    assert "rank 0 went on" not in done.stdout


# Each job: what rank 1 does, then every rank's barrier; rank 0 reports its CPU time in it.
FAULT = """
    import os, sys, time
    import zerograd.distributed
    rank = int(os.environ["PMI_RANK"])
    CALL = lambda comm: comm.barrier()
    {before}
    comm = zerograd.distributed.create_communicator()
    if rank == 1:
        {rank_1}
    cpu = time.process_time()
    CALL(comm)
    print(f"rank {{rank}} passed; cpu {{time.process_time() - cpu:.2f}}", flush=True)
"""


def fault(tmp_path, rank_1, before="", env=None):
    start = time.monotonic()
    path = tmp_path / "job.py"
    path.write_text(textwrap.dedent(FAULT.format(rank_1=rank_1, before=before)))
    done = subprocess.run([mpiexec(), "-n", "2", sys.executable, str(path)],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env={**child_environment(), **(env or {})})
    return done, time.monotonic() - start


@pytest.mark.parametrize("code", [0, 3])
@in_mpi_session
def test_sys_exit_on_one_rank_mid_job_ends_every_rank_with_its_status(tmp_path, code):
    done, seconds = fault(tmp_path, f"sys.exit({code})")
    assert done.returncode == (code or 1), done.stderr
    assert (f"rank 1 of 2 ended its program (exit status {code}) while rank 0 waited for it in "
            f"barrier") in done.stderr
    assert "rank 0 passed" not in done.stdout


@in_mpi_session
def test_a_crash_or_a_signal_on_one_rank_ends_every_rank(tmp_path):
    done, seconds = fault(tmp_path, "os.kill(os.getpid(), 9)")
    assert done.returncode == 9 and "rank 0 passed" not in done.stdout


@in_mpi_session
def test_a_waiting_rank_does_not_spin_and_ranks_that_end_apart_end_cleanly(tmp_path):
    done, seconds = fault(tmp_path, "time.sleep(2)")
    assert done.returncode == 0, done.stderr
    cpu = float(done.stdout.split("rank 0 passed; cpu ")[1].split()[0])
    assert cpu < 0.5  # two seconds in the barrier; MPICH's blocking one spins all along


@in_mpi_session
def test_a_collective_past_its_timeout_is_named_on_the_waiting_rank(tmp_path):
    """The gradient sums' path (a worker thread tests the request); the other collectives
    wait through the same function."""
    done, seconds = fault(tmp_path, "time.sleep(60)", env={"ZEROGRAD_DIST_TIMEOUT": "1"},
                          before="import numpy as np\n    CALL = lambda comm: "
                                 "comm.allreduce(np.ones(3))")
    assert done.returncode == 1 and seconds < 40, done.stderr
    assert "rank 0 of 2 waited 1." in done.stderr
    assert "s in allreduce number 1 (a sum of 3 float64 values" in done.stderr
    assert "CollectiveTimeout" in done.stderr


@outside_mpi_session
def test_the_suite_passes_on_two_ranks(tmp_path):
    """The one-process suite also runs every collective test on two ranks (the nox session
    ``mpi`` runs it on one, two and four)."""
    done = subprocess.run([mpiexec(), "-n", "2", sys.executable, "-m", "pytest", "-q",
                           "-p", "no:cacheprovider", "-x", str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=child_environment(), cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
