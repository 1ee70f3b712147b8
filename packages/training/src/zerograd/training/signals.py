"""Ctrl-C and SIGTERM during training: finish the current step, then stop so that a checkpoint
of that exact point can be saved; a second signal stops at once (KeyboardInterrupt)."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from typing import Any


class StopRequest:
    """A signal handler that asks the training loop to stop at the end of the current step (so
    the checkpoint it saves is a consistent state); a second signal stops at once."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, quiet: bool = False) -> None:
        self.signal: int | None = None
        self.quiet = quiet  # the ranks of a data-parallel job but rank 0

    def __call__(self, signum: int, frame: Any) -> None:
        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = signum
        if not self.quiet:
            print(f"\n{signal.Signals(signum).name}: stopping after this step to save a "
                  "checkpoint (press Ctrl-C again to stop at once, without saving)",
                  file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopRequest]:
        """Handle the signals while the block runs; one ignored from the start stays ignored
        (a job started with nohup or in the background of a script is not meant to stop)."""
        previous = {signum: signal.signal(signum, self) for signum in self.SIGNALS
                    if signal.getsignal(signum) is not signal.SIG_IGN}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
