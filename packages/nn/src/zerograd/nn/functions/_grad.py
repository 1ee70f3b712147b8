"""Calling a gradient Function that computes only the gradients its caller needs.

A fused Function's backward calls one gradient Function (``LinearGrad``, ...) whose forward does
the array math and whose own backward is made of Functions, so gradients of gradients work. A
Function's outputs must be arrays, so a gradient Function returns only the ``needed`` ones, in
order; ``needed_gradients`` puts them back in their inputs' places, None elsewhere.
"""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable


def needed_gradients(func: Function, needed: tuple[bool, ...], *inputs: Any
                     ) -> tuple[Variable | None, ...]:
    """``func(*inputs)``, which returns one Variable per True in ``needed``, spread over
    ``len(needed)`` places with None where nothing was needed (no call at all if nothing is)."""
    if not any(needed):
        return (None,) * len(needed)
    return spread(needed, func(*inputs))


def spread(needed: tuple[bool, ...], values: Any) -> tuple[Any, ...]:
    """The values of the needed places (a list or tuple, or one Variable), None in the others."""
    values = iter(values if type(values) in (list, tuple) else (values,))
    return tuple(next(values) if need else None for need in needed)

