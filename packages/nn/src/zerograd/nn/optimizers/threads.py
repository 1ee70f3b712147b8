"""How many threads ``Optimizer.update()`` may use, and how it shares the parameters among them.

Parameters are independent, so updating them on several threads gives bitwise the serial result;
NumPy releases the GIL inside its loops, so the threads really overlap. The count is a setting of
its own, never read from ``OMP_NUM_THREADS`` or any other environment variable:

>>> set_update_threads(1)      # every update serial (e.g. one process per core under MPI)
>>> update_threads()
1
>>> set_update_threads(None)   # back to the default: the CPUs this process may run on
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from zerograd.core.checks import check_positive_int

__all__ = ["PARALLEL_MIN_SIZE", "balanced_bins", "set_update_threads", "update_threads"]

# A parameter this large is worth a thread of its own during update() (smaller ones cost more
# in hand-over than they save).
PARALLEL_MIN_SIZE = 1 << 16

_chosen: int | None = None  # set_update_threads()'s count; None: the default


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def set_update_threads(count: int | None) -> None:
    """Let ``update()`` use up to ``count`` threads (1: serial); None restores the default, the
    number of CPUs this process may run on.

    Why threads by default: on a quiet 2-CPU machine the threaded update closes most of the gap
    between the serial one and torch.optim.Adam (benchmarks/RESULTS.md, "Measured design
    choices"). On a machine already busy with other processes they gain nothing;
    under MPI (one process per core) set 1. Only NumPy parameters of at least
    PARALLEL_MIN_SIZE elements get a thread; GPU arrays are always updated serially."""
    global _chosen
    _chosen = check_positive_int("set_update_threads", "count", count, optional=True)


def update_threads() -> int:
    """The number of threads ``update()`` may use now."""
    return _available_cpus() if _chosen is None else _chosen


def balanced_bins(params: list[Any], threads: int) -> list[list[Any]]:
    """Split NumPy parameters into up to ``threads`` bins of similar total size (largest first);
    a single bin when threads would not pay (few large parameters, or GPU arrays)."""
    large = [p for p in params if p.data.size >= PARALLEL_MIN_SIZE]
    if threads < 2 or len(large) < 2 or not all(isinstance(p.data, np.ndarray) for p in params):
        return [params]
    bins: list[list[Any]] = [[] for _ in range(min(threads, len(large)))]
    totals = [0] * len(bins)
    for param in sorted(params, key=lambda p: p.data.size, reverse=True):
        lightest = totals.index(min(totals))
        bins[lightest].append(param)
        totals[lightest] += param.data.size
    return bins
