"""Elementwise ops both ways: arithmetic, math, the variadic Max/Min/Sum/Mean, comparisons and
logic, Where, Mod, Cast and Clip (with its attribute form before opset 11)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

import zerograd.core.functions as CF
from onnx import helper
from zerograd.core import Variable
from zerograd.core.cuda import get_array_module
from zerograd.core.functions import arithmetic, comparison, selection
from zerograd.core.functions import cast as casting
from zerograd.core.functions import elementwise as more_math
from zerograd.core.functions import math as elementwise
from zerograd.core.functions.matmul import MatMul
from zerograd.core.functions.products import Einsum
from zerograd.nn.functions.activation import NormalCdf
from zerograd.onnx.ops.registry import (
    binary,
    constant,
    data,
    dtype_of,
    exporter,
    given,
    importer,
    one,
    text,
    two,
    unary,
)

BINARY_VERSIONS = (7, 13, 14)  # multidirectional broadcasting; 1 and 6 had a broadcast attribute
UNARY_VERSIONS = (6, 13)


def _constants_only(xs: list) -> bool:
    return not any(isinstance(x, Variable) for x in xs)


def _divide(a: Any, b: Any) -> Any:
    """Div: integer operands divide truncating toward zero (as ONNX Runtime's C++ does)."""
    if _constants_only([a, b]) and np.asarray(a).dtype.kind in "iu" and np.asarray(b).dtype.kind in "iu":
        a, b = np.asarray(a), np.asarray(b)
        return (np.sign(a) * np.sign(b) * (np.abs(a) // np.abs(b))).astype(np.result_type(a, b))
    return a / b


for _op, _fn in (("Add", lambda a, b: a + b), ("Sub", lambda a, b: a - b),
                 ("Mul", lambda a, b: a * b), ("Div", _divide)):
    importer(_op, *BINARY_VERSIONS)(two(_fn))
importer("Pow", 7, 12, 13, 15)(two(lambda a, b: a ** b))
importer("MatMul", 1, 9, 13)(two(CF.matmul))
importer("Einsum", 12)(lambda node, attrs, xs: [CF.einsum(text(attrs["equation"]), *xs)])


@exporter(Einsum)
def _einsum(e: Any, f: Any, ins: list, outs: list) -> None:
    """Einsum (opset 12 on) with the Function's equation (MaxViT's relative attention)."""
    if e.opset < 12:
        raise NotImplementedError(f"Einsum: ONNX has it from opset 12, exporting at {e.opset}")
    e.node("Einsum", ins, outs, equation=",".join(f.terms) + "->" + f.out)


for _op, _fn in (("Neg", lambda x: -x), ("Sqrt", CF.sqrt), ("Exp", CF.exp), ("Log", CF.log),
                 ("Abs", CF.abs), ("Reciprocal", CF.reciprocal), ("Floor", CF.floor),
                 ("Ceil", CF.ceil)):
    importer(_op, *UNARY_VERSIONS)(one(_fn))
importer("Sign", 9, 13)(one(CF.sign))
importer("Sin", 7, 22)(one(CF.sin))
importer("Cos", 7, 22)(one(CF.cos))
importer("Tanh", 6, 13)(one(CF.tanh))


def erf(x: Any) -> Any:
    """erf(x) = 2 Phi(x sqrt 2) - 1 (Phi, the normal CDF, is zerograd's differentiable one)."""
    return NormalCdf()(x * float(np.sqrt(2.0))) * 2.0 - 1.0


importer("Erf", 9, 13)(one(erf))


# --- variadic: every input takes part ------------------------------------------------------------
def _variadic(pair: Callable[[Any, Any], Any], array_pair: Callable[[Any, Any], Any],
              mean: bool = False) -> Callable:
    def run(node: Any, attrs: dict, xs: list) -> list:
        xs = [x for x in xs if x is not None]
        fn = array_pair if _constants_only(xs) else pair
        y = functools.reduce(fn, xs)
        return [y / len(xs) if mean else y]
    return run


importer("Max", 6, 8, 12, 13)(_variadic(CF.maximum, np.maximum))
importer("Min", 6, 8, 12, 13)(_variadic(CF.minimum, np.minimum))
importer("Sum", 6, 8, 13)(_variadic(lambda a, b: a + b, np.add))
importer("Mean", 6, 8, 13)(_variadic(lambda a, b: a + b, np.add, mean=True))


# --- comparisons and logic: no gradient, boolean outputs; recorded when the data flows in -------------
def _array_op(name: str, recorded_name: str) -> Callable:
    """On constants, the NumPy function (shape arithmetic stays arrays); on a Variable, the
    recorded Function, so that an exported Where keeps a data-dependent condition."""
    def run(node: Any, attrs: dict, xs: list) -> list:
        if not _constants_only(xs):
            return [comparison.recorded(recorded_name, *xs)]
        arrays = [data(x) for x in xs]
        return [getattr(get_array_module(arrays[0]), name)(*arrays)]
    return run


for _op, _name, _recorded, _versions in (
        ("Equal", "equal", "eq", (7, 11, 13, 19)), ("Less", "less", "lt", (7, 9, 13)),
        ("Greater", "greater", "gt", (7, 9, 13)), ("LessOrEqual", "less_equal", "le", (12, 16)),
        ("GreaterOrEqual", "greater_equal", "ge", (12, 16)),
        ("Not", "logical_not", "logical_not", (1,)), ("And", "logical_and", "logical_and", (7,)),
        ("Or", "logical_or", "logical_or", (7,)), ("Xor", "logical_xor", "logical_xor", (7,)),
        ("IsNaN", "isnan", "isnan", (9, 13, 20))):
    importer(_op, *_versions)(_array_op(_name, _recorded))


@importer("IsInf", 10, 20)
def _is_inf(node: Any, attrs: dict, xs: list) -> list:
    """detect_negative / detect_positive = 0 leave that sign out."""
    negative, positive = attrs.get("detect_negative", 1), attrs.get("detect_positive", 1)
    if not (negative or positive):
        return [get_array_module(data(xs[0])).zeros(np.shape(data(xs[0])), bool)]
    name = "isinf" if negative and positive else "isneginf" if negative else "isposinf"
    return _array_op(name, name)(node, attrs, xs)


@importer("Where", 9, 16)
def _where_import(node: Any, attrs: dict, xs: list) -> list:
    condition = xs[0]
    if isinstance(condition, Variable) and condition.creator is not None:
        return [CF.where(condition, xs[1], xs[2])]  # computed from the data: kept in the graph
    condition = data(condition).astype(bool, copy=False)
    if _constants_only(xs[1:]):
        return [get_array_module(condition).where(condition, data(xs[1]), data(xs[2]))]
    return [CF.where(condition, xs[1], xs[2])]


@importer("Mod", 10, 13)
def _mod(node: Any, attrs: dict, xs: list) -> list:
    """fmod=1: C's fmod (the dividend's sign); fmod=0: the divisor's sign (integers only in
    ONNX, Python's %)."""
    a, b = xs
    truncating = bool(attrs.get("fmod", 0))
    if _constants_only(xs):
        xp = get_array_module(data(a))
        return [(xp.fmod if truncating else xp.remainder)(data(a), data(b))]
    return [(CF.fmod if truncating else CF.remainder)(a, b)]


@importer("Cast", 6, 9, 13, 19, 21, 23, 24, 25)
def _cast(node: Any, attrs: dict, xs: list) -> list:
    dtype = helper.tensor_dtype_to_np_dtype(attrs["to"])
    x = xs[0]
    return [x.astype(dtype) if not isinstance(x, Variable) else CF.astype(x, dtype)]


@importer("CastLike", 15, 19, 21, 23, 24, 25)
def _cast_like(node: Any, attrs: dict, xs: list) -> list:
    dtype = data(xs[1]).dtype
    x = xs[0]
    return [x.astype(dtype) if not isinstance(x, Variable) else CF.astype(x, dtype)]


def _bounds(xs: list) -> tuple[Any, Any]:
    return tuple(constant(xs[i]) if given(xs, i) else None for i in (1, 2))


@importer("Clip", 11, 12, 13)
def _clip(node: Any, attrs: dict, xs: list) -> list:
    low, high = _bounds(xs)
    return [CF.clip(xs[0], low, high)]


@importer("Clip", 6)
def _clip_attributes(node: Any, attrs: dict, xs: list) -> list:
    """Clip-6 takes its bounds as attributes (defaulting to the float32 range)."""
    limit = float(np.finfo(np.float32).max)
    return [CF.clip(xs[0], attrs.get("min", -limit), attrs.get("max", limit))]


# --- export ----------------------------------------------------------------------------------------
def _with_constant(op: str, constant_first: bool = False) -> Callable:
    """x (op) c, or c (op) x: the constant ``f.c`` becomes a Constant of x's dtype."""
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        dtype = dtype_of(f)  # the constant of each extra trace: one that follows the batch is computed
        c = e.literal(np.asarray(f.c, dtype), "const", [np.asarray(g.c, dtype) for g in e.variants(f)])
        e.node(op, [c, ins[0]] if constant_first else [ins[0], c], outs)
    return mapping


for _cls, _op in ((arithmetic.Add, "Add"), (arithmetic.Sub, "Sub"), (arithmetic.Mul, "Mul"),
                  (arithmetic.Div, "Div"), (arithmetic.Pow, "Pow"), (MatMul, "MatMul"),
                  (selection.Maximum, "Max"), (selection.Minimum, "Min")):
    exporter(_cls)(binary(_op))
for _cls, _op, _first in ((arithmetic.AddConstant, "Add", False), (arithmetic.SubConstant, "Sub", False),
                          (arithmetic.SubFromConstant, "Sub", True), (arithmetic.MulConstant, "Mul", False),
                          (arithmetic.DivConstant, "Div", False), (arithmetic.ConstantDiv, "Div", True),
                          (arithmetic.PowConstant, "Pow", False), (arithmetic.ConstantPow, "Pow", True)):
    exporter(_cls)(_with_constant(_op, _first))
for _cls, _op in ((arithmetic.Neg, "Neg"), (elementwise.Sin, "Sin"), (elementwise.Cos, "Cos"),
                  (elementwise.Tanh, "Tanh"), (elementwise.Exp, "Exp"), (elementwise.Log, "Log"),
                  (elementwise.Sqrt, "Sqrt"), (elementwise.Abs, "Abs")):
    exporter(_cls)(unary(_op))


UNARY = {"reciprocal": "Reciprocal", "sign": "Sign", "floor": "Floor", "ceil": "Ceil",
         "round": "Round", "tan": "Tan", "sinh": "Sinh", "cosh": "Cosh", "arcsin": "Asin",
         "arccos": "Acos", "arctan": "Atan", "arcsinh": "Asinh", "arccosh": "Acosh",
         "arctanh": "Atanh"}


@exporter(more_math.Unary)
def _unary_table(e: Any, f: Any, ins: list, outs: list) -> None:
    if f.name not in UNARY:
        raise NotImplementedError(f"the elementwise {f.name} has no ONNX mapping (known: "
                                  f"{', '.join(UNARY)})")
    e.node(UNARY[f.name], [ins[0]], outs)


@exporter(more_math._Remainder)
def _remainder_export(e: Any, f: Any, ins: list, outs: list) -> None:
    """fmod as Mod(fmod=1); Python's remainder as Mod on integers, a - floor(a / b) * b on
    floats (ONNX's Mod with fmod=0 takes integers only)."""
    if f.kind == "fmod" or dtype_of(f).kind in "iu":
        e.node("Mod", ins[:2], outs, fmod=int(f.kind == "fmod"))
        return
    whole = e.node("Floor", [e.node("Div", ins[:2])])
    e.node("Sub", [ins[0], e.node("Mul", [whole, ins[1]])], outs)


@exporter(casting.AsType)
def _as_type(e: Any, f: Any, ins: list, outs: list) -> None:
    e.node("Cast", [ins[0]], outs, to=helper.np_dtype_to_tensor_dtype(np.dtype(f.dtype)))


@exporter(selection.Clip)
def _clip_export(e: Any, f: Any, ins: list, outs: list) -> None:
    dtype = dtype_of(f)
    e.node("Clip", [ins[0], e.constant(f.x_min, dtype), e.constant(f.x_max, dtype)], outs)


@exporter(selection.Where)
def _where_export(e: Any, f: Any, ins: list, outs: list) -> None:
    if len(f.inputs) == 3:  # the condition's own node (a recorded comparison) made it
        e.node("Where", [ins[2], ins[0], ins[1]], outs)
        return
    condition = e.literal(np.asarray(f.condition, dtype=bool), "condition",
                          [np.asarray(g.condition, dtype=bool) for g in e.variants(f)])
    e.node("Where", [condition, ins[0], ins[1]], outs)


RECORDED = {"eq": "Equal", "lt": "Less", "gt": "Greater", "le": "LessOrEqual",
            "ge": "GreaterOrEqual", "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor",
            "logical_not": "Not", "isnan": "IsNaN", "isinf": "IsInf"}


@exporter(comparison.Recorded)
def _recorded_export(e: Any, f: Any, ins: list, outs: list) -> None:
    if f.name == "ne":
        e.node("Not", [e.node("Equal", ins)], outs)
    elif f.name in ("isposinf", "isneginf"):
        e.node("IsInf", ins, outs, **{"detect_negative" if f.name == "isposinf" else
                                      "detect_positive": 0})
    elif f.name in RECORDED:
        e.node(RECORDED[f.name], ins, outs)
    else:
        raise NotImplementedError(f"the recorded test {f.name} has no ONNX mapping "
                                  f"(known: ne, isposinf, isneginf, {', '.join(RECORDED)})")
