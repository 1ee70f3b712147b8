"""tune_malloc: glibc keeps top-of-heap padding unless the user says otherwise."""

import sys

import pytest

from zerograd.core.allocator import tune_malloc


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_sets_the_padding_on_glibc():
    assert tune_malloc() is True


def test_respects_the_opt_out_and_the_users_own_setting(monkeypatch):
    monkeypatch.setenv("ZEROGRAD_TUNE_MALLOC", "0")
    assert tune_malloc() is False
    monkeypatch.delenv("ZEROGRAD_TUNE_MALLOC")
    monkeypatch.setenv("MALLOC_TOP_PAD_", "1048576")
    assert tune_malloc() is False
