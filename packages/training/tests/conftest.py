import io
import os
import signal

import numpy as np
import pytest

from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)
from zerograd.training import Extension


class Terminal(io.StringIO):
    """A file that says it is a terminal, so tqdm draws on it."""

    def isatty(self):
        return True


@pytest.fixture
def terminal():
    return Terminal()


@pytest.fixture
def toy_data():
    """16 training and 8 test samples of a learnable 2-class problem."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((24, 3)).astype(np.float32)
    t = (x.sum(axis=1) > 0).astype(np.int64)
    data = list(zip(x, t))
    return data[:16], data[16:]


class SignalAt(Extension):
    """Sends ``signum`` to this process after the ``step``-th step of the run."""

    def __init__(self, step, signum=signal.SIGTERM):  # SIGINT is ignored in background jobs
        self.step, self.signum, self.steps = step, signum, 0

    def step_end(self, trainer):
        self.steps += 1
        if self.steps == self.step:
            os.kill(os.getpid(), self.signum)


@pytest.fixture
def signal_at():
    """SignalAt(step, signum): an extension that signals this process after that step."""
    return SignalAt
