"""EmbedID: a lookup table of vectors, one row per id."""

from __future__ import annotations

from typing import Any

import numpy as np

from zerograd.core import Parameter
from zerograd.core.checks import check_positive_int
from zerograd.nn.functions.embedding import embed_id
from zerograd.nn.layer import Layer, check_float_dtype


class EmbedID(Layer):
    """y = W[x] for integer ids x in [0, in_size); W (in_size, out_size) drawn as in the book,
    randn(in_size, out_size) from NumPy's global generator, stored in ``dtype``.

    >>> import numpy as np
    >>> EmbedID(10, 4)(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(self, in_size: int, out_size: int, dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_size = check_positive_int("EmbedID", "in_size", in_size)
        self.out_size = check_positive_int("EmbedID", "out_size", out_size)
        dtype = check_float_dtype("EmbedID", dtype)
        self.W = Parameter(np.random.randn(in_size, out_size).astype(dtype), name="W")

    def forward(self, x: Any) -> Any:
        return embed_id(x, self.W)

    def extra_repr(self) -> str:
        return f"in_size={self.in_size}, out_size={self.out_size}"
