"""Shape ops both ways: Reshape (with its attribute form before opset 5), Flatten, Transpose,
Concat, Split (attribute, input and num_outputs forms), Squeeze/Unsqueeze, Expand, Tile, and
the ops that make constants (Shape, Size, Constant, ConstantOfShape, Range)."""

from __future__ import annotations

from typing import Any

import numpy as np

import zerograd.core.functions as CF
from onnx import numpy_helper
from zerograd.core import Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import rearrange
from zerograd.core.functions import shape as shaping
from zerograd.onnx.ops.registry import (
    UnsupportedAttribute,
    axes_of,
    constant,
    data,
    exporter,
    given,
    importer,
    ints,
)
from zerograd.onnx.safety import check_element_count

LATEST = (13, 14, 19, 21, 23, 24, 25)


def _reshape_to(x: Any, shape: list[int], allowzero: bool) -> list:
    if not allowzero:
        shape = [x.shape[i] if n == 0 else n for i, n in enumerate(shape)]
    if not isinstance(x, Variable):
        return [np.reshape(x, shape)]
    return [CF.reshape(x, shape)]


importer("Reshape", 5, *LATEST)(
    lambda node, attrs, xs: _reshape_to(xs[0], ints(xs[1]), bool(attrs.get("allowzero", 0))))
importer("Reshape", 1)(lambda node, attrs, xs: _reshape_to(xs[0], list(attrs["shape"]), False))


@importer("Flatten", 1, 9, 11, 13, 21, 23, 24, 25)
def _flatten(node: Any, attrs: dict, xs: list) -> list:
    x = xs[0]
    axis = attrs.get("axis", 1)
    axis = axis + x.ndim if axis < 0 else axis  # axis = ndim is allowed: (size, 1)
    return [CF.reshape(x, (int(np.prod(x.shape[:axis], dtype=np.int64)), -1))]


@importer("Transpose", 1, 13, 21, 23, 24, 25)
def _transpose(node: Any, attrs: dict, xs: list) -> list:
    perm = attrs.get("perm")
    if not isinstance(xs[0], Variable):
        return [np.transpose(xs[0], perm)]
    return [CF.transpose(xs[0], perm)]


@importer("Concat", 4, 11, 13)
def _concat(node: Any, attrs: dict, xs: list) -> list:
    parts = [x for x in xs if x is not None]
    axis = attrs["axis"] % max(np.ndim(data(parts[0])), 1)
    if not any(isinstance(x, Variable) for x in parts):
        return [get_array_module(data(parts[0])).concatenate(parts, axis=axis)]
    return [CF.concat(parts, axis=axis)]


def _split_sizes(x: Any, axis: int, sizes: list[int] | None, count: int) -> list:
    if sizes is None:
        step = -(-x.shape[axis] // count)
        sizes = [min(step, x.shape[axis] - step * i) for i in range(count)]
    pieces = CF.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)
    return list(pieces) if isinstance(pieces, (list, tuple)) else [pieces]


@importer("Split", 13, 18)
def _split(node: Any, attrs: dict, xs: list) -> list:
    axis = attrs.get("axis", 0) % xs[0].ndim
    sizes = ints(xs[1]) if given(xs, 1) else None
    return _split_sizes(xs[0], axis, sizes, attrs.get("num_outputs", len(node.output)))


@importer("Split", 2, 11)
def _split_attribute(node: Any, attrs: dict, xs: list) -> list:
    """Before opset 13 the sizes are the ``split`` attribute."""
    return _split_sizes(xs[0], attrs.get("axis", 0) % xs[0].ndim, attrs.get("split"), len(node.output))


@importer("Squeeze", 1, 11, 13, 21, 23, 24, 25)
def _squeeze(node: Any, attrs: dict, xs: list) -> list:
    axes = axes_of(attrs, xs, 1)
    axes = None if axes is None else tuple(a % xs[0].ndim for a in axes)
    if not isinstance(xs[0], Variable):
        return [np.squeeze(xs[0], axes)]
    return [CF.squeeze(xs[0], axes)]


@importer("Unsqueeze", 1, 11, 13, 21, 23, 24, 25)
def _unsqueeze(node: Any, attrs: dict, xs: list) -> list:
    x, axes = xs[0], axes_of(attrs, xs, 1)
    ndim = np.ndim(data(x)) + len(axes)
    shape = list(np.shape(data(x)))
    for axis in sorted(a % ndim for a in axes):
        shape.insert(axis, 1)
    return _reshape_to(x, shape, True)


@importer("Expand", 8, 13)
def _expand(node: Any, attrs: dict, xs: list) -> list:
    x, shape = xs[0], ints(xs[1])
    target = np.broadcast_shapes(tuple(np.shape(data(x))), tuple(shape))
    check_element_count("Expand", target)
    if not isinstance(x, Variable):
        return [np.broadcast_to(x, target).copy()]
    return [CF.broadcast_to(x, target)]


@importer("Tile", 6, 13)
def _tile(node: Any, attrs: dict, xs: list) -> list:
    x, repeats = xs[0], ints(xs[1])
    check_element_count("Tile", [n * r for n, r in zip(np.shape(data(x)), repeats)])
    if not isinstance(x, Variable):
        return [np.tile(x, repeats)]
    return [CF.tile(x, tuple(repeats))]


@importer("Shape", 1, 13, 15, 19, 21, 23, 24, 25)
def _shape(node: Any, attrs: dict, xs: list) -> list:
    shape = np.asarray(np.shape(data(xs[0])), dtype=np.int64)
    return [shape[attrs.get("start", 0):attrs.get("end", len(shape))]]


importer("Size", 1, 13, 19, 21, 23, 24, 25)(
    lambda node, attrs, xs: [np.asarray(np.size(data(xs[0])), dtype=np.int64)])


@importer("Constant", 9, 11, 12, 13, 19, 21, 23, 24, 25)
def _constant(node: Any, attrs: dict, xs: list) -> list:
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            value = attrs[key]
            if key == "value":
                return [numpy_helper.to_array(value)]
            return [np.asarray(value, dtype=np.float32 if "float" in key else np.int64)]
    raise UnsupportedAttribute(f"Constant: only value, value_float(s) and value_int(s), got {sorted(attrs)}")


@importer("ConstantOfShape", 9, 20, 21, 23, 24, 25)
def _constant_of_shape(node: Any, attrs: dict, xs: list) -> list:
    value = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
    check_element_count("ConstantOfShape", ints(xs[0]))
    return [np.full(ints(xs[0]), value.reshape(-1)[0], dtype=value.dtype)]


@importer("Range", 11)
def _range(node: Any, attrs: dict, xs: list) -> list:
    start, limit, delta = (constant(x).reshape(()) for x in xs[:3])
    dtype = np.result_type(start, limit, delta)
    count = max(int(np.ceil((limit - start) / delta)), 0)
    check_element_count("Range", [count])
    return [(start + np.arange(count) * delta).astype(dtype)]


# --- export ----------------------------------------------------------------------------------------
@exporter(shaping.Reshape)
def _reshape_export(e: Any, f: Any, ins: list, outs: list) -> None:
    e.node("Reshape", [ins[0], e.shape_target(f, f.inputs[0].shape, f.shape)], outs)


@exporter(shaping.Transpose)
def _transpose_export(e: Any, f: Any, ins: list, outs: list) -> None:
    axes = f.axes if f.axes is not None else tuple(reversed(range(f.inputs[0].ndim)))
    e.node("Transpose", [ins[0]], outs, perm=[int(a) for a in axes])


@exporter(shaping.BroadcastTo)
def _broadcast_to(e: Any, f: Any, ins: list, outs: list) -> None:
    """Expand broadcasts both ways, so 1 wherever x already has the size keeps those axes
    dynamic; a size x gets by broadcasting from 1 follows the traced shapes."""
    e.node("Expand", [ins[0], e.expand_target(f, f.inputs[0].shape, f.shape)], outs)


@exporter(shaping.SumTo)
def _sum_to(e: Any, f: Any, ins: list, outs: list) -> None:
    x_shape, shape = f.inputs[0].shape, tuple(f.shape)
    lead = len(x_shape) - len(shape)
    kept = [lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1]
    y = e.reduce("ReduceSum", ins[0], kept, True) if kept else ins[0]
    if lead:
        e.reduce("ReduceSum", y, list(range(lead)), False, out=outs[0])
    else:
        e.node("Identity", [y], outs)


@exporter(shaping.Concat)
def _concat_export(e: Any, f: Any, ins: list, outs: list) -> None:
    e.node("Concat", ins, outs, axis=int(f.axis))


@exporter(shaping.Split)
def _split_export(e: Any, f: Any, ins: list, outs: list) -> None:
    bounds = [0, *f.indices, f.inputs[0].shape[f.axis]]
    sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    e.node("Split", [ins[0], e.ints(sizes)], outs, axis=int(f.axis))


@exporter(rearrange.Tile)
def _tile_export(e: Any, f: Any, ins: list, outs: list) -> None:
    """NumPy's reps shorter than x's rank repeat the last axes; longer ones add leading axes."""
    ndim = f.inputs[0].ndim
    reps = [1] * (ndim - len(f.reps)) + [int(r) for r in f.reps]
    x = e.unsqueeze(ins[0], list(range(len(reps) - ndim))) if len(reps) > ndim else ins[0]
    e.node("Tile", [x, e.ints(reps)], outs)
