"""Fixtures of the commands' tests: the device fixture, and the mpiexec beside this Python."""

import os
import sys

import pytest

from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)


@pytest.fixture
def mpiexec():
    """The path of mpiexec (mpich's wheel puts it beside the interpreter); skips without it or
    without zerograd-distributed, which the commands' mpi extra installs."""
    pytest.importorskip("zerograd.distributed", reason="mpiexec runs need zerograd-distributed")
    found = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(found):
        pytest.skip(f"no mpiexec beside {sys.executable} (pip install mpich)")
    return found
