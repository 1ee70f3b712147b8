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

import types

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
from zerograd.nn.functions.activation_piecewise import (
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    prelu,
    relu6,
    rrelu,
    softshrink,
    threshold,
)
from zerograd.nn.functions.activation_smooth import (
    celu,
    glu,
    logsigmoid,
    mish,
    selu,
    softmin,
    softplus_threshold,
    softsign,
    tanhshrink,
)
from zerograd.nn.functions.attention import causal_mask, scaled_dot_product_attention
from zerograd.nn.functions.bilinear import bilinear
from zerograd.nn.functions.distance import (
    cosine_similarity,
    normalize,
    pairwise_distance,
    pdist,
    vector_norm,
)
from zerograd.nn.functions.dropout import dropout
from zerograd.nn.functions.dropout_variants import alpha_dropout, channel_dropout
from zerograd.nn.functions.embedding import embed_id, embedding, one_hot
from zerograd.nn.functions.feature_normalization import (
    group_norm,
    instance_norm,
    local_response_norm,
    rms_norm,
)
from zerograd.nn.functions.linear import linear
from zerograd.nn.functions.loss import (
    binary_cross_entropy,
    huber_loss,
    mean_squared_error,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
)
from zerograd.nn.functions.loss_cross_entropy import cross_entropy, nll_loss
from zerograd.nn.functions.loss_margin import (
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from zerograd.nn.functions.loss_regression import (
    bce_loss,
    bce_with_logits_loss,
    gaussian_nll_loss,
    kl_div,
    l1_loss,
    mse_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from zerograd.nn.functions.metrics import accuracy
from zerograd.nn.functions.normalization import batch_norm, layer_norm

# Functions only: the submodules must not leak through `from zerograd.nn.functions import *`.
__all__ = [name for name, value in globals().items()
           if not name.startswith("_") and not isinstance(value, types.ModuleType)]
__all__ = [
    "accuracy", "batch_norm", "binary_cross_entropy", "causal_mask", "dropout", "elu", "embed_id", "gelu",
    "huber_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "mean_squared_error",
    "nll_loss", "relu", "scaled_dot_product_attention", "sigmoid", "sigmoid_cross_entropy", "silu", "softmax",
    "softmax_cross_entropy", "softplus",
]
