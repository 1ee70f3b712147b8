"""zerograd.nn.functions (imported as F): activations, losses, linear, dropout, normalisation,
embedding and accuracy. Each public function validates its arguments and wraps one Function (or
a few core functions); the hot ones are fused with a hand-written backward.

>>> import numpy as np
>>> import zerograd.nn.functions as F
>>> x = np.ones((2, 3), dtype=np.float32)
>>> W = np.ones((3, 4), dtype=np.float32)
>>> F.relu(F.linear(x, W)).shape
(2, 4)
"""

from zerograd.nn.functions.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
)
from zerograd.nn.functions.attention import causal_mask, scaled_dot_product_attention
from zerograd.nn.functions.dropout import dropout
from zerograd.nn.functions.embedding import embed_id
from zerograd.nn.functions.linear import linear
from zerograd.nn.functions.loss import (
    binary_cross_entropy,
    huber_loss,
    mean_squared_error,
    nll_loss,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
)
from zerograd.nn.functions.metrics import accuracy
from zerograd.nn.functions.normalization import batch_norm, layer_norm

__all__ = [
    "accuracy", "batch_norm", "binary_cross_entropy", "causal_mask", "dropout", "elu", "embed_id", "gelu",
    "huber_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "mean_squared_error",
    "nll_loss", "relu", "scaled_dot_product_attention", "sigmoid", "sigmoid_cross_entropy", "silu", "softmax",
    "softmax_cross_entropy", "softplus",
]
