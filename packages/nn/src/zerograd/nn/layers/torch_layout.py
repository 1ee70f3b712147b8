"""Layers with PyTorch's parameter names and layout: Projection (a linear map whose ``weight`` is
(out, in)), FeatureNorm (layer normalisation with ``weight``/``bias``) and Embedding (``weight``).

They are the building blocks of the Transformer layers and of zerograd.text's GPT, so that a
PyTorch state dict loads into them key for key, with no transposes or renames. The book's
Linear, LayerNorm and EmbedID keep their own names (W, b, gamma, beta).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from zerograd.core import Parameter
from zerograd.core import functions as CF
from zerograd.core.checks import check_positive_int, check_real
from zerograd.core.cuda import get_array_module
from zerograd.nn.functions.embedding import embed_id
from zerograd.nn.functions.linear import linear
from zerograd.nn.functions.normalization import layer_norm
from zerograd.nn.layer import Layer


class Projection(Layer):
    """y = x weight^T + bias with weight (out_features, in_features), PyTorch's nn.Linear layout
    and initialisation (uniform in +-1/sqrt(in_features), from NumPy's global generator).

    The weight is kept as the transpose of a row-major (in, out) array, so the matrix that
    zerograd's linear multiplies by is an ordinary row-major one.

    >>> Projection(4, 3)(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    >>> Projection(4, 3).weight.shape
    (3, 4)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_features = check_positive_int("Projection", "in_features", in_features)
        self.out_features = check_positive_int("Projection", "out_features", out_features)
        bound = 1 / math.sqrt(in_features)
        draw = np.random.uniform(-bound, bound, (in_features, out_features)).astype(dtype)
        self.weight = Parameter(draw.T, name="weight")
        self.bias = (Parameter(np.random.uniform(-bound, bound, out_features).astype(dtype),
                               name="bias") if bias else None)

    def forward(self, x: Any) -> Any:
        return linear(x, CF.transpose(self.weight), self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class FeatureNorm(Layer):
    """Layer normalisation over the last axis, PyTorch's nn.LayerNorm(normalized_shape) with its
    ``weight`` (ones) and ``bias`` (zeros) names; ``bias=False`` leaves the shift out.

    >>> FeatureNorm(3)(np.arange(6.0, dtype=np.float32).reshape(2, 3)).data.round(3)
    array([[-1.225,  0.   ,  1.225],
           [-1.225,  0.   ,  1.225]], dtype=float32)
    """

    def __init__(self, normalized_shape: int, eps: float = 1e-5, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.normalized_shape = check_positive_int("FeatureNorm", "normalized_shape",
                                                   normalized_shape)
        self.eps = check_real("FeatureNorm", "eps", eps, low=0, low_open=True)
        self.weight = Parameter(np.ones(normalized_shape, dtype=dtype), name="weight")
        self.bias = Parameter(np.zeros(normalized_shape, dtype=dtype), name="bias") if bias else None

    def forward(self, x: Any) -> Any:
        bias = self.bias
        if bias is None:
            bias = get_array_module(self.weight.data).zeros_like(self.weight.data)  # a constant
        return layer_norm(x, self.weight, bias, self.eps)

    def extra_repr(self) -> str:
        return f"normalized_shape={self.normalized_shape}, eps={self.eps}, bias={self.bias is not None}"


class Embedding(Layer):
    """A table ``weight`` (num_embeddings, embedding_dim) drawn from N(0, 1) as in PyTorch; y =
    weight[ids].

    >>> Embedding(10, 4)(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.num_embeddings = check_positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = check_positive_int("Embedding", "embedding_dim", embedding_dim)
        self.weight = Parameter(np.random.randn(num_embeddings, embedding_dim).astype(dtype),
                                name="weight")

    def forward(self, ids: Any) -> Any:
        return embed_id(ids, self.weight)

    def extra_repr(self) -> str:
        return f"num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim}"
