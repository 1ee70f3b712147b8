"""pytest fixtures that the tests of every zerograd package share. A package's tests/conftest.py
imports the ones it uses (``from zerograd.core.pytest_fixtures import device``), which makes them
fixtures of that package's tests; every package depends on zerograd-core, so each finds them when
it is tested alone. Importing this module needs pytest."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from zerograd.core import cuda


@pytest.fixture
def device() -> Iterator[ModuleType]:
    """The GPU stand-in (zerograd.core.fakecupy) plays the GPU during the test
    (``cuda.use_standin()``); the fixture's value is the stand-in module."""
    with cuda.use_standin() as module:
        yield module
