"""Embedding lookup: rows of a weight matrix picked by integer ids (the book's embed_id and
PyTorch's embedding with padding_idx and max_norm), and one_hot."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Function, Variable, as_variable
from zerograd.core import functions as CF
from zerograd.core.cuda import get_array_module


def embed_id(x: Any, W: Any) -> Variable:
    """The rows of W named by the ids in x: y = W[x], shape x.shape + (out_size,).

    x: integer ids of any shape, each in [0, in_size); W: (in_size, out_size). The gradient adds
    into W's rows, repeated ids accumulating.

    >>> import numpy as np
    >>> embed_id(np.array([2, 0]), np.arange(6.0).reshape(3, 2))
    variable([[4. 5.]
              [0. 1.]])
    """
    ids, W = _checked("embed_id", x, W, "(in_size, out_size)")
    return CF.get_item(W, ids)


def _checked(op: str, x: Any, W: Any, layout: str) -> tuple[Any, Variable]:
    """The ids as an integer array in [0, len(W)) (checked on the host) and W as a matrix."""
    ids = x.data if isinstance(x, Variable) else x
    W = as_variable(W)
    if W.data is None or W.ndim != 2:
        raise ValueError(f"{op}: W must be a matrix {layout}, got "
                         f"{None if W.data is None else W.shape}")
    if not hasattr(ids, "dtype") or ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: x must be an integer array of ids, got "
                        f"{getattr(ids, 'dtype', type(ids).__name__)}")
    n = W.shape[0]
    if get_array_module(ids) is np and ids.size and (int(ids.min()) < 0 or int(ids.max()) >= n):
        raise ValueError(f"{op}: ids must lie in [0, {n}), got values from {int(ids.min())} "
                         f"to {int(ids.max())}")
    return ids, W


class Embedding(Function):
    """y = W[ids]; the gradient adds gy into W's rows, except the row ``padding_idx``."""

    __slots__ = ("ids", "padding_idx")

    def __init__(self, ids: Any, padding_idx: int | None) -> None:
        self.ids, self.padding_idx = ids, padding_idx

    def forward(self, W: Any) -> Any:
        return W[self.ids]

    def backward(self, gy: Variable) -> Variable:
        W = self.inputs[0]
        if self.padding_idx is not None:
            gy = gy * (self.ids != self.padding_idx)[..., None].astype(gy.dtype)
        return CF.GetItemGrad(self.ids, W.shape, W.dtype)(gy)


def _renormalize(W: Any, ids: Any, max_norm: float, norm_type: float) -> None:
    """Scale, in place, the rows of W that ids name and whose norm exceeds max_norm down to
    max_norm (PyTorch's embedding_renorm_, which also changes the weight outside autograd)."""
    xp = get_array_module(W)
    rows = xp.unique(ids.ravel())
    picked = W[rows]
    norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    over = norms > max_norm
    scale = xp.where(over, max_norm / (norms + 1e-7), 1).astype(W.dtype)
    W[rows] = picked * scale[:, None]


def embedding(x: Any, W: Any, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0) -> Variable:
    """PyTorch's embedding: the rows of W (num_embeddings, dim) named by integer ids x. The row
    ``padding_idx`` (negative counts from the end) gets no gradient; with ``max_norm`` the rows
    used are first rescaled in place to at most that norm.

    >>> import numpy as np
    >>> embedding(np.array([1]), np.arange(4.0).reshape(2, 2))
    variable([[2. 3.]])
    """
    ids, W = _checked("embedding", x, W, "(num_embeddings, embedding_dim)")
    n = W.shape[0]
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx must lie in [-{n}, {n}), got {padding_idx}")
        padding_idx %= n
    if max_norm is not None and ids.size:
        _renormalize(W.data, ids, float(max_norm), float(norm_type))
    return Embedding(ids, padding_idx)(W)


def one_hot(x: Any, num_classes: int = -1) -> Any:
    """Integer labels as one-hot int64 rows: shape x.shape + (num_classes,); -1 means
    max(x) + 1. Not differentiable (it returns an array).

    >>> import numpy as np
    >>> one_hot(np.array([0, 2]))
    array([[1, 0, 0],
           [0, 0, 1]])
    """
    ids = x.data if isinstance(x, Variable) else x
    if not hasattr(ids, "dtype") or ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot: x must be an integer array of class labels, got "
                        f"{getattr(ids, 'dtype', type(ids).__name__)}")
    xp = get_array_module(ids)
    if num_classes == -1:
        if ids.size == 0:
            raise ValueError("one_hot: cannot infer num_classes from an empty x; pass it")
        num_classes = int(ids.max()) + 1
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= num_classes):
        raise ValueError(f"one_hot: class values must lie in [0, {num_classes}), got values from "
                         f"{int(ids.min())} to {int(ids.max())}")
    # a 1 written into zeros per label: no comparison over every class, no bool temporary
    out = xp.zeros((ids.size, num_classes), dtype=xp.int64)
    out[xp.arange(ids.size), ids.reshape(-1)] = 1
    return out.reshape(ids.shape + (num_classes,))
