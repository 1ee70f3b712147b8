"""export(): one define-by-run forward in test mode, then the recorded graph walked from the outputs
and each Function written out through its mapping in the op registry (``zerograd.onnx.ops``).
One more forward per dynamic axis name, with that axis one longer, shows which sizes follow it
(see dynamic.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import onnx
from onnx import helper
from zerograd.core import Variable, cuda, using_config
from zerograd.core.files import atomic_write
from zerograd.nn import Layer, test_mode
from zerograd.onnx.dynamic import Symbol
from zerograd.onnx.emitter import Emitter
from zerograd.onnx.ops import EXPORTS

DEFAULT_OPSET = 17
LOWEST_OPSET = 13


class ExportError(ValueError):
    """A model that cannot be written as ONNX (a Function without a mapping, a bad argument)."""


def newest_opset() -> int:
    """The newest opset of the default domain that the installed onnx knows."""
    return onnx.defs.onnx_opset_version()


def export(model: Layer, example_inputs: Any, path: str | os.PathLike | None = None, *,
           opset: int = DEFAULT_OPSET, dynamic_axes: dict[str, dict[int, str]] | None = None,
           input_names: Sequence[str] | None = None, output_names: Sequence[str] | None = None,
           ) -> onnx.ModelProto:
    """Write ``model`` as an ONNX model (to ``path`` when given, atomically) and return it.

    One forward runs on ``example_inputs`` (an array or a tuple of arrays) in test mode, so dropout
    is the identity and batch normalisation uses its running statistics. Parameters become
    initializers under their dotted names (``conv1.W``). ``dynamic_axes`` maps an input or output
    name to {axis: symbolic name}; by default axis 0 of every input and output is the dynamic
    ``batch``. The file passes ``onnx.checker`` (full check) before it is written.

    >>> import numpy as np, zerograd.nn.functions as F
    >>> from zerograd.nn.models import MLP
    >>> proto = export(MLP((8, 3), activation=F.relu), np.ones((2, 4), np.float32))
    >>> [node.op_type for node in proto.graph.node]
    ['MatMul', 'Add', 'Relu', 'MatMul', 'Add']
    """
    if not isinstance(model, Layer):
        raise TypeError(f"export: model must be a zerograd Layer or Model, got {type(model).__name__}")
    if not LOWEST_OPSET <= int(opset) <= newest_opset():
        raise ExportError(f"export: opset must lie in [{LOWEST_OPSET}, {newest_opset()}], got {opset}")
    arrays = _as_arrays(example_inputs)
    input_names = list(input_names or (["input"] if len(arrays) == 1 else
                                       [f"input{i}" for i in range(len(arrays))]))
    if len(input_names) != len(arrays):
        raise ExportError(f"export: {len(input_names)} input_names for {len(arrays)} inputs")
    inputs = [Variable(a, name=n) for a, n in zip(arrays, input_names)]
    outputs, tags = _trace(model, inputs)
    output_names = list(output_names or (["output"] if len(outputs) == 1 else
                                         [f"output{i}" for i in range(len(outputs))]))
    if len(output_names) != len(outputs):
        raise ExportError(f"export: {len(output_names)} output_names for {len(outputs)} outputs")
    axes = dynamic_axes if dynamic_axes is not None else {
        name: {0: "batch"} for name in [*input_names, *output_names]}
    symbols, partners = _extra_traces(model, arrays, input_names, axes, outputs)
    proto = _build(model, inputs, outputs, tags, int(opset), input_names, output_names, axes,
                   symbols, partners)
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        with atomic_write(path) as fh:
            fh.write(proto.SerializeToString())
    return proto


def _as_arrays(example_inputs: Any) -> list[np.ndarray]:
    items = list(example_inputs) if isinstance(example_inputs, (tuple, list)) else [example_inputs]
    arrays = []
    for i, item in enumerate(items):
        data = item.data if isinstance(item, Variable) else item
        if not hasattr(data, "shape"):
            raise TypeError(f"export: example input {i} must be an array or a Variable, "
                            f"got {type(item).__name__}")
        arrays.append(data)
    return arrays


# --- tracing -----------------------------------------------------------------------------------
def _named_layers(model: Layer) -> list[tuple[str, Layer]]:
    """(dotted name, layer) for the model ('') and every layer below it."""
    found, pending, seen = [], [("", model)], set()
    while pending:
        name, layer = pending.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        found.append((name, layer))
        children = [(f"{name}.{key}" if name else key, value)
                    for key, value in vars(layer).items() if isinstance(value, Layer)]
        pending.extend(reversed(children))
    return found


def _trace(model: Layer, inputs: list[Variable]) -> tuple[list[Variable], dict[int, str]]:
    """Run the forward in test mode with backprop on (so the graph is recorded); tag each
    Function with the path of the innermost layer whose forward created it."""
    tags: dict[int, str] = {}
    root = type(model).__name__
    layers = _named_layers(model)
    for name, layer in layers:
        path = f"{root}.{name} ({type(layer).__name__})" if name else root
        object.__setattr__(layer, "forward", _tagging(layer.forward, path, tags))
    try:
        with test_mode(), using_config("enable_backprop", True):
            result = model(*inputs)
    finally:
        for _, layer in layers:
            layer.__dict__.pop("forward", None)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    for i, output in enumerate(outputs):
        if not isinstance(output, Variable):
            raise ExportError(f"export: output {i} of {root} is a {type(output).__name__}, "
                              "not a Variable")
    return outputs, tags


def _tagging(forward: Callable, path: str, tags: dict[int, str]) -> Callable:
    def tagged(*args: Any, **kwargs: Any) -> Any:
        result = forward(*args, **kwargs)
        stop = {id(a) for a in args if isinstance(a, Variable)}
        pending = list(result) if isinstance(result, (tuple, list)) else [result]
        while pending:
            var = pending.pop()
            f = getattr(var, "creator", None)
            if f is None or id(f) in tags or id(var) in stop:
                continue
            tags[id(f)] = path
            pending.extend(f.inputs)
        return result
    return tagged


def _functions_in_order(outputs: list[Variable]) -> list[Any]:
    """Every recorded Function behind the outputs, each after the Functions it depends on."""
    order, done = [], set()
    pending = [(out.creator, False) for out in reversed(outputs) if out.creator is not None]
    while pending:
        f, expanded = pending.pop()
        if id(f) in done:
            continue
        if expanded:
            done.add(id(f))
            order.append(f)
            continue
        pending.append((f, True))
        pending.extend((x.creator, False) for x in reversed(f.inputs)
                       if x.creator is not None and id(x.creator) not in done)
    return order


def _extra_traces(model: Layer, arrays: list, input_names: list[str],
                  axes: dict[str, dict[int, str]], outputs: list[Variable]
                  ) -> tuple[list[Symbol], dict[int, list[Any]]]:
    """One trace per dynamic axis name with that axis one longer on every input that has it (one
    shorter when the model refuses the longer one: a GPT traced at its full context); each base
    Function's counterparts, position by position. None of it when both traces fail or record
    another graph (the exporter then falls back to the batch-axis rules)."""
    names: dict[str, list[tuple[int, int]]] = {}
    for i, name in enumerate(input_names):
        for axis, symbol in sorted(axes.get(name, {}).items()):
            if axis < np.ndim(arrays[i]):
                names.setdefault(symbol, []).append((i, axis))
    base = _functions_in_order(outputs)
    symbols, traces = [], []
    for places in names.values():
        i, axis = places[0]
        size = int(np.shape(arrays[i])[axis])
        for delta in (1, -1):
            order = _trace_resized(model, arrays, places, delta) if size + delta > 0 else None
            if order is not None and [type(f) for f in order] == [type(f) for f in base]:
                break
        else:
            return [], {}
        symbols.append(Symbol(input_names[i], axis, size, size + delta))
        traces.append(order)
    partners = {id(f): [order[k] for order in traces] for k, f in enumerate(base)}
    return symbols, partners


def _trace_resized(model: Layer, arrays: list, places: list[tuple[int, int]], delta: int
                   ) -> list[Any] | None:
    """The Functions of a trace with each (input, axis) of ``places`` ``delta`` (+1 or -1)
    longer, or None when the model refuses those sizes."""
    changed = list(arrays)
    for i, axis in places:
        xp = cuda.get_array_module(changed[i])
        if delta > 0:
            changed[i] = xp.concatenate([changed[i], xp.take(changed[i], [-1], axis=axis)],
                                        axis=axis)
        else:
            changed[i] = xp.take(changed[i], range(changed[i].shape[axis] - 1), axis=axis)
    try:
        outs, _ = _trace(model, [Variable(a) for a in changed])
    except Exception:  # noqa: BLE001  (a model that only runs at its traced sizes)
        return None
    return _functions_in_order(outs)


# --- building the graph ------------------------------------------------------------------------
def _build(model: Layer, inputs: list[Variable], outputs: list[Variable], tags: dict[int, str],
           opset: int, input_names: list[str], output_names: list[str],
           axes: dict[str, dict[int, str]], symbols: list[Symbol], partners: dict[int, list[Any]]
           ) -> onnx.ModelProto:
    e = Emitter(opset, {id(array): name for name, array in model.named_buffers()})
    e.symbols, e.partners = symbols, partners
    names: dict[int, str] = {}
    for var, name in zip(inputs, input_names):
        names[id(var)] = e.fresh(name)
    e.input_arrays = {id(var.data): names[id(var)] for var in inputs}
    for name, param in model.named_params():
        names.setdefault(id(param), e.fresh(name))
    used_params: dict[int, Variable] = {}
    graph_outputs = {id(var): name for var, name in zip(outputs, output_names)}
    for f in _functions_in_order(outputs):
        mapping = EXPORTS.get(type(f))
        if mapping is None:
            raise ExportError(f"export: the Function {type(f).__name__} has no ONNX mapping; "
                              f"it was reached from {tags.get(id(f), type(model).__name__)}")
        ins = [_input_name(e, x, names, used_params, [g.inputs[i] for g in e.variants(f)])
               for i, x in enumerate(f.inputs)]
        outs = _output_names(e, f, names, graph_outputs)
        try:
            mapping(e, f, ins, outs)
        except NotImplementedError as err:
            raise ExportError(f"export: {err}; reached from {tags.get(id(f), type(model).__name__)}") \
                from err
    for var, name in zip(outputs, output_names):  # an output that no node made (an input, say)
        if var.creator is None:
            e.node("Identity", [_input_name(e, var, names, used_params)], [e.fresh(name)])
    for var in used_params.values():
        e.initializer(var.data, names[id(var)], fresh=False)
    graph = helper.make_graph(
        e.nodes, type(model).__name__,
        [_value_info(name, var, axes.get(name, {})) for var, name in zip(inputs, input_names)],
        [_value_info(name, var, axes.get(name, {})) for var, name in zip(outputs, output_names)],
        initializer=e.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="zerograd")
    proto.ir_version = min(proto.ir_version, _ir_version_for(opset))
    return proto


def _output_names(e: Emitter, f: Any, names: dict[int, str], graph_outputs: dict[int, str]
                  ) -> list[str]:
    """The ONNX names of a Function's outputs: the graph's output names for the model's outputs,
    fresh names for the others and for outputs nobody kept (a cell state after the last step)."""
    outs = []
    for ref in f.outputs:
        out = ref()
        if out is None:
            outs.append(e.fresh("unused"))
            continue
        if id(out) not in names:
            names[id(out)] = e.fresh(graph_outputs.get(id(out), type(f).__name__.lower()))
        outs.append(names[id(out)])
    return outs


def _input_name(e: Emitter, x: Variable, names: dict[int, str], used_params: dict,
                others: list[Variable] = ()) -> str | None:
    """The ONNX name of a Function's input: a graph value, a parameter (its initializer is added
    once), a constant (``others``: the same constant in the extra traces), or None for an absent
    optional input."""
    if x.data is None:
        return None
    if id(x) in names:
        if x.creator is None and id(x.data) not in e.input_arrays:
            used_params[id(x)] = x
        return names[id(x)]
    name = e.literal(x.data, x.name or "const", [o.data for o in others if o.data is not None])
    names[id(x)] = name
    return name


def _value_info(name: str, var: Variable, dynamic: dict[int, str]) -> Any:
    shape = [dynamic.get(axis, size) for axis, size in enumerate(var.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(var.dtype), shape)


def _ir_version_for(opset: int) -> int:
    """The IR version paired with an opset (so older runtimes accept the file)."""
    for entry in helper.VERSION_TABLE:
        if entry[2] == opset:
            return entry[1]
    return onnx.IR_VERSION
