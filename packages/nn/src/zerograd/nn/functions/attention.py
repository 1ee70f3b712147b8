"""Scaled dot-product attention as one Function, with boolean, additive and causal masks and
attention dropout, as ``torch.nn.functional.scaled_dot_product_attention`` computes it:

    out = dropout(softmax(q k^T * scale + mask)) v

The forward keeps one (..., L, S) array for backward, the attention probabilities; a dropped
entry is stored with its sign flipped (probabilities are never negative), so the dropout mask
costs no second array. The backward folds the softmax and the masks into one pass: with
D_i = gy_i . out_i (= sum_j p_ij gp_ij), the scores' gradient is p (gp - D), zero wherever the
mask removed a key. When the backward is itself recorded (``create_graph``) it is built from
differentiable Functions instead, so that gradients of gradients work.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Config, Function, Variable, as_variable, kernels
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module
from zerograd.core.utils import sum_to
from zerograd.nn.functions._checks import floating_variable
from zerograd.nn.functions.activation import softmax, softmax_gradient
from zerograd.nn.mode import is_training


def causal_mask(query_length: int, key_length: int | None = None, xp: Any = np) -> Any:
    """The boolean (L, S) mask of causal attention: True where query i may attend to key j, that
    is j <= i (PyTorch's ``is_causal``, aligned at the top-left corner).

    >>> causal_mask(3).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    return xp.tri(query_length, query_length if key_length is None else key_length, dtype=bool)


_SOFTMAX_BLOCK = 65536  # elements of the scores per block of the CPU softmax


def _sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """sum_to without its copy when nothing broadcast (the gradient is a fresh array)."""
    return x if x.shape == shape else sum_to(x, shape)


def _mT(a: Any) -> Any:
    return a.swapaxes(-1, -2)


class ScaledDotProductAttention(Function):
    """out = dropout(softmax(q k^T scale + mask)) v over the last two axes, batched over the
    leading ones (which broadcast). Inputs (q, k, v) or (q, k, v, additive_mask); a boolean mask
    (True: attend) is a constant held by the Function."""

    __slots__ = ("scale", "dropout_p", "keep", "batch", "probs", "out")

    def __init__(self, scale: float, dropout_p: float, keep: Any, batch: tuple[int, ...]) -> None:
        self.scale, self.dropout_p, self.keep, self.batch = scale, dropout_p, keep, batch

    def forward(self, q: Any, k: Any, v: Any, mask: Any = None) -> Any:
        xp = get_array_module(q)
        s = xp.matmul(q, _mT(k))
        if s.shape[:-2] != self.batch:  # the mask alone widens the batch axes
            s = xp.broadcast_to(s, self.batch + s.shape[-2:]).copy()
        drop = None if self.keep is None else ~self.keep
        if self._compiled(s, mask):  # the NumPy reference is below
            from zerograd.core.kernels import softmax as softmax_kernels
            softmax_kernels.attention_softmax(s, self.scale, mask, self.keep)
        elif xp is np and mask is None and s.ndim > 2 and (drop is None or drop.ndim == 2):
            # block by block over the leading axes: the softmax's passes stay in cache
            rows = s.reshape(-1, *s.shape[-2:])
            step = max(1, _SOFTMAX_BLOCK // (s.shape[-1] * s.shape[-2]))
            for start in range(0, len(rows), step):
                self._softmax(xp, rows[start:start + step], None, drop)
        else:
            self._softmax(xp, s, mask, drop)
        p = s
        if self.dropout_p > 0:
            sign = (xp.random.rand(*p.shape) >= self.dropout_p).astype(p.dtype)
            sign *= 2
            sign -= 1
            p *= sign  # dropped entries turn negative: the mask lives in the sign bit
            del sign
            kept = xp.maximum(p, 0)
            kept *= self._keep_scale()
            out = xp.matmul(kept, v)
        else:
            out = xp.matmul(p, v)
        self.probs, self.out = p, out
        return out

    def _compiled(self, s: Any, mask: Any) -> bool:
        """Whether the compiled softmax takes these scores: masks that broadcast to (L, S)."""
        arrays = (s,) if mask is None else (s, mask)
        return (kernels.enabled(*arrays) and s.size > 0 and s.flags.c_contiguous
                and (mask is None or mask.ndim <= 2)
                and (self.keep is None or (type(self.keep) is np.ndarray and self.keep.ndim <= 2)))

    def _softmax(self, xp: Any, s: Any, mask: Any, drop: Any) -> None:
        """softmax(s * scale + mask) in place, -inf where ``drop``; a row whose every key is
        masked gets probabilities 0 (PyTorch's output for it), not the NaN of max = -inf."""
        s *= self.scale
        masked = mask is not None or drop is not None
        if mask is not None:
            s += mask
        if drop is not None:
            xp.copyto(s, -np.inf, where=drop)
        row_max = s.max(axis=-1, keepdims=True)
        if masked:
            xp.maximum(row_max, np.finfo(s.dtype).min, out=row_max)
        s -= row_max
        xp.exp(s, out=s)
        total = s.sum(axis=-1, keepdims=True)
        if masked:
            xp.maximum(total, np.finfo(s.dtype).tiny, out=total)
        s /= total

    def _keep_scale(self) -> float:
        return 0.0 if self.dropout_p >= 1 else 1 / (1 - self.dropout_p)

    def backward(self, gy: Variable) -> tuple[Any, ...]:
        if Config.enable_backprop:  # create_graph: a backward that can be differentiated again
            return self._composite_backward(gy)
        xp = get_array_module(gy.data)
        g = gy.data
        inputs = self.inputs
        q, k, v = inputs[0].data, inputs[1].data, inputs[2].data
        p = self.probs
        dropout = self.dropout_p > 0
        kept = None
        if dropout:
            kept = xp.maximum(p, 0)
            kept *= self._keep_scale()
        gq = gk = gv = gmask = None
        if inputs[2].requires_grad:
            gv = _sum_to(xp.matmul(_mT(p if kept is None else kept), g), v.shape)
        mask_grad = len(inputs) == 4 and inputs[3].requires_grad
        if inputs[0].requires_grad or inputs[1].requires_grad or mask_grad:
            gs = xp.matmul(g, _mT(v))  # the gradient of the (dropped) probabilities
            if not dropout and kernels.enabled(gs, p, g) and gs.shape == p.shape:
                from zerograd.core.kernels import softmax as softmax_kernels
                softmax_kernels.attention_softmax_backward(gs, p, g, self.out)  # as below
            else:
                row_dot = (g * self.out).sum(axis=-1, keepdims=True)
                if dropout:
                    gs *= p > 0
                    gs *= self._keep_scale()
                    xp.abs(p, out=kept)
                    p = kept
                gs -= row_dot
                gs *= p  # the softmax's backward; masked keys have p = 0 and get no gradient
            del kept
            if mask_grad:
                gmask = sum_to(gs, inputs[3].shape)
            # the scale goes on gq and gk, smaller than the (..., L, S) scores' gradient
            if inputs[0].requires_grad:
                gq = _sum_to(xp.matmul(gs, k), q.shape)
                gq *= self.scale
            if inputs[1].requires_grad:
                gk = _sum_to(xp.matmul(_mT(gs), q), k.shape)
                gk *= self.scale
        grads = (gq, gk, gv, gmask)[:len(inputs)]
        return tuple(None if a is None else Variable(a, requires_grad=False) for a in grads)

    def _composite_backward(self, gy: Variable) -> tuple[Any, ...]:
        """The same gradients from differentiable Functions, the probabilities recomputed from
        q and k so that their own gradients reach q and k."""
        xp = get_array_module(gy.data)
        q, k, v = self.inputs[:3]
        s = CF.matmul(q, CF.swapaxes(k, -1, -2)) * self.scale
        if s.shape[:-2] != self.batch:
            s = CF.broadcast_to(s, self.batch + s.shape[-2:])
        if len(self.inputs) == 4:
            s = s + self.inputs[3]
        if self.keep is not None:
            s = CF.where(xp.broadcast_to(self.keep, s.shape), s, xp.full((), -np.inf, s.dtype))
        alive = xp.abs(self.probs).sum(axis=-1, keepdims=True) > 0
        if not alive.all():  # rows with no key left: softmax of zeros, then multiplied by 0
            s = CF.where(xp.broadcast_to(alive, s.shape), s, xp.zeros((), s.dtype))
        p = softmax(s, axis=-1)
        if not alive.all():
            p = p * alive.astype(s.dtype)
        keep = None
        kept = p
        if self.dropout_p > 0:
            keep = (self.probs > 0).astype(s.dtype) * self._keep_scale()
            kept = p * keep
        gq = gk = gv = gmask = None
        if v.requires_grad:
            gv = CF.sum_to(CF.matmul(CF.swapaxes(kept, -1, -2), gy), v.shape)
        gp = CF.matmul(gy, CF.swapaxes(v, -1, -2))
        if keep is not None:
            gp = gp * keep
        gs = softmax_gradient(p, gp, -1)
        if len(self.inputs) == 4 and self.inputs[3].requires_grad:
            gmask = CF.sum_to(gs, self.inputs[3].shape)
        gs = gs * self.scale
        if q.requires_grad:
            gq = CF.sum_to(CF.matmul(gs, k), q.shape)
        if k.requires_grad:
            gk = CF.sum_to(CF.matmul(CF.swapaxes(gs, -1, -2), q), k.shape)
        return (gq, gk, gv, gmask)[:len(self.inputs)]


def _broadcast_batch(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(shape[:-2] for shape in shapes.values())))
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"scaled_dot_product_attention: the leading (batch) axes of {described} "
                         "do not broadcast") from None


def _check_shapes(q: Variable, k: Variable, v: Variable) -> None:
    for name, x in (("query", q), ("key", k), ("value", v)):
        if x.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must have shape (..., length, "
                             f"features), got {x.shape}")
    if q.dtype != k.dtype or q.dtype != v.dtype:
        raise TypeError(f"scaled_dot_product_attention: query, key and value must share one dtype, "
                        f"got {q.dtype}, {k.dtype} and {v.dtype}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query {q.shape} and key {k.shape} must "
                         f"have the same last axis (E), got {q.shape[-1]} and {k.shape[-1]}")
    if k.shape[-2] != v.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: key {k.shape} and value {v.shape} must "
                         f"have the same length axis (S), got {k.shape[-2]} and {v.shape[-2]}")


def _mask_array(mask: Any, length: int, key_length: int) -> Any:
    """The mask's array after checking its dtype and that its last two axes broadcast to (L, S)."""
    array = mask.data if isinstance(mask, Variable) else mask
    dtype = getattr(array, "dtype", None)
    if dtype is None or dtype.kind not in "bf":
        raise TypeError(f"scaled_dot_product_attention: attn_mask must be a boolean or floating "
                        f"array, got {type(array).__name__}{'' if dtype is None else f' of {dtype}'}")
    shape = tuple(array.shape)
    tail = (1,) * max(0, 2 - len(shape)) + shape[-2:]
    if any(n not in (1, want) for n, want in zip(tail, (length, key_length))):
        raise ValueError(f"scaled_dot_product_attention: attn_mask of shape {shape} does not "
                         f"broadcast to (..., L, S) = (..., {length}, {key_length})")
    return array


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, *, train: bool | None = None
                                 ) -> Variable:
    """softmax(query key^T * scale + mask) value, PyTorch's scaled dot-product attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading axes
    broadcast. ``attn_mask`` broadcasts to (..., L, S): boolean (True: take part) or floating
    (added to the scores; it may be a Variable that needs a gradient). ``is_causal`` masks keys
    after the query (no attn_mask then). ``scale`` defaults to 1 / sqrt(E). Dropout with
    probability ``dropout_p`` acts on the probabilities in train mode (``train`` defaults to
    Config.train; zerograd.torch passes True, as PyTorch's functional always drops).

    >>> x = np.ones((2, 3, 4), dtype=np.float32)
    >>> scaled_dot_product_attention(x, x, x, is_causal=True).shape
    (2, 3, 4)
    """
    q = floating_variable("scaled_dot_product_attention", "query", query)
    k = floating_variable("scaled_dot_product_attention", "key", key)
    v = floating_variable("scaled_dot_product_attention", "value", value)
    _check_shapes(q, k, v)
    if not 0 <= dropout_p <= 1:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must lie in [0, 1], got {dropout_p}")
    length, key_length = q.shape[-2], k.shape[-2]
    shapes = {"query": q.shape, "key": k.shape, "value": v.shape}
    if scale is None:
        scale = 1 / math.sqrt(q.shape[-1]) if q.shape[-1] else 1.0
    inputs = [q, k, v]
    keep = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, "
                             "not both")
        keep = causal_mask(length, key_length, get_array_module(q.data))
    elif attn_mask is not None:
        array = _mask_array(attn_mask, length, key_length)
        xp = get_array_module(q.data)
        if get_array_module(array) is not xp:  # a mask built on the host for device inputs
            array = xp.asarray(array)
        shapes["attn_mask"] = tuple(array.shape) + (length, key_length)[len(array.shape):]
        if array.dtype.kind == "b":
            keep = array
        elif isinstance(attn_mask, Variable) and attn_mask.requires_grad and array is attn_mask.data:
            inputs.append(attn_mask)
        else:
            inputs.append(as_variable(array.astype(q.dtype, copy=False)))
            inputs[-1].requires_grad = False
    batch = _broadcast_batch(shapes)
    p = float(dropout_p) if is_training(train) else 0.0
    return ScaledDotProductAttention(float(scale), p, keep, batch)(*inputs)
