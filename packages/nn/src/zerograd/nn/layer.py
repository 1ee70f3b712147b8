"""Layer: a container of Parameters, buffers and child Layers; Model: a Layer that can plot itself.

Assigning a Parameter or a Layer to an attribute registers it, in assignment order; it stays a
plain attribute, so ``self.W`` reads as fast as any attribute. From that registry come the book's
params(), cleargrads() and save_weights()/load_weights(), and beyond the book named_params(),
children(), layers(), buffers, apply(), train()/eval(), state_dict() and the printed tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from zerograd.core import Parameter, Variable, cuda
from zerograd.core.utils import plot_dot_graph
from zerograd.nn.serialization import load_npz, save_npz
from zerograd.nn.state import IncompatibleKeys, Slot, load_state


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or (
        cuda.cupy is not None and isinstance(value, cuda.cupy.ndarray))


class Layer:
    """The base of every layer and model: subclass it, assign Parameters and Layers in
    ``__init__`` (after ``super().__init__()``) and write ``forward``.

    >>> import numpy as np
    >>> from zerograd.core import Parameter
    >>> class Scale(Layer):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Parameter(np.ones(3, dtype=np.float32), name="w")
    ...     def forward(self, x):
    ...         return x * self.w
    >>> layer = Scale()
    >>> [name for name, _ in layer.named_params()]
    ['w']
    >>> layer(np.arange(3, dtype=np.float32))
    variable([0. 1. 2.])
    """

    def __init__(self) -> None:
        # _params: names of registered Parameters and child Layers, in assignment order (the
        # book's name; a dict is an ordered set). _buffers: names of registered buffers.
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    # --- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        try:
            registry, buffers = self.__dict__["_params"], self.__dict__["_buffers"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}") from None
        if isinstance(value, (Parameter, Layer)):
            buffers.pop(name, None)
            registry[name] = None
        elif name in registry:
            del registry[name]
        elif name in buffers and value is not None and not _is_array(value):
            raise TypeError(f"{type(self).__name__}: buffer {name!r} holds an array or None, "
                            f"got {type(value).__name__}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__["_params"].pop(name, None)
        self.__dict__["_buffers"].pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value: Any) -> None:
        """Register a persistent array that is not trained (running statistics, say): saved by
        state_dict() and save_weights(), moved by to_gpu(), readable as ``self.<name>``."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"register_buffer: name must be an identifier, got {name!r}")
        if name in self._params:
            raise ValueError(f"register_buffer: {name!r} is already a parameter or a layer")
        if value is not None and not _is_array(value):
            raise TypeError(f"register_buffer: {name!r} must be an array or None, "
                            f"got {type(value).__name__}")
        self._buffers[name] = None
        object.__setattr__(self, name, value)

    # --- calling -----------------------------------------------------------------------------
    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.forward(*inputs, **kwargs)

    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    # --- traversal ---------------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Layer]]:
        """(name, layer) for each direct child Layer, in assignment order."""
        for name in self._params:
            child = self.__dict__[name]
            if isinstance(child, Layer):
                yield name, child

    def children(self) -> Iterator[Layer]:
        """The direct child Layers."""
        for _, child in self.named_children():
            yield child

    def named_layers(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """(dotted name, layer) for this layer ('' or ``prefix``) and every layer below it, parents
        first; a layer shared by two parents comes once."""
        seen: set[int] = set()
        pending = [(prefix, self)]
        while pending:
            name, layer = pending.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            yield name, layer
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in layer.named_children()]
            pending.extend(reversed(children))

    def layers(self) -> Iterator[Layer]:
        """This layer and every layer below it (recursive, self first)."""
        for _, layer in self.named_layers():
            yield layer

    named_modules = named_layers  # PyTorch's names
    modules = layers

    def _all_params(self, prefix: str) -> Iterator[tuple[str, Parameter]]:
        for name in self._params:
            value = self.__dict__[name]
            if isinstance(value, Layer):
                yield from value._all_params(f"{prefix}{name}.")
            else:
                yield prefix + name, value

    def named_params(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter of the tree, such as ('l0.W', W), in
        assignment order; a parameter shared by several layers comes once, under its first name."""
        seen: set[int] = set()
        for name, param in self._all_params(f"{prefix}." if prefix else ""):
            if id(param) not in seen:
                seen.add(id(param))
                yield name, param

    named_parameters = named_params

    def params(self) -> Iterator[Parameter]:
        """Every Parameter of the tree, once each, in a fixed order (the book's params())."""
        for _, param in self.named_params():
            yield param

    parameters = params

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, array) for every buffer of the tree that holds an array."""
        for layer_name, layer in self.named_layers(prefix):
            for name in layer._buffers:
                value = layer.__dict__[name]
                if value is not None:
                    yield (f"{layer_name}.{name}" if layer_name else name), value

    def buffers(self) -> Iterator[Any]:
        """Every buffer array of the tree."""
        for _, value in self.named_buffers():
            yield value

    def apply(self, fn: Callable[[Layer], Any]) -> Layer:
        """Call ``fn(layer)`` on every layer of the tree, children before parents; returns self.

        >>> from zerograd.nn.layers import Linear
        >>> from zerograd.nn import init
        >>> def zero_biases(layer):
        ...     if isinstance(layer, Linear):
        ...         init.constant(layer.b, 0.5)
        >>> Linear(2, in_size=3).apply(zero_biases).b
        variable([0.5 0.5])
        """
        for layer in reversed(list(self.layers())):
            fn(layer)
        return self

    # --- modes and device --------------------------------------------------------------------
    def train(self, mode: bool = True) -> Layer:
        """Set ``training`` on every layer of the tree (Dropout and BatchNorm read it together
        with Config.train); returns self."""
        for layer in self.layers():
            object.__setattr__(layer, "training", bool(mode))
        return self

    def eval(self) -> Layer:
        """train(False): Dropout passes inputs through, BatchNorm uses its running statistics."""
        return self.train(False)

    def cleargrads(self) -> None:
        """Forget the gradient of every parameter."""
        for param in self.params():
            param.cleargrad()

    def _move(self, convert: Callable[[Any], Any]) -> None:
        for param in self.params():
            if param.data is not None:
                param.data = convert(param.data)
        for layer in self.layers():
            for name in layer._buffers:
                if layer.__dict__[name] is not None:
                    object.__setattr__(layer, name, convert(layer.__dict__[name]))

    def to_cpu(self) -> Layer:
        """Move every parameter and buffer to NumPy arrays; returns self."""
        self._move(cuda.as_numpy)
        return self

    def to_gpu(self) -> Layer:
        """Move every parameter and buffer to CuPy arrays (needs CuPy and a GPU); returns self."""
        self._move(cuda.as_cupy)
        return self

    # --- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{dotted name: array} for every parameter with data and every buffer: the arrays
        themselves, not copies (save or copy them to keep a snapshot).

        >>> from zerograd.nn.layers import Linear
        >>> {name: array.shape for name, array in Linear(2, in_size=3).state_dict().items()}
        {'W': (3, 2), 'b': (2,)}
        """
        state = {name: param.data for name, param in self.named_params()
                 if param.data is not None}
        state.update(self.named_buffers())
        return state

    def _slots(self) -> dict[str, Slot]:
        """Every loadable entry, sized or not: parameters, then buffers."""
        slots = {}
        for name, param in self.named_params():
            slots[name] = Slot(param.data, lambda array, p=param: setattr(p, "data", array))
        for layer_name, layer in self.named_layers():
            for name in layer._buffers:
                key = f"{layer_name}.{name}" if layer_name else name
                slots[key] = Slot(layer.__dict__[name], lambda array, owner=layer, attr=name:
                                  object.__setattr__(owner, attr, array))
        return slots

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (or Variables) from ``state`` into the parameters and buffers.

        All or nothing: missing or unexpected keys (with ``strict``) and shape mismatches (always)
        raise a ValueError that lists each offending key with the expected and found shapes, and
        nothing is changed. A parameter not sized yet (a lazy layer) takes the loaded array.
        Returns the missing and unexpected keys (both empty under ``strict``).

        >>> import numpy as np
        >>> from zerograd.nn.layers import Linear
        >>> layer = Linear(2)  # not sized yet: takes the loaded shapes
        >>> layer.load_state_dict({"W": np.ones((3, 2)), "b": np.zeros(2)})
        IncompatibleKeys(missing_keys=[], unexpected_keys=[])
        >>> layer.W.shape
        (3, 2)
        """
        return load_state(self._slots(), state, strict, "load_state_dict", type(self).__name__)

    def save_weights(self, path: str | os.PathLike) -> str:
        """Save parameters and buffers to an .npz file with the book's slash-separated keys
        ('l0/W'); '.npz' is appended when missing. Written to a temporary file and renamed into
        place. Returns the path written."""
        return save_npz(path, {name.replace(".", "/"): array
                               for name, array in self.state_dict().items()})

    def load_weights(self, path: str | os.PathLike, strict: bool = True) -> IncompatibleKeys:
        """Load a file written by save_weights (read with allow_pickle=False), all or nothing as
        load_state_dict; a corrupt or truncated file raises ValueError and changes nothing."""
        arrays = load_npz(path, caller="load_weights")
        state = {name.replace("/", "."): array for name, array in arrays.items()}
        return load_state(self._slots(), state, strict, "load_weights", type(self).__name__,
                          separator="/", copy=False)

    # --- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown inside this layer's parentheses in the printed tree."""
        return ""

    def _repr_entries(self) -> list[tuple[str, Any]]:
        """(name, child) pairs printed below this layer: child Layers and, in a layer that has
        children, its own Parameters."""
        return [(name, self.__dict__[name]) for name in self._params]

    def __repr__(self) -> str:
        return self._repr_tree(indent="")

    def _repr_tree(self, indent: str) -> str:
        head = f"{type(self).__name__}({self.extra_repr()})  # {_count_text(self)}"
        entries = self._repr_entries()
        if not any(isinstance(child, Layer) for _, child in entries):
            return head
        lines = [head]
        for name, child in entries:
            if isinstance(child, Layer):
                text = child._repr_tree(indent + "  ")
            elif isinstance(child, Variable):
                text = _param_text(child)
            else:
                text = getattr(child, "__name__", repr(child))
            lines.append(f"{indent}  ({name}): {text}")
        return "\n".join(lines)


def _param_text(param: Variable) -> str:
    if param.data is None:
        return "Parameter(not sized yet)"
    return f"Parameter(shape={tuple(param.shape)}, dtype={param.dtype})"


def _count_text(layer: Layer) -> str:
    sized = unsized = 0
    for _, param in layer.named_params():
        if param.data is None:
            unsized += 1
        else:
            sized += param.data.size
    text = f"{sized:,} params"
    return text + (f" + {unsized} not sized yet" if unsized else "")


class Model(Layer):
    """A Layer that is a whole network; adds plot() (the book's Model)."""

    def plot(self, *inputs: Any, to_file: str = "model.png") -> str:
        """Run forward on ``inputs`` and draw the computational graph to ``to_file`` with
        Graphviz (zerograd.core.utils.plot_dot_graph); returns the path written."""
        y = self.forward(*inputs)
        return plot_dot_graph(y, verbose=True, to_file=to_file)
