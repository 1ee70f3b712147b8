"""How the facade's modules reach ``zerograd.torch.nn.functional``: by name, at call time, so a
module whose function the facade lacks raises an error naming both instead of guessing; and
keyword arguments passed only where they differ from PyTorch's defaults, so a function that
does not take an option yet is never handed its default."""

from __future__ import annotations

from typing import Any

from zerograd.torch.nn import functional

__all__ = ["call", "options"]


def call(module: str, function: str, *args: Any, **kwargs: Any) -> Any:
    """``functional.<function>(*args, **kwargs)`` on behalf of ``nn.<module>``."""
    fn = getattr(functional, function, None)
    if fn is None:
        raise NotImplementedError(f"nn.{module} needs torch.nn.functional.{function}, which "
                                  f"zerograd.torch does not offer yet")
    return fn(*args, **kwargs)


def options(**pairs: tuple[Any, Any]) -> dict[str, Any]:
    """``{name: value}`` for each ``name=(value, default)`` whose value is not the default."""
    return {name: value for name, (value, default) in pairs.items()
            if value is not default and value != default}
