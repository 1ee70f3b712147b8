"""Every test here runs alike as one process (plain pytest) and under ``mpiexec -n 2`` or
``-n 4`` (the nox session ``mpi``): the ``comm`` fixture is MPI.COMM_WORLD, whatever its size.
A test takes part in the same collectives, in the same order, on every rank."""

from __future__ import annotations

import pytest
from mpi4py import MPI

from zerograd.distributed import create_communicator


@pytest.fixture(scope="session")
def comm():
    return create_communicator("mpi", abort_on_error=False)


@pytest.fixture(scope="session")
def self_comm():
    """A one-rank communicator: the single-process run the data-parallel one must equal."""
    return create_communicator("mpi", MPI.COMM_SELF, abort_on_error=False)


@pytest.fixture
def shared_dir(comm, tmp_path):
    """A directory every rank sees: rank 0's temporary directory."""
    return comm.broadcast_object(str(tmp_path))
