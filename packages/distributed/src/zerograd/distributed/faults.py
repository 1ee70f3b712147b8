"""No fault hangs a job: whatever ends one rank's program ends every rank within seconds.

Importing ``zerograd.distributed`` under ``mpiexec -n N`` (N > 1) installs three things, once:

- ``sys.excepthook``: an uncaught exception prints its traceback once, every line tagged with
  the rank, flushes stdout and stderr, gives the other ranks ``ABORT_GRACE`` seconds to flush
  theirs, and calls MPI_Abort (status 1; 130 for Ctrl-C). MPICH's MPI_Abort may return before the
  launcher kills the process: the hook then ends it with ``os._exit`` (no second traceback).
- an ``atexit`` handler for every other end of the program (the script's last line, ``sys.exit``
  with any status, ``SystemExit`` raised anywhere): the rank tells every other rank that it ends
  (a point-to-point notice with its status) and waits for theirs. A rank that waits in a
  collective of this package for a rank that has ended raises ``RankLeft`` (see ``waiting``),
  which ends the job through the hook above; ranks that all end normally leave together.
- ``faulthandler``, so that a crash (a segfault) prints the Python stack; the launcher ends the
  other ranks after a crash or a signal (MPICH's mpiexec does, with the signal in its status).

With one rank nothing is installed. Every rank of the job must import ``zerograd.distributed``
(a rank that never does sends no notice, and the others wait for it at exit). Collectives outside
this package (the user's own mpi4py calls) cannot see the notices; they end only by the launcher
or a timeout of their own.
"""

from __future__ import annotations

import atexit
import faulthandler
import os
import sys
import threading
import time
import traceback
from typing import Any

from mpi4py import MPI

from zerograd.distributed.waiting import RankLeft, default_timeout

__all__ = ["departed", "install_abort_on_error", "remove_abort_on_error"]

ABORT_CODE = 1
INTERRUPTED_CODE = 130
ABORT_GRACE = 0.5  # seconds for the other ranks to print their own error before the abort
EXIT_TAG = 0x7A67  # the tag of the "this rank ends" notices on MPI_COMM_WORLD

_lock = threading.Lock()
_state: dict[str, Any] = {"installed": False, "status": None, "previous_hook": None}
_ended: dict[int, int] = {}  # rank -> exit status, for every rank whose notice arrived


def _status(code: Any) -> int:
    """The process status ``sys.exit(code)`` gives."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def departed(members: frozenset[int] | None = None) -> tuple[int, int] | None:
    """(rank, status) of a rank (of MPI_COMM_WORLD; one of ``members`` when given) that has
    ended its program, or None; never blocks."""
    world = MPI.COMM_WORLD
    with _lock:
        while True:
            message = world.improbe(source=MPI.ANY_SOURCE, tag=EXIT_TAG)
            if message is None:
                break
            rank, status = message.recv()
            _ended[rank] = status
        return next(((rank, status) for rank, status in _ended.items()
                     if members is None or rank in members), None)


def _tagged(text: str, rank: int) -> str:
    return "".join(f"[rank {rank}] {line}\n" for line in text.rstrip("\n").split("\n"))


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            pass


def abort_job(message: str, code: int) -> None:
    """Print ``message`` (whole, one write), flush, wait ABORT_GRACE, MPI_Abort every rank."""
    _flush()
    try:
        sys.stderr.write(message)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    time.sleep(ABORT_GRACE)
    MPI.COMM_WORLD.Abort(code)
    os._exit(code)  # MPICH's Abort can return before the launcher ends this process


def _abort_on_error(kind: type, error: BaseException, trace: Any) -> None:
    world = MPI.COMM_WORLD
    code = INTERRUPTED_CODE if issubclass(kind, KeyboardInterrupt) else ABORT_CODE
    if isinstance(error, RankLeft) and error.status:
        code = error.status
    text = "".join(traceback.format_exception(kind, error, trace))
    abort_job(f"zerograd.distributed: rank {world.rank} of {world.size} failed; aborting every "
              f"rank\n" + _tagged(text, world.rank), code)


_abort_on_error.zerograd_aborts = True  # type: ignore[attr-defined]


def _recording_exit(status: Any = None) -> None:
    _state["status"] = status
    _state["exit"](status)


def _leave_together() -> None:
    """At exit: tell every rank this one ends, and wait until every rank has said the same."""
    if MPI.Is_finalized():
        return
    _flush()
    world, status = MPI.COMM_WORLD, _status(_state["status"])
    sends = [world.isend((world.rank, status), dest=rank, tag=EXIT_TAG)
             for rank in range(world.size) if rank != world.rank]
    timeout, start, sleep = default_timeout(), time.monotonic(), 1e-4
    while True:
        departed()
        if len(_ended) >= world.size - 1:
            break
        if timeout is not None and time.monotonic() - start > timeout:
            missing = sorted(set(range(world.size)) - set(_ended) - {world.rank})
            abort_job(f"zerograd.distributed: rank {world.rank} of {world.size} ended, and "
                      f"rank(s) {missing} did not within {timeout:g} s; aborting every rank\n",
                      status or ABORT_CODE)
        time.sleep(sleep)
        sleep = min(2 * sleep, 0.01)
    MPI.Request.Waitall(sends)


def install_abort_on_error(comm: Any = None) -> None:
    """Install the hooks above (once per process; nothing with one rank). ``comm`` is accepted
    for compatibility; the hooks act on MPI_COMM_WORLD, the whole job."""
    world = MPI.COMM_WORLD
    if world.Get_size() == 1:
        return
    if not getattr(sys.excepthook, "zerograd_aborts", False):
        _state["previous_hook"] = sys.excepthook
        sys.excepthook = _abort_on_error
    if _state["installed"]:
        return
    _state["installed"] = True
    _state["exit"] = sys.exit
    sys.exit = _recording_exit
    atexit.register(_leave_together)  # runs before mpi4py's MPI_Finalize (registered earlier)
    if not faulthandler.is_enabled():
        try:
            faulthandler.enable()
        except (RuntimeError, ValueError, AttributeError, OSError):  # no usable stderr
            pass


def remove_abort_on_error() -> None:
    """Give ``sys.excepthook`` back (the exit notices stay: they never hurt)."""
    if getattr(sys.excepthook, "zerograd_aborts", False):
        sys.excepthook = _state["previous_hook"] or sys.__excepthook__
