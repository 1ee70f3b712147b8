"""Row-wise softmax kernels, parallel over rows (each row's numbers never depend on the thread
count): the book's softmax cross entropy, forward and backward, and the softmax of scaled
dot-product attention with its masks, forward and backward. Every loop runs over a row's
contiguous elements; exp is ``_exp.exp`` (vectorisable arithmetic, not a libm call per element).

NumPy references, which these follow operation by operation (sums run in float64 in four lanes
in a fixed order; exp as ``_exp`` says; divisions are ``np.true_divide``, since Python's ``/``
makes Numba test for a zero divisor, a branch that keeps a loop from vectorising):

- ``zerograd.nn.functions.loss.SoftmaxCrossEntropy`` (logits (N, C), labels (N,)): per row the
  maximum m, s = sum exp(x - m), the picked log-probability (x_t - m) - log s and the
  probabilities exp(x - m) / s; the loss is -sum(picked) / N, summed by NumPy. The probabilities
  are kept for the backward (as PyTorch keeps its log-softmax), ``SoftmaxCrossEntropyGrad``:
  gx = (p - onehot(t)) * (gy / N), with no exp left to compute.
- ``zerograd.nn.functions.attention.ScaledDotProductAttention._softmax`` on scores (R, L, S) in
  place: s * scale (+ an additive (L, S) mask), -inf where a boolean (L, S) mask drops a key,
  softmax over S; with a mask, a row with every key dropped gets probabilities 0. Its backward
  (the softmax part of ``backward``, without dropout): gs = (gs - D) * p per row, D = gy . out
  over Ev. Masks with batch axes and dropout stay on NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core.kernels._exp import exp
from zerograd.core.kernels._jit import kernel, prange

_ROWS = 64  # rows per parallel task: one scratch row per task, not per row


@kernel(parallel=False)
def _max2(a: Any, b: Any) -> Any:
    """max(a, b), NaN if either is NaN (a NaN in a stays: b > NaN is false)."""
    return b if (b > a) | (b != b) else a


@kernel(parallel=False)
def _row_max(v: Any, n: int) -> Any:
    """max(v[:n]) (np.max: NaN if any is NaN), in four independent lanes: a single chain of
    compare-and-select would wait on itself at every element."""
    m0 = m1 = m2 = m3 = v[0]
    for i in range(n // 4):
        m0 = _max2(m0, v[4 * i])
        m1 = _max2(m1, v[4 * i + 1])
        m2 = _max2(m2, v[4 * i + 2])
        m3 = _max2(m3, v[4 * i + 3])
    for i in range(n - n % 4, n):
        m0 = _max2(m0, v[i])
    return _max2(_max2(m0, m1), _max2(m2, m3))


@kernel(parallel=False)
def _row_dot(a: Any, b: Any, n: int) -> Any:
    """sum(a[:n] * b[:n]) in float64, four lanes summed in a fixed order (as _row_max)."""
    s0 = s1 = s2 = s3 = 0.0
    for i in range(n // 4):
        s0 += np.float64(a[4 * i]) * b[4 * i]
        s1 += np.float64(a[4 * i + 1]) * b[4 * i + 1]
        s2 += np.float64(a[4 * i + 2]) * b[4 * i + 2]
        s3 += np.float64(a[4 * i + 3]) * b[4 * i + 3]
    for i in range(n - n % 4, n):
        s0 += np.float64(a[i]) * b[i]
    return (s0 + s1) + (s2 + s3)


@kernel(parallel=False)
def _row_sum(v: Any, n: int) -> Any:
    """sum(v[:n]), four lanes summed in a fixed order (as _row_max)."""
    s0 = s1 = s2 = s3 = 0.0
    for i in range(n // 4):
        s0 += v[4 * i]
        s1 += v[4 * i + 1]
        s2 += v[4 * i + 2]
        s3 += v[4 * i + 3]
    for i in range(n - n % 4, n):
        s0 += v[i]
    return (s0 + s1) + (s2 + s3)


@kernel(parallel=False)
def _softmax_row(x: Any, shift: Any, e: Any, y: Any) -> Any:
    """y = exp(x - shift) / sum(exp(x - shift)) over the row (e: float64 scratch); the sum."""
    n = x.shape[0]
    single = x.itemsize == 4
    for i in range(n):
        e[i] = exp(x[i] - shift, single)
    total = _row_sum(e, n)
    for i in range(n):
        y[i] = np.true_divide(e[i], total)
    return total


@kernel
def _cross_entropy_forward(x: Any, t: Any, probs: Any, picked: Any) -> None:
    """x (N, C), t (N,) -> probs = softmax(x) (N, C), picked (N,) = (x_t - m) - log s."""
    n_rows, n_classes = x.shape
    for block in prange((n_rows + _ROWS - 1) // _ROWS):
        e = np.empty(n_classes, np.float64)
        for n in range(block * _ROWS, min(n_rows, (block + 1) * _ROWS)):
            m = _row_max(x[n], n_classes)
            total = _softmax_row(x[n], m, e, probs[n])
            picked[n] = (x[n, t[n]] - m) - np.log(total)


@kernel
def _cross_entropy_backward(probs: Any, t: Any, scale: Any, gx: Any) -> None:
    """gx = (probs - onehot(t)) * scale, row by row."""
    n_rows, n_classes = probs.shape
    for n in prange(n_rows):
        p, g = probs[n], gx[n]
        for i in range(n_classes):
            g[i] = p[i] * scale
        g[t[n]] = (p[t[n]] - 1) * scale


def cross_entropy_forward(x: Any, t: Any) -> tuple[Any, Any]:
    """(picked log-probabilities (N,), softmax(x) (N, C) for the backward), in x's dtype."""
    x = np.ascontiguousarray(x)
    probs = np.empty_like(x)
    picked = np.empty(x.shape[0], x.dtype)
    _cross_entropy_forward(x, _labels(t), probs, picked)
    return picked, probs


def cross_entropy_backward(x: Any, t: Any, probs: Any, scale: Any) -> Any:
    """gx (N, C) = (softmax(x) - onehot(t)) * scale, scale = gy / N in x's dtype; ``probs`` is
    the forward's softmax(x), or None (then computed here)."""
    if probs is None:  # the forward ran without the kernels
        probs = cross_entropy_forward(x, t)[1]
    gx = np.empty_like(probs)
    _cross_entropy_backward(probs, _labels(t), x.dtype.type(scale), gx)
    return gx


def _labels(t: Any) -> Any:
    return np.ascontiguousarray(t, dtype=np.intp)


# --- attention ---------------------------------------------------------------------------------
@kernel
def _attention_softmax(s: Any, scale: Any, add: Any, keep: Any, masked: bool) -> None:
    """s (R, S) rows of scores, in place: softmax(s * scale + add[l] (-inf where not keep[l])),
    l = row % L for the (L, S) masks; ``masked``: clamp as the reference does (dropped rows 0)."""
    n_rows, n_keys = s.shape
    length = add.shape[0]
    lowest = np.finfo(s.dtype).min
    tiny = np.finfo(s.dtype).tiny
    single = s.itemsize == 4
    for block in prange((n_rows + _ROWS - 1) // _ROWS):
        e = np.empty(n_keys, np.float64)
        for r in range(block * _ROWS, min(n_rows, (block + 1) * _ROWS)):
            row, add_row, keep_row = s[r], add[r % length], keep[r % length]
            for j in range(n_keys):
                v = row[j] * scale + add_row[j]
                row[j] = v if keep_row[j] else -np.inf
            m = _row_max(row, n_keys)
            if masked:
                m = m if (m >= lowest) | (m != m) else lowest
            for j in range(n_keys):
                e[j] = exp(row[j] - m, single)
            total = s.dtype.type(_row_sum(e, n_keys))
            if masked:
                total = total if (total >= tiny) | (total != total) else tiny
            for j in range(n_keys):
                row[j] = np.true_divide(s.dtype.type(e[j]), total)


@kernel
def _attention_softmax_backward(gs: Any, p: Any, gy: Any, out: Any) -> None:
    """gs (R, S) in place: (gs - D) * p, D = sum(gy * out) per row ((R, Ev) each)."""
    n_rows, n_keys = gs.shape
    n_values = gy.shape[1]
    for r in prange(n_rows):
        d = gs.dtype.type(_row_dot(gy[r], out[r], n_values))
        g, q = gs[r], p[r]
        for j in range(n_keys):
            g[j] = (g[j] - d) * q[j]


def attention_softmax(s: Any, scale: float, add: Any, keep: Any) -> None:
    """softmax(s * scale + add, -inf where not keep) over the last axis of the C-contiguous
    scores s (..., L, S), in place; ``add`` (float) and ``keep`` (bool) broadcast to (L, S) or
    are None."""
    length, n_keys = s.shape[-2:]
    masked = add is not None or keep is not None
    add = np.zeros((1, 1), s.dtype) if add is None else add
    keep = np.ones((1, 1), np.bool_) if keep is None else keep
    add = np.ascontiguousarray(np.broadcast_to(add.astype(s.dtype, copy=False), (length, n_keys)))
    keep = np.ascontiguousarray(np.broadcast_to(keep, (length, n_keys)))
    _attention_softmax(s.reshape(-1, n_keys), s.dtype.type(scale), add, keep, masked)


def attention_softmax_backward(gs: Any, p: Any, gy: Any, out: Any) -> None:
    """gs (..., L, S) in place: (gs - sum(gy * out, -1)) * p; all C-contiguous, of one shape's
    batch (gy and out (..., L, Ev))."""
    n_keys, n_values = gs.shape[-1], gy.shape[-1]
    _attention_softmax_backward(gs.reshape(-1, n_keys), np.ascontiguousarray(p).reshape(-1, n_keys),
                                np.ascontiguousarray(gy).reshape(-1, n_values),
                                np.ascontiguousarray(out).reshape(-1, n_values))
