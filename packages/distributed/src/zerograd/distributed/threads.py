"""Sharing a machine's cores among the ranks on it.

N ranks on one machine that each start a thread per core (OpenBLAS's pool, the optimizer's
update threads) run N times as many threads as there are cores, and oversubscribed BLAS threads
spin against each other. So the first communicator of a job (``create_communicator(share=True)``,
the default) gives each rank ``cores // ranks on this machine`` threads (at least one):

- the optimizer's update threads (``zerograd.nn.optimizers.set_update_threads``), unless the
  program chose a count other than the default already;
- the BLAS library's threads (OpenBLAS, as NumPy's wheels bundle it), unless ``OMP_NUM_THREADS``,
  ``OPENBLAS_NUM_THREADS`` or ``MKL_NUM_THREADS`` is set: the user's setting wins.

One rank changes nothing.
"""

from __future__ import annotations

import ctypes
import os
from typing import Any

from mpi4py import MPI

from zerograd.nn.optimizers import set_update_threads, update_threads

__all__ = ["blas_libraries", "share_cores"]

USER_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# The thread-count setters of the BLAS builds NumPy ships or links.
SETTERS = ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_",
           "openblas_set_num_threads64_", "MKL_Set_Num_Threads")

_shared: dict[str, Any] = {}  # the first communicator's decision: {"threads": n}


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def blas_libraries() -> list[str]:
    """Paths of the BLAS libraries loaded in this process (Linux: from /proc/self/maps)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "/" in line}
    except OSError:
        return []
    return sorted(p for p in paths if "blas" in os.path.basename(p).lower()
                  or "mkl_rt" in os.path.basename(p).lower())


def set_blas_threads(count: int) -> bool:
    """Give the loaded BLAS library ``count`` threads; whether a setter was found."""
    done = False
    for path in blas_libraries():
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for name in SETTERS:
            setter = getattr(library, name, None)
            if setter is not None:
                setter(ctypes.c_int(count))
                done = True
    return done


def share_cores(comm: Any) -> int | None:
    """Split this machine's cores among its ranks (a collective, once per process); returns
    the threads each rank got (None with one rank)."""
    if comm.size == 1:
        return None
    if "threads" in _shared:
        return _shared["threads"]
    hosts = comm.allgather_object(MPI.Get_processor_name())
    cores = _cores()
    threads = max(1, cores // hosts.count(hosts[comm.rank]))
    _shared["threads"] = threads
    if update_threads() == cores:  # the default: not chosen by the program
        set_update_threads(threads)
    if not any(os.environ.get(name) for name in USER_VARIABLES):
        set_blas_threads(threads)
    return threads
