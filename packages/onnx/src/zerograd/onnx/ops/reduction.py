"""Reductions both ways: ReduceSum/Mean/Max/Min/LogSumExp (axes as an attribute before opset 18,
ReduceSum's from 13, as an input after)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import zerograd.core.functions as CF
from zerograd.core.functions import reduction
from zerograd.onnx.ops.registry import axes_of, exporter, importer


def _reduce(fn: Callable[..., Any]) -> Callable:
    def run(node: Any, attrs: dict, xs: list) -> list:
        axes, keepdims = axes_of(attrs, xs, 1), bool(attrs.get("keepdims", 1))
        if not axes:
            return [xs[0]] if attrs.get("noop_with_empty_axes", 0) else [fn(xs[0], None, keepdims)]
        return [fn(xs[0], tuple(a % xs[0].ndim for a in axes), keepdims)]
    return run


importer("ReduceMean", 1, 11, 13, 18)(_reduce(CF.mean))
importer("ReduceSum", 1, 11, 13)(_reduce(CF.sum))
importer("ReduceMax", 1, 11, 12, 13, 18, 20)(_reduce(CF.max))
importer("ReduceMin", 1, 11, 12, 13, 18, 20)(_reduce(CF.min))
importer("ReduceLogSumExp", 1, 11, 13, 18)(_reduce(CF.logsumexp))


def _reduction(op: str) -> Callable:
    def mapping(e: Any, f: Any, ins: list, outs: list) -> None:
        e.reduce(op, ins[0], f.axis, f.keepdims, out=outs[0])
    return mapping


for _cls, _op in ((reduction.Sum, "ReduceSum"), (reduction.Mean, "ReduceMean"),
                  (reduction.Max, "ReduceMax"), (reduction.Min, "ReduceMin"),
                  (reduction.LogSumExp, "ReduceLogSumExp")):
    exporter(_cls)(_reduction(_op))
