"""Shared fixtures of zerograd-vision's tests: a seeded generator, the device fixture, and a local
HTTP server for the download tests (no test reaches the network)."""

import numpy as np
import pytest

from zerograd.core.pytest_fixtures import device  # noqa: F401  (a fixture of these tests)
from zerograd.data.testing import serve_folder


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1: yields (folder, base URL ending in '/')."""
    folder = tmp_path / "served"
    folder.mkdir()
    with serve_folder(folder) as (base_url, _):
        yield folder, base_url


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """An empty data directory ($ZEROGRAD_DATA and ~ both point into tmp_path)."""
    home = tmp_path / "home"
    data = tmp_path / "data"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("ZEROGRAD_DATA", str(data))
    return data
