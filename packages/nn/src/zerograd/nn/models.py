"""Ready-made models: the book's MLP, and Sequential (whose home is zerograd.nn.layers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from zerograd.core.checks import check_positive_int
from zerograd.nn import functions as F
from zerograd.nn.layer import Model
from zerograd.nn.layers.containers import Sequential
from zerograd.nn.layers.linear import Linear

__all__ = ["MLP", "Model", "Sequential"]


class MLP(Model):
    """A multi-layer perceptron: Linear layers l0, l1, ... of the given output sizes (input size
    inferred at the first call), ``activation`` between them and none after the last. As in the
    book, ``layers`` is the plain list of the Linear layers.

    >>> import numpy as np
    >>> model = MLP((10, 3))
    >>> model(np.ones((2, 4), dtype=np.float32)).shape
    (2, 3)
    >>> [layer.W.shape for layer in model.layers]
    [(4, 10), (10, 3)]
    """

    def __init__(self, fc_output_sizes: Sequence[int],
                 activation: Callable[[Any], Any] = F.sigmoid) -> None:
        super().__init__()
        if isinstance(fc_output_sizes, (str, bytes)) or not isinstance(fc_output_sizes, Sequence):
            raise TypeError(f"MLP: fc_output_sizes must be a list or tuple of layer sizes, such as "
                            f"(100, 10), got {fc_output_sizes!r}")
        if len(fc_output_sizes) == 0:
            raise ValueError("MLP: fc_output_sizes must name at least one layer")
        if not callable(activation):
            raise TypeError(f"MLP: activation must be a function such as F.relu, got "
                            f"{activation!r}")
        sizes = [check_positive_int("MLP", f"fc_output_sizes[{i}]", size)
                 for i, size in enumerate(fc_output_sizes)]
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(sizes):
            layer = Linear(out_size)
            setattr(self, f"l{i}", layer)
            self.layers.append(layer)

    def forward(self, x: Any) -> Any:
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)

    def extra_repr(self) -> str:
        return f"activation={getattr(self.activation, '__name__', self.activation)}"
