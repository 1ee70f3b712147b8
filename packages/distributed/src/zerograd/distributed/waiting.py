"""Waiting for a collective without hanging and without spinning a core.

Every collective of a communicator is started non-blocking and finished by ``wait_for``, which
tests the request with a growing sleep between tests (a waiting rank uses next to no CPU, where
MPICH's blocking calls poll at full speed), and gives up, on every rank that waits, when

- the optional timeout passes (``ZEROGRAD_DIST_TIMEOUT`` seconds in the environment, or the
  communicator's ``timeout=``): ``CollectiveTimeout`` names the collective, the rank and the
  time waited;
- another rank has left the program (``faults`` sends each rank a notice when a process ends,
  whatever its status): ``RankLeft`` names that rank and its exit status. A request that can
  still complete (the data of a broadcast was sent before its root left) gets ``LEFT_GRACE``
  seconds first.

Both are exceptions: uncaught (as they should be) they end the job through ``faults``' hook.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

__all__ = ["CollectiveTimeout", "RankLeft", "TIMEOUT_VARIABLE", "default_timeout", "wait_for"]

TIMEOUT_VARIABLE = "ZEROGRAD_DIST_TIMEOUT"
LEFT_GRACE = 2.0  # seconds a request may still take after a notice that a rank left
FIRST_SLEEP, LONGEST_SLEEP = 20e-6, 2e-3  # the sleep between tests grows from one to the other
SPIN_TESTS = 50  # tests without sleeping first: a collective that is about to finish stays fast


class CollectiveTimeout(TimeoutError):
    """A collective did not finish within the communicator's timeout."""


class RankLeft(RuntimeError):
    """A rank ended its program while this rank waited for it in a collective."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def default_timeout() -> float | None:
    """``ZEROGRAD_DIST_TIMEOUT`` in seconds (unset, empty or 0: wait forever)."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"zerograd.distributed: {TIMEOUT_VARIABLE} must be a number of seconds, "
                         f"got {text!r}") from None
    if value < 0 or value != value:
        raise ValueError(f"zerograd.distributed: {TIMEOUT_VARIABLE} must be >= 0, got {text!r}")
    return value or None


def check_timeout(where: str, timeout: Any) -> float | None:
    """A timeout argument: None (the environment's) or a positive number of seconds."""
    if timeout is None:
        return default_timeout()
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"{where}: timeout must be a positive number of seconds or None, got "
                         f"{timeout!r}")
    return float(timeout)


def wait_for(test: Callable[[], bool], what: str, rank: int, size: int,
             timeout: float | None, departed: Callable[[], tuple[int, int] | None]) -> None:
    """Return once ``test()`` is true; raise CollectiveTimeout or RankLeft (see the module)."""
    for _ in range(SPIN_TESTS):
        if test():
            return
    start = time.monotonic()
    sleep, left_at = FIRST_SLEEP, None
    while not test():
        now = time.monotonic()
        if timeout is not None and now - start > timeout:
            raise CollectiveTimeout(
                f"zerograd.distributed: rank {rank} of {size} waited {now - start:.1f} s in "
                f"{what} (timeout {timeout:g} s: {TIMEOUT_VARIABLE} or create_communicator("
                f"timeout=)); another rank is stuck, much slower, or called other collectives")
        gone = departed()
        if gone is not None:
            left_at = now if left_at is None else left_at
            if now - left_at > LEFT_GRACE:
                other, status = gone
                raise RankLeft(
                    f"zerograd.distributed: rank {other} of {size} ended its program (exit "
                    f"status {status}) while rank {rank} waited for it in {what}", status)
        time.sleep(sleep)
        sleep = min(sleep * 2, LONGEST_SLEEP)
