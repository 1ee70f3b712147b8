"""zerograd.nn.layers (the book's L): Layer, Linear, EmbedID, BatchNorm, LayerNorm, Dropout and
the containers Sequential, LayerList, ParameterList. Layers infer their input size at the first
call when it is not given.

>>> import numpy as np
>>> from zerograd.nn import layers as L
>>> L.Linear(3)(np.ones((2, 4), dtype=np.float32)).shape
(2, 3)
"""

from zerograd.nn.layer import Layer
from zerograd.nn.layers.attention import MultiheadAttention
from zerograd.nn.layers.containers import LayerList, ParameterList, Sequential
from zerograd.nn.layers.dropout import Dropout
from zerograd.nn.layers.embedding import EmbedID
from zerograd.nn.layers.linear import Linear
from zerograd.nn.layers.normalization import BatchNorm, LayerNorm
from zerograd.nn.layers.torch_layout import Embedding, FeatureNorm, Projection
from zerograd.nn.layers.transformer import (
    LearnedPositionalEncoding,
    SinusoidalPositionalEncoding,
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = ["BatchNorm", "Dropout", "EmbedID", "Layer", "LayerList", "LayerNorm", "Linear",
           "ParameterList", "Sequential"]
__all__ += ["Embedding", "FeatureNorm", "LearnedPositionalEncoding", "MultiheadAttention",
            "Projection", "SinusoidalPositionalEncoding", "Transformer", "TransformerDecoder",
            "TransformerDecoderLayer", "TransformerEncoder", "TransformerEncoderLayer"]
