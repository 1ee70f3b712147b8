"""Dropout as a layer, so that model.eval() turns it off."""

from __future__ import annotations

from typing import Any

from zerograd.core import Config
from zerograd.nn.functional.dropout import dropout
from zerograd.nn.layer import Layer


class Dropout(Layer):
    """Inverted dropout (see zerograd.nn.functional.dropout), active only when both this layer's
    ``training`` flag and Config.train are set.

    >>> import numpy as np
    >>> layer = Dropout(0.5).eval()
    >>> layer(np.ones(2))
    variable([1. 1.])
    """

    def __init__(self, dropout_ratio: float = 0.5) -> None:
        super().__init__()
        if not 0 <= dropout_ratio <= 1:
            raise ValueError(f"Dropout: dropout_ratio must lie in [0, 1], got {dropout_ratio}")
        self.dropout_ratio = dropout_ratio

    def forward(self, x: Any) -> Any:
        return dropout(x, self.dropout_ratio, train=self.training and Config.train)

    def extra_repr(self) -> str:
        return f"dropout_ratio={self.dropout_ratio}"
