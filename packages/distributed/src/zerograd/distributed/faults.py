"""Faults end the job, never hang it: an exception that escapes on one rank is printed there, with
its traceback and rank, and then MPI_Abort ends every process of the job. Without this the other
ranks would wait forever in their next collective for a rank that is gone.

``install_abort_on_error(comm)`` sets ``sys.excepthook`` (the hook Python calls for an exception
nobody caught, also under ``python -m``); with one rank it changes nothing.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

__all__ = ["install_abort_on_error"]

ABORT_CODE = 1


def install_abort_on_error(comm: Any) -> None:
    """Make an uncaught exception on any rank print its traceback and abort every rank."""
    if comm.size == 1 or getattr(sys.excepthook, "zerograd_aborts", False):
        return
    previous = sys.excepthook

    def abort_on_error(kind: type, error: BaseException, trace: Any) -> None:
        try:
            text = "".join(traceback.format_exception(kind, error, trace))
            sys.stderr.write(f"zerograd.distributed: rank {comm.rank} of {comm.size} failed; "
                             f"aborting every rank\n{text}")
            sys.stderr.flush()
            sys.stdout.flush()
        finally:
            comm.abort(ABORT_CODE)
        previous(kind, error, trace)  # reached only if abort returns (it does not)

    abort_on_error.zerograd_aborts = True  # type: ignore[attr-defined]
    sys.excepthook = abort_on_error
