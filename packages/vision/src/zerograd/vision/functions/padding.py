"""Padding of the trailing axes of an array in PyTorch's four modes: constant, reflect,
replicate and circular; negative widths crop. Widths come as PyTorch gives them: pairs
(before, after) starting from the last axis.

Constant padding is one Function whose gradient is the crop (padding by the negated widths);
the other modes gather each padded axis from source indices, so their gradient adds the
repeated border values back (a scatter-add)."""

from __future__ import annotations

from typing import Any

from zerograd.core import Function, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module

MODES = ("constant", "reflect", "replicate", "circular")


class ConstantPad(Function):
    """y = x with ``widths[a] = (before, after)`` elements of ``value`` added on axis a
    (negative widths crop); the gradient is ConstantPad of the negated widths with 0."""

    __slots__ = ("widths", "value")

    def __init__(self, widths: tuple[tuple[int, int], ...], value: float) -> None:
        self.widths, self.value = widths, value

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, self.widths))
        y = xp.full(shape, self.value, dtype=x.dtype)
        src = tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(x.shape, self.widths))
        dst = tuple(slice(max(b, 0), m - max(a, 0)) for m, (b, a) in zip(shape, self.widths))
        y[dst] = x[src]
        return y

    def backward(self, gy: Variable) -> Variable:
        return ConstantPad(tuple((-b, -a) for b, a in self.widths), 0)(gy)


NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class EdgePad(Function):
    """y = x padded from its own elements (``mode`` reflect, replicate or circular) by the
    non-negative ``widths[a] = (before, after)``; the gradient adds each border back onto the
    elements it copied, slice by slice (EdgePadGrad), with no scatter."""

    __slots__ = ("widths", "mode")

    def __init__(self, widths: tuple[tuple[int, int], ...], mode: str) -> None:
        self.widths, self.mode = widths, mode

    def forward(self, x: Any) -> Any:
        return get_array_module(x).pad(x, self.widths, mode=NUMPY_MODES[self.mode])

    def backward(self, gy: Variable) -> Variable:
        return EdgePadGrad(self.widths, self.mode)(gy)


class EdgePadGrad(Function):
    """EdgePad's adjoint: the middle of gy plus each border added where it was copied from."""

    __slots__ = ("widths", "mode")

    def __init__(self, widths: tuple[tuple[int, int], ...], mode: str) -> None:
        self.widths, self.mode = widths, mode

    def forward(self, gy: Any) -> Any:
        for axis, (b, a) in enumerate(self.widths):
            if (b, a) != (0, 0):
                gy = _fold_borders(gy, axis, b, a, self.mode)
        return gy

    def backward(self, ggx: Variable) -> Variable:
        return EdgePad(self.widths, self.mode)(ggx)


def _fold_borders(g: Any, axis: int, b: int, a: int, mode: str) -> Any:
    """g without its ``b`` and ``a`` border slices along ``axis``, each added onto its source."""
    def at(start: Any, stop: Any, step: Any = None) -> tuple[slice, ...]:
        return (slice(None),) * axis + (slice(start, stop, step),)

    n = g.shape[axis] - b - a
    out = g[at(b, b + n)].copy()
    if mode == "reflect":  # border k before the edge copies element k (0 is the edge itself)
        if b:
            out[at(1, b + 1)] += g[at(b - 1, None, -1)]
        if a:
            out[at(n - 1 - a, n - 1)] += g[at(None, b + n - 1, -1)]
    elif mode == "replicate":
        out[at(0, 1)] += g[at(0, b)].sum(axis=axis, keepdims=True)
        out[at(n - 1, n)] += g[at(b + n, None)].sum(axis=axis, keepdims=True)
    else:  # circular: the border before copies the last b elements, the one after the first a
        out[at(n - b, n)] += g[at(0, b)]
        out[at(0, a)] += g[at(b + n, None)]
    return out


def _source_indices(xp: Any, n: int, before: int, after: int, mode: str) -> Any:
    """For each position of the padded axis, the index of the input element it copies."""
    if mode == "circular":  # PyTorch crops the negative widths first, then wraps the rest
        lo, hi = max(-before, 0), n - max(-after, 0)
        return lo + xp.arange(-max(before, 0), hi - lo + max(after, 0)) % (hi - lo)
    j = xp.arange(-before, n + after)
    if mode == "replicate":
        return xp.clip(j, 0, n - 1)
    j = xp.abs(j)  # reflect: mirror at 0, then at n - 1
    return xp.where(j > n - 1, 2 * (n - 1) - j, j)


def _widths(op: str, x: Variable, pad: Any) -> tuple[tuple[int, int], ...]:
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"{op}: pad must hold an even number of widths, at most 2 per axis of "
                         f"x (shape {x.shape}), got {pad}")
    pairs = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        pairs[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return tuple(pairs)


def pad(x: Any, pad: Any, mode: str = "constant", value: float = 0.0) -> Variable:
    """x padded on its trailing axes: ``pad`` = (last_before, last_after, previous_before, ...)
    as in PyTorch's F.pad; ``mode`` is 'constant' (with ``value``), 'reflect' (mirror without
    repeating the edge), 'replicate' (repeat the edge) or 'circular' (wrap around).

    >>> import numpy as np
    >>> pad(np.array([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    variable([[3. 2. 1. 2. 3. 2.]])
    """
    x = as_variable(x)
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    widths = _widths("pad", x, pad)
    for axis, (n, (b, a)) in enumerate(zip(x.shape, widths)):
        if (b, a) == (0, 0):
            continue
        if n + b + a < 0 or (mode in ("reflect", "circular") and n + min(b, 0) + min(a, 0) <= 0):
            raise ValueError(f"pad: widths {(b, a)} leave nothing of axis {axis} (length {n}) of "
                             f"x of shape {x.shape}")
        if mode == "reflect" and max(b, a) >= n:
            raise ValueError(f"pad: reflect widths must be smaller than the axis they pad, got "
                             f"{(b, a)} for axis {axis} of length {n} (x of shape {x.shape})")
        if mode == "circular" and max(b, a) > n:
            raise ValueError(f"pad: circular widths must not exceed the axis they pad, got "
                             f"{(b, a)} for axis {axis} of length {n} (x of shape {x.shape})")
    if mode == "constant":
        return ConstantPad(widths, value)(x)
    if all(b >= 0 and a >= 0 for b, a in widths):
        return EdgePad(widths, mode)(x)
    xp = get_array_module(x.data)  # cropping widths: gather each axis from its source indices
    y = x
    for axis, (b, a) in enumerate(widths):
        if (b, a) != (0, 0):
            index = (slice(None),) * axis + (_source_indices(xp, x.shape[axis], b, a, mode),)
            y = CF.get_item(y, index)
    return y
