"""Fixtures of the commands' tests: the device fixture, and the mpiexec beside this Python."""

import importlib.util
import os
import sys

import pytest

from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)


@pytest.fixture(scope="session")
def mpiexec():
    """The path of mpiexec (mpich's wheel puts it beside the interpreter); skips without it or
    without zerograd-distributed, which the commands' mpi extra installs."""
    pytest.importorskip("zerograd.distributed", reason="mpiexec runs need zerograd-distributed")
    found = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if not os.path.exists(found):
        pytest.skip(f"no mpiexec beside {sys.executable} (pip install mpich)")
    return found


def _commands_extras_installed() -> bool:
    return all(importlib.util.find_spec(name) is not None
               for name in ("zerograd.distributed", "zerograd.onnx"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "once: an end-to-end run (subprocesses, signals, the stand-in) that CI checks "
        "once, in the cell with the commands' extras and in the device session, not again in "
        "every Python/NumPy cell")


def pytest_collection_modifyitems(config, items):
    """Skip the ``once`` tests, visibly, where neither the commands' extras (the 3.11 cell) nor
    ZEROGRAD_DEVICE (the device session) are there: the boundary cells check NumPy and Python
    versions, which these runs exercise no differently."""
    if _commands_extras_installed() or os.environ.get("ZEROGRAD_DEVICE"):
        return
    skip = pytest.mark.skip(reason="checked once in CI: in the cell with the commands' extras "
                                   "(pip install 'zerograd-commands[onnx,mpi]') and the device "
                                   "session")
    for item in items:
        if "once" in item.keywords:
            item.add_marker(skip)
