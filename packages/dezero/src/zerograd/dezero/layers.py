"""The book's ``dezero.layers`` (imported as L): every layer of zerograd, re-exported from
zerograd.nn.layers (Layer, Linear, EmbedID, BatchNorm, LayerNorm, Dropout, Sequential, LayerList,
ParameterList), zerograd.vision.layers (Conv2d, Deconv2d) and zerograd.text.layers (RNN, LSTM,
GRU). Layers infer their input size at the first call when it is not given.

>>> import numpy as np
>>> import zerograd.dezero.layers as L
>>> L.Linear(3)(np.ones((2, 4), dtype=np.float32)).shape
(2, 3)
"""

from zerograd.nn.layers import (
    BatchNorm,
    Dropout,
    EmbedID,
    Layer,
    LayerList,
    LayerNorm,
    Linear,
    ParameterList,
    Sequential,
)
from zerograd.text.layers import GRU, LSTM, RNN
from zerograd.vision.layers import Conv2d, Deconv2d

__all__ = [
    "GRU", "LSTM", "RNN", "BatchNorm", "Conv2d", "Deconv2d", "Dropout", "EmbedID", "Layer",
    "LayerList", "LayerNorm", "Linear", "ParameterList", "Sequential",
]
