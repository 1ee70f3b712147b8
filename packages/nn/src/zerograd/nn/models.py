"""Ready-made models: the book's MLP, and Sequential (whose home is zerograd.nn.layers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zerograd.nn import functional as F
from zerograd.nn.layer import Model
from zerograd.nn.layers.containers import Sequential
from zerograd.nn.layers.linear import Linear

__all__ = ["MLP", "Model", "Sequential"]


class MLP(Model):
    """A multi-layer perceptron: Linear layers l0, l1, ... of the given output sizes (input size
    inferred at the first call), ``activation`` between them and none after the last.

    >>> import numpy as np
    >>> model = MLP((10, 3))
    >>> model(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    """

    def __init__(self, fc_output_sizes: Sequence[int],
                 activation: Callable[[Any], Any] = F.sigmoid) -> None:
        super().__init__()
        if len(fc_output_sizes) == 0:
            raise ValueError("MLP: fc_output_sizes must name at least one layer")
        self.activation = activation
        # Not self.layers, as in the book: Layer.layers() is the tree iterator.
        self.fc_layers = []
        for i, out_size in enumerate(fc_output_sizes):
            layer = Linear(out_size)
            setattr(self, f"l{i}", layer)
            self.fc_layers.append(layer)

    def forward(self, x: Any) -> Any:
        for layer in self.fc_layers[:-1]:
            x = self.activation(layer(x))
        return self.fc_layers[-1](x)

    def extra_repr(self) -> str:
        return f"activation={getattr(self.activation, '__name__', self.activation)}"
