"""Rearranging elements: roll, flip, repeat (tile), repeat_interleave, moveaxis, diag, diagonal,
tril, triu, narrow, chunk, unbind, unflatten.

Moves of elements are ``index_map`` calls (their gradient adds back where each element came
from); tril and triu keep a constant mask's elements (built once per shape).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from zerograd.core.checks import normalize_axis
from zerograd.core.cuda import get_array_module
from zerograd.core.function import Function
from zerograd.core.functions.indexing import index_map
from zerograd.core.functions.shape import get_item, reshape
from zerograd.core.variable import Variable, as_variable


def _axes(op: str, axes: Any, ndim: int) -> tuple[int, ...]:
    items = tuple(axes) if isinstance(axes, (tuple, list)) else (axes,)
    return tuple(normalize_axis(op, a, max(ndim, 1)) for a in items)


class Roll(Function):
    """y = x rolled by ``shifts`` along ``axes`` (None: over the flattened x); the gradient rolls
    back by the negated shifts, a copy rather than a scatter."""

    __slots__ = ("shifts", "axes")

    def __init__(self, shifts: Any, axes: Any) -> None:
        self.shifts, self.axes = shifts, axes

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        if self.axes is None:
            return xp.roll(x.reshape(-1), self.shifts).reshape(x.shape)
        return xp.roll(x, self.shifts, self.axes)

    def backward(self, gy: Variable) -> Variable:
        shifts = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return Roll(shifts, self.axes)(gy)


class Flip(Function):
    """y = x reversed along ``axes`` (a copy, as PyTorch's); its gradient is the same flip."""

    __slots__ = ("axes",)

    def __init__(self, axes: tuple[int, ...]) -> None:
        self.axes = axes

    def forward(self, x: Any) -> Any:
        return get_array_module(x).flip(x, self.axes).copy()

    def backward(self, gy: Variable) -> Variable:
        return Flip(self.axes)(gy)


def roll(x: Any, shifts: Any, axis: Any = None) -> Variable:
    """Elements shifted cyclically by ``shifts`` along ``axis`` (over the flattened x when None)."""
    x = as_variable(x)
    shifts = tuple(int(s) for s in shifts) if isinstance(shifts, (tuple, list)) else int(shifts)
    if axis is None:
        return Roll(shifts, None)(x)
    if x.ndim == 0:
        return index_map(x, lambda a: a.copy())
    axes = _axes("roll", axis, x.ndim)
    return Roll(shifts, axes if len(axes) > 1 else axes[0])(x)


def flip(x: Any, axis: Any) -> Variable:
    """x reversed along ``axis`` (an int or a sequence of them)."""
    x = as_variable(x)
    if x.ndim == 0:
        return index_map(x, lambda a: a.copy())
    return Flip(_axes("flip", axis, x.ndim))(x)


class Tile(Function):
    """y = numpy.tile(x, reps); the gradient sums gy's copies: gy seen as (copies, size) pairs
    of axes and summed over the copies (a reshape and a sum, no scatter)."""

    __slots__ = ("reps",)

    def __init__(self, reps: tuple[int, ...]) -> None:
        self.reps = reps

    def forward(self, x: Any) -> Any:
        return get_array_module(x).tile(x, self.reps)

    def backward(self, gy: Variable) -> Variable:
        from zerograd.core.functions.reduction import sum as total
        shape = self.inputs[0].shape
        d = max(len(self.reps), len(shape))
        reps = (1,) * (d - len(self.reps)) + self.reps
        sizes = (1,) * (d - len(shape)) + tuple(shape)
        pairs = tuple(n for pair in zip(reps, sizes) for n in pair)
        summed = total(reshape(gy, pairs), axis=tuple(range(0, 2 * d, 2)))
        return reshape(summed, shape)


def tile(x: Any, reps: Any) -> Variable:
    """numpy.tile (torch.tile): x repeated ``reps`` times along each axis."""
    x = as_variable(x)
    reps = tuple(int(r) for r in reps) if isinstance(reps, (tuple, list)) else (int(reps),)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repeats must not be negative, got {reps}")
    return Tile(reps)(x)


def repeat(x: Any, repeats: Any) -> Variable:
    """torch.Tensor.repeat: like tile, but ``repeats`` must name every axis of x (or more)."""
    x = as_variable(x)
    repeats = tuple(repeats)
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeats for a tensor of {x.ndim} dimensions")
    return tile(x, repeats)


def repeat_interleave(x: Any, repeats: Any, axis: int | None = None) -> Variable:
    """Each element (along ``axis``, or of the flattened x) repeated ``repeats`` times."""
    x = as_variable(x)
    xp = get_array_module(x.data)
    repeats = repeats.data if isinstance(repeats, Variable) else repeats
    if axis is None:
        return index_map(x, lambda a: xp.repeat(a.reshape(-1), repeats))
    axis = normalize_axis("repeat_interleave", axis, max(x.ndim, 1))
    if x.ndim == 0:
        return index_map(x, lambda a: xp.repeat(a.reshape(-1), repeats))
    return index_map(x, lambda a: xp.repeat(a, repeats, axis=axis))


def moveaxis(x: Any, source: Any, destination: Any) -> Variable:
    """Axes moved from ``source`` to ``destination`` (numpy.moveaxis, torch.movedim)."""
    from zerograd.core.functions.shape import transpose
    x = as_variable(x)
    src = _axes("moveaxis", source, x.ndim)
    dst = _axes("moveaxis", destination, x.ndim)
    if len(src) != len(dst):
        raise ValueError(f"moveaxis: {len(src)} sources and {len(dst)} destinations")
    if x.ndim == 0:
        return index_map(x, lambda a: a.copy())
    order = [n for n in range(x.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, tuple(order))


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Variable:
    """The diagonal over two axes, appended as the last axis (numpy.diagonal, torch.diagonal)."""
    x = as_variable(x)
    xp = get_array_module(x.data)
    a1, a2 = _axes("diagonal", (axis1, axis2), x.ndim)
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 are both {a1}")
    return index_map(x, lambda a: xp.diagonal(a, offset, a1, a2).copy())


def diag(x: Any, k: int = 0) -> Variable:
    """A 1-d x as the k-th diagonal of a square matrix, or a 2-d x's k-th diagonal."""
    x = as_variable(x)
    xp = get_array_module(x.data)
    if x.ndim not in (1, 2):
        raise ValueError(f"diag: expects a 1-d or 2-d input, got shape {x.shape}")
    if x.ndim == 2:
        return diagonal(x, k)
    n = x.shape[0] + abs(k)
    rows = xp.arange(x.shape[0]) + max(-k, 0)
    cols = xp.arange(x.shape[0]) + max(k, 0)
    # zeros off the diagonal are not moved elements, so this is a scatter (index_map's adjoint)
    from zerograd.core.functions.indexing import scatter_flat
    return scatter_flat(x, rows * n + cols, (n, n))


def _triangle_mask(xp: Any, rows: int, cols: int, k: int, upper: bool) -> Any:
    """The elements a triangle keeps."""
    ones = xp.ones((rows, cols), dtype=bool)
    return xp.triu(ones, k) if upper else xp.tril(ones, k)


@functools.lru_cache(maxsize=64)
def _host_triangle_mask(rows: int, cols: int, k: int, upper: bool) -> Any:
    """_triangle_mask on the host, built once per shape (read-only, as it is shared)."""
    mask = _triangle_mask(np, rows, cols, k, upper)
    mask.setflags(write=False)
    return mask


class Triangle(Function):
    """y = the upper (or lower) triangle of x's last two axes from the k-th diagonal, zeros
    elsewhere (NaN included); the gradient is the same triangle of gy."""

    __slots__ = ("k", "upper")

    def __init__(self, k: int, upper: bool) -> None:
        self.k, self.upper = k, upper

    def forward(self, x: Any) -> Any:
        xp = get_array_module(x)
        mask = _host_triangle_mask(*x.shape[-2:], self.k, self.upper) if xp is np \
            else _triangle_mask(xp, *x.shape[-2:], self.k, self.upper)
        return xp.where(mask, x, xp.zeros((), dtype=x.dtype))

    def backward(self, gy: Variable) -> Variable:
        return Triangle(self.k, self.upper)(gy)


def _triangle(x: Any, k: int, upper: bool, op: str) -> Variable:
    x = as_variable(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: expects at least 2 dimensions, got shape {x.shape}")
    return Triangle(int(k), upper)(x)


def tril(x: Any, k: int = 0) -> Variable:
    """The lower triangle of the last two axes (elements above the k-th diagonal zeroed)."""
    return _triangle(x, k, False, "tril")


def triu(x: Any, k: int = 0) -> Variable:
    """The upper triangle of the last two axes (elements below the k-th diagonal zeroed)."""
    return _triangle(x, k, True, "triu")


def narrow(x: Any, axis: int, start: int, length: int) -> Variable:
    """``length`` elements of x from ``start`` along ``axis``."""
    x = as_variable(x)
    axis = normalize_axis("narrow", axis, x.ndim)
    n = x.shape[axis]
    if start < 0:
        start += n
    if not (0 <= start and length >= 0 and start + length <= n):
        raise ValueError(f"narrow: start {start} and length {length} exceed dimension {axis} "
                         f"of size {n}")
    index = tuple(slice(start, start + length) if d == axis else slice(None) for d in range(x.ndim))
    return get_item(x, index)


def split_sizes(x: Any, sizes: Any, axis: int = 0) -> list[Variable]:
    """torch.split: pieces of ``sizes`` (an int: equal pieces of that size, the last smaller)
    along ``axis``."""
    x = as_variable(x)
    axis = normalize_axis("split", axis, x.ndim)
    n = x.shape[axis]
    if isinstance(sizes, int):
        if sizes <= 0 and n:
            raise ValueError(f"split: split_size must be positive, got {sizes}")
        sizes = [sizes] * (n // sizes) + ([n % sizes] if n % sizes else []) if n else [0]
    if sum(sizes) != n:
        raise ValueError(f"split: sizes {list(sizes)} do not add up to dimension {axis} of size {n}")
    pieces, start = [], 0
    for size in sizes:
        index = tuple(slice(start, start + size) if d == axis else slice(None) for d in range(x.ndim))
        pieces.append(get_item(x, index))
        start += size
    return pieces


def chunk(x: Any, chunks: int, axis: int = 0) -> list[Variable]:
    """torch.chunk: at most ``chunks`` pieces of ceil(n / chunks) along ``axis``."""
    x = as_variable(x)
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[normalize_axis("chunk", axis, x.ndim)]
    size = -(-n // chunks) if n else 1
    return split_sizes(x, size if n else [0], axis)


def unbind(x: Any, axis: int = 0) -> list[Variable]:
    """The slices of x along ``axis``, that axis removed."""
    x = as_variable(x)
    axis = normalize_axis("unbind", axis, x.ndim)
    return [get_item(x, tuple(i if d == axis else slice(None) for d in range(axis + 1)))
            for i in range(x.shape[axis])]


def unflatten(x: Any, axis: int, sizes: Any) -> Variable:
    """Axis ``axis`` of x split into ``sizes`` (one of them may be -1)."""
    x = as_variable(x)
    axis = normalize_axis("unflatten", axis, x.ndim)
    sizes = list(sizes)
    if -1 in sizes:
        known = 1
        for s in sizes:
            known *= s if s != -1 else 1
        sizes[sizes.index(-1)] = x.shape[axis] // known if known else 0
    shape = (*x.shape[:axis], *sizes, *x.shape[axis + 1:])
    return reshape(x, shape)


def unfold(x: Any, axis: int, size: int, step: int) -> Variable:
    """Windows of ``size`` elements every ``step`` along ``axis``, as a new last axis
    (torch.Tensor.unfold)."""
    x = as_variable(x)
    xp = get_array_module(x.data)
    if x.ndim == 0:
        if size > 1:
            raise ValueError(f"unfold: size {size} exceeds a 0-d tensor")
        return reshape(x, (1,))
    axis = normalize_axis("unfold", axis, x.ndim)
    if size > x.shape[axis] or step <= 0:
        raise ValueError(f"unfold: size {size} and step {step} do not fit dimension {axis} of "
                         f"shape {x.shape}")
    from numpy.lib.stride_tricks import sliding_window_view
    view = sliding_window_view if xp.__name__ == "numpy" else xp.lib.stride_tricks.sliding_window_view
    every = tuple(slice(None, None, step) if d == axis else slice(None) for d in range(x.ndim))
    return index_map(x, lambda a: view(a, size, axis=axis)[every])
