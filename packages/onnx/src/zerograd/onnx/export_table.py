"""How each zerograd Function becomes ONNX nodes: one mapping per Function class, in one table
(``EXPORTS`` at the bottom; zerograd.text's recurrent Functions are mapped in export_recurrent).

A mapping is ``mapping(e, f, ins, outs)``: ``e`` is the Emitter, ``f`` the recorded Function (its
attributes and ``f.inputs`` give shapes and constants), ``ins`` the ONNX names of its inputs (None
for an absent optional input such as a recurrent cell's first state) and ``outs`` the names its
outputs must get. Shapes are written so that the batch axis (axis 0) stays dynamic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from onnx import helper
from zerograd.core.functions import arithmetic, reduction, selection
from zerograd.core.functions import cast as casting
from zerograd.core.functions import math as elementwise
from zerograd.core.functions import shape as shaping
from zerograd.core.functions.matmul import MatMul
from zerograd.nn.functions import activation, loss, normalization
from zerograd.nn.functions.dropout import Dropout
from zerograd.nn.functions.linear import Linear
from zerograd.onnx.export_recurrent import RECURRENT_EXPORTS
from zerograd.vision.functions.conv import Convolution2D, Deconvolution2D
from zerograd.vision.functions.pool import AveragePooling2D, MaxPooling2D

Mapping = Callable[[Any, Any, list, list], None]


def _dtype(f: Any) -> Any:
    return f.inputs[0].dtype


def _unary(op: str, **attrs: Any) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, **attrs)
    return mapping


def _binary(op: str) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, ins[:2], outs)
    return mapping


def _with_constant(op: str, constant_first: bool = False) -> Mapping:
    """x (op) c, or c (op) x: the constant ``f.c`` becomes an initializer of x's dtype."""
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        c = e.constant(f.c, _dtype(f))
        e.node(op, [c, ins[0]] if constant_first else [ins[0], c], outs)
    return mapping


def _with_attribute(op: str, **names: str) -> Mapping:
    """An activation whose attribute is one of the Function's (LeakyRelu's alpha = f.slope)."""
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, **{key: float(getattr(f, attr)) for key, attr in names.items()})
    return mapping


# --- core: shapes ------------------------------------------------------------------------------
def dynamic_shape(in_shape: tuple[int, ...], out_shape: tuple[int, ...]) -> list[int]:
    """A Reshape target that keeps the batch axis dynamic: 0 (copy) where the batch axis stays,
    -1 where it is folded into the first axis, or where it lands behind unit axes put in front of
    it (``expand_dims(x, 0)``, ``stack``: (N, H) -> (1, N, H))."""
    dims = list(out_shape)
    if not in_shape or not dims:
        return dims
    if dims[0] == in_shape[0]:
        dims[0] = 0
    elif -1 not in dims and in_shape[0] and dims[0] % in_shape[0] == 0:
        dims[0] = -1
    elif -1 not in dims and in_shape[0] != 1 and _non_unit(in_shape) == _non_unit(dims):
        dims[next(i for i, n in enumerate(dims) if n != 1)] = -1
    return dims


def _non_unit(shape: Any) -> list[int]:
    return [n for n in shape if n != 1]


def _reshape(e: Any, f: Any, ins: list, outs: list) -> None:
    shape = dynamic_shape(f.inputs[0].shape, f.shape)
    e.node("Reshape", [ins[0], e.ints(shape)], outs)


def _transpose(e: Any, f: Any, ins: list, outs: list) -> None:
    axes = f.axes if f.axes is not None else tuple(reversed(range(f.inputs[0].ndim)))
    e.node("Transpose", [ins[0]], outs, perm=[int(a) for a in axes])


def _broadcast_to(e: Any, f: Any, ins: list, outs: list) -> None:
    # Expand broadcasts both ways, so 1 wherever x already has the size keeps the batch dynamic.
    x_shape = (1,) * (len(f.shape) - f.inputs[0].ndim) + tuple(f.inputs[0].shape)
    target = [1 if a == b else b for a, b in zip(x_shape, f.shape)]
    e.node("Expand", [ins[0], e.ints(target)], outs)


def _sum_to(e: Any, f: Any, ins: list, outs: list) -> None:
    x_shape, shape = f.inputs[0].shape, tuple(f.shape)
    lead = len(x_shape) - len(shape)
    kept = [lead + i for i, n in enumerate(shape) if n == 1 and x_shape[lead + i] != 1]
    y = e.reduce("ReduceSum", ins[0], kept, True) if kept else ins[0]
    if lead:
        e.reduce("ReduceSum", y, list(range(lead)), False, out=outs[0])
    else:
        e.node("Identity", [y], outs)


def _concat(e: Any, f: Any, ins: list, outs: list) -> None:
    e.node("Concat", ins, outs, axis=int(f.axis))


def _split(e: Any, f: Any, ins: list, outs: list) -> None:
    bounds = [0, *f.indices, f.inputs[0].shape[f.axis]]
    sizes = [b - a for a, b in zip(bounds[:-1], bounds[1:])]
    e.node("Split", [ins[0], e.ints(sizes)], outs, axis=int(f.axis))


def _get_item(e: Any, f: Any, ins: list, outs: list) -> None:
    """Basic indexing (ints, slices, None, Ellipsis) as Slice/Squeeze/Unsqueeze; one integer
    array on the first axis (embed_id's lookup) as Gather. The ids are the model's input when
    it is one (``e.input_arrays``), else a constant."""
    index = f.index if isinstance(f.index, tuple) else (f.index,)
    if len(index) == 1 and hasattr(index[0], "dtype") and index[0].dtype.kind in "iu":
        ids = e.input_arrays.get(id(index[0]))
        if ids is None:
            ids = e.literal(index[0].astype(np.int64), "ids")
        e.node("Gather", [ins[0], ids], outs, axis=0)
        return
    _basic_index(e, f, index, ins[0], outs[0])


def _describe(part: Any) -> str:
    if hasattr(part, "dtype") and hasattr(part, "shape"):
        return f"(a {part.dtype} array of shape {tuple(part.shape)})"
    return repr(part)


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
                                      "(ints, slices, None, Ellipsis or one integer array)")
        axis += 1
    y = x
    if axes:
        y = e.node("Slice", [y, e.ints(starts), e.ints(ends), e.ints(axes), e.ints(steps)])
    if squeezed:
        y = e.squeeze(y, squeezed)
    if inserted:
        y = e.unsqueeze(y, inserted)
    e.node("Identity", [y], [out])


# --- core: reductions and selection ------------------------------------------------------------
def _reduction(op: str) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.reduce(op, ins[0], f.axis, f.keepdims, out=outs[0])
    return mapping


def _clip(e: Any, f: Any, ins: list, outs: list) -> None:
    dtype = _dtype(f)
    e.node("Clip", [ins[0], e.constant(f.x_min, dtype), e.constant(f.x_max, dtype)], outs)


def _where(e: Any, f: Any, ins: list, outs: list) -> None:
    condition = e.literal(np.asarray(f.condition, dtype=bool), "condition")
    e.node("Where", [condition, ins[0], ins[1]], outs)


def _as_type(e: Any, f: Any, ins: list, outs: list) -> None:
    e.node("Cast", [ins[0]], outs, to=helper.np_dtype_to_tensor_dtype(np.dtype(f.dtype)))


# --- nn ----------------------------------------------------------------------------------------
def _normal_cdf(e: Any, f: Any, ins: list, outs: list) -> None:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 (gelu is x * Phi(x))."""
    dtype = _dtype(f)
    erf = e.node("Erf", [e.node("Div", [ins[0], e.constant(np.sqrt(2.0), dtype)])])
    half = e.node("Add", [erf, e.constant(1.0, dtype)])
    e.node("Mul", [half, e.constant(0.5, dtype)], outs)


def _softplus(e: Any, f: Any, ins: list, outs: list) -> None:
    """log(1 + exp(beta x)) / beta; ONNX's Softplus has beta 1."""
    dtype = _dtype(f)
    y = e.node("Softplus", [e.node("Mul", [ins[0], e.constant(f.beta, dtype)])])
    e.node("Div", [y, e.constant(f.beta, dtype)], outs)


def _axis_op(op: str) -> Mapping:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, axis=int(f.axis))
    return mapping


def _linear(e: Any, f: Any, ins: list, outs: list) -> None:
    if len(ins) < 3 or ins[2] is None:
        e.node("MatMul", ins[:2], outs)
    else:
        e.node("Add", [e.node("MatMul", ins[:2]), ins[2]], outs)


def _batch_norm(e: Any, f: Any, ins: list, outs: list) -> None:
    """Inference form: the running statistics (the Function's arrays) become initializers."""
    if f.train:
        raise NotImplementedError("BatchNorm: recorded in train mode; export runs in test mode")
    mean = e.buffer(f.running_mean, "running_mean")
    var = e.buffer(f.running_var, "running_var")
    e.node("BatchNormalization", [ins[0], ins[1], ins[2], mean, var], outs, epsilon=float(f.eps))


def _layer_norm(e: Any, f: Any, ins: list, outs: list) -> None:
    """(x - mean) / sqrt(var + eps) * gamma + beta over f.axes, spelled out (LayerNormalization
    only exists from opset 17)."""
    dtype = _dtype(f)
    centred = e.node("Sub", [ins[0], e.reduce("ReduceMean", ins[0], f.axes, True)])
    var = e.reduce("ReduceMean", e.node("Mul", [centred, centred]), f.axes, True)
    std = e.node("Sqrt", [e.node("Add", [var, e.constant(f.eps, dtype)])])
    scaled = e.node("Mul", [e.node("Div", [centred, std]), ins[1]])
    e.node("Add", [scaled, ins[2]], outs)


def _mean_squared_error(e: Any, f: Any, ins: list, outs: list) -> None:
    """sum((x0 - x1)^2) / N."""
    diff = e.node("Sub", ins[:2])
    total = e.reduce("ReduceSum", e.node("Mul", [diff, diff]), None, False)
    e.node("Div", [total, e.batch_size(ins[0], _dtype(f))], outs)


def _softmax_cross_entropy(e: Any, f: Any, ins: list, outs: list) -> None:
    """-sum(log_softmax(x)[n, t[n]]) / N with the labels t (recorded with the Function)."""
    log_p = e.node("LogSoftmax", [ins[0]], axis=1)
    labels = e.literal(np.asarray(f.t, dtype=np.int64).reshape(-1, 1), "labels")
    picked = e.reduce("ReduceSum", e.node("GatherElements", [log_p, labels], axis=1), None, False)
    e.node("Div", [e.node("Neg", [picked]), e.batch_size(ins[0], _dtype(f))], outs)


# --- vision ------------------------------------------------------------------------------------
def _window_attrs(kernel: Any, stride: Any, pad: Any) -> dict[str, Any]:
    return {"kernel_shape": [int(k) for k in kernel], "strides": [int(s) for s in stride],
            "pads": [int(pad[0]), int(pad[1]), int(pad[0]), int(pad[1])]}


def _convolution(e: Any, f: Any, ins: list, outs: list) -> None:
    attrs = _window_attrs(f.inputs[1].shape[2:], f.stride, f.pad)
    e.node("Conv", [n for n in ins if n is not None], outs, dilations=[int(d) for d in f.dilation],
           group=int(f.groups), **attrs)


def _deconvolution(e: Any, f: Any, ins: list, outs: list) -> None:
    """ConvTranspose; output_padding restores the output size the Function was asked for."""
    x_hw, kernel = f.inputs[0].shape[2:], f.inputs[1].shape[2:]
    natural = [f.stride[i] * (x_hw[i] - 1) + f.dilation[i] * (kernel[i] - 1) + 1 - 2 * f.pad[i]
               for i in range(2)]
    attrs = _window_attrs(kernel, f.stride, f.pad)
    e.node("ConvTranspose", [n for n in ins if n is not None], outs,
           dilations=[int(d) for d in f.dilation], group=int(f.groups),
           output_padding=[int(f.out_hw[i] - natural[i]) for i in range(2)], **attrs)


def _max_pooling(e: Any, f: Any, ins: list, outs: list) -> None:
    g = f.geometry
    e.node("MaxPool", [ins[0]], outs, **_window_attrs(g.kernel, g.stride, g.pad))


def _average_pooling(e: Any, f: Any, ins: list, outs: list) -> None:
    g = f.geometry  # padding counts as zeros, as in zerograd
    e.node("AveragePool", [ins[0]], outs, count_include_pad=1,
           **_window_attrs(g.kernel, g.stride, g.pad))


EXPORTS: dict[type, Mapping] = {
    # core arithmetic
    arithmetic.Add: _binary("Add"),
    arithmetic.Sub: _binary("Sub"),
    arithmetic.Mul: _binary("Mul"),
    arithmetic.Div: _binary("Div"),
    arithmetic.Pow: _binary("Pow"),
    arithmetic.AddConstant: _with_constant("Add"),
    arithmetic.SubConstant: _with_constant("Sub"),
    arithmetic.SubFromConstant: _with_constant("Sub", constant_first=True),
    arithmetic.MulConstant: _with_constant("Mul"),
    arithmetic.DivConstant: _with_constant("Div"),
    arithmetic.ConstantDiv: _with_constant("Div", constant_first=True),
    arithmetic.PowConstant: _with_constant("Pow"),
    arithmetic.ConstantPow: _with_constant("Pow", constant_first=True),
    arithmetic.Neg: _unary("Neg"),
    MatMul: _binary("MatMul"),
    # core math
    elementwise.Sin: _unary("Sin"),
    elementwise.Cos: _unary("Cos"),
    elementwise.Tanh: _unary("Tanh"),
    elementwise.Exp: _unary("Exp"),
    elementwise.Log: _unary("Log"),
    elementwise.Sqrt: _unary("Sqrt"),
    elementwise.Abs: _unary("Abs"),
    casting.AsType: _as_type,
    # core shapes
    shaping.Reshape: _reshape,
    shaping.Transpose: _transpose,
    shaping.GetItem: _get_item,
    shaping.BroadcastTo: _broadcast_to,
    shaping.SumTo: _sum_to,
    shaping.Concat: _concat,
    shaping.Split: _split,
    # core reductions and selection
    reduction.Sum: _reduction("ReduceSum"),
    reduction.Mean: _reduction("ReduceMean"),
    reduction.Max: _reduction("ReduceMax"),
    reduction.Min: _reduction("ReduceMin"),
    reduction.LogSumExp: _reduction("ReduceLogSumExp"),
    selection.Clip: _clip,
    selection.Maximum: _binary("Max"),
    selection.Minimum: _binary("Min"),
    selection.Where: _where,
    # nn activations
    activation.Sigmoid: _unary("Sigmoid"),
    activation.ReLU: _unary("Relu"),
    activation.LeakyReLU: _with_attribute("LeakyRelu", alpha="slope"),
    activation.ELU: _with_attribute("Elu", alpha="alpha"),
    activation.NormalCdf: _normal_cdf,
    activation.Softplus: _softplus,
    activation.Softmax: _axis_op("Softmax"),
    activation.LogSoftmax: _axis_op("LogSoftmax"),
    # nn layers' functions (embed_id is a GetItem) and the losses' inference parts
    Linear: _linear,
    normalization.BatchNorm: _batch_norm,
    normalization.LayerNorm: _layer_norm,
    Dropout: _unary("Identity"),
    loss.MeanSquaredError: _mean_squared_error,
    loss.SoftmaxCrossEntropy: _softmax_cross_entropy,
    # vision
    Convolution2D: _convolution,
    Deconvolution2D: _deconvolution,
    MaxPooling2D: _max_pooling,
    AveragePooling2D: _average_pooling,
    # text
    **RECURRENT_EXPORTS,
}
