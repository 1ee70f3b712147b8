"""tune_malloc: glibc keeps a step's memory (mmap and trim thresholds, top padding) unless told
otherwise."""

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


@pytest.mark.parametrize("variable", ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"])
def test_respects_each_of_the_users_own_settings(variable, monkeypatch):
    monkeypatch.delenv("ZEROGRAD_TUNE_MALLOC", raising=False)
    monkeypatch.setenv(variable, "1048576")
    assert tune_malloc() is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_a_steps_large_temporaries_fault_no_pages_in_once_tuned():
    """Called after the imports, as a program does: the MB-sized arrays of a step come back from
    the heap instead of fresh mappings (the top padding alone froze glibc's mmap threshold low and
    faulted ~1,000 pages per 4 MB array every step)."""
    program = (
        "import resource, numpy as np, zerograd.core\n"
        "from zerograd.core.allocator import tune_malloc\n"
        "assert tune_malloc()\n"
        "def step():\n"
        "    a = np.ones(1 << 20, np.float32)\n"
        "    b = a * 2\n"
        "    return float((a + b).sum())\n"
        "for _ in range(5): step()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(20): step()\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)\n"
    )
    env = {k: v for k, v in os.environ.items()
           if k != "ZEROGRAD_TUNE_MALLOC" and not k.startswith("MALLOC_")}
    result = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 50  # pages faulted per step
