"""Activations both ways: ReLU and its relatives, sigmoid, softplus, GELU, the hard (piecewise
linear) ones of MobileNetV3, and softmax (with its coerce-to-2-d form before opset 13)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

import zerograd.core.functions as CF
import zerograd.nn.functions as F
from zerograd.nn.functions import activation
from zerograd.nn.functions.activation_piecewise import PiecewiseLinear
from zerograd.onnx.ops.registry import dtype_of, exporter, importer, one, text, unary

importer("Relu", 6, 13, 14)(one(F.relu))
importer("Sigmoid", 6, 13)(one(F.sigmoid))
importer("Softplus", 1, 22)(one(F.softplus))
importer("LeakyRelu", 6, 16)(lambda node, attrs, xs: [F.leaky_relu(xs[0], attrs.get("alpha", 0.01))])
importer("Elu", 6, 22)(lambda node, attrs, xs: [F.elu(xs[0], attrs.get("alpha", 1.0))])
importer("HardSwish", 14, 22)(one(F.hardswish))


@importer("Gelu", 20)
def _gelu(node: Any, attrs: dict, xs: list) -> list:
    return [F.gelu(xs[0], approximate=text(attrs.get("approximate", "none")))]


@importer("HardSigmoid", 6, 22)
def _hard_sigmoid(node: Any, attrs: dict, xs: list) -> list:
    """max(0, min(1, alpha x + beta)): PyTorch's hardsigmoid for its (1/6, 1/2), else a clip."""
    alpha, beta = attrs.get("alpha", 0.2), attrs.get("beta", 0.5)
    if np.isclose(alpha, 1 / 6, rtol=1e-6) and beta == 0.5:
        return [F.hardsigmoid(xs[0])]
    return [CF.clip(xs[0] * float(alpha) + float(beta), 0.0, 1.0)]


def _softmax(fn: Callable[..., Any]) -> Callable:
    def run(node: Any, attrs: dict, xs: list) -> list:
        return [fn(xs[0], axis=attrs.get("axis", -1) % xs[0].ndim)]
    return run


def _softmax_2d(fn: Callable[..., Any]) -> Callable:
    """Before opset 13, x is coerced to 2-d at ``axis`` (default 1): the softmax runs over all of
    axes axis..-1 together."""
    def run(node: Any, attrs: dict, xs: list) -> list:
        x = xs[0]
        axis = attrs.get("axis", 1) % max(x.ndim, 1)
        if axis == x.ndim - 1:
            return [fn(x, axis=axis)]
        rows = int(np.prod(x.shape[:axis], dtype=np.int64))
        return [CF.reshape(fn(CF.reshape(x, (rows, -1)), axis=1), x.shape)]
    return run


importer("Softmax", 13)(_softmax(F.softmax))
importer("LogSoftmax", 13)(_softmax(F.log_softmax))
importer("Softmax", 1, 11)(_softmax_2d(F.softmax))
importer("LogSoftmax", 1, 11)(_softmax_2d(F.log_softmax))


# --- export ----------------------------------------------------------------------------------------
def _with_attribute(op: str, **names: str) -> Callable:
    """An activation whose attribute is one of the Function's (LeakyRelu's alpha = f.slope)."""
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, **{key: float(getattr(f, attr)) for key, attr in names.items()})
    return mapping


exporter(activation.Sigmoid)(unary("Sigmoid"))
exporter(activation.ReLU)(unary("Relu"))
exporter(activation.LeakyReLU)(_with_attribute("LeakyRelu", alpha="slope"))
exporter(activation.ELU)(_with_attribute("Elu", alpha="alpha"))


def _axis_op(op: str) -> Callable:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.node(op, [ins[0]], outs, axis=int(f.axis))
    return mapping


exporter(activation.Softmax)(_axis_op("Softmax"))
exporter(activation.LogSoftmax)(_axis_op("LogSoftmax"))


def _phi(e: Any, x: str, dtype: Any, outs: list | None = None) -> str:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 as nodes."""
    erf = e.node("Erf", [e.node("Div", [x, e.constant(np.sqrt(2.0), dtype)])])
    return e.node("Mul", [e.node("Add", [erf, e.constant(1.0, dtype)]), e.constant(0.5, dtype)],
                  outs)


@exporter(activation.NormalCdf)
def _normal_cdf(e: Any, f: Any, ins: list, outs: list) -> None:
    """Phi(x) (gelu is x * Phi(x))."""
    _phi(e, ins[0], dtype_of(f), outs)


@exporter(activation.GELU)
def _gelu_function(e: Any, f: Any, ins: list, outs: list) -> None:
    """The compiled kernels' one-Function gelu, written as the nodes of the composition it
    replaces (so a file does not depend on whether the kernels ran): x * Phi(x), or
    x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))) / 2."""
    dtype, x = dtype_of(f), ins[0]
    if f.tanh:
        cube = e.node("Mul", [e.node("Mul", [x, x]), x])
        inner = e.node("Add", [x, e.node("Mul", [cube, e.constant(0.044715, dtype)])])
        t = e.node("Tanh", [e.node("Mul", [inner, e.constant(np.sqrt(2 / np.pi), dtype)])])
        scaled = e.node("Mul", [x, e.node("Add", [t, e.constant(1.0, dtype)])])
        e.node("Mul", [scaled, e.constant(0.5, dtype)], outs)
    else:
        e.node("Mul", [x, _phi(e, x, dtype)], outs)


@exporter(activation.Softplus)
def _softplus(e: Any, f: Any, ins: list, outs: list) -> None:
    """log(1 + exp(beta x)) / beta; ONNX's Softplus has beta 1."""
    if f.beta == 1:
        e.node("Softplus", [ins[0]], outs)
        return
    dtype = dtype_of(f)
    y = e.node("Softplus", [e.node("Mul", [ins[0], e.constant(f.beta, dtype)])])
    e.node("Div", [y, e.constant(f.beta, dtype)], outs)


@exporter(PiecewiseLinear)
def _piecewise(e: Any, f: Any, ins: list, outs: list) -> None:
    """The piecewise-linear activations are one Function class; which one it is (and its
    bounds) is read from the function that computes its pieces."""
    kind = f.pieces.__qualname__.split(".")[0]
    bound = inspect.getclosurevars(f.pieces).nonlocals
    if kind == "hardsigmoid":
        e.node("HardSigmoid", [ins[0]], outs, alpha=1 / 6, beta=0.5)
    elif kind == "hardtanh":
        dtype = dtype_of(f)
        e.node("Clip", [ins[0], e.constant(bound["min_val"], dtype),
                        e.constant(bound["max_val"], dtype)], outs)
    else:
        raise NotImplementedError(f"{kind}: this piecewise-linear activation has no ONNX mapping")
