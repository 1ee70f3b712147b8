"""Layer: a container of Parameters, buffers and child Layers; Model: a Layer that can plot itself.

Assigning a Parameter or a Layer to an attribute registers it, in assignment order; it stays a
plain attribute, so ``self.W`` reads as fast as any attribute. From that registry come the book's
params(), cleargrads(), save_weights()/load_weights(), and beyond the book named_params(), children(),
modules(), buffers, apply(), train()/eval(), is_training(), state_dict() and the printed tree.

The machinery (moving to a device, switching modes, saving, loading) walks the tree through the
private functions at the bottom of this module, which read the registry directly: a subclass may
assign any public name (the book's MLP stores its Linear layers in ``self.layers``) without
breaking ``to_gpu()``, ``train()`` or ``save_weights()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from zerograd.core import Config, Parameter, Variable, cuda
from zerograd.core.checks import check_bool, is_array
from zerograd.core.utils import plot_dot_graph
from zerograd.nn.serialization import open_weights, save_weights_file
from zerograd.nn.state import IncompatibleKeys, Slot, load_state


def check_float_dtype(where: str, dtype: Any) -> np.dtype:
    """``dtype`` must name a floating-point type (np.float32, "float64", ...); returned as a
    NumPy dtype. Layers store their weights in it, so an int or a size here is a mistake.

    >>> check_float_dtype("Linear", np.float32)
    dtype('float32')
    """
    try:
        result = None if dtype is None else np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result.kind != "f":
        raise TypeError(f"{where}: dtype must be a floating-point type such as np.float32, "
                        f"got {dtype!r}")
    return result


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

    Training or testing: a layer that behaves differently while training (Dropout drops units,
    BatchNorm uses and updates batch statistics) asks ``self.is_training()``, which is True only
    when both its own ``training`` flag (set on the whole tree by ``train()``/``eval()``) and
    ``Config.train`` (switched off by ``test_mode()``) are True. Either switch alone turns
    training behaviour off.
    """

    def __init__(self) -> None:
        # In assignment order: _params (the book's name), _children (Layers), _buffers.
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_children", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)

    # --- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        try:
            params, children = self.__dict__["_params"], self.__dict__["_children"]
            buffers = self.__dict__["_buffers"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attribute {name!r}") from None
        if isinstance(value, Parameter):
            buffers.pop(name, None)
            children.pop(name, None)
            params[name] = None
        elif isinstance(value, Layer):
            buffers.pop(name, None)
            params.pop(name, None)
            children[name] = None
        elif name in params or name in children:
            params.pop(name, None)
            children.pop(name, None)
        elif name in buffers and value is not None and not is_array(value):
            raise TypeError(f"{type(self).__name__}: buffer {name!r} holds an array or None, "
                            f"got {type(value).__name__}")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in ("_params", "_children", "_buffers"):
            self.__dict__[registry].pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, value: Any) -> None:
        """Register a persistent array that is not trained (running statistics, say): saved by
        state_dict() and save_weights(), moved by to_gpu(), readable as ``self.<name>``."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"register_buffer: name must be an identifier, got {name!r}")
        if name in self._params or name in self._children:
            raise ValueError(f"register_buffer: {name!r} is already a parameter or a layer")
        if value is not None and not is_array(value):
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
        for name in self._children:
            yield name, self.__dict__[name]

    def children(self) -> Iterator[Layer]:
        """The direct child Layers."""
        for _, child in Layer.named_children(self):
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Layer]]:
        """(dotted name, layer) for this layer ('' or ``prefix``) and every layer below it, parents
        first; a layer shared by two parents comes once (PyTorch's name; the book has none)."""
        return _walk_layers(self, prefix)

    def modules(self) -> Iterator[Layer]:
        """This layer and every layer below it (recursive, self first)."""
        for _, layer in _walk_layers(self, ""):
            yield layer

    def named_params(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) for every parameter of the tree, such as ('l0.W', W), in
        assignment order; a parameter shared by several layers comes once, under its first name."""
        return _walk_params(self, prefix)

    named_parameters = named_params

    def params(self) -> Iterator[Parameter]:
        """Every Parameter of the tree, once each, in a fixed order (the book's params())."""
        for _, param in _walk_params(self, ""):
            yield param

    parameters = params

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Any]]:
        """(dotted name, array) for every buffer of the tree that holds an array."""
        return _buffer_arrays(self, prefix)

    def buffers(self) -> Iterator[Any]:
        """Every buffer array of the tree."""
        for _, value in _buffer_arrays(self, ""):
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
        for _, layer in reversed(list(_walk_layers(self, ""))):
            fn(layer)
        return self

    # --- modes and device --------------------------------------------------------------------
    def train(self, mode: bool = True) -> Layer:
        """Set ``training`` on every layer of the tree (see is_training()); returns self."""
        mode = check_bool("train", "mode", mode)
        for _, layer in _walk_layers(self, ""):
            object.__setattr__(layer, "training", mode)
        return self

    def eval(self) -> Layer:
        """train(False): Dropout passes inputs through, BatchNorm uses its running statistics."""
        return Layer.train(self, False)

    def is_training(self) -> bool:
        """Whether this layer acts in training mode: its own ``training`` flag (train()/eval())
        and ``Config.train`` (test_mode()) must both be True. Every layer that behaves
        differently in training asks this, and nothing else.

        >>> from zerograd.nn.mode import test_mode
        >>> layer = Layer()
        >>> layer.is_training(), layer.eval().is_training()
        (True, False)
        >>> with test_mode():
        ...     layer.train().is_training()
        False
        """
        return self.__dict__["training"] and Config.train

    def cleargrads(self) -> None:
        """Forget the gradient of every parameter."""
        for _, param in _walk_params(self, ""):
            param.cleargrad()

    def to_cpu(self) -> Layer:
        """Move every parameter and buffer to NumPy arrays; returns self."""
        _move(self, cuda.as_numpy)
        return self

    def to_gpu(self) -> Layer:
        """Move every parameter and buffer to CuPy arrays (needs CuPy and a GPU); returns self."""
        _move(self, cuda.as_cupy)
        return self

    # --- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """{dotted name: array} for every parameter with data and every buffer: the arrays
        themselves, not copies (save or copy them to keep a snapshot).

        >>> from zerograd.nn.layers import Linear
        >>> {name: array.shape for name, array in Linear(2, in_size=3).state_dict().items()}
        {'W': (3, 2), 'b': (2,)}
        """
        state = {name: param.data for name, param in _walk_params(self, "")
                 if param.data is not None}
        state.update(_buffer_arrays(self, ""))
        return state

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
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: state must be a dict of name -> array such as "
                            f"{type(self).__name__}.state_dict() returns, got a "
                            f"{type(state).__name__}")
        return load_state(_slots(self), state, strict, "load_state_dict", type(self).__name__)

    def save_weights(self, path: str | os.PathLike) -> str:
        """Save parameters and buffers with the book's slash-separated keys ('l0/W'): a path
        ending in '.safetensors' writes a safetensors file (PyTorch's safetensors.torch.load_file
        reads it; needs ``pip install 'zerograd-nn[safetensors]'``), any other path an .npz file
        ('.npz' is appended when missing). Written to a temporary file and renamed into place.
        Returns the path written.

        >>> import os, tempfile
        >>> from zerograd.nn.layers import Linear
        >>> path = Linear(2, in_size=3).save_weights(os.path.join(tempfile.mkdtemp(), "w"))
        >>> os.path.basename(path)
        'w.npz'
        """
        return save_weights_file(path, {name.replace(".", "/"): array
                                        for name, array in Layer.state_dict(self).items()},
                                 "save_weights")

    def load_weights(self, path: str | os.PathLike, strict: bool = True) -> IncompatibleKeys:
        """Load a file written by save_weights (.npz, or .safetensors when the path ends so), all
        or nothing as load_state_dict; a corrupt or truncated file, or one whose arrays do not
        fit this layer, raises ValueError naming it and changes nothing. Never loads pickles;
        each array's header is checked against the file before its data is read, and arrays
        this layer has no place for are not read at all."""
        with open_weights(path, "load_weights") as archive:
            state = {name.replace("/", "."): archive.member(name) for name in archive.names}
            owner = f"{type(self).__name__} from {archive.path!r}"
            return load_state(_slots(self), state, strict, "load_weights", owner, separator="/",
                              copy=False)

    # --- printing ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown inside this layer's parentheses in the printed tree."""
        return ""

    def _repr_entries(self) -> list[tuple[str, Any]]:
        """(name, child) pairs printed below this layer: child Layers and, in a layer that has
        children, its own Parameters."""
        return [(name, self.__dict__[name]) for name in self._registered_names()]

    def _registered_names(self) -> list[str]:
        """The names of this layer's Parameters, then of its child Layers, each in assignment
        order (PyTorch's order too)."""
        return [*self.__dict__["_params"], *self.__dict__["_children"]]

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
    for _, param in _walk_params(layer, ""):
        if param.data is None:
            unsized += 1
        else:
            sized += param.data.size
    text = f"{sized:,} params"
    return text + (f" + {unsized} not sized yet" if unsized else "")


# --- the tree walks the machinery uses: registry reads only, no public name of a subclass -------
def _entry(layer: Layer, name: str) -> Any:
    return layer.__dict__[name]


def _walk_layers(root: Layer, prefix: str) -> Iterator[tuple[str, Layer]]:
    """(dotted name, layer) for ``root`` and every layer below it, parents first, each once."""
    seen: set[int] = set()
    pending = [(prefix, root)]
    while pending:
        name, layer = pending.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        yield name, layer
        children = [(f"{name}.{child_name}" if name else child_name, _entry(layer, child_name))
                    for child_name in layer.__dict__["_children"]]
        pending.extend(reversed(children))


def _walk_params_with_repeats(layer: Layer, prefix: str) -> Iterator[tuple[str, Parameter]]:
    """A layer's own Parameters first, then its children's (PyTorch's order)."""
    for name in layer.__dict__["_params"]:
        yield prefix + name, _entry(layer, name)
    for name in layer.__dict__["_children"]:
        yield from _walk_params_with_repeats(_entry(layer, name), f"{prefix}{name}.")


def _walk_params(root: Layer, prefix: str) -> Iterator[tuple[str, Parameter]]:
    """(dotted name, Parameter) in assignment order; a shared parameter comes once."""
    seen: set[int] = set()
    for name, param in _walk_params_with_repeats(root, f"{prefix}." if prefix else ""):
        if id(param) not in seen:
            seen.add(id(param))
            yield name, param


def _walk_buffers(root: Layer, prefix: str) -> Iterator[tuple[str, Layer, str]]:
    """(dotted name, owning layer, attribute name) for every registered buffer, empty or not."""
    for layer_name, layer in _walk_layers(root, prefix):
        for name in layer.__dict__["_buffers"]:
            yield (f"{layer_name}.{name}" if layer_name else name), layer, name


def _buffer_array(layer: Layer, name: str) -> Any:
    """A buffer's array (zerograd.torch keeps Tensors in buffers: their data), or None."""
    value = _entry(layer, name)
    return value.data if isinstance(value, Variable) else value


def _set_buffer_array(layer: Layer, name: str, array: Any) -> None:
    """Put ``array`` in a buffer; a buffer holding a Tensor keeps the Tensor object."""
    value = _entry(layer, name)
    if isinstance(value, Variable):
        value.data = array
    else:
        object.__setattr__(layer, name, array)


def _buffer_arrays(root: Layer, prefix: str) -> Iterator[tuple[str, Any]]:
    """(dotted name, array) for every buffer that holds an array."""
    for name, layer, attr in _walk_buffers(root, prefix):
        if _buffer_array(layer, attr) is not None:
            yield name, _buffer_array(layer, attr)


def _move(root: Layer, convert: Callable[[Any], Any]) -> None:
    for _, param in _walk_params(root, ""):
        if param.data is not None:
            param.data = convert(param.data)
    for _, layer, name in _walk_buffers(root, ""):
        if _buffer_array(layer, name) is not None:
            _set_buffer_array(layer, name, convert(_buffer_array(layer, name)))


def _slots(root: Layer) -> dict[str, Slot]:
    """Every loadable entry of the tree, sized or not: parameters, then buffers."""
    slots = {}
    for name, param in _walk_params(root, ""):
        slots[name] = Slot(param.data, lambda array, p=param: setattr(p, "data", array))
    for key, layer, name in _walk_buffers(root, ""):
        slots[key] = Slot(_buffer_array(layer, name), lambda array, owner=layer, attr=name:
                          _set_buffer_array(owner, attr, array))
    return slots


def snapshot(root: Layer) -> Callable[[], None]:
    """A function that puts every parameter and buffer of ``root`` back to the arrays it holds
    now (copies), unsized ones back to None: the exact roll-back load_checkpoint needs."""
    saved = [(slot.assign, None if slot.current is None else slot.current.copy())
             for slot in _slots(root).values()]

    def restore() -> None:
        for assign, array in saved:
            assign(array)
    return restore


class Model(Layer):
    """A Layer that is a whole network; adds plot() (the book's Model)."""

    def plot(self, *inputs: Any, to_file: str = "model.png") -> str:
        """Run forward on ``inputs`` and draw the computational graph to ``to_file`` with
        Graphviz (zerograd.core.utils.plot_dot_graph); returns the path written."""
        y = self.forward(*inputs)
        return plot_dot_graph(y, verbose=True, to_file=to_file)
