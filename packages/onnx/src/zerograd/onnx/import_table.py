"""How each ONNX operator runs as zerograd Functions: one entry per operator in ``IMPORTS``.

An entry is ``run(node, attrs, xs)``: ``attrs`` the node's attributes as a dict, ``xs`` its inputs
(Variables, plain arrays for constants such as shapes and axes, None for an absent optional
input); it returns the list of outputs. Every computation on Variables goes through zerograd
Functions, so an imported model trains and differentiates like one written by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from onnx import helper, numpy_helper
from zerograd.core import Variable, cuda
from zerograd.nn.functions.activation import NormalCdf
from zerograd.onnx.safety import check_element_count
from zerograd.text.functions import gru_cell, lstm_cell
from zerograd.vision.functions import average_pooling, conv2d, deconv2d, global_average_pooling, pooling

Run = Callable[[Any, dict, list], list]


class UnsupportedAttribute(ValueError):
    """An operator whose attributes ask for something zerograd does not compute."""


def constant(x: Any) -> np.ndarray:
    """The array of a constant input (a shape, axes, indices), whether a Variable or an array."""
    return cuda.as_numpy(x.data if isinstance(x, Variable) else x)


def _zeros_like(x: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of x's dtype on x's device (NumPy or CuPy)."""
    data = x.data if isinstance(x, Variable) else x
    return cuda.get_array_module(data).zeros(shape, dtype=data.dtype)


def _ints(x: Any) -> list[int]:
    return [int(v) for v in constant(x).reshape(-1)]


def _axes(attrs: dict, xs: list, at: int) -> list[int] | None:
    """Axes given as the attribute (older opsets) or as input ``at`` (newer ones)."""
    if len(xs) > at and xs[at] is not None:
        return _ints(xs[at])
    return attrs.get("axes")


def _require(op: str, condition: bool, what: str) -> None:
    if not condition:
        raise UnsupportedAttribute(f"{op}: {what} is not supported")


def _one(fn: Callable[..., Any]) -> Run:
    """An operator that is one zerograd function of its first input."""
    return lambda node, attrs, xs: [fn(xs[0])]


def _elementwise(fn: Callable[[Any, Any], Any]) -> Run:
    return lambda node, attrs, xs: [fn(xs[0], xs[1])]


# --- linear algebra ----------------------------------------------------------------------------
def _gemm(node: Any, attrs: dict, xs: list) -> list:
    a, b = xs[0], xs[1]
    c = xs[2] if len(xs) > 2 else None
    if attrs.get("transA", 0):
        a = CF.transpose(a)
    if attrs.get("transB", 0):
        b = CF.transpose(b)
    y = CF.matmul(a, b)
    if attrs.get("alpha", 1.0) != 1.0:
        y = y * attrs["alpha"]
    if c is not None:
        y = y + (c if attrs.get("beta", 1.0) == 1.0 else c * attrs["beta"])
    return [y]


def _symmetric_pads(op: str, attrs: dict) -> tuple[int, int]:
    _require(op, attrs.get("auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"), "auto_pad")
    pads = attrs.get("pads", [0, 0, 0, 0])
    _require(op, len(pads) == 4 and pads[:2] == pads[2:], f"asymmetric or non-2-D pads {pads}")
    return pads[0], pads[1]


def _conv(node: Any, attrs: dict, xs: list) -> list:
    _require("Conv", xs[0].ndim == 4, "a non-2-D convolution")
    return [conv2d(xs[0], xs[1], xs[2] if len(xs) > 2 else None, stride=attrs.get("strides", 1),
                   pad=_symmetric_pads("Conv", attrs), dilation=attrs.get("dilations", 1),
                   groups=attrs.get("group", 1))]


def _conv_transpose(node: Any, attrs: dict, xs: list) -> list:
    x, W = xs[0], xs[1]
    _require("ConvTranspose", x.ndim == 4 and "output_shape" not in attrs, "output_shape")
    stride = attrs.get("strides", [1, 1])
    dilation = attrs.get("dilations", [1, 1])
    pad = _symmetric_pads("ConvTranspose", attrs)
    extra = attrs.get("output_padding", [0, 0])
    outsize = [stride[i] * (x.shape[2 + i] - 1) + dilation[i] * (W.shape[2 + i] - 1) + 1
               - 2 * pad[i] + extra[i] for i in range(2)]
    return [deconv2d(x, W, xs[2] if len(xs) > 2 else None, stride=stride, pad=pad,
                     outsize=tuple(outsize), dilation=dilation, groups=attrs.get("group", 1))]


def _batch_norm(node: Any, attrs: dict, xs: list) -> list:
    """The running mean and variance are buffers: updated in place in train mode."""
    x, scale, bias, mean, var = xs[:5]
    _require("BatchNormalization", not attrs.get("training_mode", 0), "training_mode=1")
    return [F.batch_norm(x, scale, bias, mean, var, decay=attrs.get("momentum", 0.9),
                         eps=attrs.get("epsilon", 1e-5))]


def _layer_norm(node: Any, attrs: dict, xs: list) -> list:
    x, scale = xs[0], xs[1]
    bias = xs[2] if len(xs) > 2 and xs[2] is not None else _zeros_like(x, scale.shape)
    axis = attrs.get("axis", -1) % x.ndim
    _require("LayerNormalization", scale.ndim == x.ndim - axis, "a scale not covering axis..-1")
    return [F.layer_norm(x, scale, bias, eps=attrs.get("epsilon", 1e-5))]


# --- activations -------------------------------------------------------------------------------
def _erf(x: Any) -> Any:
    """erf(x) = 2 Phi(x sqrt 2) - 1 (Phi, the normal CDF, is zerograd's differentiable one)."""
    return NormalCdf()(x * float(np.sqrt(2.0))) * 2.0 - 1.0


def _gelu(node: Any, attrs: dict, xs: list) -> list:
    approximate = attrs.get("approximate", b"none")
    return [F.gelu(xs[0], approximate=approximate.decode() if isinstance(approximate, bytes)
                   else approximate)]


def _softmax(fn: Callable[..., Any]) -> Run:
    return lambda node, attrs, xs: [fn(xs[0], axis=attrs.get("axis", -1) % xs[0].ndim)]


def _clip(node: Any, attrs: dict, xs: list) -> list:
    bounds = [constant(x) if x is not None else None for x in (xs[1:] + [None, None])[:2]]
    return [CF.clip(xs[0], -np.inf if bounds[0] is None else bounds[0],
                    np.inf if bounds[1] is None else bounds[1])]


# --- pooling -----------------------------------------------------------------------------------
def _max_pool(node: Any, attrs: dict, xs: list) -> list:
    _require("MaxPool", not attrs.get("ceil_mode", 0), "ceil_mode=1")
    _require("MaxPool", set(attrs.get("dilations", [1])) == {1}, "dilations")
    _require("MaxPool", len(node.output) == 1 or not node.output[1], "the Indices output")
    kernel = attrs["kernel_shape"]
    return [pooling(xs[0], kernel, attrs.get("strides", 1), _symmetric_pads("MaxPool", attrs))]


def _average_pool(node: Any, attrs: dict, xs: list) -> list:
    pad = _symmetric_pads("AveragePool", attrs)
    _require("AveragePool", not attrs.get("ceil_mode", 0), "ceil_mode=1")
    _require("AveragePool", pad == (0, 0) or attrs.get("count_include_pad", 0),
             "count_include_pad=0 with padding")
    return [average_pooling(xs[0], attrs["kernel_shape"], attrs.get("strides", 1), pad)]


# --- shapes ------------------------------------------------------------------------------------
def _reshape(node: Any, attrs: dict, xs: list) -> list:
    x, shape = xs[0], _ints(xs[1])
    if not attrs.get("allowzero", 0):
        shape = [x.shape[i] if n == 0 else n for i, n in enumerate(shape)]
    return [CF.reshape(x, shape)]


def _flatten(node: Any, attrs: dict, xs: list) -> list:
    x = xs[0]
    axis = attrs.get("axis", 1) % max(x.ndim, 1)
    return [CF.reshape(x, (int(np.prod(x.shape[:axis], dtype=np.int64)), -1))]


def _transpose(node: Any, attrs: dict, xs: list) -> list:
    return [CF.transpose(xs[0], attrs.get("perm"))]


def _concat(node: Any, attrs: dict, xs: list) -> list:
    return [CF.concat([x for x in xs if x is not None], axis=attrs["axis"] % xs[0].ndim)]


def _split(node: Any, attrs: dict, xs: list) -> list:
    x, axis = xs[0], attrs.get("axis", 0) % xs[0].ndim
    sizes = _ints(xs[1]) if len(xs) > 1 and xs[1] is not None else attrs.get("split")
    if sizes is None:
        count = attrs.get("num_outputs", len(node.output))
        step = -(-x.shape[axis] // count)
        sizes = [min(step, x.shape[axis] - step * i) for i in range(count)]
    pieces = CF.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis)
    return list(pieces) if isinstance(pieces, (list, tuple)) else [pieces]


def _slice(node: Any, attrs: dict, xs: list) -> list:
    x = xs[0]
    starts, ends = _ints(xs[1]), _ints(xs[2])
    axes = _ints(xs[3]) if len(xs) > 3 and xs[3] is not None else list(range(len(starts)))
    steps = _ints(xs[4]) if len(xs) > 4 and xs[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[axis % x.ndim] = slice(*slice(start, end, step).indices(x.shape[axis % x.ndim]))
    return [CF.get_item(x, tuple(index))]


def _gather(node: Any, attrs: dict, xs: list) -> list:
    x, ids = xs[0], constant(xs[1]).astype(np.int64)
    axis = attrs.get("axis", 0) % x.ndim
    ids = np.where(ids < 0, ids + x.shape[axis], ids)
    index = (slice(None),) * axis + (ids if ids.ndim else int(ids),)
    return [CF.get_item(x, index)]


def _squeeze(node: Any, attrs: dict, xs: list) -> list:
    axes = _axes(attrs, xs, 1)
    return [CF.squeeze(xs[0], None if axes is None else tuple(axes))]


def _unsqueeze(node: Any, attrs: dict, xs: list) -> list:
    x, axes = xs[0], _axes(attrs, xs, 1)
    ndim = x.ndim + len(axes)
    shape = list(x.shape)
    for axis in sorted(a % ndim for a in axes):
        shape.insert(axis, 1)
    return [CF.reshape(x, shape)]


def _expand(node: Any, attrs: dict, xs: list) -> list:
    x, shape = xs[0], _ints(xs[1])
    target = np.broadcast_shapes(tuple(x.shape), tuple(shape))
    check_element_count("Expand", target)
    return [CF.broadcast_to(x, target)]


def _shape(node: Any, attrs: dict, xs: list) -> list:
    shape = np.asarray(xs[0].shape, dtype=np.int64)
    return [shape[attrs.get("start", 0):attrs.get("end", len(shape))]]


def _cast(node: Any, attrs: dict, xs: list) -> list:
    dtype = helper.tensor_dtype_to_np_dtype(attrs["to"])
    x = xs[0]
    return [x.astype(dtype) if not isinstance(x, Variable) else CF.astype(x, dtype)]


def _constant(node: Any, attrs: dict, xs: list) -> list:
    for key in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if key in attrs:
            value = attrs[key]
            if key == "value":
                return [numpy_helper.to_array(value)]
            return [np.asarray(value, dtype=np.float32 if "float" in key else np.int64)]
    raise UnsupportedAttribute(f"Constant: only value, value_float(s) and value_int(s), got {sorted(attrs)}")


def _constant_of_shape(node: Any, attrs: dict, xs: list) -> list:
    value = numpy_helper.to_array(attrs["value"]) if "value" in attrs else np.zeros(1, np.float32)
    check_element_count("ConstantOfShape", _ints(xs[0]))
    return [np.full(_ints(xs[0]), value.reshape(-1)[0], dtype=value.dtype)]


# --- reductions --------------------------------------------------------------------------------
def _reduce(fn: Callable[..., Any]) -> Run:
    def run(node: Any, attrs: dict, xs: list) -> list:
        axes, keepdims = _axes(attrs, xs, 1), bool(attrs.get("keepdims", 1))
        if not axes:
            return [xs[0]] if attrs.get("noop_with_empty_axes", 0) else [fn(xs[0], None, keepdims)]
        return [fn(xs[0], tuple(a % xs[0].ndim for a in axes), keepdims)]
    return run


# --- recurrent layers: ONNX's LSTM and GRU, unrolled over time with zerograd's fused cells ------
ONNX_LSTM_TO_ZEROGRAD = (0, 2, 3, 1)  # ONNX blocks i, o, f, c -> zerograd i, f, g, o
ONNX_GRU_TO_ZEROGRAD = (1, 0, 2)  # ONNX blocks z, r, h -> zerograd r, z, n
DIRECTIONS = {"forward": (False,), "reverse": (True,), "bidirectional": (False, True)}


def _gate_matrix(W: Any, d: int, order: tuple[int, ...]) -> Any:
    """Direction d of ONNX's (D, G*H, I) weights as zerograd's (I, G*H) matrix with the gates
    reordered."""
    hidden = W.shape[1] // len(order)
    rows = np.concatenate([np.arange(k * hidden, (k + 1) * hidden) for k in order])
    return CF.transpose(CF.get_item(W, (d, rows)))


def _gate_vector(B: Any, d: int, start: int, order: tuple[int, ...]) -> Any:
    hidden = B.shape[1] // (2 * len(order))
    cols = np.concatenate([np.arange((start + k) * hidden, (start + k + 1) * hidden) for k in order])
    return CF.get_item(B, (d, cols))


def _directions(op: str, attrs: dict, xs: list) -> tuple[bool, ...]:
    """Check what the unrolled cells cannot do; whether each direction runs reversed."""
    direction = attrs.get("direction", b"forward")
    direction = direction.decode() if isinstance(direction, bytes) else direction
    _require(op, direction in DIRECTIONS, f"direction {direction!r}")
    _require(op, attrs.get("layout", 0) == 0, "layout=1")
    _require(op, len(xs) < 5 or xs[4] is None, "sequence_lens")
    _require(op, "activations" not in attrs and "clip" not in attrs, "custom activations or clip")
    return DIRECTIONS[direction]


def _initial(xs: list, at: int, d: int) -> Any:
    """Direction d of the optional initial state ``at`` (D, N, H), or None."""
    return CF.get_item(xs[at], d) if len(xs) > at and xs[at] is not None else None


def _over_time(x: Any, reverse: bool, step: Callable[[Any, Any], Any], state: Any) -> list[Any]:
    """The state after each step of ``x`` (T, N, I) in time order, visited from the last step
    when ``reverse``; ``step(x_t, state)`` gives the next state."""
    steps = [CF.get_item(x, t) for t in range(x.shape[0])]
    states = [None] * len(steps)
    for t in (reversed(range(len(steps))) if reverse else range(len(steps))):
        state = states[t] = step(steps[t], state)
    return states


def _stack_outputs(node: Any, hs: list[list[Any]], last: list[tuple[Any, ...]]) -> list:
    """Y (T, D, N, H) and the final states (D, N, H) as ONNX lays them out, from each
    direction's hidden states in time order and its final states."""
    y = CF.stack([CF.stack(h, axis=0) for h in hs], axis=1)
    return [y, *[CF.stack(list(s), axis=0) for s in zip(*last)]][:max(len(node.output), 1)]


def _lstm_direction(xs: list, d: int, reverse: bool) -> tuple[list[Any], tuple[Any, Any]]:
    W_x = _gate_matrix(xs[1], d, ONNX_LSTM_TO_ZEROGRAD)
    W_h = _gate_matrix(xs[2], d, ONNX_LSTM_TO_ZEROGRAD)
    B = xs[3] if len(xs) > 3 else None
    b = None if B is None else (_gate_vector(B, d, 0, ONNX_LSTM_TO_ZEROGRAD)
                                + _gate_vector(B, d, 4, ONNX_LSTM_TO_ZEROGRAD))
    h, c = _initial(xs, 5, d), _initial(xs, 6, d)
    if h is None and c is not None:
        h = _zeros_like(c, c.shape)
    if c is None and h is not None:
        c = _zeros_like(h, h.shape)
    states = _over_time(xs[0], reverse, lambda x_t, s: lstm_cell(x_t, *s, W_x, W_h, b), (h, c))
    return [h for h, _ in states], states[0 if reverse else -1]


def _gru_direction(xs: list, d: int, reverse: bool) -> tuple[list[Any], tuple[Any]]:
    W_x = _gate_matrix(xs[1], d, ONNX_GRU_TO_ZEROGRAD)
    W_h = _gate_matrix(xs[2], d, ONNX_GRU_TO_ZEROGRAD)
    B = xs[3] if len(xs) > 3 else None
    b_x = None if B is None else _gate_vector(B, d, 0, ONNX_GRU_TO_ZEROGRAD)
    b_h = None if B is None else _gate_vector(B, d, 3, ONNX_GRU_TO_ZEROGRAD)
    hs = _over_time(xs[0], reverse, lambda x_t, h: gru_cell(x_t, h, W_x, W_h, b_x, b_h),
                    _initial(xs, 5, d))
    return hs, (hs[0 if reverse else -1],)


def _lstm(node: Any, attrs: dict, xs: list) -> list:
    reverses = _directions("LSTM", attrs, xs)
    _require("LSTM", len(xs) < 8 or xs[7] is None, "peepholes")
    hs, last = zip(*(_lstm_direction(xs, d, reverse) for d, reverse in enumerate(reverses)))
    return _stack_outputs(node, list(hs), list(last))


def _gru(node: Any, attrs: dict, xs: list) -> list:
    reverses = _directions("GRU", attrs, xs)
    _require("GRU", attrs.get("linear_before_reset", 0) == 1,
             "linear_before_reset=0 (zerograd's GRU is PyTorch's, linear_before_reset=1)")
    hs, last = zip(*(_gru_direction(xs, d, reverse) for d, reverse in enumerate(reverses)))
    return _stack_outputs(node, list(hs), list(last))


IMPORTS: dict[str, Run] = {
    # arithmetic and math
    "Add": _elementwise(lambda a, b: a + b),
    "Sub": _elementwise(lambda a, b: a - b),
    "Mul": _elementwise(lambda a, b: a * b),
    "Div": _elementwise(lambda a, b: a / b),
    "Pow": _elementwise(lambda a, b: a ** b),
    "Max": lambda node, attrs, xs: [CF.maximum(xs[0], xs[1])],
    "Min": lambda node, attrs, xs: [CF.minimum(xs[0], xs[1])],
    "Neg": _one(lambda x: -x),
    "Sqrt": _one(CF.sqrt),
    "Exp": _one(CF.exp),
    "Log": _one(CF.log),
    "Abs": _one(CF.abs),
    "Sin": _one(CF.sin),
    "Cos": _one(CF.cos),
    "Erf": _one(_erf),
    "MatMul": _elementwise(CF.matmul),
    "Gemm": _gemm,
    # activations
    "Relu": _one(F.relu),
    "LeakyRelu": lambda node, attrs, xs: [F.leaky_relu(xs[0], attrs.get("alpha", 0.01))],
    "Elu": lambda node, attrs, xs: [F.elu(xs[0], attrs.get("alpha", 1.0))],
    "Sigmoid": _one(F.sigmoid),
    "Tanh": _one(CF.tanh),
    "Softplus": _one(F.softplus),
    "Gelu": _gelu,
    "Softmax": _softmax(F.softmax),
    "LogSoftmax": _softmax(F.log_softmax),
    "Clip": _clip,
    # layers
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "MaxPool": _max_pool,
    "AveragePool": _average_pool,
    "GlobalAveragePool": lambda node, attrs, xs: [global_average_pooling(xs[0], keepdims=True)],
    "LSTM": _lstm,
    "GRU": _gru,
    "Dropout": lambda node, attrs, xs: [xs[0]],
    "Identity": lambda node, attrs, xs: [xs[0]],
    # shapes
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Transpose": _transpose,
    "Concat": _concat,
    "Split": _split,
    "Slice": _slice,
    "Gather": _gather,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Expand": _expand,
    "Shape": _shape,
    "Cast": _cast,
    "Constant": _constant,
    "ConstantOfShape": _constant_of_shape,
    # reductions
    "ReduceMean": _reduce(CF.mean),
    "ReduceSum": _reduce(CF.sum),
    "ReduceMax": _reduce(CF.max),
    "ReduceMin": _reduce(CF.min),
    "ReduceLogSumExp": _reduce(CF.logsumexp),
}
