"""Keeping glibc from handing a training step's memory back to the kernel after every step.

A training step allocates and frees the same large temporaries on every iteration. glibc trims the
top of its heap whenever it shrinks, so the next step faults the same pages in again: on a small
CNN here, about 1,800 page faults and 10% of every step. Asking glibc to keep 256 MiB of padding
at the top of the heap (M_TOP_PAD) removes them all without raising the peak memory, much as
PyTorch's allocators keep freed blocks for reuse.

Importing zerograd changes nothing here: the setting is the whole process's, so a program asks for
it by calling ``tune_malloc()`` once at start-up, as the training command and the benchmarks do. It
acts on Linux with glibc only, and leaves malloc untouched when ZEROGRAD_TUNE_MALLOC=0 is set or when
the user already chose a value (MALLOC_TOP_PAD_).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TOP_PAD = -2  # glibc's mallopt parameter number
TOP_PAD_BYTES = 256 << 20


def tune_malloc(top_pad: int = TOP_PAD_BYTES) -> bool:
    """Set glibc's M_TOP_PAD to ``top_pad`` bytes for the whole process; True when it was set.

    Call it once at the start of a training program (about 10% of a small CNN's step); False on
    other platforms, under ZEROGRAD_TUNE_MALLOC=0, or when MALLOC_TOP_PAD_ already chose a value.

    >>> isinstance(tune_malloc(), bool)
    True
    """
    if (os.environ.get("ZEROGRAD_TUNE_MALLOC") == "0" or "MALLOC_TOP_PAD_" in os.environ
            or not sys.platform.startswith("linux")):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, say)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(M_TOP_PAD, int(top_pad)) == 1
