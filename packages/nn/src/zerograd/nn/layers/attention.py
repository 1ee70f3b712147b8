"""MultiheadAttention with PyTorch's arguments, masks and parameter names (in_proj_weight,
in_proj_bias, out_proj.weight/bias; q/k/v_proj_weight when kdim or vdim differ).

Attention itself is zerograd.nn.functions.scaled_dot_product_attention (one fused Function);
only when the caller asks for the attention weights (``need_weights``, PyTorch's default) is it
spelled out with softmax and matmul, as PyTorch does, so that the weights come back too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions.activation import softmax
from zerograd.nn.functions.attention import causal_mask, scaled_dot_product_attention
from zerograd.nn.functions.dropout import dropout
from zerograd.nn.functions.linear import linear
from zerograd.nn.layer import Layer
from zerograd.nn.layers.dropout import Dropout
from zerograd.nn.layers.torch_layout import FeatureNorm, Projection


class TorchLayoutFactory:
    """How the attention and Transformer layers make their parts. zerograd.torch overrides these
    to build its own nn.Linear, nn.LayerNorm, nn.Dropout, ModuleList and Parameters, so that one
    implementation serves both APIs."""

    def _parameter(self, array: Any) -> Any:
        return Parameter(array)

    def _linear(self, in_features: int, out_features: int, bias: bool) -> Layer:
        return Projection(in_features, out_features, bias)

    def _norm(self, size: int, eps: float, bias: bool) -> Layer:
        return FeatureNorm(size, eps, bias)

    def _dropout(self, p: float) -> Layer:
        return Dropout(p)


def _xavier_uniform(shape: tuple[int, int]) -> np.ndarray:
    bound = math.sqrt(6 / (shape[0] + shape[1]))
    return np.random.uniform(-bound, bound, shape).astype(np.float32)


class MultiheadAttention(TorchLayoutFactory, Layer):
    """Attention over ``num_heads`` heads of size embed_dim / num_heads, as torch.nn.
    MultiheadAttention: inputs (L, N, E) or (N, L, E) with ``batch_first``, or unbatched (L, E).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights or None). Boolean masks say
    True where attention is NOT allowed (PyTorch's convention here); float masks are added.

    >>> mha = MultiheadAttention(8, 2, batch_first=True)
    >>> x = np.ones((3, 5, 8), dtype=np.float32)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False) -> None:
        super().__init__()
        self.embed_dim = check_positive_int("MultiheadAttention", "embed_dim", embed_dim)
        self.num_heads = check_positive_int("MultiheadAttention", "num_heads", num_heads)
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "supported by zerograd")
        self.head_dim = embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else check_positive_int("MultiheadAttention", "kdim", kdim)
        self.vdim = embed_dim if vdim is None else check_positive_int("MultiheadAttention", "vdim", vdim)
        self.dropout = check_real("MultiheadAttention", "dropout", dropout, low=0, high=1)
        self.batch_first = bool(batch_first)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = self._parameter(_xavier_uniform((3 * embed_dim, embed_dim)))
        else:
            self.q_proj_weight = self._parameter(_xavier_uniform((embed_dim, embed_dim)))
            self.k_proj_weight = self._parameter(_xavier_uniform((embed_dim, self.kdim)))
            self.v_proj_weight = self._parameter(_xavier_uniform((embed_dim, self.vdim)))
        self.in_proj_bias = self._parameter(np.zeros(3 * embed_dim, np.float32)) if bias else None
        self.out_proj = self._linear(embed_dim, embed_dim, bias)
        if bias:
            self.out_proj.bias.data[...] = 0

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Variable, Variable | None]:
        self_attention = query is key and key is value
        query, key, value = as_variable(query), as_variable(key), as_variable(value)
        batched = self._check_inputs(query, key, value)
        q, k, v = (self._batch_major(x, batched) for x in (query, key, value))
        N, L, _ = q.shape
        S = k.shape[1]
        q, k, v = self._project(q, k, v, self_attention)
        q, k, v = (self._split_heads(x) for x in (q, k, v))
        mask = self._mask(attn_mask, key_padding_mask, is_causal, (N, L, S), batched, q)
        p = self.dropout if self.is_training() else 0.0
        if need_weights:
            out, weights = self._attention_with_weights(q, k, v, mask, p)
            if average_attn_weights:
                weights = CF.mean(weights, axis=1)
            if not batched:
                weights = CF.squeeze(weights, 0)
        else:
            out, weights = scaled_dot_product_attention(q, k, v, mask, p, train=True), None
        out = CF.reshape(CF.transpose(out, (0, 2, 1, 3)), (N, L, self.embed_dim))
        out = self.out_proj(out)
        if not batched:
            return CF.squeeze(out, 0), weights
        return (out if self.batch_first else CF.transpose(out, (1, 0, 2))), weights

    # --- parts of forward ----------------------------------------------------------------------
    def _check_inputs(self, query: Variable, key: Variable, value: Variable) -> bool:
        name = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{name}: query, key and value must all be 3-d (batched) or 2-d "
                             f"(unbatched), got shapes {query.shape}, {key.shape}, {value.shape}")
        for what, x, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if x.shape[-1] != size:
                raise ValueError(f"{name}: {what} of shape {x.shape} must end in {size} features")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"{name}: key {key.shape} and value {value.shape} must agree in "
                             "all but the last axis")
        if query.ndim == 3:
            batch_axis = 0 if self.batch_first else 1
            if query.shape[batch_axis] != key.shape[batch_axis]:
                raise ValueError(f"{name}: query {query.shape} and key {key.shape} have different "
                                 f"batch sizes (batch_first={self.batch_first})")
        return query.ndim == 3

    def _batch_major(self, x: Variable, batched: bool) -> Variable:
        if not batched:
            return CF.expand_dims(x, 0)
        return x if self.batch_first else CF.transpose(x, (1, 0, 2))

    def _project(self, q: Variable, k: Variable, v: Variable, self_attention: bool
                 ) -> tuple[Variable, Variable, Variable]:
        b = self.in_proj_bias
        if self._qkv_same_embed_dim and self_attention:  # one matmul for all three
            return tuple(CF.split(linear(q, CF.transpose(self.in_proj_weight), b), 3, axis=-1))
        if self._qkv_same_embed_dim:
            weights = CF.split(self.in_proj_weight, 3, axis=0)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = (None,) * 3 if b is None else CF.split(b, 3, axis=0)
        return tuple(linear(x, CF.transpose(w), bias) for x, w, bias in zip((q, k, v), weights, biases))

    def _split_heads(self, x: Variable) -> Variable:
        N, T, _ = x.shape
        return CF.transpose(CF.reshape(x, (N, T, self.num_heads, self.head_dim)), (0, 2, 1, 3))

    def _mask(self, attn_mask: Any, key_padding_mask: Any, is_causal: bool,
              sizes: tuple[int, int, int], batched: bool, q: Variable) -> Any:
        """One mask for scaled_dot_product_attention, broadcasting to (N, H, L, S): boolean
        (True: attend) when both masks are boolean, else additive."""
        N, L, S = sizes
        dtype = q.dtype
        masks = []
        if attn_mask is None and is_causal:  # PyTorch's hint without a mask: the causal mask
            attn_mask = ~causal_mask(L, S, get_array_module(q.data))
        if attn_mask is not None:
            attn_mask = _plain_array(attn_mask)
            expected = [(L, S), (N * self.num_heads, L, S)]
            if tuple(attn_mask.shape) not in expected:
                raise ValueError(f"MultiheadAttention: attn_mask of shape {attn_mask.shape} must be "
                                 f"(L, S) = {expected[0]} or (N * num_heads, L, S) = {expected[1]}")
            masks.append(attn_mask.reshape(N, self.num_heads, L, S) if attn_mask.ndim == 3 else attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _plain_array(key_padding_mask)
            expected = (N, S) if batched else (S,)
            if tuple(key_padding_mask.shape) != expected:
                raise ValueError(f"MultiheadAttention: key_padding_mask of shape "
                                 f"{key_padding_mask.shape} must be {expected} (batch, source length)")
            masks.append(key_padding_mask.reshape(N, 1, 1, S))
        if not masks:
            return None
        if all(m.dtype.kind == "b" for m in masks):
            blocked = masks[0] if len(masks) == 1 else masks[0] | masks[1]
            return ~blocked
        total = 0
        for m in masks:
            xp = get_array_module(m)
            total = total + (xp.where(m, -np.inf, 0).astype(dtype) if m.dtype.kind == "b"
                             else m.astype(dtype))
        return total

    def _attention_with_weights(self, q: Variable, k: Variable, v: Variable, mask: Any,
                                p: float) -> tuple[Variable, Variable]:
        s = CF.matmul(q, CF.swapaxes(k, -1, -2)) * (1 / math.sqrt(self.head_dim))
        if mask is not None and mask.dtype.kind == "b":
            xp = get_array_module(mask)
            s = CF.where(xp.broadcast_to(mask, s.shape), s, xp.full((), -np.inf, s.dtype))
        elif mask is not None:
            s = s + mask
        weights = softmax(s, axis=-1)
        if p > 0:
            weights = dropout(weights, p, train=True)
        return CF.matmul(weights, v), weights

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, "
                f"batch_first={self.batch_first}")


def _plain_array(mask: Any) -> Any:
    array = mask.data if isinstance(mask, Variable) else mask
    if getattr(array, "dtype", None) is None or array.dtype.kind not in "bf":
        dtype = getattr(array, "dtype", None)
        raise TypeError(f"MultiheadAttention: masks must be boolean or floating arrays, got "
                        f"{type(array).__name__}{'' if dtype is None else f' of {dtype}'}")
    return array
