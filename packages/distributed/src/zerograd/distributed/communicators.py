"""Communicators: one interface for the collectives data-parallel training needs, over MPI
(mpi4py, host memory) or NCCL (CuPy's ``cupy.cuda.nccl``, device memory).

    comm = create_communicator()          # "auto": NCCL when a GPU and NCCL are there, else MPI
    comm.rank, comm.size
    request = comm.start_allreduce(buffer)  # in-place sum, non-blocking; request.wait()
    comm.allreduce(metric, "mean")          # a new array
    comm.broadcast(array)                   # in place, from rank 0
    comm.allgather_object(obj), comm.broadcast_object(obj), comm.barrier()

Run without ``mpiexec``, MPI starts as a single process (a "singleton"), so every script also runs
as one rank. Arrays of the other kind are staged: an MPI communicator copies CuPy arrays through
host memory, and a NCCL communicator hands NumPy arrays to MPI.

>>> import numpy as np
>>> comm = create_communicator("mpi")
>>> float(comm.allreduce(np.float32(3.0), "mean"))   # the same 3.0 on every rank
3.0
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from mpi4py import MPI

from zerograd.core import cuda
from zerograd.distributed.faults import install_abort_on_error

__all__ = ["Communicator", "MpiCommunicator", "NcclCommunicator", "create_communicator"]

KINDS = ("auto", "mpi", "nccl")
OPERATIONS = ("sum", "mean")


class Request:
    """A collective in flight: ``wait()`` returns when its buffer holds the result."""

    def __init__(self, wait: Any) -> None:
        self._wait = wait

    def wait(self) -> None:
        if self._wait is not None:
            self._wait()
            self._wait = None


def _check_operation(where: str, op: str) -> None:
    if op not in OPERATIONS:
        raise ValueError(f"{where}: op must be 'sum' or 'mean', got {op!r}")


def _is_device_array(array: Any) -> bool:
    return cuda.cupy is not None and isinstance(array, cuda.cupy.ndarray)


class Communicator:
    """The interface: ``rank``, ``size``, and the collectives below. Subclasses implement
    ``start_allreduce`` and ``broadcast``; the rest (object collectives, barrier, abort) go
    through the MPI communicator ``mpi_comm`` that every communicator has."""

    def __init__(self, mpi_comm: Any = None) -> None:
        self.mpi_comm = MPI.COMM_WORLD if mpi_comm is None else mpi_comm
        self.rank = self.mpi_comm.Get_rank()
        self.size = self.mpi_comm.Get_size()

    def start_allreduce(self, buffer: Any) -> Request:
        """Begin summing a contiguous array over the ranks in place; wait() on the result."""
        raise NotImplementedError

    def broadcast(self, array: Any, root: int = 0) -> Any:
        """Overwrite ``array`` (contiguous) with root's, in place; returns it."""
        raise NotImplementedError

    def allreduce(self, value: Any, op: str = "mean") -> Any:
        """The sum or mean over ranks of an array or number (a metric, say), as a new array."""
        _check_operation(f"{type(self).__name__}.allreduce", op)
        xp = cuda.get_array_module(value)
        result = xp.array(value, copy=True, order="C")
        if result.dtype.kind not in "fc" and op == "mean":
            result = result.astype(np.float64)
        self.start_allreduce(result).wait()
        if op == "mean":
            result /= self.size
        return result

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` (small metadata: pickled), in rank order."""
        return self.mpi_comm.allgather(obj)

    def broadcast_object(self, obj: Any, root: int = 0) -> Any:
        """Root's ``obj`` on every rank (small metadata: pickled)."""
        return self.mpi_comm.bcast(obj, root=root)

    def barrier(self) -> None:
        self.mpi_comm.Barrier()

    def abort(self, code: int = 1) -> None:
        """End every process of the job (MPI_Abort)."""
        self.mpi_comm.Abort(code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


class MpiCommunicator(Communicator):
    """Collectives through MPI on host memory; CuPy arrays are copied to the host and back.

    Gradient sums run one after another on a thread of their own, as blocking ``Allreduce`` calls
    on a duplicate of the communicator (so they never mix with collectives the program calls
    meanwhile): backward goes on while they run, and MPI's blocking allreduce is its fastest
    (with MPICH on shared memory, faster than non-blocking ones: benchmarks/RESULTS.md,
    "Measured design choices"). Without MPI_THREAD_MULTIPLE it falls back to ``Iallreduce``.
    """

    def __init__(self, mpi_comm: Any = None) -> None:
        super().__init__(mpi_comm)
        self._worker: ThreadPoolExecutor | None = None
        if self.size > 1 and MPI.Query_thread() == MPI.THREAD_MULTIPLE:
            self._sum_comm = self.mpi_comm.Dup()
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="zerograd-allreduce")

    def _sum(self, buffer: np.ndarray) -> None:
        self._sum_comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)

    def _start_host(self, buffer: np.ndarray) -> Request:
        if self._worker is None:
            return Request(self.mpi_comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM).Wait)
        return Request(self._worker.submit(self._sum, buffer).result)

    def start_allreduce(self, buffer: Any) -> Request:
        if self.size == 1:
            return Request(None)
        if not _is_device_array(buffer):
            return self._start_host(buffer)
        host = cuda.as_numpy(buffer)
        request = self._start_host(host)

        def finish() -> None:
            request.wait()
            buffer.set(host)
        return Request(finish)

    def broadcast(self, array: Any, root: int = 0) -> Any:
        if self.size == 1:
            return array
        if _is_device_array(array):
            host = cuda.as_numpy(array)
            self.mpi_comm.Bcast(host, root=root)
            array.set(host)
        else:
            self.mpi_comm.Bcast(array, root=root)
        return array


def _nccl_module() -> Any:
    """CuPy's NCCL bindings, or None when CuPy, a GPU or NCCL is missing."""
    if not cuda.gpu_enable:
        return None
    try:
        from cupy.cuda import nccl
    except ImportError:
        return None
    return nccl if getattr(nccl, "available", True) else None


# NCCL's names for the dtypes a gradient can have.
NCCL_DTYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
               "int32": "NCCL_INT32", "int64": "NCCL_INT64"}


class NcclCommunicator(MpiCommunicator):
    """Collectives on CuPy arrays through NCCL (one GPU per rank); the NCCL unique id travels
    from rank 0 over MPI. NumPy arrays go through MPI as in MpiCommunicator."""

    def __init__(self, mpi_comm: Any = None, nccl: Any = None) -> None:
        super().__init__(mpi_comm)
        self.nccl = nccl or _nccl_module()
        if self.nccl is None:
            raise RuntimeError("NcclCommunicator: needs CuPy with a usable GPU and NCCL "
                               "(pip install cupy-cuda12x; cupy.cuda.nccl.available)")
        unique_id = self.nccl.get_unique_id() if self.rank == 0 else None
        unique_id = self.broadcast_object(unique_id)
        self.nccl_comm = self.nccl.NcclCommunicator(self.size, unique_id, self.rank)

    def _dtype(self, array: Any) -> int:
        name = NCCL_DTYPES.get(array.dtype.name)
        if name is None:
            raise TypeError(f"NcclCommunicator: NCCL cannot reduce {array.dtype} arrays "
                            f"(it takes {', '.join(NCCL_DTYPES)})")
        return getattr(self.nccl, name)

    def start_allreduce(self, buffer: Any) -> Request:
        if not _is_device_array(buffer):
            return super().start_allreduce(buffer)
        stream = cuda.cupy.cuda.get_current_stream()
        self.nccl_comm.allReduce(buffer.data.ptr, buffer.data.ptr, buffer.size,
                                 self._dtype(buffer), self.nccl.NCCL_SUM, stream.ptr)
        return Request(stream.synchronize)

    def broadcast(self, array: Any, root: int = 0) -> Any:
        if not _is_device_array(array):
            return super().broadcast(array, root)
        stream = cuda.cupy.cuda.get_current_stream()
        self.nccl_comm.bcast(array.data.ptr, array.size, self._dtype(array), root, stream.ptr)
        stream.synchronize()
        return array


def create_communicator(kind: str = "auto", mpi_comm: Any = None,
                        abort_on_error: bool = True) -> Communicator:
    """A communicator over ``mpi_comm`` (default MPI.COMM_WORLD).

    ``kind``: ``"mpi"`` (host memory), ``"nccl"`` (needs CuPy, a GPU and NCCL) or ``"auto"``
    (NCCL when those are there, else MPI). ``abort_on_error``: an uncaught exception on any rank
    prints its traceback and aborts every rank (``install_abort_on_error``).
    """
    if kind not in KINDS:
        raise ValueError(f"create_communicator: kind must be one of {', '.join(KINDS)}, "
                         f"got {kind!r}")
    if kind == "nccl" or (kind == "auto" and _nccl_module() is not None):
        comm: Communicator = NcclCommunicator(mpi_comm)
    else:
        comm = MpiCommunicator(mpi_comm)
    if abort_on_error:
        install_abort_on_error(comm)
    return comm
