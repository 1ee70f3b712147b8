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

import pickle
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import numpy as np
from mpi4py import MPI

from zerograd.core import cuda
from zerograd.distributed.faults import departed, install_abort_on_error, remove_abort_on_error
from zerograd.distributed.threads import share_cores
from zerograd.distributed.waiting import check_timeout, wait_for

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
    through a duplicate of the MPI communicator ``mpi_comm`` that every communicator has, started
    non-blocking and waited for by ``waiting.wait_for`` (no spinning, an optional ``timeout``
    in seconds, default ``ZEROGRAD_DIST_TIMEOUT``, and an error when a rank has left)."""

    def __init__(self, mpi_comm: Any = None, timeout: float | None = None) -> None:
        self.mpi_comm = MPI.COMM_WORLD if mpi_comm is None else mpi_comm
        self.rank = self.mpi_comm.Get_rank()
        self.size = self.mpi_comm.Get_size()
        self.timeout = check_timeout(f"{type(self).__name__}", timeout)
        self.collectives = 0  # how many this communicator has started: named when one hangs
        # Its ranks in MPI_COMM_WORLD: only their ends concern its collectives.
        world = MPI.COMM_WORLD.Get_group()
        members = MPI.Group.Translate_ranks(self.mpi_comm.Get_group(), list(range(self.size)),
                                            world)
        self._departed = partial(departed, frozenset(members))
        self._comm = self.duplicate("creating the communicator") if self.size > 1 else None

    def duplicate(self, why: str) -> Any:
        """A duplicate of ``mpi_comm`` (a collective, waited for as the others are)."""
        comm, request = self.mpi_comm.Idup()
        self.wait(request, f"MPI_Comm_idup ({why})")
        return comm

    def wait(self, request: Any, what: str) -> None:
        """Wait for an MPI request of a collective called ``what`` (see ``waiting``)."""
        self.collectives += 1
        wait_for(request.Test, f"{what} (collective number {self.collectives} of this "
                 f"communicator)", self.rank, self.size, self.timeout, self._departed)

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

    def all_finite(self, *values: Any) -> bool:
        """Whether every value (arrays, Variables, numbers) is finite on every rank: one small
        allreduce, the same answer everywhere (to skip a step together, say)."""
        bad = 0.0
        for value in values:
            data = getattr(value, "data", value)
            xp = cuda.get_array_module(data)
            bad += float(not bool(xp.all(xp.isfinite(xp.asarray(data)))))
        return float(self.allreduce(np.array([bad]), "sum")[0]) == 0

    def allgather_object(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` (small metadata: pickled), in rank order."""
        if self.size == 1:
            return [obj]
        data = np.frombuffer(pickle.dumps(obj), dtype=np.uint8)
        lengths = np.empty(self.size, dtype=np.int64)
        self.wait(self._comm.Iallgather(np.array([data.size], dtype=np.int64), lengths),
                  "allgather_object (sizes)")
        gathered = np.empty(int(lengths.sum()), dtype=np.uint8)
        self.wait(self._comm.Iallgatherv(data, [gathered, lengths]), "allgather_object")
        ends = np.cumsum(lengths)
        return [pickle.loads(gathered[end - n:end].tobytes()) for n, end in zip(lengths, ends)]

    def broadcast_object(self, obj: Any, root: int = 0) -> Any:
        """Root's ``obj`` on every rank (small metadata: pickled)."""
        if self.size == 1:
            return obj
        data = pickle.dumps(obj) if self.rank == root else b""
        length = np.array([len(data)], dtype=np.int64)
        self.wait(self._comm.Ibcast(length, root=root), "broadcast_object (size)")
        buffer = (np.frombuffer(data, dtype=np.uint8).copy() if self.rank == root
                  else np.empty(int(length[0]), dtype=np.uint8))
        self.wait(self._comm.Ibcast(buffer, root=root), "broadcast_object")
        return obj if self.rank == root else pickle.loads(buffer.tobytes())

    def barrier(self) -> None:
        if self.size > 1:
            self.wait(self._comm.Ibarrier(), "barrier")

    def abort(self, code: int = 1) -> None:
        """End every process of the job (MPI_Abort)."""
        self.mpi_comm.Abort(code)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


class MpiCommunicator(Communicator):
    """Collectives through MPI on host memory; CuPy arrays are copied to the host and back.

    Gradient sums run one after another on a thread of their own, each an ``Iallreduce`` on a
    duplicate of the communicator (so they never mix with collectives the program calls
    meanwhile) that the thread tests until done (see ``waiting``): backward goes on while they
    run, and the tests make MPI progress. Without MPI_THREAD_MULTIPLE the caller's wait() does
    the testing.
    """

    def __init__(self, mpi_comm: Any = None, timeout: float | None = None) -> None:
        super().__init__(mpi_comm, timeout)
        self._worker: ThreadPoolExecutor | None = None
        self._sums = 0
        if self.size > 1:
            self._sum_comm = self.duplicate("the gradient sums' communicator")
            if MPI.Query_thread() == MPI.THREAD_MULTIPLE:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="zerograd-allreduce")

    def _sum(self, buffer: np.ndarray, what: str) -> None:
        self.wait(self._sum_comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM), what)

    def _start_host(self, buffer: np.ndarray) -> Request:
        self._sums += 1
        what = (f"allreduce number {self._sums} (a sum of {buffer.size} {buffer.dtype} values: "
                f"gradients or a metric)")
        if self._worker is None:
            return Request(lambda: self._sum(buffer, what))
        return Request(self._worker.submit(self._sum, buffer, what).result)

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

    def _bcast_host(self, array: np.ndarray, root: int) -> None:
        self.wait(self._comm.Ibcast(array, root=root),
                  f"broadcast of {array.size} {array.dtype} values from rank {root}")

    def broadcast(self, array: Any, root: int = 0) -> Any:
        if self.size == 1:
            return array
        if _is_device_array(array):
            host = cuda.as_numpy(array)
            self._bcast_host(host, root)
            array.set(host)
        else:
            self._bcast_host(array, root)
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

    def __init__(self, mpi_comm: Any = None, nccl: Any = None,
                 timeout: float | None = None) -> None:
        self.nccl = nccl or _nccl_module()
        if self.nccl is None:
            raise RuntimeError("NcclCommunicator: needs CuPy with a usable GPU and NCCL "
                               "(pip install cupy-cuda12x; cupy.cuda.nccl.available)")
        super().__init__(mpi_comm, timeout)
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


def create_communicator(kind: str = "auto", mpi_comm: Any = None, abort_on_error: bool = True,
                        timeout: float | None = None, share: bool = True) -> Communicator:
    """A communicator over ``mpi_comm`` (default MPI.COMM_WORLD); every rank calls it.

    ``kind``: ``"mpi"`` (host memory), ``"nccl"`` (needs CuPy, a GPU and NCCL) or ``"auto"``
    (NCCL when those are there, else MPI). ``abort_on_error``: an uncaught exception on any rank
    prints its traceback and aborts every rank (``faults``; False gives ``sys.excepthook`` back).
    ``timeout``: seconds any collective may wait before every waiting rank reports it and the
    job ends (default ``ZEROGRAD_DIST_TIMEOUT``; none when unset). ``share``: split this
    machine's cores among the ranks on it (``threads.share_cores``).
    """
    if kind not in KINDS:
        raise ValueError(f"create_communicator: kind must be one of {', '.join(KINDS)}, "
                         f"got {kind!r}")
    if kind == "nccl" or (kind == "auto" and _nccl_module() is not None):
        comm: Communicator = NcclCommunicator(mpi_comm, timeout=timeout)
    else:
        comm = MpiCommunicator(mpi_comm, timeout)
    if abort_on_error:
        install_abort_on_error(comm)
    else:
        remove_abort_on_error()
    if share:
        share_cores(comm)
    return comm
