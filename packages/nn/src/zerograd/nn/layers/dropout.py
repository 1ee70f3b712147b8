"""Dropout as a layer, so that model.eval() turns it off."""

from __future__ import annotations

from typing import Any

from zerograd.core.checks import check_real
from zerograd.nn.functions.dropout import dropout
from zerograd.nn.layer import Layer


class Dropout(Layer):
    """Inverted dropout (see zerograd.nn.functions.dropout), active only while
    ``is_training()`` (this layer's ``training`` flag and Config.train both set).

    >>> import numpy as np
    >>> layer = Dropout(0.5).eval()
    >>> layer(np.ones(2))
    variable([1. 1.])
    """

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        super().__init__()
        self.dropout_ratio = check_real("Dropout", "dropout_ratio", dropout_ratio, low=0, high=1)

    def forward(self, x: Any) -> Any:
        return dropout(x, self.dropout_ratio, train=self.is_training())

    def extra_repr(self) -> str:
        return f"dropout_ratio={self.dropout_ratio}"
