"""Argument checks shared by the functional modules: each error names the function and values."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Variable, as_variable, cuda


def floating_variable(op: str, name: str, x: Any) -> Variable:
    """``x`` as a Variable holding a floating array, or a TypeError naming ``op`` and ``name``."""
    x = as_variable(x)
    if x.data is None:
        raise ValueError(f"{op}: {name} has no data (a parameter that is not sized yet?)")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating array, got dtype {x.dtype}")
    return x


def label_array(op: str, t: Any, n: int, n_classes: int | None = None) -> Any:
    """Integer labels as a flat array of length ``n``, each in [0, n_classes). The range is checked
    on the host only: on a GPU it would copy two values to the host on every step."""
    t = t.data if isinstance(t, Variable) else t
    if not hasattr(t, "dtype") or t.dtype.kind not in "iu":
        kind = getattr(t, "dtype", type(t).__name__)
        raise TypeError(f"{op}: t must be an integer array of class labels, got {kind}")
    if t.size != n:
        raise ValueError(f"{op}: t of shape {t.shape} has {t.size} labels for {n} samples")
    t = t.reshape(n)
    on_host = cuda.get_array_module(t) is np
    if on_host and n_classes is not None and n and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise ValueError(f"{op}: labels must lie in [0, {n_classes}), got values from "
                         f"{int(t.min())} to {int(t.max())}")
    return t


def batch_size(op: str, x: Variable, name: str = "x") -> int:
    """The length of the batch axis (losses divide by it), or a ValueError if it is 0."""
    return nonempty_batch(op, name, x.shape)


def nonempty_batch(op: str, name: str, shape: tuple[int, ...]) -> int:
    """shape[0], the batch size, after checking that there is a batch axis and a sample."""
    if len(shape) == 0:
        raise ValueError(f"{op}: {name} must have a batch axis, got a 0-d array")
    if shape[0] == 0:
        raise ValueError(f"{op}: the batch is empty ({name} of shape {shape}); a loss over no "
                         "samples is undefined")
    return shape[0]
