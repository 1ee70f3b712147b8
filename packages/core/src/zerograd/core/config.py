"""Global switches of the engine: whether operations record a graph, and train/test mode."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


class Config:
    """Process-wide settings read on every operation (class attributes: one lookup, no instance).

    enable_backprop: record the computational graph so that backward() can run.
    train: training mode; dropout and batch normalisation behave differently when it is False.
    """

    enable_backprop = True
    train = True


@contextlib.contextmanager
def using_config(name: str, value: Any) -> Iterator[None]:
    """Set ``Config.<name>`` to ``value`` inside a ``with`` block, restoring it afterwards.

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
    """Run the ``with`` block without recording a graph (inference, parameter updates)."""
    return using_config("enable_backprop", False)
