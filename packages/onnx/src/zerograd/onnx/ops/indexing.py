"""Indexing both ways: Slice (with its attribute form before opset 10), Gather and
GatherElements imported as zerograd's get_item; get_item exported as Slice/Squeeze/Unsqueeze for
basic indices, Gather for one integer array, GatherElements or GatherND for an array per axis."""

from __future__ import annotations

from typing import Any

import numpy as np

import zerograd.core.functions as CF
from zerograd.core import Variable, as_variable
from zerograd.core.functions import shape as shaping
from zerograd.core.functions.indexing import ScatterFlat, scatter_flat
from zerograd.onnx.ops.registry import constant, data, exporter, given, importer, ints, require, text


def _take(x: Any, index: tuple) -> Any:
    if not isinstance(x, Variable):
        return np.asarray(x)[index]
    return CF.get_item(x, index)


def _slice_run(x: Any, starts: list[int], ends: list[int], axes: list[int] | None,
               steps: list[int] | None) -> list:
    ndim = np.ndim(data(x))
    shape = np.shape(data(x))
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        first, stop, step = slice(start, end, step).indices(shape[axis % ndim])
        # indices() gives stop -1 for a backward slice through index 0: as a slice, None
        index[axis % ndim] = slice(first, None if stop < 0 else stop, step)
    return [_take(x, tuple(index))]


@importer("Slice", 10, 11, 13)
def _slice(node: Any, attrs: dict, xs: list) -> list:
    return _slice_run(xs[0], ints(xs[1]), ints(xs[2]), ints(xs[3]) if given(xs, 3) else None,
                      ints(xs[4]) if given(xs, 4) else None)


@importer("Slice", 1)
def _slice_attributes(node: Any, attrs: dict, xs: list) -> list:
    """Slice-1 takes starts, ends and axes as attributes."""
    return _slice_run(xs[0], list(attrs["starts"]), list(attrs["ends"]), attrs.get("axes"), None)


@importer("Gather", 1, 11, 13)
def _gather(node: Any, attrs: dict, xs: list) -> list:
    x, ids = xs[0], constant(xs[1])
    axis = attrs.get("axis", 0) % np.ndim(data(x))
    # the ids array itself when it needs no change: ids that are the model's input stay it on export
    ids = ids if ids.dtype == np.int64 else ids.astype(np.int64)
    if ids.ndim and (ids < 0).any():
        ids = np.where(ids < 0, ids + np.shape(data(x))[axis], ids)
    elif not ids.ndim:
        ids = int(ids) + (np.shape(data(x))[axis] if ids < 0 else 0)
    return [_take(x, (slice(None),) * axis + (ids,))]


@importer("GatherElements", 11, 13)
def _gather_elements(node: Any, attrs: dict, xs: list) -> list:
    """out[i][j][k] = x[i][ids[i][j][k]][k] (axis 1): an integer array per axis, the grid of
    positions on every axis but ``axis``."""
    x, ids = xs[0], constant(xs[1]).astype(np.int64)
    axis = attrs.get("axis", 0) % ids.ndim
    ids = np.where(ids < 0, ids + np.shape(data(x))[axis], ids)
    grid = list(np.indices(ids.shape, sparse=True))
    grid[axis] = ids
    return [_take(x, tuple(grid))]


@importer("ScatterND", 11, 13, 16, 18)
def _scatter_nd(node: Any, attrs: dict, xs: list) -> list:
    """data with ``updates`` written at ``indices`` (each a prefix of data's index): a Where
    between data and the updates scattered into zeros, so gradients reach both."""
    require("ScatterND", text(attrs.get("reduction", "none")) == "none", "a reduction")
    x, ids, updates = xs[0], constant(xs[1]).astype(np.int64), xs[2]
    shape = np.shape(data(x))
    depth = ids.shape[-1]
    inner = int(np.prod(shape[depth:], dtype=np.int64))
    starts = np.ravel_multi_index(tuple(np.moveaxis(ids, -1, 0)), shape[:depth], mode="wrap") * inner
    positions = (starts[..., None] + np.arange(inner)).reshape(-1)
    if not any(isinstance(v, Variable) for v in (x, updates)):
        out = np.array(data(x), copy=True).reshape(-1)
        out[positions] = np.asarray(data(updates)).reshape(-1)
        return [out.reshape(shape)]
    mask = np.zeros(int(np.prod(shape, dtype=np.int64)), bool)
    mask[positions] = True
    scattered = scatter_flat(CF.reshape(as_variable(updates), (-1,)), positions, (mask.size,))
    return [CF.reshape(CF.where(mask, scattered, CF.reshape(as_variable(x), (-1,))), shape)]


# --- export ----------------------------------------------------------------------------------------
def _is_array(part: Any) -> bool:
    return hasattr(part, "dtype") and hasattr(part, "shape") and part.dtype.kind in "iu"


def _describe(part: Any) -> str:
    if hasattr(part, "dtype") and hasattr(part, "shape"):
        return f"(a {part.dtype} array of shape {tuple(part.shape)})"
    return repr(part)


@exporter(shaping.GetItem)
def _get_item(e: Any, f: Any, ins: list, outs: list) -> None:
    """Basic indexing (ints, slices, None, Ellipsis) as Slice/Squeeze/Unsqueeze; one integer
    array with full slices elsewhere as Gather (the ids are the model's input when they are one,
    ``e.input_arrays``, else a constant); an integer array per axis as GatherElements when all
    but one are the position grid, else GatherND."""
    index = f.index if isinstance(f.index, tuple) else (f.index,)
    arrays = [i for i, part in enumerate(index) if _is_array(part)]
    if len(arrays) == 1 and all(isinstance(p, slice) and p == slice(None)
                                for i, p in enumerate(index) if i != arrays[0]):
        at = arrays[0]
        ids = e.input_arrays.get(id(index[at]))
        if ids is None:
            others = [np.asarray(g.index if at == 0 and not isinstance(g.index, tuple)
                                 else g.index[at], dtype=np.int64) for g in e.variants(f)]
            array = np.asarray(index[at], dtype=np.int64)
            if _growing_arange(array, others):  # positions 0..T-1: the first T rows
                end = e.size(e.forms(array.shape, [o.shape for o in others])[0])
                e.node("Slice", [ins[0], e.ints([0]), end, e.ints([at])], outs)
                return
            ids = e.literal(array, "ids", others)
        e.node("Gather", [ins[0], ids], outs, axis=at)
        return
    if arrays and len(arrays) == len(index) == f.inputs[0].ndim:
        _advanced(e, f, [np.asarray(p, dtype=np.int64) for p in index], ins[0], outs)
        return
    _basic_index(e, f, index, ins[0], outs[0])


def _growing_arange(array: np.ndarray, others: list[np.ndarray]) -> bool:
    """0, 1, ..., n-1 whose length follows a dynamic axis (a position table's lookup)."""
    return (array.ndim == 1 and any(o.shape != array.shape for o in others)
            and all(o.ndim == 1 and np.array_equal(o, np.arange(o.size)) for o in [array, *others]))


def _advanced(e: Any, f: Any, parts: list[np.ndarray], x: str, outs: list) -> None:
    shape = np.broadcast_shapes(*(p.shape for p in parts))
    full = [np.broadcast_to(p, shape) for p in parts]
    grid = np.indices(shape) if len(shape) == len(parts) else None
    if grid is not None:
        free = [a for a in range(len(parts)) if not np.array_equal(full[a], grid[a])]
        if len(free) <= 1:
            axis = free[0] if free else 0
            ids = e.literal(np.ascontiguousarray(full[axis]), "ids", _others(e, f, axis))
            e.node("GatherElements", [x, ids], outs, axis=axis)
            return
    ids = e.literal(np.stack(full, axis=-1), "ids", _others(e, f, None))
    e.node("GatherND", [x, ids], outs)


def _others(e: Any, f: Any, axis: int | None) -> list[np.ndarray]:
    """The same index arrays in the extra traces (for constants that follow a dynamic axis)."""
    result = []
    for g in e.variants(f):
        parts = [np.asarray(p, dtype=np.int64) for p in g.index]
        full = np.broadcast_arrays(*parts)
        result.append(np.ascontiguousarray(full[axis]) if axis is not None else np.stack(full, axis=-1))
    return result


def _basic_index(e: Any, f: Any, index: tuple, x: str, out: str) -> None:
    ndim = f.inputs[0].ndim
    if any(part is Ellipsis for part in index):
        at = index.index(Ellipsis)
        fill = ndim - (len(index) - 1 - sum(part is None for part in index))
        index = index[:at] + (slice(None),) * fill + index[at + 1:]
    starts, ends, axes, steps, squeezed, inserted = [], [], [], [], [], []
    axis = 0
    for position, part in enumerate(index):
        if part is None:
            inserted.append(position)
            continue
        if isinstance(part, slice):
            if part != slice(None):
                step = 1 if part.step is None else int(part.step)
                low, high = (0, np.iinfo(np.int64).max) if step > 0 else (-1, np.iinfo(np.int64).min)
                starts.append(low if part.start is None else int(part.start))
                ends.append(high if part.stop is None else int(part.stop))
                axes.append(axis)
                steps.append(step)
        elif isinstance(part, (int, np.integer)):
            starts.append(int(part))
            ends.append(int(part) + 1 if int(part) != -1 else np.iinfo(np.int64).max)
            axes.append(axis)
            steps.append(1)
            squeezed.append(axis)
        else:
            raise NotImplementedError(f"GetItem: index part {_describe(part)} has no ONNX mapping "
                                      "(ints, slices, None, Ellipsis, one integer array or one "
                                      "per axis)")
        axis += 1
    y = x
    if axes:
        y = e.node("Slice", [y, e.ints(starts), e.ints(ends), e.ints(axes), e.ints(steps)])
    if squeezed:
        y = e.squeeze(y, squeezed)
    if inserted:
        y = e.unsqueeze(y, inserted)
    e.node("Identity", [y], [out])


@exporter(ScatterFlat)
def _scatter_flat(e: Any, f: Any, ins: list, outs: list) -> None:
    """Zeros with the input added at flat positions: ScatterND on the flat zeros (reduction add
    from opset 16; before it, only positions that do not repeat)."""
    positions = np.asarray(f.positions, dtype=np.int64).reshape(-1, 1)
    repeats = np.unique(positions).size < positions.shape[0]
    if repeats and e.opset < 16:
        raise NotImplementedError(f"ScatterFlat: repeated positions need ScatterND's reduction "
                                  f"(opset 16), the export asks for opset {e.opset}")
    size = int(np.prod(f.shape, dtype=np.int64))
    zeros = e.literal(np.zeros(size, dtype=f.inputs[0].dtype), "zeros")
    flat = e.node("Reshape", [ins[0], e.ints([-1])])
    attrs = {"reduction": "add"} if repeats else {}
    scattered = e.node("ScatterND", [zeros, e.literal(positions, "positions"), flat], **attrs)
    e.node("Reshape", [scattered, e.ints(list(f.shape))], outs)
