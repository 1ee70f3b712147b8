"""The Transformer layers of PyTorch with its arguments and parameter names: TransformerEncoderLayer,
TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer (post-norm or
``norm_first``, relu/gelu/callable activation, causal masks), and positional encodings
(sinusoidal, learned).

A PyTorch state dict of the same model loads key for key (``layers.0.self_attn.in_proj_weight``,
``layers.0.linear1.weight``, ``layers.0.norm1.weight``...).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from zerograd.core import Variable
from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions.activation import gelu, relu
from zerograd.nn.layer import Layer
from zerograd.nn.layers.attention import MultiheadAttention, TorchLayoutFactory
from zerograd.nn.layers.containers import LayerList

_ACTIVATIONS = {"relu": relu, "gelu": gelu}


def _activation(name: str, activation: str | Callable[[Any], Any]) -> Callable[[Any], Any]:
    if callable(activation):
        return activation
    if activation not in _ACTIVATIONS:
        raise ValueError(f"{name}: activation must be 'relu', 'gelu' or a callable, got {activation!r}")
    return _ACTIVATIONS[activation]


def square_subsequent_mask(size: int, dtype: Any = np.float32, xp: Any = np) -> Any:
    """PyTorch's nn.Transformer.generate_square_subsequent_mask: a float (size, size) mask with
    -inf above the diagonal (the future) and 0 elsewhere.

    >>> square_subsequent_mask(3)
    array([[  0., -inf, -inf],
           [  0.,   0., -inf],
           [  0.,   0.,   0.]], dtype=float32)
    """
    size = check_positive_int("generate_square_subsequent_mask", "size", size)
    return xp.where(xp.tri(size, dtype=bool), 0, -np.inf).astype(dtype)


class _Block(TorchLayoutFactory, Layer):
    """What the encoder and decoder layers share: the feed-forward part and the arguments."""

    def _setup(self, name: str, d_model: int, nhead: int, dim_feedforward: int, dropout: float,
               activation: Any, layer_norm_eps: float, batch_first: bool, norm_first: bool,
               bias: bool) -> None:
        self.d_model = check_positive_int(name, "d_model", d_model)
        check_positive_int(name, "dim_feedforward", dim_feedforward)
        dropout = check_real(name, "dropout", dropout, low=0, high=1)
        self.self_attn = self._attention(d_model, nhead, dropout, bias, batch_first)
        self.linear1 = self._linear(d_model, dim_feedforward, bias)
        self.dropout = self._dropout(dropout)
        self.linear2 = self._linear(dim_feedforward, d_model, bias)
        self.norm_first = bool(norm_first)
        self.norm1 = self._norm(d_model, layer_norm_eps, bias)
        self.norm2 = self._norm(d_model, layer_norm_eps, bias)
        self.dropout1 = self._dropout(dropout)
        self.dropout2 = self._dropout(dropout)
        self.activation = _activation(name, activation)

    def _attention(self, d_model: int, nhead: int, dropout: float, bias: bool,
                   batch_first: bool) -> MultiheadAttention:
        return MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)

    def _sa_block(self, x: Any, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Any:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Any, out_dropout: Layer) -> Any:
        return out_dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_Block):
    """Self-attention then a feed-forward network, each with a residual connection and layer
    normalisation after it (or before it, ``norm_first``), as torch.nn.TransformerEncoderLayer.

    >>> layer = TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(np.ones((2, 5, 8), dtype=np.float32)).shape
    (2, 5, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        self._setup("TransformerEncoderLayer", d_model, nhead, dim_feedforward, dropout, activation,
                    layer_norm_eps, batch_first, norm_first, bias)

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Variable:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Block):
    """Self-attention, attention over the encoder's output (``memory``), then a feed-forward
    network, each with a residual connection and layer normalisation, as
    torch.nn.TransformerDecoderLayer.

    >>> layer = TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> layer(np.ones((4, 2, 8), dtype=np.float32), np.ones((6, 2, 8), dtype=np.float32)).shape
    (4, 2, 8)
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        self._setup("TransformerDecoderLayer", d_model, nhead, dim_feedforward, dropout, activation,
                    layer_norm_eps, batch_first, norm_first, bias)
        self.multihead_attn = self._attention(d_model, nhead, dropout, bias, batch_first)
        self.norm3 = self._norm(d_model, layer_norm_eps, bias)
        self.dropout3 = self._dropout(dropout)

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Variable:
        x = tgt
        masks = (memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, *masks)
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, *masks))
        return self.norm3(x + self._ff_block(x, self.dropout3))

    def _mha_block(self, x: Any, memory: Any, attn_mask: Any, key_padding_mask: Any,
                   is_causal: bool) -> Any:
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, need_weights=False,
                                is_causal=is_causal)[0]
        return self.dropout2(x)


def _clones(layer: Layer, num_layers: int) -> LayerList:
    check_positive_int("Transformer", "num_layers", num_layers)
    return LayerList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Layer):
    """``num_layers`` copies of ``encoder_layer`` (``layers.0`` ...) and an optional final
    ``norm``, as torch.nn.TransformerEncoder."""

    def __init__(self, encoder_layer: Layer, num_layers: int, norm: Layer | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = self._layer_list(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def _layer_list(self, layer: Layer, num_layers: int) -> Layer:
        return _clones(layer, num_layers)

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Variable:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(TransformerEncoder):
    """``num_layers`` copies of ``decoder_layer`` and an optional final ``norm``, as
    torch.nn.TransformerDecoder."""

    def __init__(self, decoder_layer: Layer, num_layers: int, norm: Layer | None = None) -> None:
        super().__init__(decoder_layer, num_layers, norm)

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,  # type: ignore[override]
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Variable:
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(TorchLayoutFactory, Layer):
    """An encoder-decoder Transformer as torch.nn.Transformer (``encoder`` and ``decoder`` with
    final layer norms; matrices re-drawn Xavier-uniform as PyTorch does).

    >>> model = Transformer(8, 2, 1, 1, dim_feedforward=16, batch_first=True)
    >>> src, tgt = np.ones((2, 5, 8), np.float32), np.ones((2, 3, 8), np.float32)
    >>> model(src, tgt, tgt_mask=Transformer.generate_square_subsequent_mask(3)).shape
    (2, 3, 8)
    """

    encoder_layer_class = TransformerEncoderLayer
    decoder_layer_class = TransformerDecoderLayer
    encoder_class = TransformerEncoder
    decoder_class = TransformerDecoder

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: Layer | None = None,
                 custom_decoder: Layer | None = None, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True) -> None:
        super().__init__()
        args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first,
                norm_first, bias)
        self.encoder = custom_encoder or self.encoder_class(
            self.encoder_layer_class(*args), num_encoder_layers, self._norm(d_model, layer_norm_eps, bias))
        self.decoder = custom_decoder or self.decoder_class(
            self.decoder_layer_class(*args), num_decoder_layers, self._norm(d_model, layer_norm_eps, bias))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for param in self.params():
            if param.ndim > 1:
                param.data[...] = _xavier(param.shape)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Any:
        return square_subsequent_mask(sz, np.float32 if dtype is None else dtype)

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Variable:
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_axis] != tgt.shape[batch_axis]:
            raise ValueError(f"Transformer: src {src.shape} and tgt {tgt.shape} must have the same "
                             f"batch size (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(f"Transformer: src {src.shape} and tgt {tgt.shape} must end in "
                             f"d_model = {self.d_model} features")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)


def _xavier(shape: tuple[int, ...]) -> np.ndarray:
    fan_out, fan_in = shape[0], int(np.prod(shape[1:]))
    bound = math.sqrt(6 / (fan_in + fan_out))
    return np.random.uniform(-bound, bound, shape)


class SinusoidalPositionalEncoding(Layer):
    """x + PE[:T] with PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(...) ("Attention is all
    you need"), for x (N, T, d_model) (``batch_first``) or (T, N, d_model); then dropout. The
    table is a fixed array, not a parameter, and is not saved.

    >>> SinusoidalPositionalEncoding(4, max_len=10)(np.zeros((1, 3, 4), np.float32)).shape
    (1, 3, 4)
    """

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0,
                 batch_first: bool = True) -> None:
        super().__init__()
        self.d_model = check_positive_int("SinusoidalPositionalEncoding", "d_model", d_model)
        self.max_len = check_positive_int("SinusoidalPositionalEncoding", "max_len", max_len)
        position = np.arange(max_len)[:, None]
        frequency = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        table = np.zeros((max_len, d_model))
        table[:, 0::2] = np.sin(position * frequency)
        table[:, 1::2] = np.cos(position * frequency[: d_model // 2])
        self.table = table.astype(np.float32)
        self.batch_first = batch_first
        self.dropout = TorchLayoutFactory()._dropout(dropout)

    def forward(self, x: Any) -> Variable:
        return self.dropout(x + self._positions(x, self.table))

    def _positions(self, x: Any, table: Any) -> Any:
        length = x.shape[1] if self.batch_first else x.shape[0]
        if length > self.max_len or x.shape[-1] != self.d_model:
            raise ValueError(f"{type(self).__name__}: input of shape {x.shape} needs at most "
                             f"{self.max_len} positions of {self.d_model} features")
        rows = table[:length]
        if not isinstance(rows, Variable):
            rows = get_array_module(x.data if isinstance(x, Variable) else x).asarray(rows)
        return rows if self.batch_first else CF.expand_dims(rows, 1)


class LearnedPositionalEncoding(SinusoidalPositionalEncoding):
    """x + weight[:T] with a trained table ``weight`` (max_len, d_model) drawn from N(0, 0.02^2)
    (GPT-2's position embeddings), then dropout.

    >>> LearnedPositionalEncoding(4, max_len=10)(np.zeros((2, 3, 4), np.float32)).shape
    (2, 3, 4)
    """

    def __init__(self, d_model: int, max_len: int = 1024, dropout: float = 0.0,
                 batch_first: bool = True) -> None:
        Layer.__init__(self)
        self.d_model = check_positive_int("LearnedPositionalEncoding", "d_model", d_model)
        self.max_len = check_positive_int("LearnedPositionalEncoding", "max_len", max_len)
        self.weight = self._parameter((np.random.randn(max_len, d_model) * 0.02).astype(np.float32))
        self.batch_first = batch_first
        self.dropout = TorchLayoutFactory()._dropout(dropout)

    _parameter = TorchLayoutFactory._parameter

    def forward(self, x: Any) -> Variable:
        return self.dropout(x + self._positions(x, self.weight))
