"""The MPI communicator (allreduce, start_allreduce, broadcast) over every rank of the run, and
NCCL's: picked with a GPU, its unique id from rank 0, what to install without CuPy."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from mpi4py import MPI

from zerograd.distributed import MpiCommunicator, NcclCommunicator, communicators, create_communicator


def test_allreduce_sums_and_averages_over_ranks(comm):
    value = np.arange(4, dtype=np.float32) + comm.rank
    total = sum(np.arange(4, dtype=np.float32) + r for r in range(comm.size))
    np.testing.assert_array_equal(comm.allreduce(value, "sum"), total)
    np.testing.assert_allclose(comm.allreduce(value, "mean"), total / comm.size, rtol=1e-6)
    np.testing.assert_array_equal(value, np.arange(4) + comm.rank)  # the input is left alone
    assert float(comm.allreduce(comm.rank, "mean")) == (comm.size - 1) / 2


def test_start_allreduce_sums_in_place_without_blocking(comm):
    buffer = np.full(1000, comm.rank + 1, dtype=np.float64)
    request = comm.start_allreduce(buffer)
    request.wait()
    request.wait()  # a second wait is harmless
    assert np.all(buffer == comm.size * (comm.size + 1) / 2)


def test_broadcast_overwrites_in_place_and_objects_travel(comm):
    array = np.full((2, 3), comm.rank, dtype=np.int64)
    assert comm.broadcast(array) is array
    assert np.all(array == 0)
    assert comm.allgather_object({"rank": comm.rank}) == [{"rank": r} for r in range(comm.size)]
    assert comm.broadcast_object("root" if comm.rank == 0 else None) == "root"
    comm.barrier()


def test_bad_operation_and_kind_are_named(comm):
    with pytest.raises(ValueError, match="MpiCommunicator.allreduce: op must be 'sum' or 'mean', "
                                         "got 'max'"):
        comm.allreduce(np.ones(2), "max")
    with pytest.raises(ValueError, match="create_communicator: kind must be one of auto, mpi, "
                                         "nccl, got 'gloo'"):
        create_communicator("gloo")


# --- choosing NCCL: the logic, with a stand-in for cupy.cuda.nccl (no GPU on these machines) ----
class FakeNccl:
    """Records what NcclCommunicator asks of cupy.cuda.nccl."""

    NCCL_FLOAT32, NCCL_SUM = 7, 0
    made: list = []

    @staticmethod
    def get_unique_id():
        return (1, 2, 3)

    class NcclCommunicator:
        def __init__(self, size, unique_id, rank):
            FakeNccl.made.append((size, unique_id, rank))


def test_auto_picks_mpi_without_a_gpu_and_nccl_with_one(monkeypatch):
    monkeypatch.setattr(communicators, "_nccl_module", lambda: None)
    assert type(create_communicator("auto", abort_on_error=False)) is MpiCommunicator
    FakeNccl.made = []
    monkeypatch.setattr(communicators, "_nccl_module", lambda: FakeNccl)
    comm = create_communicator("auto", MPI.COMM_SELF, abort_on_error=False)
    assert type(comm) is NcclCommunicator
    assert FakeNccl.made == [(1, (1, 2, 3), 0)]  # size, the id rank 0 drew, rank


def test_the_nccl_unique_id_comes_from_rank_0_over_mpi(comm, monkeypatch):
    drawn = iter(range(100))
    monkeypatch.setattr(FakeNccl, "get_unique_id", staticmethod(lambda: ("id", next(drawn))))
    FakeNccl.made = []
    nccl = NcclCommunicator(comm.mpi_comm, nccl=FakeNccl)
    assert FakeNccl.made == [(comm.size, ("id", 0), comm.rank)]
    with pytest.raises(TypeError, match="NcclCommunicator: NCCL cannot reduce bool arrays"):
        nccl._dtype(np.zeros(2, dtype=bool))


def test_nccl_without_cupy_says_what_to_install(monkeypatch):
    monkeypatch.setattr(communicators, "_nccl_module", lambda: None)
    with pytest.raises(RuntimeError, match="NcclCommunicator: needs CuPy with a usable GPU"):
        create_communicator("nccl", MPI.COMM_SELF)


def test_host_arrays_given_to_nccl_go_through_mpi(comm):
    nccl = NcclCommunicator(comm.mpi_comm, nccl=FakeNccl)
    buffer = np.ones(3)
    nccl.start_allreduce(buffer).wait()
    np.testing.assert_array_equal(buffer, comm.size)


@pytest.mark.parametrize("value", [0, -1.0, "10", True])
def test_a_bad_timeout_is_named(value):
    with pytest.raises(ValueError, match="MpiCommunicator: timeout must be a positive number of "
                                         "seconds or None, got"):
        create_communicator("mpi", MPI.COMM_SELF, abort_on_error=False, timeout=value)


def test_the_environment_gives_the_default_timeout(monkeypatch):
    monkeypatch.setenv("ZEROGRAD_DIST_TIMEOUT", "2.5")
    assert create_communicator("mpi", MPI.COMM_SELF, abort_on_error=False).timeout == 2.5
    assert create_communicator("mpi", MPI.COMM_SELF, abort_on_error=False, timeout=7).timeout == 7
    monkeypatch.setenv("ZEROGRAD_DIST_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="ZEROGRAD_DIST_TIMEOUT must be a number of seconds, "
                                         "got 'soon'"):
        create_communicator("mpi", MPI.COMM_SELF, abort_on_error=False)


def test_each_rank_gets_its_share_of_the_cores_for_update_and_blas_threads(comm):
    from zerograd.distributed import threads
    from zerograd.nn.optimizers import update_threads

    given = threads.share_cores(comm)  # done by the first communicator already: no collective
    if comm.size > 1:
        assert given >= 1 and update_threads() == given
    library = next(iter(threads.blas_libraries()), None)
    getter = getattr(ctypes.CDLL(library), "scipy_openblas_get_num_threads64_", None) \
        if library else None
    if getter is None:
        pytest.skip("not NumPy's bundled scipy-openblas: no thread-count getter to check")
    before = getter()
    try:
        assert threads.set_blas_threads(1) and getter() == 1
    finally:
        threads.set_blas_threads(before)
