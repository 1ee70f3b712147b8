"""Train and test mode: the switch that dropout and batch normalisation read.

Layers ask ``Layer.is_training()`` (their own ``training`` flag and ``Config.train``); the
functions (``F.dropout``, ``F.batch_norm``) take ``train=`` and default to ``Config.train``
through ``is_training`` below.
"""

from __future__ import annotations

import contextlib

from zerograd.core import Config, using_config


def test_mode() -> contextlib.AbstractContextManager[None]:
    """Run the ``with`` block in test mode (``Config.train`` False): dropout passes its input
    through and batch normalisation uses its running statistics.

    >>> from zerograd.core import Config
    >>> with test_mode():
    ...     Config.train
    False
    >>> Config.train
    True
    """
    return using_config("train", False)


def is_training(flag: bool | None) -> bool:
    """The mode an operation runs in: ``flag`` when given, else ``Config.train``."""
    return Config.train if flag is None else bool(flag)


test_mode.__test__ = False  # pytest: not a test, despite the name
