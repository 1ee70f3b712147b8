"""An mpiexec job of the training command says each refusal once, from rank 0, and ends every
rank: bad arguments, and a --resume whose checkpoint some rank cannot see (node-local disks)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Rank 1 sees no checkpoint.npz anywhere (as on a node whose local disk holds another --out).
RANK_1_SEES_NO_CHECKPOINT = """
import os, runpy
if os.environ.get("PMI_RANK") == "1":
    exists = os.path.exists
    os.path.exists = lambda path: False if str(path).endswith("checkpoint.npz") else exists(path)
runpy.run_module("zerograd.commands.fashion_mnist", run_name="__main__")
"""


def _two_ranks(*arguments):
    pytest.importorskip("zerograd.distributed", reason="mpiexec runs need zerograd-distributed")
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(mpiexec):
        pytest.skip(f"no mpiexec beside {sys.executable} (pip install mpich)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "OMPI_", "HYDRA_"))}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    done = subprocess.run([mpiexec, "-n", "2", sys.executable, "-c", RANK_1_SEES_NO_CHECKPOINT,
                           *arguments], capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stdout + done.stderr


def test_a_bad_argument_is_said_once(tmp_path):
    status, output = _two_ranks("--epochs", "0", "--out", str(tmp_path / "run"))
    assert status == 2, output
    assert output.count("--epochs must be at least 1") == 1, output
    assert output.count("usage:") == 1


def test_a_checkpoint_one_rank_cannot_see_ends_the_job_naming_the_path_and_the_rank(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.npz").write_bytes(b"whatever rank 0 saved")
    status, output = _two_ranks("--resume", "--out", str(out), "--data-root", str(tmp_path))
    assert status == 2, output
    assert output.count(f"--resume: rank(s) 1 of 2 cannot see {out / 'checkpoint.npz'}") == 1
