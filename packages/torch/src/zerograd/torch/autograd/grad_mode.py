"""Grad-mode switches under PyTorch's names: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``inference_mode``, ``is_grad_enabled``. Each is a context manager and a decorator; all of them set
zerograd's per-thread ``Config.enable_backprop``, so the engine reads one flag."""

from __future__ import annotations

import functools
from typing import Any

from zerograd.core import Config


class _GradMode:
    """Set ``enable_backprop`` to ``self.mode`` inside a ``with`` block or a decorated function."""

    mode = True

    def __enter__(self) -> None:
        self._previous = Config.enable_backprop
        Config.enable_backprop = self.mode

    def __exit__(self, *exc: Any) -> None:
        Config.enable_backprop = self._previous

    def __call__(self, func: Any) -> Any:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with type(self)() if type(self) in (no_grad, enable_grad) else self._copy():
                return func(*args, **kwargs)

        return wrapped

    def _copy(self) -> _GradMode:
        return self


class no_grad(_GradMode):  # noqa: N801  (PyTorch's name)
    """Operations inside record no graph."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Operations inside record a graph, even within ``no_grad``."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """``set_grad_enabled(False)`` switches at once (as a call) and restores at the end of a
    ``with`` block."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = Config.enable_backprop
        Config.enable_backprop = self.mode

    def __enter__(self) -> None:
        pass  # already switched by the constructor, as in PyTorch

    def __call__(self, func: Any) -> Any:
        Config.enable_backprop = self._previous  # as a decorator it switches only inside
        return super().__call__(func)

    def _copy(self) -> _GradMode:
        return _Fixed(self.mode)


class _Fixed(_GradMode):
    def __init__(self, mode: bool) -> None:
        self.mode = mode


class inference_mode(_GradMode):  # noqa: N801
    """``no_grad`` (zerograd has no separate inference tensors); ``inference_mode(False)`` is a
    no-op, as in PyTorch."""

    def __init__(self, mode: bool = True) -> None:
        self.enabled = bool(mode)
        self._previous = Config.enable_backprop

    def __enter__(self) -> None:
        self._previous = Config.enable_backprop
        if self.enabled:
            Config.enable_backprop = False

    def _copy(self) -> _GradMode:
        return inference_mode(self.enabled)


def is_grad_enabled() -> bool:
    return bool(Config.enable_backprop)


def is_inference_mode_enabled() -> bool:
    return False
