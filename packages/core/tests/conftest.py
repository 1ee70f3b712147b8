"""Shared fixtures of zerograd-core's tests: a seeded random generator and the device fixture
(NumPy, or the GPU stand-in when the session asks for it)."""

import numpy as np
import pytest

from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
