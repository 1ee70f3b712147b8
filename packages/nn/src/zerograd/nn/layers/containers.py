"""Containers: Sequential (a chain of steps), LayerList and ParameterList (registered lists)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from zerograd.core import Parameter, Variable, as_array
from zerograd.nn.layer import Layer, Model


class Sequential(Model):
    """Apply layers (or plain functions such as F.relu) one after another; layers are
    registered as l0, l1, ... by position, as in the book.

    ``layers`` is the book's plain list of the steps (Layers and functions, in order), so the
    book's ``for l in dis.layers + gen.layers:`` works; the tree walk is ``modules()``.

    >>> import numpy as np
    >>> import zerograd.nn.functions as F
    >>> from zerograd.nn.layers import Linear
    >>> model = Sequential(Linear(4), F.relu, Linear(2))
    >>> model(np.ones((3, 5), dtype=np.float32)).shape
    (3, 2)
    >>> [name for name, _ in model.named_params()]
    ['l0.W', 'l0.b', 'l2.W', 'l2.b']
    >>> [type(step).__name__ for step in model.layers]
    ['Linear', 'function', 'Linear']
    """

    def __init__(self, *steps: Callable[..., Any]) -> None:
        super().__init__()
        self.layers: list[Callable[..., Any]] = []
        for step in steps:
            self.append(step)

    def append(self, step: Callable[..., Any]) -> Sequential:
        """Add a layer or function at the end; returns self."""
        if not callable(step):
            raise TypeError(f"Sequential: each step must be a Layer or a function, "
                            f"got {type(step).__name__}")
        if isinstance(step, Layer):
            setattr(self, f"l{len(self.layers)}", step)
        self.layers.append(step)
        return self

    def forward(self, x: Any) -> Any:
        for step in self.layers:
            x = step(x)
        return x

    def __getitem__(self, index: int) -> Callable[..., Any]:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(self.layers)

    def _repr_entries(self) -> list[tuple[str, Any]]:
        return [(f"l{i}", step) for i, step in enumerate(self.layers)]


class LayerList(Layer):
    """A list of Layers, each registered (named 0, 1, ...) so that params(), save_weights() and
    to_gpu() reach them; iterate over it in a forward.

    >>> from zerograd.nn.layers import Linear
    >>> blocks = LayerList([Linear(2, in_size=3) for _ in range(2)])
    >>> len(blocks), [name for name, _ in blocks.named_params()]
    (2, ['0.W', '0.b', '1.W', '1.b'])
    """

    def __init__(self, layers: Iterable[Layer] = ()) -> None:
        super().__init__()
        self._items: list[Layer] = []
        self.extend(layers)

    def _check(self, layer: Any) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"LayerList: items must be Layers, got {type(layer).__name__}")
        return layer

    def append(self, layer: Layer) -> LayerList:
        setattr(self, str(len(self._items)), self._check(layer))
        self._items.append(layer)
        return self

    def extend(self, layers: Iterable[Layer]) -> LayerList:
        for layer in layers:
            self.append(layer)
        return self

    def __getitem__(self, index: int) -> Layer:
        return self._items[index]

    def __setitem__(self, index: int, layer: Layer) -> None:
        position = range(len(self._items))[index]  # IndexError for a bad index, negatives allowed
        setattr(self, str(position), self._check(layer))
        self._items[position] = layer

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self._items)

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError("LayerList is a container: iterate over it in a forward")


class ParameterList(Layer):
    """A list of Parameters, each registered (named 0, 1, ...); arrays are wrapped in Parameters.

    >>> import numpy as np
    >>> weights = ParameterList([np.ones(2), np.zeros(3)])
    >>> [(name, p.shape) for name, p in weights.named_params()]
    [('0', (2,)), ('1', (3,))]
    """

    def __init__(self, params: Iterable[Any] = ()) -> None:
        super().__init__()
        self._items: list[Parameter] = []
        self.extend(params)

    def _as_parameter(self, value: Any) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Variable):
            raise TypeError("ParameterList: got a Variable; wrap its data in a Parameter")
        if not hasattr(value, "dtype"):
            raise TypeError(f"ParameterList: items must be Parameters or arrays, "
                            f"got {type(value).__name__}")
        return Parameter(as_array(value))

    def append(self, value: Any) -> ParameterList:
        param = self._as_parameter(value)
        setattr(self, str(len(self._items)), param)
        self._items.append(param)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, index: int) -> Parameter:
        return self._items[index]

    def __setitem__(self, index: int, value: Any) -> None:
        position = range(len(self._items))[index]
        param = self._as_parameter(value)
        setattr(self, str(position), param)
        self._items[position] = param

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._items)

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError("ParameterList is a container: use its Parameters in a forward")
