"""Embedding lookup: rows of a weight matrix picked by integer ids."""

from __future__ import annotations

from typing import Any

from zerograd.core import Variable, as_variable
from zerograd.core import functions as CF


def embed_id(x: Any, W: Any) -> Variable:
    """The rows of W named by the ids in x: y = W[x], shape x.shape + (out_size,).

    x: integer ids of any shape, each in [0, in_size); W: (in_size, out_size). The gradient adds
    into W's rows, repeated ids accumulating.

    >>> import numpy as np
    >>> embed_id(np.array([2, 0]), np.arange(6.0).reshape(3, 2))
    variable([[4. 5.]
              [0. 1.]])
    """
    ids = x.data if isinstance(x, Variable) else x
    W = as_variable(W)
    if W.data is None or W.ndim != 2:
        raise ValueError(f"embed_id: W must be a matrix (in_size, out_size), got "
                         f"{None if W.data is None else W.shape}")
    if not hasattr(ids, "dtype") or ids.dtype.kind not in "iu":
        raise TypeError(f"embed_id: x must be an integer array of ids, got "
                        f"{getattr(ids, 'dtype', type(ids).__name__)}")
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= W.shape[0]):
        raise ValueError(f"embed_id: ids must lie in [0, {W.shape[0]}), got values from "
                         f"{int(ids.min())} to {int(ids.max())}")
    return CF.get_item(W, ids)
