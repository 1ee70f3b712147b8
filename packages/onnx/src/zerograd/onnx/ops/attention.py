"""Scaled dot-product attention exported as MatMul/Softmax (what every opset and ONNX Runtime
run): a causal mask is built in the graph from the query and key lengths, so the exported
model runs at any sequence length; another boolean mask is a constant."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import cuda
from zerograd.nn.functions.attention import ScaledDotProductAttention
from zerograd.onnx.ops.registry import dtype_of, exporter


def _length(e: Any, x: str, axis: int) -> str:
    """x's length along ``axis`` (not negative: ONNX Runtime's Gather-to-Slice rewrite fails on
    a negative index) as an int64 scalar."""
    return e.node("Gather", [e.node("Shape", [x]), e.constant(axis, np.int64)], axis=0)


def _causal_keep(e: Any, q: str, k: str, ndim: int) -> str:
    """(L, S) booleans, key j <= query i, from the traced inputs' runtime lengths."""
    zero, one = e.constant(0, np.int64), e.constant(1, np.int64)
    rows = e.node("Range", [zero, _length(e, q, ndim - 2), one])
    cols = e.node("Range", [zero, _length(e, k, ndim - 2), one])
    return e.node("LessOrEqual", [e.unsqueeze(cols, [0]), e.unsqueeze(rows, [1])])


def _is_causal(keep: np.ndarray) -> bool:
    return keep.ndim == 2 and np.array_equal(keep, np.tri(*keep.shape, dtype=bool))


@exporter(ScaledDotProductAttention)
def _attention(e: Any, f: Any, ins: list, outs: list) -> None:
    if f.dropout_p > 0:
        raise NotImplementedError("ScaledDotProductAttention: recorded with dropout; export runs "
                                  "in test mode")
    dtype = dtype_of(f)
    q, k, v = ins[:3]
    ndim = f.inputs[1].ndim
    perm = list(range(ndim - 2)) + [ndim - 1, ndim - 2]
    scores = e.node("MatMul", [q, e.node("Transpose", [k], perm=perm)])
    scores = e.node("Mul", [scores, e.constant(f.scale, dtype)])
    if len(ins) > 3 and ins[3] is not None:
        scores = e.node("Add", [scores, ins[3]])
    if f.keep is not None:
        keep = cuda.as_numpy(f.keep)
        mask = _causal_keep(e, q, k, ndim) if _is_causal(keep) else e.literal(
            keep, "attention_mask", [cuda.as_numpy(g.keep) for g in e.variants(f)])
        scores = e.node("Where", [mask, scores, e.constant(-np.inf, dtype)])
    probs = e.node("Softmax", [scores], axis=-1)
    e.node("MatMul", [probs, v], outs)
