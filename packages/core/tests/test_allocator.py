"""tune_malloc: glibc keeps top-of-heap padding unless the user says otherwise."""

import os
import subprocess
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


def test_importing_zerograd_core_leaves_malloc_alone():
    """The allocator setting is the whole process's: only an explicit tune_malloc() changes it."""
    spy = (
        "import ctypes\n"
        "calls = []\n"
        "class Spy(ctypes.CDLL):\n"
        "    def __getattr__(self, name):\n"
        "        calls.append(name)\n"
        "        return super().__getattr__(name)\n"
        "ctypes.CDLL = Spy\n"
        "import zerograd.core, zerograd.core.allocator\n"
        "assert 'mallopt' not in calls, calls\n"
        "zerograd.core.allocator.tune_malloc()\n"
        "print('mallopt' in calls)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ZEROGRAD_TUNE_MALLOC", "MALLOC_TOP_PAD_")}
    result = subprocess.run([sys.executable, "-c", spy], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(sys.platform.startswith("linux"))  # the spy sees the explicit call
