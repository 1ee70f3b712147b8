"""Containers: Sequential (a chain of steps), LayerList and ParameterList (registered lists)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

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


_List = TypeVar("_List", bound="_IndexedList")


class _IndexedList(Layer):
    """The list machinery of LayerList and ParameterList: entries registered as attributes '0',
    '1', ... in order (so params(), save_weights() and to_gpu() reach them), read back from the
    registry. ``_checked(value)`` returns what a value is stored as, or raises; a subclass says
    what its entries may be there."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self.extend(() if values is None else values)

    def _checked(self, value: Any) -> Any:
        return value

    def _entries(self) -> list[Any]:
        return [self.__dict__[name] for name in self._registered_names()]

    def append(self: _List, value: Any) -> _List:
        setattr(self, str(len(self)), self._checked(value))
        return self

    def extend(self: _List, values: Iterable[Any]) -> _List:
        for value in values:
            self.append(value)
        return self

    def __getitem__(self, index: Any) -> Any:
        return self._entries()[index]

    def __setitem__(self, index: int, value: Any) -> None:
        name = self._registered_names()[index]  # IndexError for a bad index, negatives allowed
        setattr(self, name, self._checked(value))

    def __len__(self) -> int:
        return len(self._registered_names())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries())


class LayerList(_IndexedList):
    """A list of Layers, each registered (named 0, 1, ...) so that params(), save_weights() and
    to_gpu() reach them; iterate over it in a forward.

    >>> from zerograd.nn.layers import Linear
    >>> blocks = LayerList([Linear(2, in_size=3) for _ in range(2)])
    >>> len(blocks), [name for name, _ in blocks.named_params()]
    (2, ['0.W', '0.b', '1.W', '1.b'])
    """

    def __init__(self, layers: Iterable[Layer] | None = None) -> None:
        super().__init__(layers)

    def _checked(self, layer: Any) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"LayerList: items must be Layers, got {type(layer).__name__}")
        return layer

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} is a container: iterate over it in a "
                                  f"forward")


class ParameterList(_IndexedList):
    """A list of Parameters, each registered (named 0, 1, ...); arrays are wrapped in Parameters.

    >>> import numpy as np
    >>> weights = ParameterList([np.ones(2), np.zeros(3)])
    >>> [(name, p.shape) for name, p in weights.named_params()]
    [('0', (2,)), ('1', (3,))]
    """

    def __init__(self, params: Iterable[Any] | None = None) -> None:
        super().__init__(params)

    def _checked(self, value: Any) -> Parameter:
        if isinstance(value, Parameter):
            return value
        if isinstance(value, Variable):
            raise TypeError("ParameterList: got a Variable; wrap its data in a Parameter")
        if not hasattr(value, "dtype"):
            raise TypeError(f"ParameterList: items must be Parameters or arrays, "
                            f"got {type(value).__name__}")
        return Parameter(as_array(value))

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} is a container: use its Parameters in a "
                                  f"forward")
