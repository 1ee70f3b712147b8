"""Keeping glibc from handing a training step's memory back to the kernel after every step.

A training step allocates and frees the same large temporaries on every iteration. Left to
itself, glibc serves each array above its mmap threshold with a fresh mapping and trims the top of
its heap whenever it shrinks, so the next step faults the same pages in again: on a small CNN here,
about 5,000 page faults a step. ``tune_malloc()`` sets three of glibc's parameters:

- M_MMAP_THRESHOLD to 32 MiB (glibc's largest): arrays below it come from the heap and are reused;
- M_TRIM_THRESHOLD to 512 MiB: freed heap stays with the process;
- M_TOP_PAD to 256 MiB: the heap grows in large steps.

All three, because setting any one of them freezes glibc's dynamic mmap threshold wherever it
happens to stand: the top padding alone, set after importing zerograd.nn, left the MLP step
faulting thousands of pages and slower than untuned; all three leave no faults and make the MLP
and CNN steps faster than untuned. ``python benchmarks/allocator.py`` measures it (figures in
benchmarks/RESULTS.md, "Measured design choices"). Peak memory does
not grow: PyTorch's CPU allocator keeps freed blocks the same way.

Importing zerograd changes nothing here: the setting is the whole process's, so a program asks for
it by calling ``tune_malloc()`` once at start-up, as the training command and the benchmarks do. It
acts on Linux with glibc only, and leaves malloc untouched when ZEROGRAD_TUNE_MALLOC=0 is set or when
the user already chose one of these values (MALLOC_TOP_PAD_, MALLOC_MMAP_THRESHOLD_,
MALLOC_TRIM_THRESHOLD_).
"""

from __future__ import annotations

import ctypes
import os
import sys

# glibc's mallopt parameter numbers and zerograd's values for them
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
SETTINGS = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 512 << 20, M_TOP_PAD: 256 << 20}
USER_SETTINGS = ("MALLOC_TOP_PAD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def tune_malloc() -> bool:
    """Set glibc's mmap threshold, trim threshold and top padding for the whole process (see the
    module); True when they were set.

    Call it once at the start of a training program; False on other platforms, under
    ZEROGRAD_TUNE_MALLOC=0, or when the user already chose one of the values.

    >>> isinstance(tune_malloc(), bool)
    True
    """
    if (os.environ.get("ZEROGRAD_TUNE_MALLOC") == "0"
            or any(name in os.environ for name in USER_SETTINGS)
            or not sys.platform.startswith("linux")):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, say)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    results = [mallopt(parameter, value) for parameter, value in SETTINGS.items()]  # every one
    return all(result == 1 for result in results)
