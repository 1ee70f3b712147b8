"""``torch.nn``'s attention and Transformer modules: MultiheadAttention, TransformerEncoderLayer,
TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer.

Each is zerograd.nn's layer of the same name (the math lives there) built from this facade's
parts: its children are nn.Linear, nn.LayerNorm, nn.Dropout and nn.ModuleList modules, its
parameters nn.Parameters, and its outputs Tensors.
"""

from __future__ import annotations

import copy
from typing import Any

from zerograd.nn.layers import attention as native_attention
from zerograd.nn.layers import transformer as native
from zerograd.torch.creation import tensor
from zerograd.torch.nn.containers import ModuleList
from zerograd.torch.nn.layers import Dropout, LayerNorm, Linear
from zerograd.torch.nn.module import Module
from zerograd.torch.tensor import Parameter, as_tensor_result


class _TorchParts:
    """The factory methods of zerograd.nn's Transformer layers, answered with this facade's
    modules, and forward returning Tensors."""

    def _parameter(self, array: Any) -> Parameter:
        return Parameter(array)

    def _linear(self, in_features: int, out_features: int, bias: bool) -> Linear:
        return Linear(in_features, out_features, bias)

    def _norm(self, size: int, eps: float, bias: bool) -> LayerNorm:
        norm = LayerNorm(size, eps)
        if not bias:
            norm.bias = None
        return norm

    def _dropout(self, p: float) -> Dropout:
        return Dropout(p)

    def _attention(self, d_model: int, nhead: int, dropout: float, bias: bool,
                   batch_first: bool) -> MultiheadAttention:
        return MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)

    def _layer_list(self, layer: Module, num_layers: int) -> ModuleList:
        return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return as_tensor_result(super().forward(*args, **kwargs))


class MultiheadAttention(_TorchParts, native_attention.MultiheadAttention, Module):
    """``torch.nn.MultiheadAttention`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""


class TransformerEncoderLayer(_TorchParts, native.TransformerEncoderLayer, Module):
    """``torch.nn.TransformerEncoderLayer`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""


class TransformerDecoderLayer(_TorchParts, native.TransformerDecoderLayer, Module):
    """``torch.nn.TransformerDecoderLayer`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""


class TransformerEncoder(_TorchParts, native.TransformerEncoder, Module):
    """``torch.nn.TransformerEncoder`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""


class TransformerDecoder(_TorchParts, native.TransformerDecoder, Module):
    """``torch.nn.TransformerDecoder`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""


class Transformer(_TorchParts, native.Transformer, Module):
    """``torch.nn.Transformer`` with PyTorch's arguments and state_dict keys, on zerograd.nn's
    layer of the same name (its docstring lists the arguments)."""
    encoder_layer_class = TransformerEncoderLayer
    decoder_layer_class = TransformerDecoderLayer
    encoder_class = TransformerEncoder
    decoder_class = TransformerDecoder

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Any:
        """A float (sz, sz) Tensor: -inf above the diagonal (the future), 0 elsewhere."""
        return tensor(native.Transformer.generate_square_subsequent_mask(sz, dtype=dtype))
