"""``torch.nn.functional`` (imported as F) over zerograd's Functions: PyTorch's argument names
(``dim``, ``padding``, ``p``, ``training``), defaults (pooling's stride is the kernel size) and
reductions (losses average over every element, ``reduction='mean'|'sum'|'none'``).

The names live in modules by concern (functional_activations, functional_losses,
functional_vision); this module gathers them and holds the layers-as-functions, dropout and
embedding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import as_variable
from zerograd.core import functions as CF
from zerograd.nn import functions as NF
from zerograd.torch.nn._functional_common import constant, data, inplace_result
from zerograd.torch.nn.functional_activations import (  # noqa: F401  (re-exported)
    bilinear,
    celu,
    cosine_similarity,
    elu,
    elu_,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    normalize,
    pairwise_distance,
    pdist,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from zerograd.torch.nn.functional_losses import (  # noqa: F401  (re-exported)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
from zerograd.torch.nn.functional_vision import (  # noqa: F401  (re-exported)
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    adaptive_max_pool3d,
    avg_pool1d,
    avg_pool2d,
    avg_pool3d,
    channel_shuffle,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    fold,
    interpolate,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
    pad,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from zerograd.torch.tensor import as_tensor_result

# ruff: noqa: A002  (PyTorch's parameter is called ``input``)


# --- layers as functions ----------------------------------------------------------------------
def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """y = input weight^T + bias with weight (out, in), PyTorch's layout."""
    return as_tensor_result(NF.linear(input, CF.transpose(weight), bias))


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False) -> Any:
    """softmax(query key^T scale + mask) value; dropout whenever dropout_p > 0, as in PyTorch."""
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    return as_tensor_result(NF.scaled_dot_product_attention(
        query, key, value, attn_mask, dropout_p, is_causal, scale, train=True))


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-5) -> Any:
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dtype = as_variable(input).dtype
    gamma = np.ones(shape, dtype) if weight is None else weight
    beta = np.zeros(shape, dtype) if bias is None else bias
    return as_tensor_result(NF.layer_norm(input, gamma, beta, eps))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Any:  # noqa: A002
    from zerograd.torch.tensor import Tensor
    x = input if isinstance(input, Tensor) else as_tensor_result(CF.add(as_variable(input), 0))
    return x.flatten(start_dim, end_dim)



# --- dropout ----------------------------------------------------------------------------------
def _check_p(func: str, p: float) -> None:
    if not 0 <= p <= 1:
        raise ValueError(f"{func}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    _check_p("dropout", p)
    return inplace_result(input, NF.dropout(input, p, train=bool(training)), inplace)


def _channel_dropout(func: str, batched_ndim: int, input: Any, p: float, training: bool,
                     inplace: bool) -> Any:
    _check_p(func, p)
    x = as_variable(input)
    if x.ndim not in (batched_ndim - 1, batched_ndim):
        raise ValueError(f"{func}: expected {batched_ndim - 1}D or {batched_ndim}D input, got "
                         f"shape {x.shape}")
    y = NF.channel_dropout(x, p, train=bool(training), batched=x.ndim == batched_ndim)
    return inplace_result(input, y, inplace)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    return _channel_dropout("dropout1d", 3, input, p, training, inplace)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    # PyTorch reads a 3-D input of dropout2d as a batch (N, C, L), not as one (C, H, W)
    x = as_variable(input)
    if x.ndim == 3:
        _check_p("dropout2d", p)
        return inplace_result(input, NF.channel_dropout(x, p, train=bool(training)), inplace)
    return _channel_dropout("dropout2d", 4, input, p, training, inplace)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    return _channel_dropout("dropout3d", 5, input, p, training, inplace)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Any:
    _check_p("alpha_dropout", p)
    return inplace_result(input, NF.alpha_dropout(input, p, train=bool(training)), inplace)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Any:
    _check_p("feature_alpha_dropout", p)
    y = NF.alpha_dropout(input, p, train=bool(training), per_channel=True)
    return inplace_result(input, y, inplace)


# --- embedding and one_hot ----------------------------------------------------------------------
def embedding(input: Any, weight: Any, padding_idx: Any = None, max_norm: Any = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False) -> Any:
    """Rows of weight picked by the ids in input. ``sparse`` is accepted and gives the same,
    dense gradient; ``scale_grad_by_freq`` is not supported."""
    if scale_grad_by_freq:
        raise NotImplementedError("embedding: scale_grad_by_freq=True is not supported by "
                                  "zerograd.torch")
    return as_tensor_result(NF.embedding(data(input), weight, padding_idx, max_norm, norm_type))


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    return constant(NF.one_hot(data(tensor), num_classes))
