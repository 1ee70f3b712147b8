"""Argument checks shared by every package: one home for "is this an array?", "is this a
positive int?", "is this a finite number in range?" and axis normalisation.

Each check names the caller (``where``, e.g. ``"Linear"`` or ``"SGD"``), the argument and the
offending value, so the error reads as the user's mistake rather than NumPy's.

>>> check_positive_int("Linear", "out_size", 10)
10
>>> check_positive_int("Linear", "out_size", 10.5)
Traceback (most recent call last):
    ...
TypeError: Linear: out_size must be a positive int, got 10.5 (float)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda

ARRAY_TYPES: tuple[type, ...] = (np.ndarray, *cuda.DEVICE_ARRAY_TYPES)


def is_array(value: Any) -> bool:
    """True for a NumPy or CuPy array (not a Variable, not a list)."""
    return isinstance(value, ARRAY_TYPES)


def is_int(value: Any) -> bool:
    """A Python or NumPy integer, never a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value: Any) -> bool:
    """A Python or NumPy real number (int or float), never a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def _got(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def check_bool(where: str, name: str, value: Any) -> bool:
    """``value`` must be True or False (a size passed where a flag belongs fails here)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {_got(value)}")
    return bool(value)


def check_positive_int(where: str, name: str, value: Any, *, optional: bool = False) -> int | None:
    """``value`` must be an int > 0 (or None when ``optional``); returns it as a Python int."""
    if value is None and optional:
        return None
    if not is_int(value):
        raise TypeError(f"{where}: {name} must be a positive int, got {_got(value)}")
    if value <= 0:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


def check_int_pair(where: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, each at least ``minimum``, as a pair of Python ints."""
    if is_int(value):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{where}: {name} must be an int or a pair of ints, got {_got(value)}")
    if min(pair) < minimum:
        raise ValueError(f"{where}: {name} must be at least {minimum}, got {value!r}")
    return pair


def check_real(where: str, name: str, value: Any, *, low: float | None = None,
               high: float | None = None, low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number within [low, high] (an end is excluded when ``*_open``).

    >>> check_real("SGD", "lr", 0.1, low=0)
    0.1
    >>> check_real("Adam", "beta1", 1.0, low=0, high=1, high_open=True)
    Traceback (most recent call last):
        ...
    ValueError: Adam: beta1 must be a finite number in [0, 1), got 1.0
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    if low is not None and high is not None:
        rule = f"a finite number in {left}{low}, {high}{right}"
    elif low is not None:
        rule = f"a finite number {'>' if low_open else '>='} {low}"
    elif high is not None:
        rule = f"a finite number {'<' if high_open else '<='} {high}"
    else:
        rule = "a finite number"
    if not is_real(value):
        raise TypeError(f"{where}: {name} must be {rule}, got {_got(value)}")
    ok = bool(np.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        raise ValueError(f"{where}: {name} must be {rule}, got {value!r}")
    return value


def check_has_data(where: str, name: str, value: Any) -> None:
    """``value`` must hold an array: a Variable created with None (a parameter not sized yet) or
    None itself is refused before its missing shape is read.

    >>> class Lazy:
    ...     data = None
    >>> check_has_data("matmul", "a", Lazy())
    Traceback (most recent call last):
        ...
    ValueError: matmul: a has no data (a Variable created with None)
    """
    if value is None:
        raise ValueError(f"{where}: {name} is None, not an array")
    if getattr(value, "data", value) is None:
        raise ValueError(f"{where}: {name} has no data (a Variable created with None)")


def normalize_axis(where: str, axis: Any, ndim: int) -> int:
    """``axis`` (an int, NumPy ints too, negative counts from the end) as an index in [0, ndim).

    >>> normalize_axis("softmax", np.int64(-1), 2)
    1
    """
    if not is_int(axis):
        raise TypeError(f"{where}: axis must be an int, got {_got(axis)}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for an input with {ndim} dimensions")
    return int(axis) % ndim
