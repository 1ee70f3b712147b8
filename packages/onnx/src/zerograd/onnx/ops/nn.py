"""Layers' ops both ways: Gemm and Linear, batch and layer normalisation, dropout and the
losses' inference parts."""

from __future__ import annotations

from typing import Any

import numpy as np

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from zerograd.nn.functions import loss, normalization
from zerograd.nn.functions.dropout import Dropout
from zerograd.nn.functions.linear import Linear
from zerograd.onnx.ops.registry import (
    constant,
    dtype_of,
    exporter,
    given,
    importer,
    require,
    unary,
    zeros_like,
)


@importer("Gemm", 7, 9, 11, 13)
def _gemm(node: Any, attrs: dict, xs: list) -> list:
    a, b = xs[0], xs[1]
    c = xs[2] if given(xs, 2) else None
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


@importer("BatchNormalization", 7, 9, 14, 15)
def _batch_norm(node: Any, attrs: dict, xs: list) -> list:
    """The running mean and variance are buffers: updated in place in train mode."""
    x, scale, bias, mean, var = xs[:5]
    require("BatchNormalization", not attrs.get("training_mode", 0), "training_mode=1")
    require("BatchNormalization", attrs.get("spatial", 1) == 1, "spatial=0")
    return [F.batch_norm(x, scale, bias, mean, var, decay=attrs.get("momentum", 0.9),
                         eps=attrs.get("epsilon", 1e-5))]


@importer("LayerNormalization", 17)
def _layer_norm(node: Any, attrs: dict, xs: list) -> list:
    x, scale = xs[0], xs[1]
    bias = xs[2] if given(xs, 2) else zeros_like(scale, scale.shape)
    axis = attrs.get("axis", -1) % x.ndim
    require("LayerNormalization", len(node.output) < 2 or not any(node.output[1:]),
            "the Mean and InvStdDev outputs")
    if scale.ndim != x.ndim - axis:  # a scale broadcast over the normalised axes
        shape = x.shape[axis:]
        scale, bias = CF.broadcast_to(scale, shape), CF.broadcast_to(bias, shape)
    return [F.layer_norm(x, scale, bias, eps=attrs.get("epsilon", 1e-5))]


def _dropout(node: Any, attrs: dict, xs: list) -> list:
    """Inference: the identity (a constant training_mode input of True is refused)."""
    if given(xs, 2):
        require("Dropout", not bool(np.asarray(constant(xs[2]))), "training_mode=True")
    require("Dropout", len(node.output) < 2 or not node.output[1], "the mask output")
    return [xs[0]]


importer("Dropout", 7, 10, 12, 13, 22)(_dropout)
importer("Identity", 1, 13, 14, 16, 19, 21, 23, 24, 25)(lambda node, attrs, xs: [xs[0]])


# --- export ----------------------------------------------------------------------------------------
@exporter(Linear)
def _linear(e: Any, f: Any, ins: list, outs: list) -> None:
    if len(ins) < 3 or ins[2] is None:
        e.node("MatMul", ins[:2], outs)
    else:
        e.node("Add", [e.node("MatMul", ins[:2]), ins[2]], outs)


@exporter(normalization.BatchNorm)
def _batch_norm_export(e: Any, f: Any, ins: list, outs: list) -> None:
    """Inference form: the running statistics (the Function's arrays) become initializers."""
    if f.train:
        raise NotImplementedError("BatchNorm: recorded in train mode; export runs in test mode")
    mean = e.buffer(f.running_mean, "running_mean")
    var = e.buffer(f.running_var, "running_var")
    e.node("BatchNormalization", [ins[0], ins[1], ins[2], mean, var], outs, epsilon=float(f.eps))


@exporter(normalization.LayerNorm)
def _layer_norm_export(e: Any, f: Any, ins: list, outs: list) -> None:
    """LayerNormalization from opset 17; before it, (x - mean) / sqrt(var + eps) * gamma + beta
    spelled out."""
    if e.opset >= 17:
        e.node("LayerNormalization", ins[:3], outs, axis=int(f.axes[0]), epsilon=float(f.eps))
        return
    dtype = dtype_of(f)
    centred = e.node("Sub", [ins[0], e.reduce("ReduceMean", ins[0], f.axes, True)])
    var = e.reduce("ReduceMean", e.node("Mul", [centred, centred]), f.axes, True)
    std = e.node("Sqrt", [e.node("Add", [var, e.constant(f.eps, dtype)])])
    scaled = e.node("Mul", [e.node("Div", [centred, std]), ins[1]])
    e.node("Add", [scaled, ins[2]], outs)


exporter(Dropout)(unary("Identity"))


@exporter(loss.MeanSquaredError)
def _mean_squared_error(e: Any, f: Any, ins: list, outs: list) -> None:
    """sum((x0 - x1)^2) / N."""
    diff = e.node("Sub", ins[:2])
    total = e.reduce("ReduceSum", e.node("Mul", [diff, diff]), None, False)
    e.node("Div", [total, e.batch_size(ins[0], dtype_of(f))], outs)


@exporter(loss.SoftmaxCrossEntropy)
def _softmax_cross_entropy(e: Any, f: Any, ins: list, outs: list) -> None:
    """-sum(log_softmax(x)[n, t[n]]) / N with the labels t (recorded with the Function)."""
    log_p = e.node("LogSoftmax", [ins[0]], axis=1)
    labels = e.literal(np.asarray(f.t, dtype=np.int64).reshape(-1, 1), "labels")
    picked = e.reduce("ReduceSum", e.node("GatherElements", [log_p, labels], axis=1), None, False)
    e.node("Div", [e.node("Neg", [picked]), e.batch_size(ins[0], dtype_of(f))], outs)
