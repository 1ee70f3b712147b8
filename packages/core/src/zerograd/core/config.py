"""The engine's switches: whether operations record a graph, and train/test mode, per thread."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any


class ThreadLocalConfig(threading.local):
    """The settings every operation reads, one copy per thread (the type of ``Config``).

    enable_backprop: record the computational graph so that backward() can run.
    train: training mode; dropout and batch normalisation behave differently when it is False.
    kernels: use the compiled CPU kernels (zerograd.core.kernels) where Numba is installed; off
        when the environment variable ZEROGRAD_KERNELS is 0 (NumPy only, the reference).

    The class attributes are each thread's starting values; ``Config.train = False`` (the book's
    style) or ``no_grad()`` changes the calling thread's copy only, so one thread evaluating under
    ``no_grad()`` never stops another from recording its graph. A threading.local instance, not a
    class with a property-bearing metaclass: reading it costs what a class attribute costs
    (about 45 ns here, against 100 ns for a metaclass property), and Function.__call__ reads
    ``enable_backprop`` on every operation.
    """

    enable_backprop = True
    train = True
    kernels = os.environ.get("ZEROGRAD_KERNELS", "1").strip().lower() not in ("0", "false", "off", "no")


Config = ThreadLocalConfig()


@contextlib.contextmanager
def using_config(name: str, value: Any) -> Iterator[None]:
    """Set ``Config.<name>`` to ``value`` inside a ``with`` block, restoring it afterwards (in this
    thread only).

    >>> with using_config('train', False):
    ...     Config.train
    False
    >>> Config.train
    True
    """
    if not hasattr(Config, name):
        raise AttributeError(f"using_config: Config has no setting {name!r}")
    old_value = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old_value)


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Run the ``with`` block without recording a graph (inference, parameter updates); other
    threads keep recording theirs."""
    return using_config("enable_backprop", False)
